"""Flexprice probes: duplicates in the invoice and the invoice preview."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from golive_tui.core.probes.common import dec, fmt
from golive_tui.core.probes.engine import ProbeContext, Verdict, failed, passed, warned
from golive_tui.core.probes.lines import Line, line_totals
from golive_tui.core.probes.steps import outcome, settle
from golive_tui.providers.flexprice.probes.lookups import (
    _event,
    _external_id,
    _send,
    _setup,
    usage_probe,
)
from golive_tui.providers.flexprice.probes.preview import (
    PriceLines,
    amount_problems,
    expected_billable,
    line_item_commitment,
    price_lines,
)
from golive_tui.providers.flexprice.probes.pricing import _boundaries
from golive_tui.providers.flexprice.probes.samples import declared_samples, sample_problem


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


def _candidates(ctx: ProbeContext, setup: Any) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Per-unit usage prices on SUM/COUNT meters whose declared sample events count."""
    samples = declared_samples(ctx)
    out = []
    for m, p in setup.billed():
        if str(p.get("billing_model", "")).upper() not in ("FLAT_FEE", "PACKAGE", "TIERED"):
            continue
        if str((m.get("aggregation") or {}).get("type", "")).upper() not in ("SUM", "COUNT"):
            continue
        name = str(m.get("event_name", "")).strip()
        if name in samples and sample_problem(name, [m], samples[name]):
            continue  # event-names reports it; these events would not count here either
        out.append((m, p))
    # Tiers are where maths goes wrong: prefer a tiered price, then one without a
    # line-item commitment (whose floor and true-up the preview cannot show apart).
    out.sort(
        key=lambda mp: (
            line_item_commitment(setup.full, str(mp[1]["id"])),
            str(mp[1].get("billing_model")).upper() != "TIERED",
        )
    )
    return out


@usage_probe("invoice-preview", "Invoice preview shows the right quantity and amount", deadline=40)
async def invoice_preview(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    candidates = _candidates(ctx, setup)
    if not candidates:
        return warned("no per-unit usage price on the subscription; verify the invoice by hand")
    meter, price = candidates[0]
    price_id = str(price["id"])
    sub_id = str(setup.subscription.get("id"))
    before_inv = await _preview(ctx, sub_id)
    before = price_lines(before_inv, price_id)
    bounds = [b for b in _boundaries(price) if b >= before.billable]
    quantity = (bounds[-1] - before.billable + 10) if bounds else Decimal(10)
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
    expected_raw = before.raw + quantity
    currency = str(before_inv.get("currency") or setup.subscription.get("currency") or "")
    label = str(meter.get("_feature") or meter.get("name") or meter.get("event_name") or "?")

    async def read() -> PriceLines:
        return price_lines(await _preview(ctx, sub_id), price_id)

    # Wait for the expected usage, not the first change: usage becomes visible event
    # by event, and the preview lags the event pipeline.
    ctx.doing("waiting for the invoice preview to include the test usage")
    after, reached = await settle(ctx, read, lambda pl: pl.raw >= expected_raw, first_wait=0.2)
    if not reached:
        return warned(
            f"{label}: the invoice preview has not settled after {ctx.spec.deadline:.0f} s:"
            f" saw {fmt(after.raw - before.raw)} of {fmt(quantity)} test units; Flexprice may"
            " be lagging — re-run in a few minutes"
        )
    model = str(price.get("billing_model")).lower()
    if price.get("tier_mode"):
        model += f" ({str(price['tier_mode']).lower()})"
    billable, allowance = expected_billable(before, after)
    ctx.note(
        f"{label}: expected vs actual",
        f"usage (raw): before {fmt(before.raw)}, sent {fmt(quantity)}, expected"
        f" {fmt(expected_raw)}, actual {fmt(after.raw)}\nbillable: expected"
        f" {fmt(billable) if billable is not None else '?'}, actual {fmt(after.billable)}"
        f"{f' ({allowance})' if allowance else ''}\namount: before {fmt(before.amount)}, actual"
        f" {fmt(after.amount)}\nprice: {ctx.redactor(json.dumps(price, default=str))[:800]}",
    )
    problems, warnings = [], []
    if after.raw != expected_raw:
        problems.append(
            f"{label}: usage grew by {fmt(after.raw - before.raw)}, expected exactly"
            f" {fmt(quantity)}"
        )
    if billable is None:
        warnings.append(f"{label}: cannot tell the billable quantity: {allowance}")
    elif after.billable != billable:
        problems.append(
            f"{label}: billable quantity is {fmt(after.billable)}, expected {fmt(billable)}"
            f" ({allowance or 'no allowance'})"
        )
    if line_item_commitment(setup.full, price_id):
        warnings.append(
            f"{label}: its line item has a commitment (a floor or true-up of its own); the"
            " amount cannot be told from the price alone — check it on the invoice"
        )
    else:
        factor = dec(setup.full.get("overage_factor")) or None
        problems += amount_problems(price, after, currency, factor, label, model)
    tiers = len(price.get("tiers") or [])
    how = f"all {tiers} tiers crossed" if tiers else model
    extra = f"; {allowance}" if allowance else ""
    if after.overage:
        extra += f"; commitment split into {len(after.overage)} (Overage) line(s), checked"
    ok = (
        f"{label}: +{fmt(quantity)} units added exactly {fmt(after.amount - before.amount)}"
        f" {currency.upper()} to the preview ({how}{extra})"
    )
    return outcome(problems, warnings, (), ok)
