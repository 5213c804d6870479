"""Healthy real-account shapes (`--variant`) laid over the seeded demo account.

Each is something a real Metronome contract does that a probe must read right; every
probe still passes on each. Shapes: sandbox/contracts.py (spec and SDK citations).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from golive_tui.providers.metronome.sandbox.contracts import Commit, Override, UsageFilter
from golive_tui.providers.metronome.sandbox.demo import MetronomeDemo
from golive_tui.providers.metronome.sandbox.state import (
    Account,
    Contract,
    Event,
    Product,
    Rate,
    Tier,
    add_months,
    month_start,
    sid,
)

D = Decimal


def apply_variants(
    account: Account, demo: MetronomeDemo, now: datetime, variants: frozenset[str]
) -> None:
    contract = account.contracts.get(demo.contract_id)
    if contract is None:  # the `no-contract` fault: nothing to lay terms on
        return
    if "overrides" in variants:
        _overrides(account, demo, contract, now)
    if "commits" in variants:
        _commits(account, demo, contract, now)
    if "credits" in variants:
        _credits(account, contract, now)
    if "several-contracts" in variants:
        _several_contracts(account, demo, contract, now)
    if "pricing-groups" in variants:
        _pricing_groups(account, demo, now)


def _overrides(account: Account, demo: MetronomeDemo, contract: Contract, now: datetime) -> None:
    """A negotiated discount: input tokens at 0.8× and 0.9× (the lowest multiplier wins),
    output tokens on their own tiers (a tiered OVERWRITE), API requests at a flat
    overwrite price."""
    start = contract.starting_at
    p = account.products
    p_in, p_out, p_req = (
        p[demo.input_tokens_product_id],
        p[demo.output_tokens_product_id],
        p[demo.api_requests_product_id],
    )
    contract.overrides += [
        Override(sid("override", "in-0.9"), p_in, start, start, "MULTIPLIER", multiplier=D("0.9")),
        Override(sid("override", "in-0.8"), p_in, start, start, "MULTIPLIER", multiplier=D("0.8")),
        Override(
            sid("override", "out-tiers"),
            p_out,
            start,
            start,
            "OVERWRITE",
            overwrite_rate=Rate(
                p_out.id,
                "TIERED",
                start,
                tiers=[Tier(D("0.001"), D(500_000)), Tier(D("0.0007"))],
            ),
        ),
        Override(
            sid("override", "req-flat"),
            p_req,
            start,
            start,
            "OVERWRITE",
            overwrite_rate=Rate(p_req.id, "FLAT", start, price=D("0.008")),
        ),
    ]


def _fixed(account: Account, name: str, created: datetime) -> Product:
    product = Product(sid("product", name), name, "FIXED", created)
    account.products.setdefault(product.id, product)
    return account.products[product.id]


def _commits(account: Account, demo: MetronomeDemo, contract: Contract, now: datetime) -> None:
    """A prepaid commit priced at the rate card's commit rate for input tokens, and a
    postpaid commit on everything, with its true-up invoice."""
    this_month = month_start(now)
    card = account.rate_cards[contract.rate_card_id]
    for rate in card.rates:
        if rate.product_id == demo.input_tokens_product_id:
            rate.commit_rate = Rate(
                rate.product_id,
                "TIERED",
                rate.starting_at,
                tiers=[Tier(t.price * D("0.85"), t.size) for t in rate.tiers],
            )
    created = contract.created_at
    contract.commits += [
        Commit(
            sid("commit", "prepaid-tokens"),
            "Prepaid token commit",
            "PREPAID",
            _fixed(account, "Prepaid commit", created),
            created,
            D(100_000),
            this_month,
            add_months(this_month, 12),
            applicable_product_ids=[demo.input_tokens_product_id],
            rate_type="COMMIT_RATE",
        ),
        Commit(
            sid("commit", "postpaid-annual"),
            "Annual minimum spend",
            "POSTPAID",
            _fixed(account, "Postpaid commit", created),
            created,
            D(1_200_000),
            this_month,
            add_months(this_month, 1),
            priority=2,
        ),
    ]


def _credits(account: Account, contract: Contract, now: datetime) -> None:
    """A launch credit that runs out during the month: part of the next usage is drawn
    from it, the rest billed."""
    this_month = month_start(now)
    created = contract.created_at
    contract.credits.append(
        Commit(
            sid("credit", "launch"),
            "Launch credit",
            "CREDIT",
            _fixed(account, "Launch credit", created),
            created,
            D(51_500),
            this_month,
            add_months(this_month, 1),
        )
    )


def _several_contracts(
    account: Account, demo: MetronomeDemo, contract: Contract, now: datetime
) -> None:
    """Launch day: the standard contract ends later today and a renewal starts then; an
    older EU pilot contract runs alongside, fed by a usage filter (one invoice each)."""
    day_end = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    switch = (now + (day_end - now) / 2).replace(microsecond=0)
    contract.ending_before = switch
    renewal = Contract(
        sid("contract", "nimbus-labs", "renewal-2027"),
        contract.customer_id,
        "Nimbus Labs — Growth 2027",
        contract.rate_card_id,
        switch,
        contract.created_at,
        uniqueness_key="nimbus-labs-growth-2027",
    )
    pilot_start = add_months(contract.starting_at, -1)
    pilot = Contract(
        sid("contract", "nimbus-labs", "eu-pilot"),
        contract.customer_id,
        "Nimbus Labs — EU pilot",
        contract.rate_card_id,
        pilot_start,
        contract.created_at,
        usage_filter=[UsageFilter("project_id", ["eu-pilot"], pilot_start)],
    )
    account.contracts[pilot.id] = pilot
    account.contracts[renewal.id] = renewal
    this_month = month_start(now)
    for i in range(2):
        at = this_month + (now - this_month) * (i + 1) / 3
        tid = f"seed-nimbus-eu-pilot-{i}"
        props = {"model": "atlas-2-mini", "project_id": "eu-pilot", "input_tokens": "52000"}
        props["output_tokens"] = "7000"
        at = at.replace(microsecond=0)
        account.events.append(
            Event(
                sid("event", tid), tid, demo.production_alias, "llm.completion", at, props, at, at
            )
        )
        account.first_seen[tid] = at


def _pricing_groups(account: Account, demo: MetronomeDemo, now: datetime) -> None:
    """Input tokens priced per model (`pricing_group_key: ["model"]`): one rate per model
    on the rate card, and no rate for any other model."""
    product = account.products[demo.input_tokens_product_id]
    product.pricing_group_key = ["model"]
    card = account.rate_cards[demo.rate_card_id]
    [base] = [r for r in card.rates if r.product_id == product.id]
    at = card.rates.index(base)
    scale = {"atlas-2-pro": D(2), "atlas-2-mini": D(1), "atlas-embed-1": D("0.25")}
    card.rates[at : at + 1] = [
        Rate(
            product.id,
            "TIERED",
            base.starting_at,
            tiers=[Tier(t.price * factor, t.size) for t in base.tiers],
            pricing_group_values={"model": model},
        )
        for model, factor in scale.items()
    ]
