"""Flexprice probes: duplicates in the invoice and the invoice preview."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from golive_tui.core.money import to_minor_unit
from golive_tui.core.probes.common import fmt
from golive_tui.core.probes.engine import ProbeContext, Verdict, failed, passed, warned
from golive_tui.core.probes.lines import Line, line_totals, moved_line
from golive_tui.core.probes.steps import outcome, settle
from golive_tui.providers.flexprice.probes.lookups import (
    _boundaries,
    _event,
    _external_id,
    _send,
    _setup,
    rated_amount,
    usage_probe,
)


async def _preview(ctx: ProbeContext, sub_id: str) -> dict[str, Any]:
    ctx.doing("previewing the subscription's invoice (/v1/invoices/preview)")
    resp = await ctx.api.request(
        "POST", "/v1/invoices/preview", json_body={"subscription_id": sub_id}, expect="object"
    )
    return resp.body if isinstance(resp.body, dict) else {}


def _line(invoice: dict[str, Any], price_id: str) -> Line:
    return line_totals(invoice, match="price_id", value=price_id, amount_field="amount")


@usage_probe("duplicates", "Retried events are counted once", deadline=30)
async def duplicates(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    ext = _external_id(ctx)
    # 1. The app's own history: the same event_id with different timestamps means its
    #    retries re-stamp events, and Flexprice then counts both copies for ever.
    ctx.doing("scanning the customer's recent events for re-stamped retries")
    query = {"external_customer_id": ext, "page_size": 500}
    resp = await ctx.api.request(
        "POST", "/v1/events/query", json_body=query, expect="object", keys=("events",)
    )
    seen: dict[str, set[str]] = {}
    recent = resp.body.get("events") if isinstance(resp.body, dict) else None
    for e in recent or []:
        if str(e.get("id", "")).startswith("golive-"):
            continue
        seen.setdefault(str(e.get("id")), set()).add(str(e.get("timestamp")))
    restamped = sorted(i for i, stamps in seen.items() if len(stamps) > 1)
    if restamped:
        return failed(
            f"{len(restamped)} event ids were sent again with a different timestamp (e.g."
            f" {restamped[0]!r}); Flexprice counts each copy — retries must resend the identical"
            " event_id and timestamp",
            *(f"re-stamped: {i}" for i in restamped[:10]),
        )
    # 2. A live retry: send one event twice, identically, and watch it collapse.
    billed = [(m, p) for m, p in setup.billed() if str(p.get("billing_model")).upper() != "PACKAGE"]
    if not billed:
        return warned("no per-unit usage price to observe a retry on; check duplicates by hand")
    meter, price = billed[0]
    sub_id = str(setup.subscription.get("id"))
    q0, _ = _line(await _preview(ctx, sub_id), str(price["id"]))
    event = _event(ctx, meter, 1, Decimal(1), "retry")
    await _send(ctx, event)
    await _send(ctx, dict(event))  # the identical retry
    unit = Decimal(1)  # one COUNT event, or a SUM event carrying 1
    ctx.doing("waiting for the repeated event to collapse")

    async def quantity() -> Decimal:
        return _line(await _preview(ctx, sub_id), str(price["id"]))[0]

    last, once = await settle(ctx, quantity, lambda q: q - q0 == unit, first_wait=0.2, max_wait=3)
    if once:
        return passed(
            f"an identical retry of {event['event_name']!r} (same event_id and timestamp)"
            " was counted once; no re-stamped retries in the customer's recent events",
            f"{len(seen)} recent event ids checked",
        )
    if last - q0 == 2 * unit:
        return warned(
            f"the identical retry is still counted twice after {ctx.spec.deadline:.0f} s:"
            " Flexprice merges duplicates late, so this is not yet collapsed — re-run later;"
            " do not rely on server dedup, keep retries rare and identical",
        )
    return warned(
        f"usage moved by {fmt(last - q0)} instead of {fmt(unit)} while waiting; another sender"
        " is active for this customer — re-run when it is quiet"
    )


@usage_probe("invoice-preview", "Invoice preview shows the right quantity and amount", deadline=40)
async def invoice_preview(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    candidates = [
        (m, p)
        for m, p in setup.billed()
        if str(p.get("billing_model", "")).upper() in ("FLAT_FEE", "PACKAGE", "TIERED")
        and str((m.get("aggregation") or {}).get("type", "")).upper() in ("SUM", "COUNT")
    ]
    if not candidates:
        return warned("no per-unit usage price on the subscription; verify the invoice by hand")
    # Tiers are where maths goes wrong: prefer a tiered price.
    candidates.sort(key=lambda mp: str(mp[1].get("billing_model")).upper() != "TIERED")
    meter, price = candidates[0]
    sub_id = str(setup.subscription.get("id"))
    before = await _preview(ctx, sub_id)
    q0, a0 = _line(before, str(price["id"]))
    bounds = [b for b in _boundaries(price) if b >= q0]
    quantity = (bounds[-1] - q0 + 10) if bounds else Decimal(10)
    is_count = str((meter.get("aggregation") or {}).get("type")).upper() == "COUNT"
    if is_count and quantity > 200:
        return warned(
            f"crossing every tier needs {fmt(quantity)} events; golive sends at most 200 —"
            " verify the upper tiers by hand"
        )
    events = (
        [_event(ctx, meter, i + 1, Decimal(1), "preview") for i in range(int(quantity))]
        if is_count
        else [_event(ctx, meter, 1, quantity, "preview")]
    )
    ctx.doing("sending known usage")
    for e in events:
        await _send(ctx, e)
    expected_qty = q0 + quantity
    currency = str(before.get("currency") or setup.subscription.get("currency") or "")
    # A line's amount is its price applied to the line's whole quantity, possibly
    # rounded to the currency's minor unit; rounding is not additive, so compare totals.
    exact = rated_amount(price, expected_qty)
    expected_amount = to_minor_unit(exact, currency)

    async def read() -> tuple[dict[str, Any] | None, Line]:
        after = await _preview(ctx, sub_id)
        return after, _line(after, str(price["id"]))

    _, (q1, a1) = await moved_line(
        ctx, read, (q0, a0), invoice_noun="the invoice preview", sent=quantity, first_wait=0.2
    )
    label = meter.get("_feature") or meter.get("name") or meter.get("event_name")
    model = str(price.get("billing_model")).lower()
    if price.get("tier_mode"):
        model += f" ({str(price['tier_mode']).lower()})"
    ctx.note(
        f"{label}: expected vs actual",
        f"quantity: before {fmt(q0)}, sent {fmt(quantity)}, expected {fmt(expected_qty)},"
        f" actual {fmt(q1)}\namount: before {fmt(a0)}, expected {fmt(expected_amount)},"
        f" actual {fmt(a1)}\nprice: {ctx.redactor(json.dumps(price, default=str))[:800]}",
    )
    problems = []
    if q1 != expected_qty:
        problems.append(
            f"{label}: quantity grew by {fmt(q1 - q0)}, expected exactly {fmt(quantity)}"
        )
    if a1 not in (exact, expected_amount):
        problems.append(
            f"{label}: amount is {fmt(a1)}, expected {fmt(expected_amount)} from the plan's"
            f" {model} price — the invoice and the price disagree"
        )
    tiers = len(price.get("tiers") or [])
    how = f"all {tiers} tiers crossed" if tiers else model
    ok = (
        f"{label}: +{fmt(quantity)} units added exactly {fmt(a1 - a0)} {currency.upper()} to"
        f" the preview ({how})"
    )
    return outcome(problems, (), (), ok)
