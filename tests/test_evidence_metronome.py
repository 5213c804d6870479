"""Metronome results are bound to the configuration they verified (issue #11).

Over real HTTP on loopback: golive runs its probes against the Metronome sandbox and
saves the results into a state file; then the account changes the way a real one does
(a rate added to the rate card with `POST /v1/contract-pricing/rate-cards/addRate`, a
metric archived with `POST /v1/billable-metrics/archive`, the token reaching another
account), and the cheap re-read (core/recheck.py through providers/metronome/recheck.py)
must say what changed, in words, and `review` must call those results stale. A re-read
that cannot answer changes nothing. Shapes: spec `#S/AddRatePayload`,
`archiveBillableMetric-v1`, `#S/ContractRateSchedule`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import spec_check
from golive_tui.core.checklist import Checklist
from golive_tui.core.checklist import load as load_checklist
from golive_tui.core.checkrun import run_check
from golive_tui.core.probes import engine
from golive_tui.core.recheck import Recheck, recheck
from golive_tui.core.redact import Secret
from golive_tui.core.review import Standing, review
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.state import ProbeStatus, State, Target
from golive_tui.core.state_file import StateFile
from golive_tui.providers.metronome.sandbox.app import VARIANTS, MetronomeSandbox

ALL = sorted(engine.specs_for("metronome"))
WEBHOOK_SECRET = "whsec-test-" + "z" * 16
PRICING = ["pricing-setup", "invoice-draft"]
# What a re-read may send: reads only, never a write.
READS = {
    ("GET", "/v1/customers"),
    ("GET", "/v1/customers/{id}"),
    ("GET", "/v1/billable-metrics/{id}"),
    ("POST", "/v2/contracts/list"),
    ("POST", "/v1/contract-pricing/rate-cards/get"),
    ("POST", "/v1/contract-pricing/rate-cards/getRates"),
    ("POST", "/v1/contracts/getContractRateSchedule"),
}


class Sandbox:
    """A Metronome sandbox on loopback; `token` and `port` let a second one stand in
    for another account behind the same URL and token."""

    def __init__(self, variants: tuple[str, ...] = (), token: str = "", port: int = 0) -> None:
        self.token = token or "mt_sandbox_" + secrets.token_hex(12)
        self.app = MetronomeSandbox(
            self.token, variants=variants, webhook_secret=WEBHOOK_SECRET, rate_limit=1000.0
        )
        self.server = SandboxServer(self.app, port=port).start()
        self.url = self.server.base_url

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """A configuration change as the user would make it; a valid request per the spec
        unless the test means to send a bad one (then the sandbox must refuse it)."""
        return httpx.post(
            self.url + path, json=body, headers={"Authorization": f"Bearer {self.token}"}
        )

    @property
    def card_id(self) -> str:
        assert self.app.demo is not None
        return self.app.demo.rate_card_id

    def metric_id(self, name: str) -> str:
        return next(m.id for m in self.app.account.metrics.values() if m.name == name)

    def product_id(self, name: str) -> str:
        return next(p.id for p in self.app.account.products.values() if p.name == name)


@pytest.fixture
def make() -> Iterator[Any]:
    started: list[Sandbox] = []

    def start(*variants: str, token: str = "", port: int = 0) -> Sandbox:
        started.append(Sandbox(variants, token, port))
        return started[-1]

    yield start
    for sb in started:
        if sb.server.running:
            sb.server.stop()


@pytest.fixture
def checklist() -> Checklist:
    return load_checklist("metronome")


async def _pass(sb: Sandbox, checklist: Checklist, tmp: Path, probes: list[str]) -> State:
    """Run `probes` with `golive check`'s machinery into a state file; every one passes."""
    assert sb.app.demo is not None
    target = Target(
        provider="metronome",
        environment="sandbox",
        base_url=sb.url,
        customer_id=sb.app.demo.customer_alias,
        operator="tests",
        settings=sb.app.target_settings(sb.url),
    )
    with StateFile.open(
        tmp / "golive-state.toml", checklist=checklist, target=target, create=True
    ) as sf:
        report = await run_check(
            checklist,
            target,
            Secret(sb.token),
            webhook_secret=Secret(WEBHOOK_SECRET),
            only=probes,
            state_file=sf,
        )
        state = sf.state
    ran = [r for r in report.results if not r.not_applicable]  # production items: n/a here
    failing = [f"{r.item}: {r.status}: {r.summary}" for r in ran if r.status != "pass"]
    assert not failing, "\n".join(failing)
    return state


