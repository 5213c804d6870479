"""Flexprice probe: the invoice preview shows the test usage at the right amount."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from golive_tui.core.money import format_money, to_minor_unit
from golive_tui.core.probes.common import dec, fmt
from golive_tui.core.probes.engine import ProbeContext, Verdict, warned
from golive_tui.core.probes.steps import outcome, settle
from golive_tui.providers.flexprice.probes.lookups import (
    _event,
    _setup,
    rests_on,
    usage_probe,
)
from golive_tui.providers.flexprice.probes.preview import (
    PriceLines,
    amount_problems,
    expected_billable,
    line_item_commitment,
    price_lines,
)
from golive_tui.providers.flexprice.probes.pricing import _boundaries, rated_amount
from golive_tui.providers.flexprice.probes.samples import declared_samples, sample_problem
from golive_tui.providers.flexprice.probes.sending import HOLD_S, contribute, line_key, retry_key


async def _preview(ctx: ProbeContext, sub_id: str) -> dict[str, Any]:
    ctx.doing("previewing the subscription's invoice (/v1/invoices/preview)")
    resp = await ctx.api.request(
        "POST", "/v1/invoices/preview", json_body={"subscription_id": sub_id}, expect="object"
    )
    return resp.body if isinstance(resp.body, dict) else {}


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
    rests_on(ctx, setup, [meter])
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
    currency = str(before_inv.get("currency") or setup.subscription.get("currency") or "")
    money = format_money(
        to_minor_unit(rated_amount(price, before.billable + quantity), currency)
        - to_minor_unit(rated_amount(price, before.billable), currency),
        currency or "USD",
    )
    share = await contribute(ctx, setup, events, money=money)
    # Every member's test usage on this line, not only ours (the batch sent it all).
    added = share.expected_total(line_key(price_id))
    expected_raw = before.raw + added
    label = str(meter.get("_feature") or meter.get("name") or meter.get("event_name") or "?")

    async def read() -> PriceLines:
        return price_lines(await _preview(ctx, sub_id), price_id)

    # Wait for the expected usage, not the first change: usage becomes visible event
    # by event, and the preview lags the event pipeline.
    ctx.doing("waiting for the invoice preview to include the test usage")
    after, reached = await settle(
        ctx, read, lambda pl: pl.raw >= expected_raw, first_wait=0.2, max_wait=0.5
    )
    if reached and after.raw == expected_raw and ctx.remaining() > 2 * HOLD_S:
        await ctx.poll(HOLD_S)  # a late copy (e.g. a doubled retry) shows up here
        after = await read()
    if not reached:
        return warned(
            f"{label}: not settled after {ctx.spec.deadline:.0f} s: the invoice preview saw"
            f" {fmt(after.raw - before.raw)} of {fmt(added)} test units; Flexprice may be"
            " lagging — re-run in a few minutes"
        )
    model = str(price.get("billing_model")).lower()
    if price.get("tier_mode"):
        model += f" ({str(price['tier_mode']).lower()})"
    billable, allowance = expected_billable(before, after)

    def cash(amount: Decimal) -> str:
        return format_money(amount, currency or "USD")

    ctx.note(
        f"{label}: expected vs actual",
        f"usage (raw): before {fmt(before.raw)}, sent {fmt(added)} ({fmt(quantity)} by this"
        " probe), expected"
        f" {fmt(expected_raw)}, actual {fmt(after.raw)}\nbillable: expected"
        f" {fmt(billable) if billable is not None else '?'}, actual {fmt(after.billable)}"
        f"{f' ({allowance})' if allowance else ''}\namount: before {cash(before.amount)}, actual"
        f" {cash(after.amount)}\nprice: {ctx.redactor(json.dumps(price, default=str))[:800]}",
    )
    problems, warnings = [], []
    excess = after.raw - expected_raw
    if excess:
        retried = share.expected_total(retry_key(price_id))
        why = (
            ": the duplicates probe's identical retry was counted twice (see duplicates)"
            if retried and excess == retried
            else ""
        )
        problems.append(
            f"{label}: usage grew by {fmt(after.raw - before.raw)}, expected exactly"
            f" {fmt(added)}{why}"
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
        f"{label}: +{fmt(added)} units added exactly"
        f" {format_money(after.amount - before.amount, currency or 'USD')}"
        f" to the preview ({how}{extra})"
    )
    return outcome(problems, warnings, (), ok)
