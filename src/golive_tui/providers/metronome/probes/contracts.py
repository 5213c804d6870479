"""Metronome probes: which of a customer's contracts matter, and which one test usage
lands on.

A customer may hold several concurrent contracts, each with its own invoices, fed by
`usage_filter`s ("Customers in Metronome can have multiple concurrent contracts …
Use usage_filters to route the correct usage to each contract",
`#/paths/~1v1~1contracts~1create/post`). `starting_at` is inclusive and
`ending_before` exclusive (`#S/CreateContractPayload`), so `covering_date=now` misses
a contract that starts later today, on launch day: the probes list every contract
and choose here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from golive_tui.core.probes.common import parse_time

Contract = dict[str, Any]
UTC_DAY = timedelta(days=1)


def _start(k: Contract) -> datetime | None:
    return parse_time(k.get("starting_at")) if k.get("starting_at") else None


def _end(k: Contract) -> datetime | None:
    return parse_time(k.get("ending_before")) if k.get("ending_before") else None


def covers(k: Contract, at: datetime) -> bool:
    start, end = _start(k), _end(k)
    return start is not None and start <= at and (end is None or at < end)


def day_end(at: datetime) -> datetime:
    return datetime.combine(at.date(), time(), tzinfo=at.tzinfo) + UTC_DAY


def live(contracts: list[Contract], now: datetime, until: datetime | None = None) -> list[Contract]:
    """Contracts not archived, not ended, and started or starting before `until` (by
    default the end of today)."""
    out = []
    for k in contracts:
        start, end = _start(k), _end(k)
        if k.get("archived_at") or start is None or start >= (until or day_end(now)):
            continue
        if end is not None and end <= now:
            continue
        out.append(k)
    return sorted(out, key=lambda k: str(k.get("starting_at")))


def _filters(k: Contract) -> list[dict[str, Any]]:
    """The contract's usage filters: v2 lists them, v1 wraps them in `current`."""
    raw = k.get("usage_filter")
    if isinstance(raw, list):
        return [f for f in raw if isinstance(f, dict)]
    if isinstance(raw, dict) and isinstance(raw.get("current"), dict):
        return [raw["current"]]
    return []


def admits(k: Contract, properties: dict[str, Any], at: datetime) -> bool:
    """Does the contract's usage filter let an event with these properties through?"""
    for f in _filters(k):
        start = parse_time(f.get("starting_at")) if f.get("starting_at") else None
        end = parse_time(f.get("ending_before")) if f.get("ending_before") else None
        if (start and at < start) or (end and at >= end):
            continue
        if str(properties.get(str(f.get("group_key")))) not in [
            str(v) for v in f.get("group_values") or []
        ]:
            return False
    return True


def filtered(k: Contract) -> bool:
    return bool(_filters(k))


def for_test_usage(contracts: list[Contract], now: datetime) -> Contract | None:
    """The contract covering now that takes unfiltered test usage (no usage filter first)."""
    now_ones = [k for k in contracts if covers(k, now)]
    plain = [k for k in now_ones if not filtered(k)]
    found = plain or now_ones
    return found[0] if found else None


def at_launch(contracts: list[Contract], launch: date, tz: Any) -> Contract | None:
    """The contract in force at the end of launch day: the one billing production usage."""
    last = datetime.combine(launch, time(), tzinfo=tz) + UTC_DAY - timedelta(seconds=1)
    found = [k for k in contracts if covers(k, last) and not filtered(k)]
    found = found or [k for k in contracts if covers(k, last)]
    return found[-1] if found else None


def label(k: Contract) -> str:
    return str(k.get("name") or k.get("id"))


def describe(k: Contract) -> str:
    schedule = k.get("usage_statement_schedule") or {}
    freq = str(schedule.get("frequency", "unknown")).upper()
    text = (
        f"contract {label(k)}: rate card {k.get('rate_card_id') or 'none'}, billed {freq},"
        f" from {k.get('starting_at')} until {k.get('ending_before') or 'open-ended'}"
    )
    if filtered(k):
        rules = [f"{f.get('group_key')} in {f.get('group_values')}" for f in _filters(k)]
        text += f"; takes only usage with {', '.join(rules)}"
    return text
