"""`golive status`: a progress table per section (creates the state when asked)."""

from __future__ import annotations

import argparse

from golive_tui.commands._session import open_for_write
from golive_tui.core.progress import STATUS_GLYPH, progress
from golive_tui.core.textsafe import terminal as safe


def run(args: argparse.Namespace) -> int:
    checklist, sf = open_for_write(args, create=True)
    with sf:
        state = sf.state
    prog = progress(checklist, state)
    t = state.target
    # Titles, ids and target fields come from files the user (or anyone) wrote: their
    # control characters are shown escaped, never sent to the terminal.
    target = " ".join(x for x in (t.provider, t.environment, t.base_url) if x) or "not set"
    print(safe(checklist.title))
    operator = f" · operator: {t.operator}" if t.operator else ""
    print(safe(f"state: {args.state} · target: {target}{operator}"))
    print()
    titles = [safe(sp.section.title) for sp in prog.sections]
    width = max(len(title) for title in titles)
    print(f"{'section':<{width}}  {'done':>7}  {'failed':>6}  {'skipped':>7}  {'n/a':>4}")
    for title, sp in zip(titles, prog.sections, strict=True):
        c = sp.counts
        print(
            f"{title:<{width}}  {c.done:>3}/{c.total:<3}  {c.failing:>6}  {c.skipped:>7}"
            f"  {c.not_applicable:>4}"
        )
    o = prog.overall
    print()
    print(
        f"overall: {o.done}/{o.total} done, {o.failing} failing, {o.skipped} skipped,"
        f" {o.not_applicable} not applicable; {len(prog.open_blockers)} open blockers"
    )
    if prog.stale:
        print(safe(f"changed since checked (re-check): {', '.join(prog.stale)}"))
    if args.items:
        print()
        for section in checklist.sections:
            print(safe(section.title))
            for item in section.items:
                st = state.item(item.id)
                line = f"{item.id}  {item.title}"
                print(f"  {STATUS_GLYPH[st.status]} {st.status.value:<14} {safe(line)}")
    return 0
