"""Content tests for the built-in checklists (checklists/metronome.toml, flexprice.toml).

The expected section sizes are written down from the vendors' go-live checklists, so an item
that gets lost or duplicated while editing the TOML fails here.
"""

from __future__ import annotations

import re

import pytest

from golive_tui.core.checklist import Checklist, Item, load

SEED = "go-live-checklist"

# Metronome go-live checklist (docs.metronome.com/guides/implement-metronome/production-checklist):
# checkbox items per section, in page order.
METRONOME_SEED_COUNTS = {
    "usage": 6,  # "Validate usage and metering"
    "pricing": 3,  # "Confirm pricing and product setup"
    "customers": 2,  # "Provision customers and contracts"
    "invoicing": 3,  # "Verify invoicing and payment flows"
    "security": 3,  # "Secure production environment"
    "webhooks": 3,  # "Configure webhooks and error handling"
    "monitoring": 3,  # "Set up monitoring"
    "data-export": 4,  # "Configure data export"
    "end-to-end": 3,  # "Run final end-to-end test"
}

# Flexprice go-live checklist (docs.flexprice.io/docs/getting-started/go-live-checklist).
FLEXPRICE_SEED_COUNTS = {
    "environment": 4,  # "1. Environment & API Access"
    "catalog": 2,  # "2. Product Catalog"
    "ingestion": 2,  # "3. Event Ingestion" (the 202 warning is folded into these two)
    "customers": 2,  # "4. Customers & Subscriptions"
    "invoicing": 3,  # "5. Invoicing"
    "webhooks": 3,  # "6. Webhooks"
    "smoke-test": 4,  # "7. Smoke Test"
    # "8. Post-Launch": one item per heading (keys, ingestion, webhooks, invoices)
    "post-launch": 4,
}

METRONOME_PROBES = {
    "auth",
    "metrics-active",
    "ingest-dedup",
    "backdated",
    "invoice-draft",
    "pricing-setup",
    "customer-contract",
    "alerts",
    "allowlist",
    "webhook-signature",
    "grouped-usage",
}

FLEXPRICE_PROBES = {
    "auth",
    "event-names",
    "ingest-lookup",
    "duplicates",
    "customer-subscription",
    "grace-period",
    "invoice-preview",
    "webhook-signature",
}

GUIDE_ORIGINS = {"integration-test-guide", "first-invoice-guide"}


@pytest.fixture(scope="module")
def metronome() -> Checklist:
    return load("metronome")


@pytest.fixture(scope="module")
def flexprice() -> Checklist:
    return load("flexprice")


@pytest.fixture(scope="module", params=["metronome", "flexprice"])
def any_checklist(request: pytest.FixtureRequest) -> Checklist:
    return load(request.param)


def _text(item: Item) -> str:
    return " ".join(
        part for part in (item.title, item.why, item.verify, item.irreversible or "") if part
    ).lower()


def _guide_items(cl: Checklist) -> list[Item]:
    return [i for i in cl.items() if i.origin in GUIDE_ORIGINS]


def _topic_in(item: Item, word: str) -> bool:
    """The first keyword names the topic, so it must appear in the title or the why."""
    return word in f"{item.title} {item.why}".lower()


def _find(items: list[Item], *words: str) -> list[Item]:
    return [i for i in items if all(w.lower() in _text(i) for w in words)]


# --- structure ---------------------------------------------------------------------------


def test_metronome_header(metronome: Checklist) -> None:
    assert metronome.id == "metronome"
    assert metronome.provider == "metronome"
    assert metronome.source.startswith("https://docs.metronome.com/")


def test_flexprice_header(flexprice: Checklist) -> None:
    assert flexprice.id == "flexprice"
    assert flexprice.provider == "flexprice"
    assert flexprice.source.startswith("https://docs.flexprice.io/")


def test_metronome_sections_follow_the_seed(metronome: Checklist) -> None:
    assert [s.id for s in metronome.sections] == list(METRONOME_SEED_COUNTS)
    counts = {s.id: sum(i.origin == SEED for i in s.items) for s in metronome.sections}
    assert counts == METRONOME_SEED_COUNTS
    assert sum(counts.values()) == 30