async def _recheck(sb: Sandbox, checklist: Checklist, state: State, **kw: Any) -> Recheck:
    return await recheck(checklist, state, Secret(sb.token), Secret(WEBHOOK_SECRET), **kw)


def _reads_since(sb: Sandbox, mark: int) -> set[tuple[str, str]]:
    shapes = set()
    for rec in sb.app.log[mark:]:
        path = rec.path
        for prefix in ("/v1/customers/", "/v1/billable-metrics/"):
            if path.startswith(prefix):
                path = prefix + "{id}"
        shapes.add((rec.method, path))
    return shapes


# probe → a kind of configuration its pass must be bound to
BOUND = {
    "metrics-active": "billable metric",
    "pricing-setup": "rate card",
    "invoice-draft": "contract rate schedule",
    "customer-contract": "contract",
    "ingest-dedup": "billable metric",
    "backdated": "billable metric",
    "grouped-usage": "billable metric",
}


# --- (a) nothing changed --------------------------------------------------------------


async def test_an_unchanged_account_rereads_equal_and_every_pass_stays_verified(
    make, checklist: Checklist, tmp_path: Path
) -> None:
    sb = make()
    state = await _pass(sb, checklist, tmp_path, ALL)
    rec = state.item("pricing.rate-card").latest
    assert rec is not None
    kinds = {s.kind for s in rec.verified}
    assert {"rate card", "contract rate schedule", "billable metric"} <= kinds
    assert rec.account["customer name"] == "Nimbus Labs (golive test)"
    assert rec.account["rate card name"] == "Standard 2026 (USD)"
    card = next(s for s in rec.verified if s.kind == "rate card")
    # In the API's units, said so: USD rates are in cents.
    assert card.values["Input tokens tier 2 price"] == "$0.0000025"  # 0.00025 cents
    assert card.values["Input tokens tier 2 size"] == "9000000"

    # Every probe whose verdict rests on configuration says which, and whose account.
    for probe, kind in BOUND.items():
        item = next(i.id for i in checklist.items() if i.probe == probe)
        bound = state.item(item).latest
        assert bound is not None and kind in {s.kind for s in bound.verified}, (probe, bound)
        assert bound.account["customer id"] == sb.app.demo.customer_id, probe

    mark = len(sb.app.log)
    found = await _recheck(sb, checklist, state)
    assert found.drift == {} and found.notes == [], found
    assert found.read >= 5
    assert _reads_since(sb, mark) <= READS  # read-only, the probes' own endpoints
    for r in sb.app.log[mark:]:
        assert spec_check.request_errors("metronome", r.method, r.path, dict(r.query), r.body) == []
    judged = review(checklist, state, drift=found.drift)
    passed = [
        i.id
        for i in checklist.items()
        if i.probe and (latest := state.item(i.id).latest) and latest.status is ProbeStatus.PASS
    ]
    assert passed
    assert all(judged.of(i).standing is Standing.VERIFIED for i in passed)


# What pricing-setup's contract rate schedule snapshot must hold on these variants.
SHOWN = {
    "overrides": "Input tokens billed at: the contract's override",
    "commits": "'Prepaid token commit' draws priced at: the commit rate",
    "pricing-groups": "Input tokens (model=atlas-2-mini) tier 1 price",
}


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
async def test_every_healthy_variant_rereads_without_drift_right_after_a_pass(
    make, checklist: Checklist, tmp_path: Path, variant: str
) -> None:
    sb = make(variant)
    state = await _pass(sb, checklist, tmp_path, ALL)
    found = await _recheck(sb, checklist, state)
    assert found.drift == {} and found.notes == [], found
    if variant in SHOWN:  # and the snapshot holds what makes this shape price differently
        rec = state.item("pricing.rate-card").latest
        assert rec is not None
        said = [f"{k}: {v}" for s in rec.verified for k, v in s.values.items()]
        assert any(SHOWN[variant] in line for line in said), said


# --- (b) a rate changes ---------------------------------------------------------------


def _input_tokens_rate(sb: Sandbox, starting_at: datetime, tier2: str) -> dict[str, Any]:
    return {
        "rate_card_id": sb.card_id,
        "product_id": sb.product_id("Input tokens"),
        "starting_at": starting_at.isoformat().replace("+00:00", "Z"),
        "entitled": True,
        "rate_type": "TIERED",
        "tiers": [
            {"size": 1_000_000, "price": 0.0003},
            {"size": 9_000_000, "price": float(tier2)},
            {"price": 0.0002},
        ],
    }


