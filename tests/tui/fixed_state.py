"""A fixed Metronome session for snapshots and screen tests: some progress, a PASS and
a FAIL, a pass gone stale (8 days old), fixed timestamps, saved 3 min before the fixed
clock's now. Every result says where it ran, as golive records it."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from golive_tui.core import checklist as checklists
from golive_tui.core.state import (
    Cursor,
    Evidence,
    ItemState,
    ItemStatus,
    ProbeRecord,
    ProbeStatus,
    State,
    Target,
    atomic_write,
)

from .conftest import FIXED_NOW

URL = "https://api.metronome.com"
SAVED_AT = FIXED_NOW - timedelta(minutes=3)
RUN_ID = "5a1e0c3b9d27"


# --- a state file with progress and probe results, all fixed ---------------------------


def _pass(probe: str, summary: str, details: list[str], minutes: int) -> ProbeRecord:
    return ProbeRecord(
        probe=probe,
        status=ProbeStatus.PASS,
        summary=summary,
        details=details,
        at=FIXED_NOW - timedelta(minutes=minutes),
        duration_ms=105,
        run_id=RUN_ID,
        evidence=[
            Evidence(
                label="POST /v1/contract-pricing/rate-cards/getRates → 200 (48 ms)",
                text='request: {"rate_card_id":"aa14ab73-…"}\nresponse: {"data":[…4 rates…]}',
            )
        ],
    )


PRICING_PASS = _pass(
    "pricing-setup",
    "5 products, every usage product metered, 4 rates in USD (cents)",
    [
        "rate card 'Standard 2026 (USD)': USD (cents), 4 rates",
        "USAGE: API requests, Input tokens, Output tokens",
        "Input tokens: 3 tiers, boundaries 1000000, 10000000",
    ],
    minutes=4,
)
TIERS_FAIL = ProbeRecord(
    probe="invoice-draft",
    status=ProbeStatus.FAIL,
    summary=(
        "Input tokens: line total is 3000.003, expected 2601.95215 from the rate card"
        " (tiered rate) — the tiers or price on the contract differ from the rate card"
    ),
    at=FIXED_NOW - timedelta(minutes=4),
    duration_ms=368,
    run_id=RUN_ID,
    evidence=[
        Evidence(
            label="Input tokens: expected vs actual",
            text=(
                "quantity: before 2039003, sent 7961007 (+1 duplicate), expected 10000010\n"
                "line total: before 611.7009, expected 2601.95215, actual 3000.003"
            ),
        )
    ],
)


# Older than the checklist's 7-day TTL: shown △ STALE, counted apart from verified.
CONTRACT_PASS = ProbeRecord(
    probe="customer-contract",
    status=ProbeStatus.PASS,
    summary="customer nimbus-test has an active contract on rate card 'Standard 2026 (USD)'",
    at=FIXED_NOW - timedelta(days=8),
    duration_ms=64,
    run_id="9b3f0e6a1c52",
)


def _auth_pass(environment: str) -> ProbeRecord:
    return ProbeRecord(
        probe="auth",
        status=ProbeStatus.PASS,
        summary=f"token accepted by {URL} (42 ms); target is {environment}",
        at=FIXED_NOW - timedelta(minutes=30),
        duration_ms=42,
        run_id="0c77d2e1a940",
    )


def write_state(
    folder: Path,
    *,
    environment: str = "sandbox",
    cursor: str = "pricing.tier-boundaries",
) -> Path:
    """A Metronome session with some progress, a PASS and a FAIL; saved 3 min before now."""
    cl = checklists.load("metronome")
    target = Target(
        provider="metronome",
        environment="production" if environment == "production" else "sandbox",
        base_url=URL,
        customer_id="nimbus-test",
        operator="dana",
    )
    state = State.new(cl, "metronome", target)
    state.created_at = FIXED_NOW - timedelta(days=2)
    state.updated_at = SAVED_AT

    def mark(item_id: str, status: ItemStatus, note: str = "") -> ItemState:
        st = ItemState(
            status=status,
            note=note,
            by="dana",
            at=FIXED_NOW - timedelta(hours=1),
            fingerprint=cl.by_id[item_id].fingerprint,
        )
        state.items[item_id] = st
        return st

    mark("usage.required-fields", ItemStatus.DONE)
    mark("usage.idempotency", ItemStatus.DONE, "dedup verified in staging with replayed events")
    mark("usage.load-test", ItemStatus.SKIPPED, "load test booked for next sprint")
    mark("invoicing.lifecycle", ItemStatus.NOT_APPLICABLE)

    def here(rec: ProbeRecord) -> list[ProbeRecord]:
        """`rec` stamped with where it ran, as `State.add_probe_result` stamps it."""
        return [dataclasses.replace(rec, target=target.identity, environment=target.environment)]

    for item_id in ("pricing.products", "pricing.usage-product-metric", "pricing.rate-card"):
        mark(item_id, ItemStatus.DONE).probe_results = here(PRICING_PASS)
    state.items["pricing.setup-order"] = ItemState(probe_results=here(PRICING_PASS))
    state.items["pricing.tier-boundaries"] = ItemState(probe_results=here(TIERS_FAIL))
    state.items["end-to-end.dry-run"] = ItemState(probe_results=here(TIERS_FAIL))
    for item_id in ("customers.created-aliases", "customers.contracts"):
        state.items[item_id] = ItemState(probe_results=here(CONTRACT_PASS))
    for item_id in ("security.production-token", "security.production-url"):
        state.items[item_id] = ItemState(probe_results=here(_auth_pass(environment)))
    section = cl.section_of(cursor)
    state.cursor = Cursor(section=section.id, item=cursor)
    path = folder / "golive-state.toml"
    atomic_write(path, state.to_toml().encode("utf-8"))
    return path
