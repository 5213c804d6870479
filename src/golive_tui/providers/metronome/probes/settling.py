"""Metronome probes: waiting for sent usage to settle, without trusting a partial view.

Metronome makes the events of one ingest request searchable one by one, shows
`processed_at` only once an event is processed (optional in the spec and the SDK's
v1/usage_search_response.py), and updates the draft invoice later still. So a probe
polls until it sees the whole expected effect (every event processed, the line's
full quantity), never the first change; at the deadline it warns "not settled after
N s: saw 2 of 3", never fails on what it saw so far.

`/v1/events/search` is "heavily rate limited" (spec searchEvents-v1): a probe sends
all its transaction ids in one search, polls with back-off, and a 429 only means
"no new view this time" (the HTTP layer already waited out Retry-After).

The usage probes send in one usage batch (core/probes/batch.py): each names what its
events move on the draft with `line_key(product)` (the line's quantity) and
`dup_key(product)` (what its resent duplicates would add if billed), so invoice-draft
expects everyone's usage and can tell a billed duplicate from a pricing error.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from golive_tui.core.money import from_minor_units
from golive_tui.core.probes.batch import BatchShare
from golive_tui.core.probes.common import dec
from golive_tui.core.probes.engine import ProbeContext
from golive_tui.core.probes.http import ApiError, DeadlineExceeded
from golive_tui.core.probes.steps import settle
from golive_tui.providers.metronome.probes.lookups import (
    _aggregation,
    _post_events,
    _Setup,
    _setup,
)
from golive_tui.providers.metronome.probes.rates import money

T = TypeVar("T")
Found = dict[str, list[dict[str, Any]]]  # transaction_id → its search records

# Search polls: rare enough for a heavily limited endpoint, soon enough for ~3 s pipelines.
SEARCH_FIRST_WAIT = 0.5
SEARCH_MAX_WAIT = 1.0


@dataclass
class Waited:
    """How a wait ended: the last view, whether it reached the expectation, and why not."""

    seen: Any
    settled: bool
    seconds: float
    rate_limited: bool = False

    def why_not(self, saw: str) -> str:
        """ "not settled after 6 s: saw 2 of 3 …" with the likely cause."""
        cause = (
            "Metronome kept rate-limiting the reads (429)"
            if self.rate_limited
            else "Metronome may be lagging"
        )
        return (
            f"not settled after {self.seconds:.0f} s: saw {saw}; {cause} — re-run in a few minutes"
        )


async def wait_until(
    ctx: ProbeContext,
    read: Callable[[], Awaitable[T]],
    reached: Callable[[T], bool],
    empty: T,
    *,
    first_wait: float = 0.1,
    max_wait: float = 2.0,
) -> Waited:
    """Poll `read` until `reached(seen)` or the deadline; a 429 or the deadline mid-read
    keeps the last view (`empty` before any) instead of ending the probe."""
    started = time.monotonic()
    last: list[T] = [empty]
    limited = [False]

    async def guarded() -> T:
        try:
            last[0] = await read()
        except ApiError as exc:
            if exc.status != 429:
                raise
            limited[0] = True
        except DeadlineExceeded:
            pass
        return last[0]

    seen, done = await settle(ctx, guarded, reached, first_wait=first_wait, max_wait=max_wait)
    return Waited(seen, done, time.monotonic() - started, limited[0] and not done)


async def search(ctx: ProbeContext, transaction_ids: list[str]) -> Found:
    """Every record of these ids, in one `/v1/events/search` request."""
    resp = await ctx.api.request(
        "POST", "/v1/events/search", json_body={"transactionIds": transaction_ids}, expect="array"
    )
    found: Found = {}
    for rec in resp.body if isinstance(resp.body, list) else []:
        if isinstance(rec, dict):
            found.setdefault(str(rec.get("transaction_id")), []).append(rec)
    return found


def processed_count(found: Found, expected: Mapping[str, int]) -> int:
    """How many of the expected records are there and processed (`processed_at` set)."""
    return sum(
        min(n, sum(1 for r in found.get(tid, []) if r.get("processed_at")))
        for tid, n in expected.items()
    )


async def wait_for_events(ctx: ProbeContext, expected: Mapping[str, int]) -> Waited:
    """Search until every id has its `expected` number of records (a resent id has two:
    the original and the duplicate), all processed; `seen` is the `Found` view."""
    ctx.doing("waiting for the test events to be processed (/v1/events/search)")
    ids = list(expected)
    want = sum(expected.values())

    async def read() -> Found:
        return await search(ctx, ids)

    return await wait_until(
        ctx,
        read,
        lambda found: processed_count(found, expected) >= want,
        Found(),
        first_wait=SEARCH_FIRST_WAIT,
        max_wait=SEARCH_MAX_WAIT,
    )


def events_seen(waited: Waited, expected: Mapping[str, int]) -> str:
    """ "2 of 3 test events processed" for a wait on `wait_for_events`."""
    found: Found = waited.seen
    return f"{processed_count(found, expected)} of {sum(expected.values())} test events processed"


# --- the usage batch -----------------------------------------------------------------


def line_key(product_id: str) -> str:
    return f"draft-line-quantity:{product_id}"


def dup_key(product_id: str) -> str:
    return f"duplicate-quantity:{product_id}"


def line_effects(
    setup: _Setup, metric_id: str, qty: Decimal, key: Callable[[str], str] = line_key
) -> dict[str, Decimal]:
    """What `qty` more of metric `metric_id` adds to each priced product's draft line
    (summed or counted metrics only: a max or latest does not add up)."""
    out: dict[str, Decimal] = {}
    for _, product, metric in setup.usage_products():
        if metric.get("id") != metric_id or _aggregation(metric) not in ("sum", "count"):
            continue
        out[key(str(product["id"]))] = out.get(key(str(product["id"])), Decimal(0)) + qty
    return out


def _dearest(row: Mapping[str, Any]) -> tuple[Decimal | None, dict[str, Any] | None]:
    """The dearest price any of a rate card row's rates (list, override, commit; every
    tier) could charge per unit, and its credit type."""
    rates = [row.get(k) for k in ("rate", "list_rate", "override_rate", "commit_rate")]
    prices = [
        dec(p)
        for r in rates
        if isinstance(r, dict)
        for p in [r.get("price"), *(t.get("price") for t in r.get("tiers") or [])]
        if p is not None
    ]
    credit_type = next(
        (r["credit_type"] for r in rates if isinstance(r, dict) and r.get("credit_type")), None
    )
    return (max(prices) if prices else None), credit_type


def cost_bound(setup: _Setup, units: Mapping[str, Decimal]) -> str:
    """ "at most $0.03": `units` more of each metric at the dearest price any of its
    products' rates (list, override, commit; every tier) could charge. An upper bound
    for a production confirmation, without reading where the draft stands."""
    total, credit_type = Decimal(0), None
    for row, _, metric in setup.usage_products():
        qty = units.get(str(metric.get("id")))
        price, ct = _dearest(row)
        if qty and price is not None:
            total += qty * price
            credit_type = credit_type or ct
    return f"at most {money(total, credit_type or {'name': 'USD (cents)'})}"


def event_worth(setup: _Setup, event: Mapping[str, Any]) -> tuple[Decimal | None, str]:
    """The most one sent event can add to an invoice, in currency units, and the
    currency: its quantity at the dearest price of every priced metric its event type
    could match (an event can match several). (None, "") in a custom pricing unit."""
    total, credit_type = Decimal(0), None
    props = event.get("properties") or {}
    for row, _, metric in setup.usage_products():
        types = (metric.get("event_type_filter") or {}).get("in_values") or []
        if event.get("event_type") not in types:
            continue
        price, ct = _dearest(row)
        if price is None:
            continue
        key = metric.get("aggregation_key")
        qty = Decimal(1) if _aggregation(metric) == "count" or not key else dec(props.get(key))
        total += abs(qty) * price
        credit_type = credit_type or ct
    name = str((credit_type or {"name": "USD (cents)"}).get("name") or "")
    code, _, unit = name.partition(" ")
    if not (len(code) == 3 and code.isalpha()):
        return None, ""
    return (from_minor_units(total, code) if "cent" in unit.lower() else total), code.upper()


def merged(*parts: Mapping[str, Decimal]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for part in parts:
        for k, v in part.items():
            out[k] = out.get(k, Decimal(0)) + v
    return out


async def send_usage(
    ctx: ProbeContext,
    events: list[dict[str, Any]],
    expect: Mapping[str, Decimal],
    describe: str,
) -> BatchShare:
    """Contribute to the run's usage batch, which sends every member's events in one
    ingest; then record this probe's own events as created."""
    share = await ctx.usage_batch.contribute(
        events=events,
        expect=expect,
        describe=describe,
        send=lambda batch: _post_events(ctx, batch),
    )
    setup = await _setup(ctx)  # shared per run: already read
    first: dict[str, dict[str, Any]] = {}
    for e in events:  # a resent duplicate is the same event: listed once
        first.setdefault(e["transaction_id"], e)
    for e in first.values():
        worth, currency = event_worth(setup, e)
        ctx.created_object(
            "usage-event",
            e["transaction_id"],
            customer=str(e.get("customer_id", "")),
            worth=worth,
            currency=currency,
        )
    return share


def events_for(n: int, customer: str) -> str:
    return f"{n} event{'s' if n != 1 else ''} for customer {customer}"
