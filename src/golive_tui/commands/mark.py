"""`golive mark ITEM --status …`: a scripted update, saved at once."""

from __future__ import annotations

import argparse
import difflib

from golive_tui.commands._session import open_for_write
from golive_tui.core.errors import GoliveError
from golive_tui.core.review import override_needed
from golive_tui.core.state import ItemStatus
from golive_tui.core.textsafe import terminal as safe


def run(args: argparse.Namespace) -> int:
    checklist, sf = open_for_write(args, create=True)
    with sf:
        item = checklist.by_id.get(args.item)
        if item is None:
            close = suggest(args.item, list(checklist.by_id))
            hint = f"; did you mean {close!r}?" if close else "; list them: golive status --items"
            raise GoliveError(
                f"ITEM {args.item!r}: no such item in checklist {checklist.id!r}{hint}"
            )
        status = ItemStatus(args.status)
        state = sf.state
        against = override_needed(item, state.item(item.id), status, state.target)
        reason = (args.reason or "").strip()
        if against is not None and not reason:
            raise GoliveError(
                f"ITEM {item.id!r}: marking it {status.value} goes against the evidence"
                f' ({against}); pass --reason "…" to record it as an override'
            )
        override = (reason, against) if against is not None else None
        state.mark(item, status, note=args.note, by=args.operator or "", override=override)
        sf.save()
    shown = f"{item.id}: {args.status}"
    if override is not None:
        shown += f" (override recorded: {against})"
    elif reason:
        shown += " (--reason not needed: nothing to override; not recorded)"
    print(safe(shown))
    return 0


def suggest(typed: str, ids: list[str]) -> str | None:
    """The item id `typed` is probably a typo of, or None when nothing is close.

    The whole id must be close (the shared `section.` prefix alone scores ~0.6 with
    difflib, hence the high cutoff), or the part after the section must be, for
    one item only (`load-test` for `usage.load-test`).
    """
    close = difflib.get_close_matches(typed, ids, n=1, cutoff=0.8)
    if close:
        return close[0]
    by_name: dict[str, list[str]] = {}
    for item_id in ids:
        by_name.setdefault(item_id.rsplit(".", 1)[-1], []).append(item_id)
    name = typed.rsplit(".", 1)[-1]
    close = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.8)
    if close and len(by_name[close[0]]) == 1:
        return by_name[close[0]][0]
    return None
