"""`golive` with no command: the interactive app (arrives with the TUI issue)."""

from __future__ import annotations

import argparse

from golive_tui.core.errors import GoliveError


def run(args: argparse.Namespace) -> int:
    raise GoliveError(
        "the interactive app is not built yet; use golive status, mark and export meanwhile"
    )
