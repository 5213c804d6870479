"""Metronome probes: the draft invoice, priced the way the contract prices."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from golive_tui.core.money import format_apart
from golive_tui.core.probes.common import dec, fmt, parse_time, utc_now
from golive_tui.core.probes.engine import ProbeContext, Verdict, failed, warned
from golive_tui.core.probes.lines import Line
from golive_tui.core.probes.steps import customer_ref, outcome
from golive_tui.providers.metronome.probes import contracts as terms
from golive_tui.providers.metronome.probes.fingerprints import (
    metric_snapshot,
    saw_setup,
    schedule_snapshot,
)
from golive_tui.providers.metronome.probes.lookups import (
    _aggregation,
    _event,
    _event_type,
    _name,
    _paged,
    _Setup,
    _setup,
    rated_amount,
    tier_boundaries,
    usage_probe,
)
from golive_tui.providers.metronome.probes.preview import dry_run, production
from golive_tui.providers.metronome.probes.rates import (
    commit_rate_ids,
    drawdown,
    drawn_commits,
    group_label,
    money,
    price_of,
    rate_text,
    source_of,
    usage_line,
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
    """The contract's DRAFT usage invoice covering now (not a scheduled true-up)."""
    now = utc_now()
    for inv in invoices:
        if str(inv.get("status", "")).upper() != "DRAFT":
            continue
        if str(inv.get("type", "USAGE")).upper() != "USAGE":
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
        params={"status": "DRAFT", "type": "USAGE", "sort": "date_desc"},
        max_pages=3,
    )
    contract_id = setup.contract.get("id") if setup.contract else None
    return _draft_for(invoices, contract_id)


class _Priced(NamedTuple):
    row: dict[str, Any]  # the contract rate schedule entry (probes/rates.py)
    product: dict[str, Any]
    metric: dict[str, Any]
    groups: dict[str, str]  # pricing group values the test usage carries, or {}


def _choose_priced(setup: _Setup) -> _Priced | None:
    """Prefer a tiered usage rate (tiers are where maths goes wrong), summed by a key.

    Only rates of the contract the test usage lands on count; a product priced per
    pricing group gets the values of a group that has a rate, so the usage is priced.
    """
    contract_id = str((setup.contract or {}).get("id"))
    candidates = []
    for row in setup.schedules.get(contract_id, []):
        product = setup.products.get(str(row.get("product_id")))
        if not product or product.get("type") != "USAGE" or not row.get("entitled", True):
            continue
        current = product.get("current") or {}
        metric = setup.metrics.get(str(current.get("billable_metric_id")))
        if metric is None:
            continue
        keys = [str(k) for k in current.get("pricing_group_key") or []]
        groups = {str(k): str(v) for k, v in (row.get("pricing_group_values") or {}).items()}
        if set(keys) != set(groups):
            continue  # a rate for other group values, or a group key without values
        rtype = str(price_of(row).get("rate_type", "")).upper()
        agg = _aggregation(metric)
        if rtype not in ("FLAT", "TIERED") or agg not in ("sum", "count"):
            continue
        if metric.get("archived_at") or not _event_type(metric):
            continue
        if current.get("quantity_conversion") or current.get("quantity_rounding"):
            continue  # golive compares raw quantities
        score = (rtype == "TIERED", agg == "sum")
        candidates.append((score, _Priced(row, product, metric, groups)))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c[0], reverse=True)
    return candidates[0][1]


# On production it prices test usage with previewEvents and writes nothing; where it
# does write it asks first, with the events and what they cost (describes_writes).
def _cost(
    setup: _Setup,
    row: dict[str, Any],
    product_id: str,
    groups: dict[str, str],
    invoice: dict[str, Any],
    q0: Decimal,
    q1: Decimal,
) -> Decimal:
    """What the test usage adds to the line, at the rate the draft prices it at now."""
    drawn = drawn_commits(invoice, product_id, groups) & commit_rate_ids(setup.contracts)
    rate = price_of(row, commit_rate=bool(drawn))
    return rated_amount(rate, q1) - rated_amount(rate, q0)


