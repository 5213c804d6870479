"""The Flexprice demo account: an AI analytics company billing tokens, calls and storage.

Ids are derived from names, so they are the same in every run; dates follow the
clock (subscriptions from the start of last month, usage this month and last).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from golive_tui.providers.flexprice.sandbox.state import (
    ENVIRONMENT_ID,
    TENANT_ID,
    Account,
    Customer,
    Event,
    Feature,
    Invoice,
    LineItem,
    Meter,
    Plan,
    Price,
    Subscription,
    Tier,
    add_months,
    fid,
    month_start,
)

WEBHOOK_PATH = "/_sandbox/webhook"
TOKENS_EVENT = "llm.tokens"
API_EVENT = "api.call"
STORAGE_EVENT = "storage.usage"
EXPORT_EVENT = "report.exported"  # metered, but no plan prices it
MODELS = ("quill-mini", "quill-pro", "quill-embed")
RESTAMPED_RETRIES = 2  # under `duplicates-counted`: app retries sent with a new timestamp


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


D = Decimal

# (event name, properties) per seeded event, this period and last, per customer
_QUILL_THIS: list[tuple[str, dict[str, Any]]] = [
    (TOKENS_EVENT, {"model": "quill-pro", "tokens": "180000", "project": "insights"}),
    (TOKENS_EVENT, {"model": "quill-mini", "tokens": "240000", "project": "insights"}),
    (TOKENS_EVENT, {"model": "quill-embed", "tokens": "95500", "project": "search"}),
    (TOKENS_EVENT, {"model": "quill-pro", "tokens": "310000", "project": "reports"}),
    (TOKENS_EVENT, {"model": "quill-mini", "tokens": "125000", "project": "search"}),
    (TOKENS_EVENT, {"model": "quill-pro", "tokens": "299500", "project": "insights"}),
    *[(API_EVENT, {"endpoint": "/v2/query", "method": "POST"}) for _ in range(28)],
    *[(API_EVENT, {"endpoint": "/v2/datasets", "method": "GET"}) for _ in range(12)],
    (STORAGE_EVENT, {"gb_hours": "120.5", "bucket": "warehouse"}),
    (STORAGE_EVENT, {"gb_hours": "96", "bucket": "warehouse"}),
    (STORAGE_EVENT, {"gb_hours": "88.25", "bucket": "exports"}),
    (EXPORT_EVENT, {"format": "pdf"}),
]
QUILL_THIS_TOKENS = D(1_250_000)
QUILL_THIS_CALLS = D(40)
QUILL_THIS_GB_HOURS = D("304.75")
_QUILL_LAST: list[tuple[str, dict[str, Any]]] = [
    (TOKENS_EVENT, {"model": "quill-pro", "tokens": "2100000", "project": "insights"}),
    (TOKENS_EVENT, {"model": "quill-mini", "tokens": "1650000", "project": "reports"}),
    (TOKENS_EVENT, {"model": "quill-embed", "tokens": "450000", "project": "search"}),
    *[(API_EVENT, {"endpoint": "/v2/query", "method": "POST"}) for _ in range(25)],
    (STORAGE_EVENT, {"gb_hours": "260", "bucket": "warehouse"}),
    (STORAGE_EVENT, {"gb_hours": "150", "bucket": "exports"}),
]
_LUMEN_THIS: list[tuple[str, dict[str, Any]]] = [
    (TOKENS_EVENT, {"model": "quill-pro", "tokens": "3200000", "project": "triage"}),
    (TOKENS_EVENT, {"model": "quill-pro", "tokens": "2600000", "project": "triage"}),
    (TOKENS_EVENT, {"model": "quill-mini", "tokens": "1600000", "project": "notes"}),
    *[(API_EVENT, {"endpoint": "/v2/query", "method": "POST"}) for _ in range(12)],
]
LUMEN_THIS_TOKENS = D(7_400_000)
_ORBIT_THIS: list[tuple[str, dict[str, Any]]] = [
    (TOKENS_EVENT, {"model": "quill-mini", "tokens": "84000", "project": "catalog"}),
    *[(API_EVENT, {"endpoint": "/v2/datasets", "method": "GET"}) for _ in range(6)],
]


def seed(account: Account, now: datetime, faults: frozenset[str]) -> FlexpriceDemo:
    this_month = month_start(now)
    last_month = add_months(this_month, -1)
    created = last_month - timedelta(days=18)

    # --- meters and features ---
    m_tokens = Meter(
        fid("meter", "llm-tokens"),
        "LLM tokens",
        TOKENS_EVENT,
        "SUM",
        "tokens",
        created,
        filters=[("model", list(MODELS))],
    )
    m_calls = Meter(fid("meter", "api-calls"), "API calls", API_EVENT, "COUNT", None, created)
    m_storage = Meter(
        fid("meter", "storage-gb-hours"),
        "Storage GB-hours",
        STORAGE_EVENT,
        "SUM",
        "gb_hours",
        created,
    )
    m_exports = Meter(
        fid("meter", "report-exports"), "Report exports", EXPORT_EVENT, "COUNT", None, created
    )
    for m in (m_tokens, m_calls, m_storage, m_exports):
        account.meters[m.id] = m
    f_tokens = Feature(
        fid("feat", "llm-tokens"),
        "LLM tokens",
        "llm-tokens",
        m_tokens.id,
        created,
        "Prompt and completion tokens across Quill models",
        "token",
        "tokens",
    )
    f_calls = Feature(
        fid("feat", "api-calls"), "API calls", "api-calls", m_calls.id, created, "", "call", "calls"
    )
    f_storage = Feature(
        fid("feat", "storage-gb-hours"),
        "Storage GB-hours",
        "storage-gb-hours",
        m_storage.id,
        created,
        "Dataset storage, metered hourly",
        "GB-hour",
        "GB-hours",
    )
    f_exports = Feature(
        fid("feat", "report-exports"),
        "Report exports",
        "report-exports",
        m_exports.id,
        created,
        "Tracked for analytics; not billed yet",
        "export",
        "exports",
    )
    f_sso = Feature(fid("feat", "sso"), "SSO", "sso", None, created, "SAML single sign-on")
    f_sso.type = "boolean"
    for f in (f_tokens, f_calls, f_storage, f_exports, f_sso):
        account.features[f.id] = f

    # --- plans and prices (main currency units) ---
    growth = Plan(
        fid("plan", "growth-usd"),
        "Growth (USD)",
        "growth-usd",
        "Usage-based plan for teams shipping AI features",
        created,
    )
    scale = Plan(
        fid("plan", "scale-usd"),
        "Scale (USD)",
        "scale-usd",
        "Volume pricing for high-throughput workloads",
        created,
    )
    p_tokens = Price(
        fid("price", "growth", "tokens"),
        growth.id,
        "USAGE",
        "TIERED",
        D(0),
        "LLM tokens",
        created,
        meter_id=m_tokens.id,
        tier_mode="SLAB",
        tiers=[
            Tier(1_000_000, D("0.000002")),
            Tier(10_000_000, D("0.0000015")),
            Tier(None, D("0.000001")),
        ],
        lookup_key="growth-tokens",
    )
    p_calls = Price(
        fid("price", "growth", "api-calls"),
        growth.id,
        "USAGE",
        "FLAT_FEE",
        D("0.0004"),
        "API calls",
        created,
        meter_id=m_calls.id,
        lookup_key="growth-api-calls",
    )
    p_storage = Price(
        fid("price", "growth", "storage"),
        growth.id,
        "USAGE",
        "PACKAGE",
        D("0.35"),
        "Storage (per 100 GB-hours)",
        created,
        meter_id=m_storage.id,
        divide_by=100,
        round="up",
        lookup_key="growth-storage",
    )
    p_fee = Price(
        fid("price", "growth", "platform-fee"),
        growth.id,
        "FIXED",
        "FLAT_FEE",
        D(49),
        "Platform fee",
        created,
        invoice_cadence="ADVANCE",
        lookup_key="growth-platform-fee",
    )
    growth.price_ids = [p_tokens.id, p_calls.id, p_storage.id, p_fee.id]
    p_vol_tokens = Price(
        fid("price", "scale", "tokens"),
        scale.id,
        "USAGE",
        "TIERED",
        D(0),
        "LLM tokens (volume)",
        created,
        meter_id=m_tokens.id,
        tier_mode="VOLUME",
        tiers=[
            Tier(5_000_000, D("0.0000018")),
            Tier(50_000_000, D("0.0000012"), D(25)),
            Tier(None, D("0.0000009"), D(50)),
        ],
        lookup_key="scale-tokens",
    )
    p_vol_calls = Price(
        fid("price", "scale", "api-calls"),
        scale.id,
        "USAGE",
        "FLAT_FEE",
        D("0.0003"),
        "API calls",
        created,
        meter_id=m_calls.id,
        lookup_key="scale-api-calls",
    )
    p_vol_fee = Price(
        fid("price", "scale", "platform-fee"),
        scale.id,
        "FIXED",
        "FLAT_FEE",
        D(499),
        "Platform fee",
        created,
        invoice_cadence="ADVANCE",
        lookup_key="scale-platform-fee",
    )
    scale.price_ids = [p_vol_tokens.id, p_vol_calls.id, p_vol_fee.id]
    for p in (p_tokens, p_calls, p_storage, p_fee, p_vol_tokens, p_vol_calls, p_vol_fee):
        account.prices[p.id] = p
    account.plans[growth.id] = growth
    account.plans[scale.id] = scale

    # --- customers and subscriptions ---
    quill = Customer(
        fid("cust", "quill-test"),
        "quill-test",
        "Quill Analytics (golive test)",
        "billing+golive@quill-analytics.example",
        created,
        {"segment": "growth", "purpose": "go-live testing"},
    )
    lumen = Customer(
        fid("cust", "lumen-health"),
        "lumen-health",
        "Lumen Health",
        "ap@lumen-health.example",
        created,
    )
    orbit = Customer(
        fid("cust", "orbit-retail"),
        "orbit-retail",
        "Orbit Retail",
        "finance@orbit-retail.example",
        created + timedelta(days=30),
    )
    for c in (quill, lumen, orbit):
        if c is quill and "customer-missing" in faults:
            continue
        account.customers[c.id] = c

    def subscribe(
        customer: Customer, plan: Plan, start: datetime, collection: str = "charge_automatically"
    ) -> Subscription:
        sub = Subscription(
            fid("subs", customer.external_id, plan.lookup_key),
            customer.id,
            plan.id,
            start,
            start,
            line_items=[
                LineItem(fid("subs_line", customer.external_id, p), p, start)
                for p in plan.price_ids
            ],
            collection_method=collection,
            lookup_key=f"{customer.external_id}-{plan.lookup_key}",
        )
        return sub

    s_quill = subscribe(quill, growth, last_month)
    s_lumen = subscribe(lumen, scale, last_month, "send_invoice")
    s_orbit = subscribe(orbit, growth, this_month)
    for s in (s_quill, s_lumen, s_orbit):
        if s is s_quill and faults & {"customer-missing", "no-subscription"}:
            continue
        account.subscriptions[s.id] = s

    # --- usage ---
    def spread(start: datetime, end: datetime, n: int) -> list[datetime]:
        span = end - start
        return [(start + span * (i + 0.5) / n).replace(microsecond=0) for i in range(n)]

    elapsed_end = max(now - timedelta(seconds=5), this_month + timedelta(seconds=1))
    batches = [
        ("quill-test", "this", this_month, elapsed_end, _QUILL_THIS),
        ("quill-test", "last", last_month, this_month, _QUILL_LAST),
        ("lumen-health", "this", this_month, elapsed_end, _LUMEN_THIS),
        ("orbit-retail", "this", this_month, elapsed_end, _ORBIT_THIS),
    ]
    for ext, label, start, end, rows in batches:
        for i, ((name, props), at) in enumerate(
            zip(rows, spread(start, end, len(rows)), strict=True)
        ):
            account.events.append(
                Event(
                    fid("event", ext, label, str(i)),
                    ext,
                    name,
                    at,
                    dict(props),
                    at,
                    at,
                    source="quill-api",
                )
            )

    if "duplicates-counted" in faults:
        # The app's retries re-stamp events: the same event_id with a new timestamp is a
        # new row to ClickHouse, so each copy is billed for good (ref §3d).
        for i in range(RESTAMPED_RETRIES):
            first = max(now - timedelta(hours=2, minutes=17 * i), this_month).replace(microsecond=0)
            for attempt in range(2):
                at = first + timedelta(seconds=3 * attempt)
                props = {"endpoint": "/v2/query", "method": "POST"}
                account.events.append(
                    Event(
                        fid("event", "quill-test", "retry", str(i)),
                        "quill-test",
                        API_EVENT,
                        at,
                        props,
                        at,
                        at,
                        source="quill-api",
                    )
                )

    # --- invoices: last period finalized (and paid when auto-collected), this one DRAFT ---
    seq = 0
    draft_ids: dict[str, str] = {}
    final_ids: dict[str, str] = {}
    for s in (s_quill, s_lumen, s_orbit):
        if s.id not in account.subscriptions:
            continue
        if s.start_date < this_month:
            seq += 1
            inv = Invoice(
                fid("inv", s.id, "last"),
                f"INV-{last_month:%Y%m}-{seq:05d}",
                s.id,
                last_month,
                this_month,
                last_month,
            )
            account.invoices[inv.id] = inv
            account.finalize(inv, this_month + timedelta(hours=2))
            assert inv.snapshot is not None
            if s.collection_method == "charge_automatically":
                inv.payment_status = "SUCCEEDED"
                total = inv.snapshot["total"]
                inv.snapshot.update(
                    payment_status="SUCCEEDED",
                    amount_paid=total,
                    amount_remaining="0",
                    paid_at=inv.snapshot["finalized_at"],
                )
            final_ids[s.id] = inv.id
        seq += 1
        draft = Invoice(
            fid("inv", s.id, "this"),
            f"INV-{this_month:%Y%m}-{seq:05d}",
            s.id,
            this_month,
            add_months(this_month, 1),
            this_month,
        )
        account.invoices[draft.id] = draft
        draft_ids[s.id] = draft.id

    account.settings["subscription_config"] = (
        fid("setting", "subscription_config"),
        {"grace_period_days": 3, "auto_cancellation_enabled": False},
        created,
    )

    return FlexpriceDemo(
        customer_external_id=quill.external_id,
        customer_id=quill.id,
        customer_name=quill.name,
        other_customer_external_ids=(lumen.external_id, orbit.external_id),
        other_customer_ids=(lumen.id, orbit.id),
        plan_id=growth.id,
        plan_name=growth.name,
        scale_plan_id=scale.id,
        subscription_id=s_quill.id,
        volume_customer_external_id=lumen.external_id,
        volume_subscription_id=s_lumen.id,
        tokens_meter_id=m_tokens.id,
        api_calls_meter_id=m_calls.id,
        storage_meter_id=m_storage.id,
        exports_meter_id=m_exports.id,
        tokens_feature_id=f_tokens.id,
        api_calls_feature_id=f_calls.id,
        storage_feature_id=f_storage.id,
        exports_feature_id=f_exports.id,
        tokens_price_id=p_tokens.id,
        api_calls_price_id=p_calls.id,
        storage_price_id=p_storage.id,
        platform_fee_price_id=p_fee.id,
        volume_tokens_price_id=p_vol_tokens.id,
        draft_invoice_id=draft_ids.get(s_quill.id, fid("inv", s_quill.id, "this")),
        finalized_invoice_id=final_ids.get(s_quill.id, fid("inv", s_quill.id, "last")),
    )
