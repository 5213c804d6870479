"""Counting progress: per section and overall, the same for status, export and the TUI.

Done means verified (a probe passed here) or attested (a person marked it), and the
counts keep both apart; overrides are counted on their own, never as done
(`core.review` decides what each item rests on).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from golive_tui.core.checklist import Checklist, Item, Section, Severity
from golive_tui.core.review import ItemReview, Review, Standing, review
from golive_tui.core.state import ItemStatus, ProbeStatus, State

# Why an item whose checklist text changed after it was checked is stale.
ITEM_CHANGED = "the checklist changed this item after it was checked; re-check it"
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

STANDING_GLYPH = {
    Standing.VERIFIED: "✓",
    Standing.ATTESTED: "✓",
    Standing.OVERRIDDEN: "⚑",
    Standing.FAILING: "✗",
    Standing.STALE: "△",
    Standing.SANDBOX_ONLY: "⊘",
    Standing.NOT_APPLICABLE: "–",
    Standing.SKIPPED: "↷",
    Standing.OPEN: "○",
}


def standing_label(r: ItemReview) -> str:
    """ "✓ verified", "⚑ overridden", "○ open": what the item rests on, glyph and word."""
    return f"{STANDING_GLYPH[r.standing]} {r.standing.value}"


@dataclass
class Counts:
    total: int = 0
    done: int = 0  # verified or attested
    verified: int = 0  # the latest probe passed on this target
    attested: int = 0  # a person marked it done
    overridden: int = 0  # done or set aside against the evidence, with a reason
    failed: int = 0  # marked failed
    skipped: int = 0
    not_applicable: int = 0
    todo: int = 0
    failing: int = 0  # marked failed, or its latest probe failed, with no override
    stale: int = 0  # its latest result no longer counts (another target, drift, too old)
    sandbox_only: int = 0  # production items a sandbox target cannot verify

    @property
    def resolved(self) -> int:
        """Done or deliberately not applicable: nothing left to do."""
        return self.done + self.not_applicable

    @property
    def basis(self) -> str:
        """How the done figure splits: "9 verified, 5 attested" (an item can be both)."""
        parts = [f"{self.verified} verified", f"{self.attested} attested"]
        if self.overridden:
            parts.append(f"{self.overridden} overridden")
        return ", ".join(parts)

    def add(self, r: ItemReview) -> None:
        self.total += 1
        self.done += r.done
        self.verified += r.verified
        self.attested += r.attested
        self.overridden += r.override is not None
        self.failing += r.failing
        self.stale += bool(r.stale) and not r.done
        self.sandbox_only += bool(r.not_here)
        match r.state.status:
            case ItemStatus.FAILED:
                self.failed += 1
            case ItemStatus.SKIPPED:
                self.skipped += 1
            case ItemStatus.NOT_APPLICABLE:
                self.not_applicable += 1
            case ItemStatus.TODO:
                self.todo += not r.done


@dataclass
class SectionProgress:
    section: Section
    counts: Counts = field(default_factory=Counts)


@dataclass
class Progress:
    sections: list[SectionProgress]
    overall: Counts
    open_blockers: list[Item]  # blockers that stop the launch (not done, no override)
    stale: list[str]  # items whose latest result no longer counts, or whose text changed
    review: Review

    def why_stale(self, item_id: str) -> str:
        """Why the item's evidence no longer holds, with the fix ("" when it holds)."""
        stale = self.review.of(item_id).stale
        return stale or (ITEM_CHANGED if item_id in self.stale else "")


def progress(
    checklist: Checklist,
    state: State | None,
    *,
    at: datetime | None = None,
    drift: Mapping[str, str] | None = None,
) -> Progress:
    judged = review(checklist, state, at=at, drift=drift)
    sections = []
    overall = Counts()
    for section in checklist.sections:
        sp = SectionProgress(section)
        for item in section.items:
            r = judged.of(item.id)
            sp.counts.add(r)
            overall.add(r)
        sections.append(sp)
    blockers = [r.item for r in judged.verdict.blocking if r.item.severity is Severity.BLOCKER]
    changed = set(state.stale_items(checklist)) if state else set()
    stale = [r.item.id for r in judged.items if (r.stale and not r.done) or r.item.id in changed]
    return Progress(sections, overall, blockers, stale, judged)
