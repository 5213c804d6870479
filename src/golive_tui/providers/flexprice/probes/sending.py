"""Flexprice probes: test usage through the run's usage batch (core/probes/batch.py).

`ingest-lookup`, `duplicates` and `invoice-preview` each contribute their events with
what they add to each preview line; one `POST /v1/events/bulk` sends them all, then
each waits for everyone's total on the line it measures, so no probe's test usage
skews another's. Keys name what is measured: `line_key(price_id)` is the raw usage
(quantity + adjusted_entitlement_quantity) on the test customer's preview line.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal
from typing import Any

from golive_tui.core.money import format_money, to_minor_unit
from golive_tui.core.probes.batch import BatchShare
from golive_tui.core.probes.common import dec
from golive_tui.core.probes.engine import ProbeContext
from golive_tui.providers.flexprice.probes.lookups import _external_id, _Setup
from golive_tui.providers.flexprice.probes.pricing import rated_amount
from golive_tui.providers.flexprice.probes.samples import filter_miss, is_number

MAX_BULK = 1000  # BulkIngestEventRequest: 1 to 1000 events
# Reaching the expected total may come before a late copy (a doubled retry) is billed:
# look once more after this long, when the deadline allows.
HOLD_S = 0.75


def line_key(price_id: str) -> str:
    return f"preview:{price_id}:raw-quantity"


def retry_key(price_id: str) -> str:
    """What an identical retry would add to the line if Flexprice counted it twice."""
    return f"preview:{price_id}:retry-copies"


def effects(setup: _Setup, events: Sequence[dict[str, Any]]) -> dict[str, Decimal]:
    """What `events` add to each billed SUM/COUNT line, matched as the server matches."""
    out: dict[str, Decimal] = {}
    for e in events:
        props = e.get("properties") or {}
        for meter, price in setup.billed():
            if str(meter.get("event_name", "")).strip() != e.get("event_name"):
                continue
            if filter_miss(meter, props) is not None:
                continue
            agg = meter.get("aggregation") or {}
            kind, field = str(agg.get("type", "")).upper(), agg.get("field")
            if kind == "COUNT":
                qty = Decimal(1)
            elif kind == "SUM" and field:
                value = props.get(field)
                qty = dec(value) if is_number(value) else Decimal(0)
            else:
                continue  # not additive: no probe expects a total on it
            key = line_key(str(price["id"]))
            out[key] = out.get(key, Decimal(0)) + qty
    return out


def cost(setup: _Setup, added: dict[str, Decimal], currency: str) -> str:
    """About what the test usage costs, each line priced from zero (money.format_money)."""
    total = Decimal(0)
    for price in setup.prices.values():
        qty = added.get(line_key(str(price.get("id"))))
        if qty:
            try:
                total += to_minor_unit(rated_amount(price, qty), currency)
            except ValueError:
                continue
    return format_money(total, currency or "USD")


def describe(setup: _Setup, ctx: ProbeContext, events: Sequence[Any], money: str) -> str:
    n = len(events)
    return f"{n} event{'s' if n != 1 else ''} for customer {_external_id(ctx)}, about {money}"


def price_bound(price: dict[str, Any], qty: Decimal) -> Decimal:
    """The most `qty` more units can add under `price`, wherever the line stands: each
    unit at the dearest unit amount, every package it can start, every tier's flat fee.
    (A VOLUME price whose later tiers cost more per unit also reprices the units already
    there; that repricing is the account's own usage, not this event's.)"""
    model = str(price.get("billing_model", "")).upper()
    if model == "TIERED":
        tiers = price.get("tiers") or []
        dearest = max((dec(t.get("unit_amount")) for t in tiers), default=Decimal(0))
        return qty * dearest + sum((dec(t.get("flat_amount")) for t in tiers), Decimal(0))
    if model == "PACKAGE":
        size = dec((price.get("transform_quantity") or {}).get("divide_by")) or Decimal(1)
        return ((qty / size).to_integral_value(rounding=ROUND_CEILING) + 1) * dec(
            price.get("amount")
        )
    return qty * dec(price.get("amount"))


def event_worth(setup: _Setup, event: dict[str, Any]) -> tuple[Decimal, str]:
    """The most one sent event can add to the customer's invoice, and the currency."""
    added = effects(setup, [event])
    total = Decimal(0)
    for price in setup.prices.values():
        qty = added.get(line_key(str(price.get("id"))))
        if qty:
            total += price_bound(price, abs(qty))
    return total, str(setup.subscription.get("currency") or "USD").upper()


async def send_bulk(ctx: ProbeContext, events: list[Any], setup: _Setup) -> None:
    """POST /v1/events/bulk, 1000 at a time (202; processed asynchronously)."""
    ctx.doing(f"sending {len(events)} test events to POST /v1/events/bulk")
    for i in range(0, len(events), MAX_BULK):
        chunk = events[i : i + MAX_BULK]
        await ctx.api.request("POST", "/v1/events/bulk", json_body={"events": chunk}, ok=(202,))
        for e in chunk:
            worth, currency = event_worth(setup, e)
            customer = str(e.get("external_customer_id", ""))
            ctx.created_object(
                "usage-event", str(e["event_id"]), customer=customer, worth=worth, currency=currency
            )


async def contribute(
    ctx: ProbeContext,
    setup: _Setup,
    events: list[dict[str, Any]],
    extra: dict[str, Decimal] | None = None,
    money: str | None = None,
    counted: list[dict[str, Any]] | None = None,
) -> BatchShare:
    """Add `events` to the run's usage batch, expecting what `counted` (default: all of
    them) add to each line, plus `extra` keys."""
    added = effects(setup, events if counted is None else counted)
    currency = str(setup.subscription.get("currency") or "USD")
    text = describe(setup, ctx, events, money or cost(setup, added, currency))
    return await ctx.usage_batch.contribute(
        events=events,
        expect={**added, **(extra or {})},
        describe=text,
        send=lambda evs: send_bulk(ctx, evs, setup),
    )
