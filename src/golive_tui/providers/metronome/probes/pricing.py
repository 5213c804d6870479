"""Metronome probes: the pricing set-up (products, every contract's rate card and the
contract rates they end up at).

The rate card (`getRates`) holds list prices; what a customer pays is the contract's
rate schedule (probes/rates.py), so both are checked and the contract's prices shown.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from golive_tui.core.probes.common import dec, fmt
from golive_tui.core.probes.engine import ProbeContext, Verdict, warned
from golive_tui.core.probes.steps import customer_ref, outcome, required_customer
from golive_tui.providers.metronome.probes import contracts as terms
from golive_tui.providers.metronome.probes.fingerprints import (
    RATE_CARD,
    metric_snapshot,
    rate_card_snapshot,
    schedule_snapshot,
)
from golive_tui.providers.metronome.probes.lookups import (
    _contracts,
    _customer,
    _metrics,
    _name,
    _products,
    _rates,
    metronome_probe,
    tier_boundaries,
)
from golive_tui.providers.metronome.probes.rates import (
    contract_rates,
    currency_code,
    group_label,
    price_of,
    rate_text,
    source_of,
)


def tier_problem(label: str, rate: dict[str, Any]) -> str | None:
    """Why a TIERED rate cannot price all usage, or None."""
    tiers = rate.get("tiers") or []
    sizes = [t.get("size") for t in tiers]
    if not tiers:
        return f"{label}: tiered rate without tiers"
    if any(s is None for s in sizes[:-1]):
        return f"{label}: only the last tier may be open-ended"
    if sizes[-1] is not None:
        top = sum((dec(s) for s in sizes), Decimal(0))
        return (
            f"{label}: tiers stop at {fmt(top)} units; usage beyond would be unpriced —"
            " make the last tier open-ended"
        )
    if any(dec(s) <= 0 for s in sizes[:-1]):
        return f"{label}: a tier has a size of zero or less"
    if any(dec(t.get("price")) < 0 for t in tiers):
        return f"{label}: a tier has a negative price"
    return None


def _tiered(rate: dict[str, Any]) -> bool:
    return str(rate.get("rate_type", "")).upper() == "TIERED"


@metronome_probe("pricing-setup", "Products, rate card and tiers are consistent", deadline=25)
async def pricing_setup(ctx: ProbeContext) -> Verdict:
    products, metrics = await asyncio.gather(_products(ctx), _metrics(ctx))
    live = {k: p for k, p in products.items() if not p.get("archived_at")}
    by_type: dict[str, list[str]] = {}
    for p in live.values():
        by_type.setdefault(str(p.get("type")), []).append(_name(p))
    details = [f"{t}: {', '.join(sorted(names))}" for t, names in sorted(by_type.items())]
    problems: list[str] = []
    warnings: list[str] = []
    for p in live.values():
        if p.get("type") != "USAGE":
            continue
        mid = (p.get("current") or {}).get("billable_metric_id")
        m = metrics.get(str(mid)) if mid else None
        if not mid:
            problems.append(f"usage product {_name(p)!r} has no billable metric")
            continue
        if m is None:
            problems.append(f"usage product {_name(p)!r} points at unknown metric {mid}")
            continue
        ctx.verified(metric_snapshot(m))
        if m.get("archived_at"):
            problems.append(
                f"usage product {_name(p)!r} is metered by archived metric {m.get('name')!r}"
            )
    card_ids: list[str] = []
    if ctx.settings.get("rate_card_id"):
        card_ids.append(str(ctx.settings["rate_card_id"]))
    contracts: list[dict[str, Any]] = []
    customer: dict[str, Any] = {}
    if customer_ref(ctx):
        customer = await required_customer(ctx, _customer)
        contracts = await _contracts(ctx, customer["id"])
        ctx.saw_account(
            customer_id=customer["id"],
            customer_name=customer.get("name"),
            contract_id=", ".join(str(k["id"]) for k in contracts if k.get("rate_card_id")),
        )
        card_ids += [str(k["rate_card_id"]) for k in contracts if k.get("rate_card_id")]
    card_ids = list(dict.fromkeys(card_ids))  # every contract's card, once
    if not card_ids:
        return warned(
            "no rate card to check: set a test customer with a contract, or rate_card_id",
            *problems,
            *details,
        )
    summary: list[str] = []
    for card_id in card_ids:
        said = await _check_card(ctx, card_id, live, problems, warnings, details)
        summary.append(said)
    cards = [s for s in ctx.snapshots.values() if s.kind == RATE_CARD]
    ctx.saw_account(
        rate_card_id=", ".join(s.ref for s in cards),
        rate_card_name=", ".join(s.name for s in cards),
    )
    for k in [k for k in contracts if k.get("rate_card_id")]:
        rows = await contract_rates(ctx, customer["id"], str(k["id"]))
        ctx.verified(schedule_snapshot(k, rows))
        for row in rows:
            product = live.get(str(row.get("product_id")))
            if not product or product.get("type") != "USAGE":
                continue
            label = _name(product)
            if row.get("pricing_group_values"):
                label += f" ({group_label(row['pricing_group_values'])})"
            rate = price_of(row)
            problem = tier_problem(f"{label} on {terms.label(k)}", rate) if _tiered(rate) else None
            if problem:
                problems.append(problem)
            details.append(f"{terms.label(k)}: {label} at {source_of(row)}, {rate_text(rate)}")
    ok = f"{len(live)} products, every usage product metered; " + "; ".join(summary)
    return outcome(problems, warnings, details, ok)


async def _check_card(
    ctx: ProbeContext,
    card_id: str,
    live: dict[str, dict[str, Any]],
    problems: list[str],
    warnings: list[str],
    details: list[str],
) -> str:
    ctx.doing("reading the rate card")
    card = await ctx.api.request(
        "POST",
        "/v1/contract-pricing/rate-cards/get",
        json_body={"id": card_id},
        expect="object",
        keys=("data",),
    )
    card_data = card.body.get("data", {}) if isinstance(card.body, dict) else {}
    card_name = card_data.get("name") or card_id
    credit_type = card_data.get("fiat_credit_type") or {}
    currency = credit_type.get("name", "unknown")
    expected_currency = ctx.settings.get("currency")
    if expected_currency and str(expected_currency).lower() not in currency.lower():
        problems.append(f"rate card {card_name!r} is in {currency}, expected {expected_currency}")
    rates = await _rates(ctx, card_id)
    ctx.verified(rate_card_snapshot(card_id, card_data, rates))
    priced = {str(r.get("product_id")) for r in rates}
    for pid, p in live.items():
        if p.get("type") in ("USAGE", "SUBSCRIPTION") and pid not in priced:
            warnings.append(f"product {_name(p)!r} has no rate on rate card {card_name!r}")
    for r in rates:
        rate = r.get("rate") or {}
        if not _tiered(rate):
            continue
        label = str(r.get("product_name") or r.get("product_id"))
        if r.get("pricing_group_values"):
            label += f" ({group_label(r['pricing_group_values'])})"
        problem = tier_problem(label, rate)
        if problem:
            problems.append(problem)
        else:
            bounds = ", ".join(fmt(b) for b in tier_boundaries(rate))
            details.append(
                f"{label}: {len(rate['tiers'])} tiers, boundaries {bounds};"
                f" list {rate_text(rate, credit_type)}"
            )
    details.insert(0, f"rate card {card_name!r}: {currency_code(credit_type)}, {len(rates)} rates")
    return f"{len(rates)} rates on {card_name!r} in {currency_code(credit_type)}"
