"""The Flexprice demo's catalogue: the meters and features of an AI analytics
company (tokens, API calls, storage, unpriced exports) and its two plans with
their prices (Growth: SLAB, flat, package and fixed; Scale: VOLUME)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from golive_tui.providers.flexprice.sandbox.account import Account
from golive_tui.providers.flexprice.sandbox.catalog import Feature, Meter, Plan
from golive_tui.providers.flexprice.sandbox.pricing import Price, Tier
from golive_tui.providers.flexprice.sandbox.values import fid

TOKENS_EVENT = "llm.tokens"
API_EVENT = "api.call"
STORAGE_EVENT = "storage.usage"
EXPORT_EVENT = "report.exported"  # metered, but no plan prices it
MODELS = ("quill-mini", "quill-pro", "quill-embed")

D = Decimal


@dataclass(frozen=True)
class DemoCatalog:
    """What the rest of the seed refers to."""

    m_tokens: Meter
    m_calls: Meter
    m_storage: Meter
    m_exports: Meter
    f_tokens: Feature
    f_calls: Feature
    f_storage: Feature
    f_exports: Feature
    growth: Plan
    scale: Plan
    p_tokens: Price
    p_calls: Price
    p_storage: Price
    p_fee: Price
    p_vol_tokens: Price


def seed_catalog(account: Account, created: datetime) -> DemoCatalog:
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
    return DemoCatalog(
        m_tokens=m_tokens,
        m_calls=m_calls,
        m_storage=m_storage,
        m_exports=m_exports,
        f_tokens=f_tokens,
        f_calls=f_calls,
        f_storage=f_storage,
        f_exports=f_exports,
        growth=growth,
        scale=scale,
        p_tokens=p_tokens,
        p_calls=p_calls,
        p_storage=p_storage,
        p_fee=p_fee,
        p_vol_tokens=p_vol_tokens,
    )