def test_flexprice_sections_follow_the_seed(flexprice: Checklist) -> None:
    assert [s.id for s in flexprice.sections] == list(FLEXPRICE_SEED_COUNTS)
    # Every Flexprice item comes from the checklist, so total counts must match too.
    assert {s.id: len(s.items) for s in flexprice.sections} == FLEXPRICE_SEED_COUNTS
    assert all(i.origin == SEED for i in flexprice.items())


def test_metronome_origins_are_known(metronome: Checklist) -> None:
    assert {i.origin for i in metronome.items()} <= {SEED, *GUIDE_ORIGINS}


def test_item_ids_are_prefixed_by_their_section(any_checklist: Checklist) -> None:
    for section in any_checklist.sections:
        for item in section.items:
            assert item.id.startswith(section.id + "."), item.id


# --- Metronome: checks added by the integration-test and first-invoice guides ------------


def test_metronome_duplicate_transaction_id_test(metronome: Checklist) -> None:
    found = _find(_guide_items(metronome), "transaction_id", "duplicate", "three")
    assert found, "duplicate transaction_id test (>=3 events, one repeated) is missing"
    assert all(i.probe == "ingest-dedup" for i in found)
    assert all(metronome.section_of(i.id).id == "usage" for i in found)


def test_metronome_every_tier_is_exercised(metronome: Checklist) -> None:
    found = _find(_guide_items(metronome), "tier", "boundary")
    assert found, "pricing-tier test is missing"
    assert found[0].probe == "invoice-draft"


def test_metronome_grouped_usage(metronome: Checklist) -> None:
    found = _find(_guide_items(metronome), "group_key", "/v1/usage/groups")
    assert found, "grouped usage check via /v1/usage/groups is missing"
    assert found[0].probe == "grouped-usage"


def test_metronome_setup_order(metronome: Checklist) -> None:
    found = [
        i
        for i in _guide_items(metronome)
        if re.search(r"metric\W+product\W+rate card\W+customer\W+contract", _text(i))
    ]
    assert found, "setup order metric -> product -> rate card -> customer -> contract missing"


@pytest.mark.parametrize(
    "words",
    [
        ("saml", "mfa"),
        ("secrets manager",),
        ("rotat", "year", "incident"),
    ],
    ids=["sso-mfa", "secrets-manager", "rotation"],
)
def test_metronome_security_review_items(metronome: Checklist, words: tuple[str, ...]) -> None:
    found = [
        i
        for i in _guide_items(metronome)
        if all(w in f"{i.title} {i.verify}".lower() for w in words) and _topic_in(i, words[0])
    ]
    assert len(found) == 1, f"expected one guide item about {words}, got {[i.id for i in found]}"
    assert metronome.section_of(found[0].id).id == "security"
    assert found[0].manual


def test_metronome_irreversible_warnings(metronome: Checklist) -> None:
    warnings = [i.irreversible.lower() for i in metronome.items() if i.irreversible]
    assert any("34 days" in w for w in warnings)
    assert any("billable metric" in w and "cannot be changed" in w for w in warnings)
    # Both facts also stand as guide-derived items of their own.
    guide = [i.irreversible.lower() for i in _guide_items(metronome) if i.irreversible]
    assert any("34 days" in w for w in guide)
    assert any("cannot be changed" in w and "group keys" in w for w in guide)


def test_metronome_seed_metric_item_is_marked_irreversible(metronome: Checklist) -> None:
    # The checklist's own "billable metrics are active and match events" item.
    item = metronome.by_id["usage.metrics-match"]
    assert item.origin == SEED
    assert item.irreversible and "cannot be changed" in item.irreversible


def test_metronome_backdating_is_not_limited_to_14_days(metronome: Checklist) -> None:
    # The seed tests 14 days; the real window is 34 days and the texts must say so.
    backdated = [i for i in metronome.items() if i.probe == "backdated"]
    assert backdated
    assert all("34 days" in (i.irreversible or "") for i in backdated)


