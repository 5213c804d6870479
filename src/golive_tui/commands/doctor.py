"""`golive doctor`: is this install able to work? One line per check, glyph plus word.

Checks: the Python version; golive's and its key packages' versions; the keyring
backend and a set/get/delete round trip with a throwaway entry; whether
keyrings.alt is installed (a loud warning: it makes a plaintext file the default
keyring); the state file (`--state`): absent is fine, otherwise it must parse and
its checklist must load.

Exit status: 0 when every check passed (warnings allowed), 1 when any check
failed. (1 rather than 2 because nothing about the command line was wrong; the
printed list says what is.)
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from importlib import metadata
from pathlib import Path

from golive_tui import __version__
from golive_tui.core.errors import GoliveError

EXIT_FAILED = 1
PACKAGES = ("textual", "httpx", "keyring", "pydantic", "tomli-w")
MIN_PYTHON = (3, 11)

OK, BAD, WARN = "✓ ok  ", "✗ FAIL", "! WARN"


class _Report:
    def __init__(self) -> None:
        self.failed = 0
        self.warned = 0

    def ok(self, what: str) -> None:
        print(f"{OK} {what}")

    def bad(self, what: str) -> None:
        self.failed += 1
        print(f"{BAD} {what}")

    def warn(self, what: str) -> None:
        self.warned += 1
        print(f"{WARN} {what}")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _install(r: _Report) -> None:
    py = ".".join(str(x) for x in sys.version_info[:3])
    if sys.version_info[:2] >= MIN_PYTHON:
        r.ok(f"python {py} ({sys.executable})")
    else:
        r.bad(f"python {py}: golive needs {'.'.join(map(str, MIN_PYTHON))} or newer")
    r.ok(f"golive {__version__}")
    for dist in PACKAGES:
        v = _version(dist)
        if v is None:
            r.bad(f"{dist}: not installed; reinstall golive")
        else:
            r.ok(f"{dist} {v}")


def _keyring(r: _Report) -> None:
    from golive_tui.core import secrets

    alt = _version("keyrings.alt")
    if alt is not None:
        r.warn(
            f"keyrings.alt {alt} is installed: it can make a PLAINTEXT file the default keyring;"
            " golive refuses its backends — uninstall it (pip uninstall keyrings.alt)"
        )
    # One line: the backend and whether a set/get/delete round trip works with it.
    good, message = secrets.roundtrip_check()
    if good:
        r.ok(f"keyring {message}")
    else:
        r.bad(f"keyring ({secrets.backend_name()}): {message}")


def _state(r: _Report, path: Path) -> None:
    if not path.exists():
        r.ok(f"state file {path}: none yet (created on first use)")
        return
    from golive_tui.core import checklist as checklists
    from golive_tui.core import state as states

    try:
        st = states.read(path)
    except GoliveError as exc:
        r.bad(f"state file: {exc.message}")
        return
    counts = Counter(s.status.value for s in st.items.values())
    probes = sum(len(s.probe_results) for s in st.items.values())
    touched = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no items touched"
    r.ok(
        f"state file {path}: checklist {st.checklist_id}, {touched}, {probes} probe results,"
        f" {len(st.created_objects)} created objects"
    )
    try:
        checklists.load(st.checklist_source)
    except GoliveError as exc:
        r.bad(f"checklist {st.checklist_source}: {exc.message}")
    else:
        r.ok(f"checklist {st.checklist_source}: loads")


def run(args: argparse.Namespace) -> int:
    r = _Report()
    _install(r)
    _keyring(r)
    _state(r, Path(args.state))
    print()
    if r.failed:
        print(f"{r.failed} check(s) failed, {r.warned} warning(s)")
        return EXIT_FAILED
    print(f"all checks passed, {r.warned} warning(s)")
    return 0
