"""`golive mark ITEM --status …`: a scripted update, saved at once."""

from __future__ import annotations

import argparse
import difflib

from golive_tui.commands._session import open_for_write
from golive_tui.core.errors import GoliveError
from golive_tui.core.state import ItemStatus
from golive_tui.core.textsafe import terminal as safe


def run(args: argparse.Namespace) -> int:
    checklist, sf = open_for_write(args, create=True)
    with sf:
        item = checklist.by_id.get(args.item)
        if item is None:
            close = difflib.get_close_matches(args.item, list(checklist.by_id), n=1)
            hint = (
                f"; did you mean {close[0]!r}?" if close else "; list them: golive status --items"
            )
            raise GoliveError(
                f"ITEM {args.item!r}: no such item in checklist {checklist.id!r}{hint}"
            )
        sf.state.mark(item, ItemStatus(args.status), note=args.note, by=args.operator or "")
        sf.save()
    print(safe(f"{item.id}: {args.status}"))
    return 0
