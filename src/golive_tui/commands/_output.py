"""Where a command's report goes: stdout as UTF-8, or a file written atomically.

Shared by `check` and `export`, which both refuse to let `-o` overwrite the
session's own state file or its checklist.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from golive_tui.core import checklist as checklists
from golive_tui.core import safefile
from golive_tui.core.errors import GoliveError


def same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def output_path(output: str, state_path: Path, example: str) -> Path:
    """Check `-o` before anything is read: never replace the session itself."""
    out = Path(output).expanduser()
    if same_file(out, state_path):
        raise GoliveError(
            f"-o {output}: that is the state file ({state_path}); choose another output file,"
            f" e.g. -o {example}"
        )
    if out.is_dir():
        raise GoliveError(f"-o {output}: is a folder; give a file name")
    try:
        safefile.check_target(out)  # a symlink, a device or a FIFO is never replaced
    except OSError as exc:
        raise GoliveError(f"-o {output}: {exc.strerror}; give a regular file's path") from None
    if not out.parent.is_dir():
        raise GoliveError(f"-o {output}: folder {out.parent} does not exist; create it")
    return out


def refuse_checklist(out: Path, output: str, checklist_spec: str | None) -> None:
    if checklist_spec and same_file(out, checklists.resolve(checklist_spec)):
        raise GoliveError(f"-o {output}: that is the checklist file; choose another output file")


def write_stdout(text: str) -> None:
    # Bytes, not text: reports have glyphs and must be UTF-8 whatever the locale.
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8"))
        buffer.flush()


def write_file(out: Path, output: str, text: str) -> None:
    try:
        safefile.atomic_write(out, text.encode("utf-8"))
    except OSError as exc:
        raise GoliveError(f"-o {output}: cannot write ({exc.strerror})") from None
    print(f"wrote {out}", file=sys.stderr)