def test_metronome_production_url(metronome: Checklist) -> None:
    assert _find(metronome.items(), "https://api.metronome.com")


# --- Flexprice corrections ---------------------------------------------------------------


def test_flexprice_webhook_text_corrects_the_4xx_myth(flexprice: Checklist) -> None:
    section = next(s for s in flexprice.sections if s.id == "webhooks")
    text = " ".join(_text(i) for i in section.items)
    assert "svix" in text
    assert "non-2xx" in text and "4xx included" in text
    assert not re.search(r"4xx (permanently )?stops retr", text)
    assert "permanently stop" not in text
    assert "unknown event types" in text or "event types you don't handle" in text


def test_flexprice_no_text_claims_4xx_stops_retries(flexprice: Checklist) -> None:
    for item in flexprice.items():
        assert not re.search(r"4xx[^.]*(permanently )?stops retr", _text(item)), item.id


def test_flexprice_svix_signature_scheme(flexprice: Checklist) -> None:
    found = _find(flexprice.items(), "svix-id", "svix-timestamp", "svix-signature", "whsec_")
    assert found and found[0].probe == "webhook-signature"


def test_flexprice_event_facts(flexprice: Checklist) -> None:
    items = flexprice.items()
    assert _find(items, "rfc 3339")
    assert _find(items, "event_id", "timestamp", "does not reliably")
    assert _find(items, "case", "immutable")
    assert _find(items, "counts as 0") or _find(items, "counted as 0")
    # The seed's 202 warning is folded into the ingestion items' texts.
    ingestion = next(s for s in flexprice.sections if s.id == "ingestion")
    assert any("202" in _text(i) and "never counted" in _text(i) for i in ingestion.items)


def test_flexprice_settings_and_collection_method(flexprice: Checklist) -> None:
    items = flexprice.items()
    assert _find(items, "subscription_config", "grace_period_days", "auto_cancellation_enabled")
    assert _find(items, "collection_method", "charge_automatically", "send_invoice")


def test_flexprice_finalize_is_manual_and_irreversible(flexprice: Checklist) -> None:
    found = _find(flexprice.items(), "post /v1/invoices/{id}/finalize")
    assert found
    for item in found:
        assert item.manual
        assert item.irreversible


def test_flexprice_smoke_test_wiring(flexprice: Checklist) -> None:
    section = next(s for s in flexprice.sections if s.id == "smoke-test")
    probes = [i.probe for i in section.items]
    assert probes[:2] == ["ingest-lookup", "invoice-preview"]
    assert all(i.manual for i in section.items[2:])


# --- general hygiene ---------------------------------------------------------------------


def test_probe_names_are_allowed(metronome: Checklist, flexprice: Checklist) -> None:
    assert {i.probe for i in metronome.items() if i.probe} <= METRONOME_PROBES
    assert {i.probe for i in flexprice.items() if i.probe} <= FLEXPRICE_PROBES


def test_every_item_has_probe_or_manual(any_checklist: Checklist) -> None:
    for item in any_checklist.items():
        assert bool(item.probe) != item.manual, item.id


def test_docs_links_are_https(any_checklist: Checklist) -> None:
    for item in any_checklist.items():
        assert item.docs.startswith("https://"), item.id
        assert not item.docs.endswith(".md"), item.id
    assert any_checklist.source.startswith("https://")


def test_titles_are_unique(any_checklist: Checklist) -> None:
    titles = [i.title.lower() for i in any_checklist.items()]
    assert len(titles) == len(set(titles))


def test_why_and_verify_are_substantial(any_checklist: Checklist) -> None:
    for item in any_checklist.items():
        for field in ("why", "verify"):
            value = getattr(item, field)
            assert len(value) >= 40, f"{item.id}.{field} is too short"
            assert not re.search(r"\b(todo|tbd|fixme|lorem)\b", value, re.IGNORECASE), item.id


def test_irreversible_texts_are_substantial(any_checklist: Checklist) -> None:
    for item in any_checklist.items():
        if item.irreversible is not None:
            assert len(item.irreversible) >= 40, item.id
