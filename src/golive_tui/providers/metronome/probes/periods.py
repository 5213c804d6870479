"""Metronome probes: which invoice period a backdated event lands in.

"No further changes can happen to an invoice once it's reached the FINALIZED state,
even if additional usage events are ingested" (docs, how invoicing works): an event
backdated into a finalized period is accepted and searchable but never billed. In
the 24 h grace period after a period ends its invoice is still DRAFT, so late events
land on an invoice about to be issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from golive_tui.core.probes.common import iso, parse_time
from golive_tui.core.probes.engine import ProbeContext
from golive_tui.providers.metronome.probes.lookups import _paged, _Setup

OPEN = "DRAFT"


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    status: str  # the period's usage invoice status: DRAFT, FINALIZED, VOID

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"


@dataclass(frozen=True)
class Backdate:
    """The timestamp to test, and what the configured one would have met."""

    when: datetime
    wanted: datetime
    crossed: Period | None  # the closed period the configured window reaches, if any
    lands_in: Period | None  # the period `when` is billed in (None: no invoice covers it)

    def billed_on_open_draft(self, now: datetime) -> bool:
        """Whether the event counts on the draft that covers now (invoice-draft's)."""
        p = self.lands_in
        return p is not None and p.status == OPEN and p.covers(now)


async def usage_periods(ctx: ProbeContext, setup: _Setup, since: datetime) -> list[Period]:
    """The contract's usage invoice periods that end after `since`, oldest first."""
    ctx.doing("reading the customer's invoices and their statuses")
    invoices = await _paged(
        ctx,
        "GET",
        f"/v1/customers/{setup.customer['id']}/invoices",
        params={"starting_on": iso(since), "sort": "date_asc"},
        max_pages=3,
    )
    contract_id = setup.contract.get("id") if setup.contract else None
    out = []
    for inv in invoices:
        if str(inv.get("type", "USAGE")).upper() != "USAGE":
            continue
        if contract_id and inv.get("contract_id") and inv["contract_id"] != contract_id:
            continue
        start, end = _time(inv.get("start_timestamp")), _time(inv.get("end_timestamp"))
        if start and end:
            out.append(Period(start, end, str(inv.get("status", "")).upper()))
    return sorted(out, key=lambda p: p.start)


def plan_backdate(periods: list[Period], wanted: datetime, now: datetime) -> Backdate:
    """`wanted`, unless it falls in a closed period: then the start of the first open
    period after it (plus a minute), never later than a minute ago."""
    hit = next((p for p in periods if p.covers(wanted)), None)
    if hit is None or hit.status == OPEN:
        return Backdate(wanted, wanted, None, hit)
    later = [p for p in periods if p.status == OPEN and p.start > wanted]
    if not later:
        return Backdate(wanted, wanted, hit, hit)
    when = min(later[0].start + timedelta(minutes=1), now - timedelta(minutes=1))
    return Backdate(when, wanted, hit, next((p for p in periods if p.covers(when)), None))


def _time(raw: Any) -> datetime | None:
    return parse_time(raw) if raw is not None else None
