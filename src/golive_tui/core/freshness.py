"""Whether a probe result still speaks for the target as it is now.

A pass is evidence about one account and one configuration at one time. It stops
counting when:
- it ran against another target (another base URL, environment, customer), or the
  target is production and the result came from a sandbox: sandbox evidence never
  signs off a production launch;
- it is *stale*: the checklist item changed, a re-read saw the configuration it
  verified change (`drift`, from core/recheck.py), or it is older than the item's
  TTL (checklist `[evidence] ttl_days`, item `ttl_days`; default 7 days).

Items that speak of production (`production = true`) cannot be verified against a
sandbox target at all: they are "not applicable to a sandbox target".

Pure and UI-free; `review` asks here for every item.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from golive_tui.core.checklist import Checklist, Item
from golive_tui.core.state_records import ItemState, ProbeRecord, now
from golive_tui.core.state_target import Target

NOT_FOR_SANDBOX = "not applicable to a sandbox target"
NOT_FOR_SANDBOX_FIX = (
    f"{NOT_FOR_SANDBOX}: only the production token, URL and environment can prove it;"
    " run it against the production target (golive set environment production)"
)


def is_production(target: Target) -> bool:
    return target.environment == "production"


def not_applicable(item: Item, target: Target) -> str:
    """Why `item` cannot be verified against `target` ("" when it can)."""
    if item.production and not is_production(target):
        return NOT_FOR_SANDBOX_FIX
    return ""


def elsewhere(record: ProbeRecord, target: Target) -> str:
    """Why `record` is not evidence for `target` at all ("" when it is): kept as history."""
    if record.target and record.target != target.identity:
        if is_production(target) and record.environment != "production":
            return (
                "a sandbox result: it does not count toward a production verdict;"
                " run the probe against the production target"
            )
        return f"ran against another target ({record.target}); run it again here"
    if is_production(target) and not record.target and record.environment != "production":
        # From a golive that did not record where it ran: not production evidence.
        return "where it ran was not recorded: it does not count toward a production verdict"
    return ""


@dataclass(frozen=True)
class Basis:
    """What results are judged against: the target, the checklist, the clock and what
    re-reads found changed (item id → what changed)."""

    target: Target
    checklist: Checklist
    at: datetime = field(default_factory=now)
    drift: Mapping[str, str] = field(default_factory=dict)

    def ttl(self, item: Item) -> timedelta:
        return timedelta(days=self.checklist.ttl_days(item))


def stale_reason(record: ProbeRecord, item: Item, st: ItemState, basis: Basis) -> str:
    """Why a result here no longer holds ("" when it does), in one line with the fix."""
    if (record.item and record.item != item.fingerprint) or (
        st.fingerprint and st.fingerprint != item.fingerprint
    ):
        return "the checklist item changed since this result; re-run the probe"
    changed = basis.drift.get(item.id, "")
    if changed:
        return f"{changed}; re-run the probe"
    ttl = basis.ttl(item)
    age = basis.at - record.at
    if age > ttl:
        days = ttl.days
        return (
            f"older than {days} day{'s' if days != 1 else ''} (ran"
            f" {record.at:%Y-%m-%d %H:%M} UTC); re-run the probe to refresh the evidence"
        )
    return ""