@usage_probe(
    "invoice-draft",
    "Draft invoice shows the right quantity and total",
    deadline=40,
    describes_writes=True,
)
async def invoice_draft(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    choice = _choose_priced(setup)
    if choice is None:
        return warned(
            "no FLAT or TIERED usage rate metered by a sum or count metric in the contract's"
            " rate schedule (with pricing group values where the product has a pricing group"
            " key); verify this invoice by hand"
        )
    row, product, metric, groups = choice
    saw_setup(ctx, setup)
    contract = setup.contract or {}
    rows = setup.schedules.get(str(contract.get("id")), [])
    ctx.verified(metric_snapshot(metric), schedule_snapshot(contract, rows))
    rate = price_of(row)
    before_inv = await _draft(ctx, setup)
    if before_inv is None:
        return failed(
            f"no DRAFT invoice covers today for contract {terms.label(setup.contract or {})};"
            " usage is not being invoiced — check the contract's dates and billing schedule"
        )
    if production(ctx):
        dry = await dry_run(ctx, setup, row, product, metric, groups)
        if dry is not None:
            return dry
    q0, t0 = usage_line(before_inv, product["id"], groups)
    inv_total0, draw0 = dec(before_inv.get("total")), drawdown(before_inv)
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
    for e in events:  # in a pricing group that has a rate, so the usage is priced
        e["properties"].update(groups)
    events.append(dict(events[0]))  # a duplicate must not be billed
    name = _name(product) + (f" ({group_label(groups)})" if groups else "")
    ct = before_inv.get("credit_type")
    # Other members' ungrouped usage never lands on a pricing group's line: key it apart.
    key = str(product["id"]) + (f"|{group_label(groups)}" if groups else "")

    def expected_line_at(total_qty: Decimal, at: dict[str, Any]) -> Decimal:
        return rated_amount(at, total_qty) - rated_amount(at, q0) + t0

    # The confirmation's price: at the commit rate when the draft already draws a commit.
    price = money(_cost(setup, row, product["id"], groups, before_inv, q0, q0 + quantity), ct)
    share = await send_usage(
        ctx,
        events,
        {line_key(key): quantity, dup_key(key): dup_qty},
        f"{events_for(len(events), ref)}: {fmt(quantity)} units of {name}, about {price}"
        " (one event sent twice, must not be billed)",
    )
    # Everyone's usage on this line: other members' test events land on it too.
    sent = share.expected_total(line_key(key))
    dups = share.expected_total(dup_key(key))
    expected_qty = q0 + sent

    async def read() -> tuple[dict[str, Any] | None, Line]:
        inv = await _draft(ctx, setup)
        return inv, (q0, t0) if inv is None else usage_line(inv, product["id"], groups)

    # The whole expected quantity, not the first change: events settle one by one.
    ctx.doing("waiting for the draft invoice to include the test usage")
    nothing: tuple[dict[str, Any] | None, Line] = (None, (q0, t0))
    waited = await wait_until(
        ctx,
        read,
        lambda seen: seen[0] is not None and seen[1][0] >= expected_qty,
        nothing,
        max_wait=1.0,  # at most ~1 s late once the draft has it all
    )
    after_inv, (q1, t1) = waited.seen
    if not waited.settled or after_inv is None:
        return warned(
            waited.why_not(f"{name} quantity {fmt(q1 - q0)} of the {fmt(sent)} units sent")
        )
    # A draw on a COMMIT_RATE commit or credit is priced at the commit rate.
    drawn = drawn_commits(before_inv, product["id"], groups)
    drawn |= drawn_commits(after_inv, product["id"], groups)
    at_commit_rate = bool(drawn & commit_rate_ids(setup.contracts))
    rate = price_of(row, commit_rate=at_commit_rate)
    source = source_of(row, commit_rate=at_commit_rate)
    expected_line = expected_line_at(expected_qty, rate)
    ctx.note(
        f"{name}: expected vs actual",
        f"contract: {terms.label(setup.contract or {})}\n"
        f"quantity: before {fmt(q0)}, sent {fmt(quantity)} (+ {fmt(sent - quantity)} by the"
        f" other usage probes, + duplicates of {fmt(dups)} that must not count),"
        f" expected {fmt(expected_qty)}, actual {fmt(q1)}\n"
        f"line total: before {money(t0, ct)}, expected {money(expected_line, ct)},"
        f" actual {money(t1, ct)}\n"
        f"rate ({source}): {rate_text(rate, ct)}",
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
    if t1 != expected_line and (q1 == expected_qty or t1 != expected_line_at(q1, rate)):
        got, want = format_apart(t1, expected_line_at(q1, rate), lambda x, **kw: money(x, ct, **kw))
        problems.append(
            f"{name}: line total is {got}, expected {want} from"
            f" {source} ({str(rate.get('rate_type', '')).lower()}) — the invoice does not"
            " price usage the way the contract says"
        )
    inv_total1, draw1 = dec(after_inv.get("total")), drawdown(after_inv)
    moved_elsewhere = any(
        v for k, v in share.totals.items() if k.startswith(line_key("")) and k != line_key(key)
    )
    total_moved = inv_total1 - inv_total0 != (t1 - t0) + (draw1 - draw0)
    if not problems and not moved_elsewhere and total_moved:
        problems.append(
            f"invoice total grew by {money(inv_total1 - inv_total0, ct)} while the {name} line"
            f" grew by {money(t1 - t0, ct)} and commits or credits took"
            f" {money(draw0 - draw1, ct)} more; another charge moved at the same time"
        )
    tiers = len(rate.get("tiers") or [])
    how = f"all {tiers} tiers crossed" if tiers else "flat rate"
    drew = f", {money(draw0 - draw1, ct)} drawn from commits or credits" if draw1 != draw0 else ""
    ok = (
        f"{name}: +{fmt(sent)} units (duplicates ignored) added exactly"
        f" {money(t1 - t0, ct)} to the draft at {source} ({how}{drew})"
    )
    return outcome(problems, (), (), ok)
