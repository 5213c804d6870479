"""`golive checklists`: the built-in checklists and their size."""

from __future__ import annotations

import argparse

from golive_tui.core import checklist as checklists


def run(args: argparse.Namespace) -> int:
    for cid in checklists.builtin_ids():
        cl = checklists.load(cid)
        items = cl.items()
        probes = sum(1 for i in items if i.automatable)
        print(
            f"{cid:<12} {cl.title} — {len(cl.sections)} sections, {len(items)} items,"
            f" {probes} verified by probes"
        )
    return 0
