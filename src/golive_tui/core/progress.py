"""Counting progress: per section and overall, the same for status, export and the TUI."""

from __future__ import annotations

from dataclasses import dataclass, field

from golive_tui.core.checklist import Checklist, Item, Section, Severity
from golive_tui.core.state import ItemState, ItemStatus, ProbeStatus, State

# Glyph and word together, so the meaning never rests on colour alone.
STATUS_GLYPH = {
    ItemStatus.TODO: "○",
    ItemStatus.DONE: "✓",
    ItemStatus.SKIPPED: "↷",
    ItemStatus.NOT_APPLICABLE: "–",
    ItemStatus.FAILED: "✗",
}
PROBE_GLYPH = {
    ProbeStatus.PASS: "✓",
    ProbeStatus.WARN: "!",
    ProbeStatus.FAIL: "✗",
    ProbeStatus.ERROR: "⚠",
}


def is_failing(st: ItemState) -> bool:
    """Marked failed, or its latest probe run failed or errored."""
    if st.status is ItemStatus.FAILED:
        return True
    latest = st.latest
    return (
        st.status is ItemStatus.TODO
        and latest is not None
        and latest.status in (ProbeStatus.FAIL, ProbeStatus.ERROR)
    )


def is_open_blocker(item: Item, st: ItemState) -> bool:
    return item.severity is Severity.BLOCKER and st.status in (
        ItemStatus.TODO,
        ItemStatus.FAILED,
        ItemStatus.SKIPPED,
    )


@dataclass
class Counts:
    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    not_applicable: int = 0
    todo: int = 0
    failing: int = 0  # failed, or todo with a failing latest probe

    @property
    def resolved(self) -> int:
        """Done or deliberately not applicable: nothing left to do."""
        return self.done + self.not_applicable

    def add(self, st: ItemState) -> None:
        self.total += 1
        match st.status:
            case ItemStatus.DONE:
                self.done += 1
            case ItemStatus.FAILED:
                self.failed += 1
            case ItemStatus.SKIPPED:
                self.skipped += 1
            case ItemStatus.NOT_APPLICABLE:
                self.not_applicable += 1
            case _:
                self.todo += 1
        if is_failing(st):
            self.failing += 1


@dataclass
class SectionProgress:
    section: Section
    counts: Counts = field(default_factory=Counts)


@dataclass
class Progress:
    sections: list[SectionProgress]
    overall: Counts
    open_blockers: list[Item]
    stale: list[str]


def progress(checklist: Checklist, state: State | None) -> Progress:
    sections = []
    overall = Counts()
    blockers = []
    for section in checklist.sections:
        sp = SectionProgress(section)
        for item in section.items:
            st = state.item(item.id) if state else ItemState()
            sp.counts.add(st)
            overall.add(st)
            if is_open_blocker(item, st):
                blockers.append(item)
        sections.append(sp)
    stale = state.stale_items(checklist) if state else []
    return Progress(sections, overall, blockers, stale)