async def test_a_new_rate_in_force_now_makes_the_pricing_results_stale_naming_the_change(
    make, checklist: Checklist, tmp_path: Path
) -> None:
    sb = make()
    state = await _pass(sb, checklist, tmp_path, PRICING)
    this_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    added = sb.post(
        "/v1/contract-pricing/rate-cards/addRate", _input_tokens_rate(sb, this_hour, "0.0002")
    )
    assert added.status_code == 200, added.text
    assert added.json()["data"]["tiers"][1]["price"] == 0.0002
    sent = sb.app.log[-1]
    assert spec_check.request_errors("metronome", "POST", sent.path, {}, sent.body) == []

    found = await _recheck(sb, checklist, state)
    why = found.drift["pricing.rate-card"]
    assert why.startswith("rate card 'Standard 2026 (USD)' changed since this pass: ")
    assert "Input tokens tier 2 price $0.0000025 → $0.000002" in why
    # The contract bills from the same card: its rate schedule changed too.
    schedule = found.drift["pricing.tier-boundaries"]
    assert schedule.startswith("contract rate schedule 'Nimbus Labs — Standard 2026' changed")
    assert "Input tokens tier 2 price $0.0000025 → $0.000002" in schedule
    judged = review(checklist, state, drift=found.drift).of("pricing.rate-card")
    assert judged.standing is Standing.STALE
    assert "$0.0000025 → $0.000002" in judged.stale and judged.stale.endswith("re-run the probe")
    assert not found.notes


async def test_a_rate_scheduled_for_later_is_not_a_change_now(
    make, checklist: Checklist, tmp_path: Path
) -> None:
    sb = make()
    state = await _pass(sb, checklist, tmp_path, PRICING)
    later = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=30)
    added = sb.post(
        "/v1/contract-pricing/rate-cards/addRate", _input_tokens_rate(sb, later, "0.0002")
    )
    assert added.status_code == 200, added.text
    found = await _recheck(sb, checklist, state)
    assert found.drift == {}, found.drift
    assert review(checklist, state, drift=found.drift).of("pricing.rate-card").standing is (
        Standing.VERIFIED
    )
    # It is on the card all the same: in force from its starting_at.
    at_later = sb.post(
        "/v1/contract-pricing/rate-cards/getRates",
        {"rate_card_id": sb.card_id, "at": (later + timedelta(hours=1)).isoformat()},
    ).json()["data"]
    tiers = next(r for r in at_later if r["product_name"] == "Input tokens")["rate"]["tiers"]
    assert tiers[1]["price"] == 0.0002


@pytest.mark.parametrize(
    ("change", "status", "needle"),
    [
        ({"rate_type": "STEPPED"}, 400, "rate_type"),
        ({"tiers": None}, 400, "tiers: required for TIERED"),
        ({"entitled": None}, 400, "entitled"),
        ({"starting_at": "next tuesday"}, 400, "starting_at"),
        ({"price": 1}, 400, "price: not used by TIERED"),
        ({"product_id": "00000000-0000-4000-8000-000000000000"}, 404, "product"),
        ({"pricing_group_values": {"region": "eu"}}, 400, "pricing_group_values"),
    ],
)
def test_add_rate_refuses_what_the_spec_refuses(
    make, change: dict[str, Any], status: int, needle: str
) -> None:
    sb = make()
    body = _input_tokens_rate(sb, datetime.now(UTC), "0.0002")
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    resp = sb.post("/v1/contract-pricing/rate-cards/addRate", body)
    assert resp.status_code == status, resp.text
    assert needle in resp.json()["message"]


def test_an_added_rate_keeps_its_entitlement_and_ends_the_rate_it_replaces(make) -> None:
    sb = make()
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    body = {**_input_tokens_rate(sb, start, "0.0002"), "entitled": False}
    assert sb.post("/v1/contract-pricing/rate-cards/addRate", body).is_success
    rates = sb.post(
        "/v1/contract-pricing/rate-cards/getRates",
        {"rate_card_id": sb.card_id, "at": datetime.now(UTC).isoformat()},
    ).json()["data"]
    mine = [r for r in rates if r["product_name"] == "Input tokens"]
    assert len(mine) == 1 and mine[0]["entitled"] is False  # the old one ended at `start`
    before = sb.post(
        "/v1/contract-pricing/rate-cards/getRates",
        {"rate_card_id": sb.card_id, "at": (start - timedelta(hours=1)).isoformat()},
    ).json()["data"]
    old = next(r for r in before if r["product_name"] == "Input tokens")
    assert old["entitled"] is True and old["ending_before"].startswith(
        start.strftime("%Y-%m-%dT%H")
    )


