"""`golive status`: a progress table per section (creates the state when asked).

An existing state is read without the lock: saves are atomic renames, so the file
is always one consistent snapshot, even while the app has it open.
"""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

from golive_tui.commands._reread import reread
from golive_tui.commands._session import load_for_read, open_for_write
from golive_tui.core.checklist import Checklist
from golive_tui.core.progress import progress, standing_label
from golive_tui.core.review import Standing
from golive_tui.core.state import State
from golive_tui.core.textsafe import terminal as safe


def _snapshot(args: argparse.Namespace) -> tuple[Checklist, State]:
    if Path(args.state).exists():
        checklist, state = load_for_read(args)
        if state is not None:
            return checklist, state
    checklist, sf = open_for_write(args, create=True)  # a new session: made under the lock
    with sf:
        return checklist, sf.state


def run(args: argparse.Namespace) -> int:
    checklist, state = _snapshot(args)
    found = reread(args, checklist, state)
    prog = progress(checklist, state, drift=found.drift if found else None)
    t = state.target
    # Titles, ids and target fields come from files the user (or anyone) wrote: their
    # control characters are shown escaped, never sent to the terminal.
    target = " ".join(x for x in (t.provider, t.environment, t.base_url) if x) or "not set"
    print(safe(checklist.title))
    operator = f" · operator: {t.operator}" if t.operator else ""
    print(safe(f"state: {args.state} · target: {target}{operator}"))
    print()
    titles = [safe(sp.section.title) for sp in prog.sections]
    width = max(cells(t) for t in ["section", *titles])
    heads = ("done", "verified", "attested", "failing", "stale", "overridden", "n/a", "n/a here")
    print(f"{pad('section', width)}  " + "  ".join(f"{h:>{max(len(h), 7)}}" for h in heads))
    for title, sp in zip(titles, prog.sections, strict=True):
        c = sp.counts
        figures = (f"{c.done}/{c.total}", c.verified, c.attested, c.failing, c.stale)
        cols = [*figures, c.overridden, c.not_applicable, c.sandbox_only]
        print(
            f"{pad(title, width)}  "
            + "  ".join(f"{v!s:>{max(len(h), 7)}}" for v, h in zip(cols, heads, strict=True))
        )
    o = prog.overall
    print()
    print(
        f"overall: {o.done}/{o.total} done ({o.verified} verified, {o.attested} attested),"
        f" {o.overridden} overridden, {o.failing} failing, {o.stale} stale,"
        f" {o.not_applicable} not applicable"
        + (f", {o.sandbox_only} not applicable to a sandbox target" if o.sandbox_only else "")
        + f"; {len(prog.open_blockers)} open blockers"
    )
    verdict = prog.review.verdict
    print(safe(f"verdict: {verdict.decision}"))
    reasons = verdict.reasons
    for line in reasons[:5]:
        print(safe(f"  · {line}"))
    if len(reasons) > 5:
        print(f"  · … and {len(reasons) - 5} more (golive export has them all)")
    if found is not None:
        print(safe(f"configuration: {found.summary}"))
    if prog.stale:
        print(safe(f"stale ({len(prog.stale)}; golive check --only-stale re-runs them):"))
        for item_id in prog.stale:
            print(safe(f"  △ {item_id}: {prog.why_stale(item_id)}"))
    if args.items:
        print()
        id_width = max(cells(safe(item.id)) for item in checklist.items())
        label_width = max(len(s.value) for s in Standing) + 2
        for section in checklist.sections:
            print(safe(section.title))
            for item in section.items:
                label = standing_label(prog.review.of(item.id))
                print(
                    f"  {label:<{label_width}}  {pad(safe(item.id), id_width)}  {safe(item.title)}"
                )
    return 0


def cells(text: str) -> int:
    """Terminal columns `text` takes: wide (CJK, emoji) characters take two, marks none."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` columns (str.ljust counts characters, not columns)."""
    return text + " " * max(0, width - cells(text))
