"""Metronome probes: the tier maths checked without writing, for production accounts.

`POST /v1/customers/{customer_id}/previewEvents` (`previewCustomerEvents-v1`,
`#S/PreviewEventsPayload`; SDK `types/v1/customer_preview_events_params.py`)
"generates draft invoices for a customer using their current contract configuration
and the provided events … before they are actually processed": 1–100 events without
`customer_id`, `mode=replace` prices them as the customer's only usage. It answers
one DRAFT invoice per contract (`{data: [Invoice]}`). "Customers on contracts with
SQL billable metrics are not supported" — then the probe says so and writes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from golive_tui.core.net import is_production_host
from golive_tui.core.probes.common import fmt, utc_now
from golive_tui.core.probes.engine import ProbeContext, Verdict, warned
from golive_tui.core.probes.http import ApiError
from golive_tui.core.probes.steps import customer_ref, outcome
from golive_tui.providers.metronome.probes import contracts as terms
from golive_tui.providers.metronome.probes.lookups import (
    _aggregation,
    _event,
    _name,
    _Setup,
    rated_amount,
    tier_boundaries,
)
from golive_tui.providers.metronome.probes.rates import (
    commit_rate_ids,
    drawn_commits,
    group_label,
    money,
    price_of,
    rate_text,
    source_of,
    usage_line,
)

MAX_PREVIEW_EVENTS = 100


def production(ctx: ProbeContext) -> bool:
    """Writes here would land on a real account: the target says production, or the
    host is Metronome's production API (which cannot tell a sandbox key apart)."""
    return ctx.target.environment == "production" or is_production_host(
        "metronome", ctx.target.base_url
    )


def preview_event(event: dict[str, Any]) -> dict[str, Any]:
    """An ingest event as `#S/PreviewEvent`: the customer comes from the path."""
    return {k: event[k] for k in ("event_type", "timestamp", "properties", "transaction_id")}


async def preview(
    ctx: ProbeContext, customer_id: str, contract_id: str, events: list[dict[str, Any]]
) -> tuple[dict[str, Any] | None, str]:
    """The contract's previewed draft for `events` alone, or (None, why not)."""
    ctx.doing("pricing the test usage with previewEvents (nothing is written)")
    try:
        resp = await ctx.api.request(
            "POST",
            f"/v1/customers/{customer_id}/previewEvents",
            json_body={"events": [preview_event(e) for e in events], "mode": "replace"},
            expect="object",
            keys=("data",),
        )
    except ApiError as exc:
        if exc.status in (400, 404):
            said = exc.message or str(exc)
            return None, f"previewEvents refused the test events ({exc.status}: {said})"
        raise
    data = resp.body.get("data", []) if isinstance(resp.body, dict) else []
    for inv in data:
        if isinstance(inv, dict) and inv.get("contract_id") in (contract_id, None):
            return inv, ""
    return None, "previewEvents returned no invoice for the contract the usage lands on"


async def dry_run(
    ctx: ProbeContext,
    setup: _Setup,
    row: dict[str, Any],
    product: dict[str, Any],
    metric: dict[str, Any],
    groups: dict[str, str],
) -> Verdict | None:
    """invoice-draft on production: previewed tier maths, nothing ingested.

    None when the preview is not available: the caller then needs a real write, which
    it must have approved first.
    """
    rate = price_of(row)
    bounds = tier_boundaries(rate)
    quantity = (bounds[-1] + 10) if bounds else Decimal(10)
    t = utc_now() - timedelta(minutes=2)
    ref = customer_ref(ctx)
    if _aggregation(metric) == "sum":
        halves = [quantity - quantity // 2, quantity // 2]
        events = [_event(ctx, metric, ref, i + 1, q, t, "preview") for i, q in enumerate(halves)]
    elif quantity > MAX_PREVIEW_EVENTS:
        return warned(
            f"production account, so golive sends no test usage; previewing every tier needs"
            f" {fmt(quantity)} count events and previewEvents takes at most"
            f" {MAX_PREVIEW_EVENTS} — verify the upper tiers by hand"
        )
    else:
        n = int(quantity)
        events = [_event(ctx, metric, ref, i + 1, 1, t, "preview") for i in range(n)]
    for e in events:
        e["properties"].update(groups)
    contract = setup.contract or {}
    inv, why = await preview(ctx, setup.customer["id"], str(contract.get("id")), events)
    if inv is None:
        ctx.note("previewEvents unavailable", why)
        return None
    q, total = usage_line(inv, product["id"], groups)
    at_commit_rate = bool(
        drawn_commits(inv, product["id"], groups) & commit_rate_ids(setup.contracts)
    )
    rate = price_of(row, commit_rate=at_commit_rate)
    source = source_of(row, commit_rate=at_commit_rate)
    expected = rated_amount(rate, quantity)
    ct = inv.get("credit_type")
    name = _name(product) + (f" ({group_label(groups)})" if groups else "")
    ctx.note(
        f"{name}: previewed vs expected",
        f"contract: {terms.label(contract)}\n"
        f"quantity: previewed {fmt(q)}, expected {fmt(quantity)}\n"
        f"line total: previewed {money(total, ct)}, expected {money(expected, ct)}\n"
        f"rate ({source}): {rate_text(rate, ct)}",
    )
    problems = []
    if q != quantity:
        problems.append(f"{name}: previewed quantity {fmt(q)}, expected {fmt(quantity)}")
    if total != expected:
        problems.append(
            f"{name}: previewed line total {money(total, ct)}, expected {money(expected, ct)}"
            f" from {source} — the contract does not price usage the way its rates say"
        )
    tiers = len(rate.get("tiers") or [])
    how = f"all {tiers} tiers crossed" if tiers else "flat rate"
    ok = (
        f"dry run on production (previewEvents, nothing written): {fmt(quantity)} units of"
        f" {name} price at {money(total, ct)} at {source} ({how}); ingestion and dedup are"
        " not exercised here"
    )
    return outcome(problems, (), (), ok)
