"""Metronome probes: the draft invoice and the pricing set-up."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from golive_tui.core.money import format_minor
from golive_tui.core.probes.common import dec, fmt, parse_time, utc_now
from golive_tui.core.probes.engine import ProbeContext, Verdict, failed, warned
from golive_tui.core.probes.lines import Line, line_totals
from golive_tui.core.probes.steps import customer_ref, outcome, required_customer
from golive_tui.providers.metronome.probes.lookups import (
    _aggregation,
    _contracts,
    _customer,
    _event,
    _event_type,
    _metrics,
    _name,
    _paged,
    _products,
    _rates,
    _Setup,
    _setup,
    metronome_probe,
    rated_amount,
    tier_boundaries,
    usage_probe,
)
from golive_tui.providers.metronome.probes.settling import (
    dup_key,
    events_for,
    line_key,
    send_usage,
    wait_until,
)


def _draft_for(
    invoices: Iterable[dict[str, Any]], contract_id: str | None
) -> dict[str, Any] | None:
    now = utc_now()
    for inv in invoices:
        if str(inv.get("status", "")).upper() != "DRAFT":
            continue
        if contract_id and inv.get("contract_id") and inv["contract_id"] != contract_id:
            continue
        raw_start, raw_end = inv.get("start_timestamp"), inv.get("end_timestamp")
        if raw_start is None or raw_end is None:
            return inv
        start, end = parse_time(raw_start), parse_time(raw_end)
        if start and end and start <= now < end:
            return inv
    return None


async def _draft(ctx: ProbeContext, setup: _Setup) -> dict[str, Any] | None:
    ctx.doing("reading the customer's DRAFT invoice")
    customer_id = setup.customer["id"]
    invoices = await _paged(
        ctx,
        "GET",
        f"/v1/customers/{customer_id}/invoices",
        params={"status": "DRAFT", "sort": "date_desc"},
        max_pages=3,
    )
    contract_id = setup.contract.get("id") if setup.contract else None
    return _draft_for(invoices, contract_id)


def _line(invoice: dict[str, Any], product_id: str) -> Line:
    return line_totals(invoice, match="product_id", value=product_id, amount_field="total")


def _choose_priced(setup: _Setup) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]] | None:
    """Prefer a tiered usage rate (tiers are where maths goes wrong), summed by a key."""
    candidates = []
    for rate, product, metric in setup.usage_products():
        rtype = str((rate.get("rate") or {}).get("rate_type", "")).upper()
        agg = _aggregation(metric)
        if rtype not in ("FLAT", "TIERED") or agg not in ("sum", "count"):
            continue
        if metric.get("archived_at") or not _event_type(metric):
            continue
        if (product.get("current") or {}).get("quantity_conversion"):
            continue  # golive compares raw quantities
        score = (rtype == "TIERED", agg == "sum")
        candidates.append((score, rate, product, metric))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c[0], reverse=True)
    _, rate, product, metric = candidates[0]
    return rate, product, metric


@usage_probe("invoice-draft", "Draft invoice shows the right quantity and total", deadline=40)
async def invoice_draft(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    choice = _choose_priced(setup)
    if choice is None:
        return warned(
            "no FLAT or TIERED usage rate metered by a sum or count metric on the rate card;"
            " verify this invoice by hand"
        )
    rate_sched, product, metric = choice
    rate = rate_sched.get("rate") or {}
    before_inv = await _draft(ctx, setup)
    if before_inv is None:
        return failed(
            "no DRAFT invoice covers today for the customer's contract; usage is not being"
            " invoiced — check the contract's dates and billing schedule"
        )
    q0, t0 = _line(before_inv, product["id"])
    inv_total0 = dec(before_inv.get("total"))
    # Send enough usage to cross every tier boundary from where the invoice stands.
    bounds = [b for b in tier_boundaries(rate) if b > q0]
    target = (bounds[-1] + 10) if bounds else q0 + 10
    quantity = target - q0
    agg = _aggregation(metric)
    ref = customer_ref(ctx)
    t = utc_now() - timedelta(minutes=2)
    if agg == "sum":
        halves = [quantity - quantity // 2, quantity // 2]
        events = [
            _event(ctx, metric, ref, i + 1, q, t, "invoice") for i, q in enumerate(halves) if q
        ]
        dup_qty = halves[0]
    else:
        if quantity > 500:
            return warned(
                f"reaching every tier needs {fmt(quantity)} count events; golive sends at"
                " most 500 — verify the upper tiers by hand"
            )
        events = [_event(ctx, metric, ref, i + 1, 1, t, "invoice") for i in range(int(quantity))]
        dup_qty = Decimal(1)
    events.append(dict(events[0]))  # a duplicate must not be billed
    pid = str(product["id"])
    name = _name(product)
    currency = (before_inv.get("credit_type") or {}).get("name", "")

    def expected_line_at(total_qty: Decimal) -> Decimal:
        return rated_amount(rate, total_qty) - rated_amount(rate, q0) + t0

    price = _money(expected_line_at(q0 + quantity) - t0, currency)
    share = await send_usage(
        ctx,
        events,
        {line_key(pid): quantity, dup_key(pid): dup_qty},
        f"{events_for(len(events), ref)}: {fmt(quantity)} units of {name}, about {price}"
        " (one event sent twice, must not be billed)",
    )
    # Everyone's usage on this line: other members' test events land on it too.
    sent = share.expected_total(line_key(pid))
    dups = share.expected_total(dup_key(pid))
    expected_qty = q0 + sent
    expected_line = expected_line_at(expected_qty)

    async def read() -> tuple[dict[str, Any] | None, Line]:
        inv = await _draft(ctx, setup)
        return inv, (q0, t0) if inv is None else _line(inv, pid)

    # The whole expected quantity, not the first change: events settle one by one.
    ctx.doing("waiting for the draft invoice to include the test usage")
    waited = await wait_until(
        ctx,
        read,
        lambda seen: seen[0] is not None and seen[1][0] >= expected_qty,
        (None, (q0, t0)),
        max_wait=1.0,  # at most ~1 s late once the draft has it all
    )
    after_inv, (q1, t1) = waited.seen
    if not waited.settled or after_inv is None:
        return warned(
            waited.why_not(f"{name} quantity {fmt(q1 - q0)} of the {fmt(sent)} units sent")
        )
    others = sent - quantity
    ctx.note(
        f"{name}: expected vs actual",
        f"quantity: before {fmt(q0)}, sent {fmt(quantity)} (+ {fmt(others)} by the other usage"
        f" probes, + duplicates of {fmt(dups)} that must not count),"
        f" expected {fmt(expected_qty)}, actual {fmt(q1)}\n"
        f"line total: before {fmt(t0)}, expected {fmt(expected_line)}, actual {fmt(t1)}\n"
        f"rate: {json.dumps(rate, default=str)}",
    )
    problems = []
    if q1 != expected_qty:
        dup_billed = dups and q1 - q0 == sent + dups
        extra = (
            f" — the duplicate events (resent transaction_ids, {fmt(dups)} units) were billed"
            if dup_billed
            else ""
        )
        problems.append(
            f"{name}: quantity grew by {fmt(q1 - q0)}, expected exactly {fmt(sent)}{extra}"
        )
    # Priced right for what was billed? Then a wrong quantity is the only problem.
    if t1 != expected_line and (q1 == expected_qty or t1 != expected_line_at(q1)):
        problems.append(
            f"{name}: line total is {fmt(t1)}, expected {fmt(expected_line_at(q1))} from the"
            f" rate card ({str(rate.get('rate_type', '')).lower()} rate) — the tiers or price"
            " on the contract differ from the rate card"
        )
    inv_total1 = dec(after_inv.get("total"))
    moved_elsewhere = any(
        v for k, v in share.totals.items() if k.startswith(line_key("")) and k != line_key(pid)
    )
    if not problems and not moved_elsewhere and inv_total1 - inv_total0 != t1 - t0:
        problems.append(
            f"invoice total grew by {fmt(inv_total1 - inv_total0)} while the {name} line grew"
            f" by {fmt(t1 - t0)}; another charge moved at the same time"
        )
    tiers = len(rate.get("tiers") or [])
    how = f"all {tiers} tiers crossed" if tiers else "flat rate"
    ok = (
        f"{name}: +{fmt(sent)} units (duplicates ignored) added exactly"
        f" {_money(t1 - t0, currency)} to the draft ({how})"
    )
    return outcome(problems, (), (), ok)


def _money(amount: Decimal, credit_type: str) -> str:
    """USD cents (Metronome's USD credit type) as dollars; other credit types as counted."""
    if credit_type.upper().startswith("USD"):
        return format_minor(amount, "USD")
    return f"{fmt(amount)} {credit_type}".strip()


@metronome_probe("pricing-setup", "Products, rate card and tiers are consistent", deadline=25)
async def pricing_setup(ctx: ProbeContext) -> Verdict:
    products, metrics = await asyncio.gather(_products(ctx), _metrics(ctx))
    live = {k: p for k, p in products.items() if not p.get("archived_at")}
    by_type: dict[str, list[str]] = {}
    for p in live.values():
        by_type.setdefault(str(p.get("type")), []).append(_name(p))
    details = [f"{t}: {', '.join(sorted(names))}" for t, names in sorted(by_type.items())]
    problems, warnings = [], []
    for p in live.values():
        if p.get("type") != "USAGE":
            continue
        mid = (p.get("current") or {}).get("billable_metric_id")
        m = metrics.get(str(mid)) if mid else None
        if not mid:
            problems.append(f"usage product {_name(p)!r} has no billable metric")
        elif m is None:
            problems.append(f"usage product {_name(p)!r} points at unknown metric {mid}")
        elif m.get("archived_at"):
            problems.append(
                f"usage product {_name(p)!r} is metered by archived metric {m.get('name')!r}"
            )
    rate_card_id = str(ctx.settings.get("rate_card_id") or "")
    if not rate_card_id and customer_ref(ctx):
        customer = await required_customer(ctx, _customer)
        contracts = await _contracts(ctx, customer["id"])
        if contracts:
            rate_card_id = str(contracts[0].get("rate_card_id") or "")
    if not rate_card_id:
        return warned(
            "no rate card to check: set a test customer with a contract, or rate_card_id",
            *problems,
            *details,
        )
    ctx.doing("reading the rate card")
    card = await ctx.api.request(
        "POST",
        "/v1/contract-pricing/rate-cards/get",
        json_body={"id": rate_card_id},
        expect="object",
        keys=("data",),
    )
    card_data = card.body.get("data", {}) if isinstance(card.body, dict) else {}
    currency = (card_data.get("fiat_credit_type") or {}).get("name", "unknown")
    expected_currency = ctx.settings.get("currency")
    if expected_currency and str(expected_currency).lower() not in currency.lower():
        problems.append(
            f"rate card {card_data.get('name')!r} is in {currency}, expected {expected_currency}"
        )
    rates = await _rates(ctx, rate_card_id)
    priced = {str(r.get("product_id")) for r in rates}
    for pid, p in live.items():
        if p.get("type") in ("USAGE", "SUBSCRIPTION") and pid not in priced:
            warnings.append(f"product {_name(p)!r} has no rate on this rate card")
    for r in rates:
        rate = r.get("rate") or {}
        if str(rate.get("rate_type", "")).upper() != "TIERED":
            continue
        tiers = rate.get("tiers") or []
        label = r.get("product_name") or r.get("product_id")
        sizes = [t.get("size") for t in tiers]
        if not tiers:
            problems.append(f"{label}: tiered rate without tiers")
        elif any(s is None for s in sizes[:-1]):
            problems.append(f"{label}: only the last tier may be open-ended")
        elif sizes[-1] is not None:
            top = sum((dec(s) for s in sizes), Decimal(0))
            problems.append(
                f"{label}: tiers stop at {fmt(top)} units; usage beyond would be unpriced —"
                " make the last tier open-ended"
            )
        elif any(dec(s) <= 0 for s in sizes[:-1]):
            problems.append(f"{label}: a tier has a size of zero or less")
        elif any(dec(t.get("price")) < 0 for t in tiers):
            problems.append(f"{label}: a tier has a negative price")
        else:
            details.append(
                f"{label}: {len(tiers)} tiers, boundaries"
                f" {', '.join(fmt(b) for b in tier_boundaries(rate))}"
            )
    details.insert(0, f"rate card {card_data.get('name')!r}: {currency}, {len(rates)} rates")
    ok = f"{len(live)} products, every usage product metered, {len(rates)} rates in {currency}"
    return outcome(problems, warnings, details, ok)
