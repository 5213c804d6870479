"""The Flexprice demo account: an AI analytics company billing tokens, calls and storage.

Ids are derived from names, so they are the same in every run; dates follow the
clock (subscriptions from the start of last month, usage this month and last).
The seed lives by what it creates: the catalogue (`demo_catalog`), the usage
(`demo_usage`), the customers, subscriptions and invoices (`demo_billing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from golive_tui.core.sandbox.dates import add_months, month_start
from golive_tui.providers.flexprice.sandbox.account import Account
from golive_tui.providers.flexprice.sandbox.demo_billing import seed_customers, seed_invoices
from golive_tui.providers.flexprice.sandbox.demo_catalog import (
    API_EVENT,
    EXPORT_EVENT,
    MODELS,
    STORAGE_EVENT,
    TOKENS_EVENT,
    seed_catalog,
)
from golive_tui.providers.flexprice.sandbox.demo_usage import (
    LUMEN_THIS_TOKENS,
    QUILL_THIS_CALLS,
    QUILL_THIS_GB_HOURS,
    QUILL_THIS_TOKENS,
    RESTAMPED_RETRIES,
    seed_usage,
)
from golive_tui.providers.flexprice.sandbox.values import ENVIRONMENT_ID, TENANT_ID, fid

__all__ = [
    "API_EVENT",
    "EXPORT_EVENT",
    "LUMEN_THIS_TOKENS",
    "MODELS",
    "QUILL_THIS_CALLS",
    "QUILL_THIS_GB_HOURS",
    "QUILL_THIS_TOKENS",
    "RESTAMPED_RETRIES",
    "STORAGE_EVENT",
    "TOKENS_EVENT",
    "WEBHOOK_PATH",
    "FlexpriceDemo",
    "seed",
]

WEBHOOK_PATH = "/_sandbox/webhook"


@dataclass(frozen=True)
class FlexpriceDemo:
    """The ids a demo or a test needs to point golive at the seeded account."""

    customer_external_id: str  # the test customer golive should use
    customer_id: str  # its internal id (absent from the account under `customer-missing`)
    customer_name: str
    other_customer_external_ids: tuple[str, ...]
    other_customer_ids: tuple[str, ...]
    plan_id: str  # Growth (USD): SLAB tokens, FLAT_FEE calls, PACKAGE storage, FIXED fee
    plan_name: str
    scale_plan_id: str  # Scale (USD): VOLUME tokens
    subscription_id: str  # absent under `customer-missing` and `no-subscription`
    volume_customer_external_id: str  # on the Scale plan
    volume_subscription_id: str
    tokens_meter_id: str
    api_calls_meter_id: str
    storage_meter_id: str
    exports_meter_id: str  # has a feature but no price
    tokens_feature_id: str
    api_calls_feature_id: str
    storage_feature_id: str
    exports_feature_id: str
    tokens_price_id: str  # TIERED SLAB
    api_calls_price_id: str  # FLAT_FEE
    storage_price_id: str  # PACKAGE, 100 per package, round up
    platform_fee_price_id: str  # FIXED, monthly, in advance
    volume_tokens_price_id: str  # TIERED VOLUME (Scale plan)
    draft_invoice_id: str  # this period's DRAFT for the test subscription
    finalized_invoice_id: str  # last period's, paid
    tokens_event: str = TOKENS_EVENT
    api_event: str = API_EVENT
    storage_event: str = STORAGE_EVENT
    exports_event: str = EXPORT_EVENT
    environment_id: str = ENVIRONMENT_ID
    tenant_id: str = TENANT_ID
    webhook_path: str = WEBHOOK_PATH

    @property
    def event_names(self) -> tuple[str, str, str]:
        """The events the user's app sends (the unpriced export event is not one)."""
        return (self.tokens_event, self.api_event, self.storage_event)


def seed(account: Account, now: datetime, faults: frozenset[str]) -> FlexpriceDemo:
    this_month = month_start(now)
    last_month = add_months(this_month, -1)
    created = last_month - timedelta(days=18)
    cat = seed_catalog(account, created)
    who = seed_customers(account, cat.growth, cat.scale, created, this_month, last_month, faults)
    seed_usage(account, now, this_month, last_month, faults)
    draft_ids, final_ids = seed_invoices(
        account, (who.s_quill, who.s_lumen, who.s_orbit), this_month, last_month
    )

    account.settings["subscription_config"] = (
        fid("setting", "subscription_config"),
        {"grace_period_days": 3, "auto_cancellation_enabled": False},
        created,
    )

    return FlexpriceDemo(
        customer_external_id=who.quill.external_id,
        customer_id=who.quill.id,
        customer_name=who.quill.name,
        other_customer_external_ids=(who.lumen.external_id, who.orbit.external_id),
        other_customer_ids=(who.lumen.id, who.orbit.id),
        plan_id=cat.growth.id,
        plan_name=cat.growth.name,
        scale_plan_id=cat.scale.id,
        subscription_id=who.s_quill.id,
        volume_customer_external_id=who.lumen.external_id,
        volume_subscription_id=who.s_lumen.id,
        tokens_meter_id=cat.m_tokens.id,
        api_calls_meter_id=cat.m_calls.id,
        storage_meter_id=cat.m_storage.id,
        exports_meter_id=cat.m_exports.id,
        tokens_feature_id=cat.f_tokens.id,
        api_calls_feature_id=cat.f_calls.id,
        storage_feature_id=cat.f_storage.id,
        exports_feature_id=cat.f_exports.id,
        tokens_price_id=cat.p_tokens.id,
        api_calls_price_id=cat.p_calls.id,
        storage_price_id=cat.p_storage.id,
        platform_fee_price_id=cat.p_fee.id,
        volume_tokens_price_id=cat.p_vol_tokens.id,
        draft_invoice_id=draft_ids.get(who.s_quill.id, fid("inv", who.s_quill.id, "this")),
        finalized_invoice_id=final_ids.get(who.s_quill.id, fid("inv", who.s_quill.id, "last")),
    )
