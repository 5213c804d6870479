"""`golive export [--format md|json] [-o FILE]`: the review for a launch PR, or JSON.

Reads the state without locking it. With no state file yet (but `--checklist`),
exports an all-to-do view, which is useful for a kickoff PR.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from golive_tui.commands._session import load_for_read
from golive_tui.core import checklist as checklists
from golive_tui.core.errors import GoliveError
from golive_tui.core.export import RedactFn, to_json, to_markdown
from golive_tui.core.state import atomic_write


def run(args: argparse.Namespace) -> int:
    out = Path(args.output).expanduser() if args.output else None
    state_path = Path(args.state)
    if out is not None:
        # Before anything is read: never let an export replace the session itself.
        if _same_file(out, state_path):
            raise GoliveError(
                f"-o {args.output}: that is the state file ({args.state}); choose another"
                " output file, e.g. -o golive-review.md"
            )
        if out.is_dir():
            raise GoliveError(f"-o {args.output}: is a folder; give a file name")
        if not out.parent.is_dir():
            raise GoliveError(f"-o {args.output}: folder {out.parent} does not exist; create it")

    checklist, state = load_for_read(args)
    if out is not None:
        spec = args.checklist or (state.checklist_source if state else None)
        if spec and _same_file(out, checklists.resolve(spec)):
            raise GoliveError(
                f"-o {args.output}: that is the checklist file; choose another output file"
            )

    redactor = _redactor()
    if args.format == "json":
        text = to_json(checklist, state, redactor=redactor)
    else:
        text = to_markdown(checklist, state, redactor=redactor)
    data = text.encode("utf-8")

    if out is None:
        # Bytes, not text: the Markdown has glyphs and must be UTF-8 whatever the locale.
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            sys.stdout.write(text)
        else:
            buffer.write(data)
            buffer.flush()
        return 0
    try:
        atomic_write(out, data)
    except OSError as exc:
        raise GoliveError(f"-o {args.output}: cannot write ({exc.strerror})") from None
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _redactor() -> RedactFn | None:
    """The state holds no secrets by design; this is the second line of defence.

    Probe evidence was already redacted with the real token when it was captured;
    here anything credential-shaped is scrubbed, without touching the keyring
    (which could pop up an unlock prompt just to write a file).
    """
    from golive_tui.core.redact import Redactor

    return Redactor()


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False