def test_add_rate_refuses_a_change_before_one_already_scheduled(make) -> None:
    sb = make()
    later = datetime.now(UTC) + timedelta(days=30)
    assert sb.post(
        "/v1/contract-pricing/rate-cards/addRate", _input_tokens_rate(sb, later, "0.0002")
    ).is_success
    earlier = sb.post(
        "/v1/contract-pricing/rate-cards/addRate",
        _input_tokens_rate(sb, datetime.now(UTC), "0.0001"),
    )
    assert earlier.status_code == 400 and "already starts at" in earlier.json()["message"]


# --- (c) a metric is archived ----------------------------------------------------------


async def test_an_archived_metric_makes_the_metrics_results_stale_naming_it(
    make, checklist: Checklist, tmp_path: Path
) -> None:
    sb = make()
    state = await _pass(sb, checklist, tmp_path, ["metrics-active"])
    metric_id = sb.metric_id("Input tokens")
    archived = sb.post("/v1/billable-metrics/archive", {"id": metric_id})
    assert archived.status_code == 200 and archived.json() == {"data": {"id": metric_id}}
    bad = sb.post("/v1/billable-metrics/archive", {"id": "input-tokens"})
    assert bad.status_code == 400 and "id" in bad.json()["message"]

    found = await _recheck(sb, checklist, state)
    why = found.drift["usage.metrics-match"]
    assert why.startswith(
        "billable metric 'Input tokens' changed since this pass: archived no → since "
    )
    judged = review(checklist, state, drift=found.drift).of("usage.metrics-match")
    assert judged.standing is Standing.STALE and "'Input tokens'" in judged.stale


# --- (d) the token reaches another account -----------------------------------------------


async def test_a_token_that_now_reaches_another_account_makes_results_stale(
    make, checklist: Checklist, tmp_path: Path
) -> None:
    first = make()
    state = await _pass(first, checklist, tmp_path, ["customer-contract", "pricing-setup"])
    port, token = first.server.port, first.token
    first.server.stop()
    # Another account behind the same URL and token: its "nimbus-test" is another customer.
    other = make(token=token, port=port)
    account = other.app.account
    nimbus = next(c for c in account.customers.values() if "nimbus-test" in c.ingest_aliases)
    acme = next(c for c in account.customers.values() if c.name == "Acme Robotics")
    nimbus.ingest_aliases.remove("nimbus-test")
    acme.ingest_aliases.append("nimbus-test")

    found = await _recheck(other, checklist, state)
    why = found.drift["customers.contracts"]
    assert why.startswith("the token now reaches another account than this pass ran against: ")
    assert f"customer id {nimbus.id} → {acme.id}" in why
    assert "customer name Nimbus Labs (golive test) → Acme Robotics" in why
    assert found.drift["pricing.rate-card"] == why
    judged = review(checklist, state, drift=found.drift).of("customers.contracts")
    assert judged.standing is Standing.STALE and "another account" in judged.stale


# --- (e) a re-read that cannot answer ------------------------------------------------------


async def test_a_reread_that_cannot_answer_notes_it_and_changes_nothing(
    make, checklist: Checklist, tmp_path: Path
) -> None:
    sb = make()
    state = await _pass(sb, checklist, tmp_path, ["metrics-active", "pricing-setup"])
    sb.app.faults = frozenset({"permanent-500"})
    found = await _recheck(sb, checklist, state, timeout=3.0)
    assert found.drift == {}
    assert len(found.notes) == 1 and found.notes[0].startswith("could not re-read: ")
    assert "500" in found.notes[0]
    judged = review(checklist, state, drift=found.drift)
    assert judged.of("pricing.rate-card").standing is Standing.VERIFIED

    sb.server.stop()
    gone = await _recheck(sb, checklist, state, timeout=3.0)
    assert gone.drift == {} and gone.notes and gone.notes[0].startswith("could not re-read")
    assert review(checklist, state, drift=gone.drift).of("usage.metrics-match").standing is (
        Standing.VERIFIED
    )
