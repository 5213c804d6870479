"""The demo account: an AI company billing tokens per model, with tiered prices.

Ids are uuid5 from names, so they are the same in every run; dates follow the
clock (a contract from the start of last month, usage this month and last).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from golive_tui.providers.metronome.sandbox.state import (
    USD_CENTS_ID,
    Account,
    Alert,
    Contract,
    Customer,
    Event,
    Metric,
    Product,
    Rate,
    RateCard,
    Tier,
    add_months,
    month_start,
    sid,
)

WEBHOOK_PATH = "/_sandbox/webhook"


@dataclass(frozen=True)
class MetronomeDemo:
    """The ids a demo or a test needs to point golive at the seeded account."""

    customer_id: str
    customer_name: str
    customer_alias: str  # the ingest alias golive should use as the test customer
    production_alias: str  # the alias the seeded usage was sent with
    other_customer_ids: tuple[str, ...]
    rate_card_id: str
    contract_id: str  # absent from the account under the `no-contract` fault
    input_tokens_metric_id: str
    output_tokens_metric_id: str
    api_requests_metric_id: str
    legacy_metric_id: str  # archived, used by no product
    input_tokens_product_id: str
    output_tokens_product_id: str
    api_requests_product_id: str
    platform_fee_product_id: str
    onboarding_product_id: str
    webhook_path: str = WEBHOOK_PATH
    credit_type_id: str = USD_CENTS_ID


D = Decimal

# (model, project, input tokens, output tokens) per llm.completion event
_THIS_MONTH = [
    ("atlas-2-pro", "support-bot", 184_000, 41_250),
    ("atlas-2-mini", "support-bot", 322_500, 88_000),
    ("atlas-2-pro", "doc-search", 96_400, 12_800),
    ("atlas-embed-1", "doc-search", 410_000, 1),
    ("atlas-2-mini", "batch-summaries", 275_300, 64_900),
    ("atlas-2-pro", "batch-summaries", 151_750, 38_100),
    ("atlas-2-mini", "support-bot", 208_900, 55_400),
    ("atlas-embed-1", "doc-search", 390_150, 1),
]
_LAST_MONTH = [
    ("atlas-2-pro", "support-bot", 1_250_000, 310_000),
    ("atlas-2-mini", "support-bot", 2_480_000, 702_500),
    ("atlas-embed-1", "doc-search", 3_100_000, 1),
    ("atlas-2-pro", "batch-summaries", 905_000, 241_000),
    ("atlas-2-mini", "batch-summaries", 1_730_500, 455_250),
]
_ENDPOINTS = ["/v1/chat/completions", "/v1/embeddings", "/v1/chat/completions", "/v1/batches"]


def seed(account: Account, now: datetime, faults: frozenset[str]) -> MetronomeDemo:
    this_month = month_start(now)
    last_month = add_months(this_month, -1)
    created = last_month - timedelta(days=21)

    # --- billable metrics ---
    metric_filters = [{"name": "model", "exists": True}]
    m_in = Metric(
        sid("metric", "input-tokens"),
        "Input tokens",
        "SUM",
        "input_tokens",
        ["llm.completion"],
        [{"name": "input_tokens", "exists": True}, *metric_filters],
        [["model"], ["project_id"]],
    )
    m_out = Metric(
        sid("metric", "output-tokens"),
        "Output tokens",
        "SUM",
        "output_tokens",
        ["llm.completion"],
        [{"name": "output_tokens", "exists": True}, *metric_filters],
        [["model"], ["project_id"]],
    )
    m_req = Metric(
        sid("metric", "api-requests"),
        "API requests",
        "COUNT",
        None,
        ["api.request"],
        [{"name": "endpoint", "exists": True}],
        [["endpoint"]],
    )
    m_legacy = Metric(
        sid("metric", "legacy-characters"),
        "Characters processed (legacy)",
        "SUM",
        "characters",
        ["text.processed"],
        [{"name": "characters", "exists": True}],
        [],
        archived_at=last_month - timedelta(days=9),
    )
    if "archived-metric" in faults:
        m_in.archived_at = now  # from now on, input tokens are no longer counted
    for m in (m_in, m_out, m_req, m_legacy):
        account.metrics[m.id] = m

    # --- products ---
    p_in = Product(
        sid("product", "input-tokens"), "Input tokens", "USAGE", created, m_in.id, ["llm"]
    )
    p_out = Product(
        sid("product", "output-tokens"), "Output tokens", "USAGE", created, m_out.id, ["llm"]
    )
    p_req = Product(
        sid("product", "api-requests"), "API requests", "USAGE", created, m_req.id, ["api"]
    )
    p_fee = Product(sid("product", "platform-fee"), "Platform fee", "SUBSCRIPTION", created)
    p_onb = Product(sid("product", "onboarding"), "Onboarding package", "FIXED", created)
    for p in (p_in, p_out, p_req, p_fee, p_onb):
        account.products[p.id] = p

    # --- rate card (USD cents) ---
    card = RateCard(
        sid("rate-card", "standard-2026"),
        "Standard 2026 (USD)",
        "List prices for self-serve and growth customers; token tiers graduate per month.",
        created,
        aliases=["standard-2026"],
    )
    card.rates = [
        Rate(
            p_in.id,
            "TIERED",
            last_month,
            tiers=[
                Tier(D("0.0003"), D(1_000_000)),
                Tier(D("0.00025"), D(9_000_000)),
                Tier(D("0.0002")),
            ],
        ),
        Rate(
            p_out.id,
            "TIERED",
            last_month,
            tiers=[
                Tier(D("0.0012"), D(1_000_000)),
                Tier(D("0.001"), D(9_000_000)),
                Tier(D("0.0008")),
            ],
        ),
        Rate(p_req.id, "FLAT", last_month, price=D("0.01")),
        Rate(
            p_fee.id,
            "SUBSCRIPTION",
            last_month,
            price=D(50_000),
            quantity=D(1),
            billing_frequency="MONTHLY",
        ),
    ]
    account.rate_cards[card.id] = card

    # --- customers and contracts ---
    nimbus = Customer(
        sid("customer", "nimbus-labs"),
        "Nimbus Labs (golive test)",
        ["nimbus-test", "org_7f3a2c"],
        created,
        {"segment": "growth"},
    )
    if "missing-alias" in faults:
        nimbus.ingest_aliases.remove("nimbus-test")
    acme = Customer(sid("customer", "acme-robotics"), "Acme Robotics", ["acme-prod"], created)
    globex = Customer(
        sid("customer", "globex-analytics"), "Globex Analytics", ["globex-eu"], created
    )
    for c in (nimbus, acme, globex):
        account.customers[c.id] = c
    contract_id = sid("contract", "nimbus-labs", "standard")
    contracts = [
        Contract(
            contract_id,
            nimbus.id,
            "Nimbus Labs — Standard 2026",
            card.id,
            last_month,
            created,
            uniqueness_key="nimbus-labs-standard-2026",
        ),
        Contract(
            sid("contract", "acme-robotics", "standard"),
            acme.id,
            "Acme Robotics — Standard 2026",
            card.id,
            last_month,
            created,
        ),
        Contract(
            sid("contract", "globex-analytics", "standard"),
            globex.id,
            "Globex Analytics — Standard 2026",
            card.id,
            this_month,
            created,
        ),
    ]
    for k in contracts:
        if k.id == contract_id and "no-contract" in faults:
            continue
        account.contracts[k.id] = k

    # --- alerts ---
    alerts = [
        ("Monthly spend over $1,000", "spend_threshold_reached", 100_000, "enabled"),
        (
            "Contract credit below $50",
            "low_remaining_contract_credit_balance_reached",
            5_000,
            "enabled",
        ),
        ("Prepaid commit below $200", "low_remaining_commit_balance_reached", 20_000, "enabled"),
        ("Invoice over $5,000 (old)", "invoice_total_reached", 500_000, "disabled"),
    ]
    for name, kind, threshold, status in alerts:
        a = Alert(
            sid("alert", "nimbus-labs", kind),
            nimbus.id,
            name,
            kind,
            D(threshold),
            created,
            status,
            uniqueness_key=f"nimbus-{kind}",
        )
        account.alerts[a.id] = a

    # --- usage ---
    def spread(start: datetime, end: datetime, n: int) -> list[datetime]:
        span = end - start
        return [start + span * (i + 0.5) / n for i in range(n)]

    def add(tid: str, ref: str, etype: str, at: datetime, props: dict[str, str]) -> None:
        at = at.replace(microsecond=0)
        processed = min(at + timedelta(seconds=2), now)
        account.events.append(Event(sid("event", tid), tid, ref, etype, at, props, at, processed))
        account.first_seen[tid] = at

    elapsed_end = max(now - timedelta(seconds=5), this_month)
    for label, start, end, rows in (
        ("this", this_month, elapsed_end, _THIS_MONTH),
        ("last", last_month, this_month, _LAST_MONTH),
    ):
        for i, ((model, project, tin, tout), at) in enumerate(
            zip(rows, spread(start, end, len(rows)), strict=True)
        ):
            props = {"model": model, "project_id": project, "input_tokens": str(tin)}
            if "group-key-missing" in faults and label == "this" and i % 3 == 0:
                del props["project_id"]  # the app forgot it: these land in a null group
            if not model.startswith("atlas-embed"):
                props["output_tokens"] = str(tout)
            add(f"seed-nimbus-{label}-llm-{i}", "org_7f3a2c", "llm.completion", at, props)
        for i, at in enumerate(spread(start, end, 12)):
            endpoint = _ENDPOINTS[i % len(_ENDPOINTS)]
            add(
                f"seed-nimbus-{label}-req-{i}",
                "org_7f3a2c",
                "api.request",
                at,
                {"endpoint": endpoint},
            )
    for i, at in enumerate(spread(this_month, elapsed_end, 3)):
        props = {
            "model": "atlas-2-mini",
            "project_id": "fleet-ops",
            "input_tokens": str(40_000 + 1_000 * i),
            "output_tokens": str(9_000 + 500 * i),
        }
        add(f"seed-acme-this-llm-{i}", "acme-prod", "llm.completion", at, props)
    for i, at in enumerate(spread(this_month, elapsed_end, 2)):
        add(
            f"seed-globex-this-req-{i}",
            globex.id,
            "api.request",
            at,
            {"endpoint": "/v1/embeddings"},
        )

    return MetronomeDemo(
        customer_id=nimbus.id,
        customer_name=nimbus.name,
        customer_alias="nimbus-test",
        production_alias="org_7f3a2c",
        other_customer_ids=(acme.id, globex.id),
        rate_card_id=card.id,
        contract_id=contract_id,
        input_tokens_metric_id=m_in.id,
        output_tokens_metric_id=m_out.id,
        api_requests_metric_id=m_req.id,
        legacy_metric_id=m_legacy.id,
        input_tokens_product_id=p_in.id,
        output_tokens_product_id=p_out.id,
        api_requests_product_id=p_req.id,
        platform_fee_product_id=p_fee.id,
        onboarding_product_id=p_onb.id,
    )
