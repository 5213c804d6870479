"""Healthy real-account shapes (`--variant`) laid over the seeded demo account.

Each is something a real Flexprice account does that a probe must read right;
every probe still passes on each.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from golive_tui.core.sandbox.dates import add_months, month_start
from golive_tui.providers.flexprice.sandbox.account import Account
from golive_tui.providers.flexprice.sandbox.demo import FlexpriceDemo
from golive_tui.providers.flexprice.sandbox.pricing import Tier
from golive_tui.providers.flexprice.sandbox.values import fid


def apply_variants(
    account: Account, demo: FlexpriceDemo, now: datetime, variants: frozenset[str]
) -> None:
    if "expired-prices" in variants:
        _expired_prices(account, demo, now)
    if "entitlements" in variants:
        # billing_meter_usage.go adjustMeterUsageEntitlement: billable = usage − allowance
        account.entitlements[(demo.customer_id, demo.tokens_meter_id)] = 500_000
        account.entitlements[(demo.customer_id, demo.api_calls_meter_id)] = 1_000  # not used up
        account.entitlements[(demo.customer_id, demo.storage_meter_id)] = None  # unlimited
    if "commitment" in variants and demo.subscription_id in account.subscriptions:
        # subscription.go: $3 committed, usage beyond it at 1.5× on "(Overage)" lines
        sub = account.subscriptions[demo.subscription_id]
        sub.commitment_amount, sub.overage_factor = Decimal(3), Decimal("1.5")
    if "volume-closed-tier" in variants:
        # price.go VOLUME: past a closed last tier, every unit is priced at the last tier
        tokens = account.prices[demo.tokens_price_id]
        tokens.tier_mode = "VOLUME"
        tokens.tiers = [
            Tier(1_000_000, Decimal("0.000002")),
            Tier(10_000_000, Decimal("0.0000015")),
        ]


def _expired_prices(account: Account, demo: FlexpriceDemo, now: datetime) -> None:
    """The plan also holds last year's prices and a EUR price list.

    internal/ee/service/plan.go GetPlan reads prices with `AllowExpired: true`, in every
    currency and period, so `GET /v1/plans/{id}` lists them beside the current ones; only
    the subscription's line items say which price the customer is billed at.
    """
    plan = account.plans[demo.plan_id]
    ended = add_months(month_start(now), -2)
    eur_rate = Decimal("0.9")
    extra = []
    for price_id in list(plan.price_ids):
        price = account.prices[price_id]
        if price.type != "USAGE":
            continue
        old = replace(
            price,
            id=fid("price", price_id, "expired"),
            amount=price.amount * 3,
            tiers=[Tier(t.up_to, t.unit_amount * 3, t.flat_amount) for t in price.tiers],
            start_date=ended - timedelta(days=365),
            end_date=ended,
            lookup_key=price.lookup_key + "-2025",
        )
        eur = replace(
            price,
            id=fid("price", price_id, "eur"),
            currency="eur",
            amount=price.amount * eur_rate,
            tiers=[Tier(t.up_to, t.unit_amount * eur_rate, t.flat_amount) for t in price.tiers],
            lookup_key=price.lookup_key + "-eur",
        )
        extra += [old, eur]
    for price in extra:
        account.prices[price.id] = price
    # first in the list, where a reader that takes the plan's prices meets them first
    plan.price_ids = [p.id for p in extra] + plan.price_ids
