"""Text for the main screen: status words, list rows, ages. Glyph + word, never colour alone."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content

from golive_tui.core.checklist import Item, Section
from golive_tui.core.progress import PROBE_GLYPH, STANDING_GLYPH, Counts
from golive_tui.core.review import Standing
from golive_tui.core.state import ItemState, ItemStatus, ProbeStatus

STATUS_WORD = {
    ItemStatus.TODO: "TODO",
    ItemStatus.DONE: "DONE",
    ItemStatus.SKIPPED: "SKIPPED",
    ItemStatus.NOT_APPLICABLE: "N/A",
    ItemStatus.FAILED: "FAILED",
}
# What an item rests on (core/review.py): a passing probe verifies it, a person attests it.
STANDING_WORD = {
    Standing.VERIFIED: "VERIFIED",
    Standing.ATTESTED: "ATTESTED",
    Standing.OVERRIDDEN: "OVERRIDE",
    Standing.FAILING: "FAILING",
    Standing.STALE: "STALE",
    Standing.SANDBOX_ONLY: "N/A HERE",
    Standing.NOT_APPLICABLE: "N/A",
    Standing.SKIPPED: "SKIPPED",
    Standing.OPEN: "OPEN",
}
STANDING_COLOUR = {
    Standing.VERIFIED: "$text-success",
    Standing.ATTESTED: "$text-success",
    Standing.OVERRIDDEN: "$text-warning",
    Standing.FAILING: "$text-error",
    Standing.STALE: "$text-warning",
    Standing.SANDBOX_ONLY: "$text-accent",
    Standing.NOT_APPLICABLE: "$text-muted",
    Standing.SKIPPED: "$text-warning",
    Standing.OPEN: "$text-muted",
}
PROBE_WORD = {
    ProbeStatus.PASS: "PASS",
    ProbeStatus.WARN: "WARN",
    ProbeStatus.FAIL: "FAIL",
    ProbeStatus.ERROR: "ERROR",
}
PROBE_COLOUR = {
    ProbeStatus.PASS: "$text-success",
    ProbeStatus.WARN: "$text-warning",
    ProbeStatus.FAIL: "$text-error",
    ProbeStatus.ERROR: "$text-error",
}
# Outcomes that are shown but never saved.
TRANSIENT_GLYPH = {"skipped": "↷", "cancelled": "⊘", "error": "⚠"}
RUNNING = "⟳"
STALE = "△"
NOTE = "✎"  # the item has a note


def standing_label(standing: Standing, *, width: int = 0) -> Content:
    return Content.from_markup(
        f"[{STANDING_COLOUR[standing]}]$glyph $word[/]",
        glyph=STANDING_GLYPH[standing],
        word=f"{STANDING_WORD[standing]:<{width}}",
    )


def probe_label(status: ProbeStatus) -> Content:
    return Content.from_markup(
        f"[b {PROBE_COLOUR[status]}]$glyph $word[/]",
        glyph=PROBE_GLYPH[status],
        word=PROBE_WORD[status],
    )


def item_row(
    item: Item, st: ItemState, standing: Standing, *, running: bool, stale: bool
) -> Content:
    """One line: `✓ VERIFIED ✓ PASS  △ Title` (running: `⟳ RUN` in the probe column).

    The first column is what the item rests on (verified by its probe, attested by a
    person, failing, overridden, open), so a passing probe never sits beside "TODO".
    Columns keep their place so the eye can scan them; markers (△ changed, ✎ note) and
    the title come last, and a long title wraps.
    """
    status = standing_label(standing, width=8) + Content(" ")
    latest = st.latest
    if running:
        probe = Content.from_markup(f"[b $text-accent]{RUNNING} RUN[/]   ")
    elif latest is not None:
        word = PROBE_WORD[latest.status]
        probe = probe_label(latest.status) + Content(" " * (6 - len(word)))
    elif item.probe:
        probe = Content.from_markup("[$text-muted]· probe[/] ")
    else:
        probe = Content(" " * 8)
    marker = Content.from_markup(f"[b $text-warning]{STALE}[/] ") if stale else Content("")
    if st.note:
        marker += Content.from_markup(f"[$text-accent]{NOTE}[/] ")
    return Content.assemble(status, probe, marker, Content(item.title))


def section_row(section: Section, counts: Counts) -> Content:
    """`3/10 ✗2 Usage and metering`: counts first so they stay visible when cut."""
    return Content.from_markup(
        "[$text-muted]$done[/] [$text-error]$failing[/]$title",
        done=f"{counts.done:>2}/{counts.total:<2}",
        failing=f"✗{counts.failing} " if counts.failing else "",
        title=section.title,
    )


def plural(n: int, noun: str) -> str:
    """`1 result`, `3 results`."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def ago(then: datetime | None, now: datetime) -> str:
    """`just now`, `12 s ago`, `3 min ago`, `2 h ago`, or the date."""
    if then is None:
        return "not saved yet"
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 2:
        return "just now"
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return then.astimezone().strftime("%Y-%m-%d %H:%M")
