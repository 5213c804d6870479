"""The launch review's judgement: what each item rests on, and the go/no-go verdict.

Two kinds of evidence count toward progress, and the review always says which:
- *verified*: the item's latest probe passed, on the current target, and the item has
  not changed since;
- *attested*: a person marked it done (manual items can only be attested, except that
  a passing `golive harness` report verifies the manual items it covers: golive saw
  every record arrive exactly once).

A person can go against the evidence (mark done an item whose probe did not pass, or
set a blocker aside), but only with a reason: that is an *override*, shown as such and
never counted as green. The verdict is GO, GO WITH OVERRIDES or NO-GO, and the roles a
checklist names must have signed off on the verdict as it stands now.

UI-free: the CLI, the export and the app all ask here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property

from golive_tui.core import freshness
from golive_tui.core.checklist import Checklist, Item, Severity
from golive_tui.core.freshness import Basis
from golive_tui.core.state_document import State
from golive_tui.core.state_records import (
    HARNESS_PROBE,
    ItemState,
    ItemStatus,
    Override,
    ProbeRecord,
    ProbeStatus,
    Signoff,
    now,
)
from golive_tui.core.state_target import Target

ROLE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")  # a sign-off role: "engineering"
GO = "GO"
GO_WITH_OVERRIDES = "GO WITH OVERRIDES"
NO_GO = "NO-GO"
_NOT_PASSING = (ProbeStatus.FAIL, ProbeStatus.ERROR, ProbeStatus.WARN)
_FAILING = (ProbeStatus.FAIL, ProbeStatus.ERROR)


class Standing(StrEnum):
    """What an item rests on, most telling first."""

    VERIFIED = "verified"
    ATTESTED = "attested"
    OVERRIDDEN = "overridden"
    FAILING = "failing"
    STALE = "stale"  # its pass no longer holds: another target, drift, or too old
    SANDBOX_ONLY = "sandbox-n/a"  # a production item against a sandbox target
    NOT_APPLICABLE = "not-applicable"
    SKIPPED = "skipped"
    OPEN = "open"


@dataclass(frozen=True)
class ItemReview:
    item: Item
    state: ItemState
    verified: bool
    attested: bool
    override: Override | None  # only while it still goes against the evidence
    failing: bool
    stale: str = ""  # why its latest result no longer counts ("" when it does or has none)
    not_here: str = ""  # why the target cannot verify it (a production item on a sandbox)

    @property
    def done(self) -> bool:
        return self.verified or self.attested

    @property
    def standing(self) -> Standing:
        if self.override is not None:
            return Standing.OVERRIDDEN
        if self.verified:
            return Standing.VERIFIED
        if self.attested:
            return Standing.ATTESTED
        if self.failing:
            return Standing.FAILING
        if self.not_here:
            return Standing.SANDBOX_ONLY
        if self.stale:
            return Standing.STALE
        if self.state.status is ItemStatus.NOT_APPLICABLE:
            return Standing.NOT_APPLICABLE
        if self.state.status is ItemStatus.SKIPPED:
            return Standing.SKIPPED
        return Standing.OPEN

    @property
    def blocks_launch(self) -> bool:
        """A blocker not done, or any item failing, with no override to carry it."""
        if self.override is not None or self.done:
            return False
        if self.failing:
            return True
        return self.item.severity is Severity.BLOCKER and (
            self.state.status is not ItemStatus.NOT_APPLICABLE
        )


def latest_here(st: ItemState, target: Target) -> ProbeRecord | None:
    """The latest probe result if it is evidence for this target (see `freshness.elsewhere`)."""
    latest = st.latest
    if latest is None or freshness.elsewhere(latest, target):
        return None
    return latest


def review_item(item: Item, st: ItemState, basis: Basis) -> ItemReview:
    not_here = freshness.not_applicable(item, basis.target)
    latest = None if not_here else st.latest
    stale = ""
    if latest is not None:
        stale = freshness.elsewhere(latest, basis.target)
        if stale:
            latest = None
        elif latest.status is ProbeStatus.PASS:
            stale = freshness.stale_reason(latest, item, st, basis)
    verified = (
        latest is not None
        and (item.probe is not None or latest.probe == HARNESS_PROBE)
        and latest.status is ProbeStatus.PASS
        and not stale
    )
    against = latest is not None and latest.status in _FAILING
    override = st.override
    if override is not None:
        set_aside = st.status in (ItemStatus.SKIPPED, ItemStatus.NOT_APPLICABLE)
        still_against = (st.status is ItemStatus.DONE and not verified) or (
            set_aside and item.severity is Severity.BLOCKER
        )
        override = override if still_against else None
    attested = st.status is ItemStatus.DONE and override is None and not against
    failing = override is None and (
        st.status is ItemStatus.FAILED
        or (st.status in (ItemStatus.TODO, ItemStatus.DONE) and against)
    )
    return ItemReview(item, st, verified, attested, override, failing, stale, not_here)


def override_needed(item: Item, st: ItemState, status: ItemStatus, target: Target) -> str | None:
    """What marking `item` as `status` would go against, in words; None when nothing."""
    if item.severity is Severity.BLOCKER and status in (
        ItemStatus.SKIPPED,
        ItemStatus.NOT_APPLICABLE,
    ):
        return f"blocker marked {status.value}"
    latest = latest_here(st, target)
    if status is ItemStatus.DONE and latest is not None and latest.status in _NOT_PASSING:
        return f"probe {latest.probe} {latest.status.value}: {latest.summary}"
    return None


@dataclass(frozen=True)
class Verdict:
    decision: str  # GO, GO WITH OVERRIDES or NO-GO
    facts: str  # the same before sign-offs: what a sign-off approves
    blocking: tuple[ItemReview, ...]  # items that stop the launch
    overrides: tuple[ItemReview, ...]
    missing_roles: tuple[str, ...]  # required roles without a current sign-off
    signoffs: tuple[Signoff, ...]  # current: made on the verdict as it stands
    outdated: tuple[Signoff, ...]  # made on a verdict that has changed since

    @property
    def reasons(self) -> list[str]:
        """Why it is not a plain GO, one line each."""
        lines = [f"{r.item.id}: {_why_blocking(r)}" for r in self.blocking]
        lines += [f"no current sign-off from {role}" for role in self.missing_roles]
        return lines


def _why_blocking(r: ItemReview) -> str:
    latest = r.state.latest
    if r.failing and latest is not None and latest.status in _FAILING:
        return f"probe {latest.probe} {latest.status.value}: {latest.summary}"
    if r.failing:
        return "marked failed"
    if r.not_here:
        return r.not_here
    if r.stale:
        return f"stale: {r.stale}"
    if r.state.status is ItemStatus.SKIPPED:
        return "blocker skipped without a reason"
    return "blocker not verified or attested yet"


@dataclass(frozen=True)
class Review:
    items: tuple[ItemReview, ...]
    verdict: Verdict

    @cached_property
    def _by_id(self) -> dict[str, ItemReview]:
        return {r.item.id: r for r in self.items}

    def of(self, item_id: str) -> ItemReview:
        return self._by_id[item_id]


def basis_for(
    checklist: Checklist,
    state: State | None,
    *,
    at: datetime | None = None,
    drift: Mapping[str, str] | None = None,
) -> Basis:
    target = state.target if state else Target(provider=checklist.provider)
    return Basis(target=target, checklist=checklist, at=at or now(), drift=dict(drift or {}))


def review(
    checklist: Checklist,
    state: State | None,
    *,
    at: datetime | None = None,
    drift: Mapping[str, str] | None = None,
) -> Review:
    """Judge every item. `at` is the clock (TTL), `drift` what re-reads found changed
    (core/recheck.py: item id → what changed)."""
    basis = basis_for(checklist, state, at=at, drift=drift)
    items = tuple(
        review_item(item, state.item(item.id) if state else ItemState(), basis)
        for item in checklist.items()
    )
    blocking = tuple(r for r in items if r.blocks_launch)
    overrides = tuple(r for r in items if r.override is not None)
    facts = NO_GO if blocking else GO_WITH_OVERRIDES if overrides else GO
    approved = (facts, frozenset(o.item.id for o in overrides))
    signoffs = tuple(state.signoffs) if state else ()
    current = tuple(s for s in signoffs if (s.verdict, frozenset(s.overrides)) == approved)
    outdated = tuple(s for s in signoffs if s not in current)
    signed = {s.role for s in current}
    missing = tuple(role for role in checklist.signoff_roles if role not in signed)
    decision = NO_GO if missing else facts
    verdict = Verdict(decision, facts, blocking, overrides, missing, current, outdated)
    return Review(items, verdict)


def facts_basis(
    checklist: Checklist, state: State, *, drift: Mapping[str, str] | None = None
) -> tuple[str, list[str]]:
    """The verdict before sign-offs, and the overridden item ids: what a sign-off
    approves. It stays current while both are unchanged."""
    v = review(checklist, state, drift=drift).verdict
    return v.facts, sorted(o.item.id for o in v.overrides)
