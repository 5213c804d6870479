"""Every Metronome probe against the embedded sandbox, over real HTTP on loopback.

Healthy sandbox: every automatable probe passes. Each fault mode: the probe that
should catch it fails (or errors, for outages) with a summary naming the cause,
within its deadline. Every request any probe sent validates against the official
Metronome OpenAPI document.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from tests.fault_cases import assert_every_fault_owned, assert_one_cause

import spec_check
from golive_tui.core.probes import engine
from golive_tui.core.probes.engine import ProbeResult, Runner
from golive_tui.core.redact import Secret
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.state import Target
from golive_tui.providers.metronome.dialect import METRONOME
from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox

ALL = sorted(engine.specs_for("metronome"))
WEBHOOK_SECRET = "whsec-test-" + "x" * 16


class Sandbox:
    def __init__(
        self, faults: tuple[str, ...] = (), variants: tuple[str, ...] = (), **app_kw: Any
    ) -> None:
        self.token = "mt_sandbox_" + secrets.token_hex(12)
        self.app = MetronomeSandbox(
            self.token, faults=faults, variants=variants, webhook_secret=WEBHOOK_SECRET, **app_kw
        )
        self.server = SandboxServer(self.app).start()
        self.url = self.server.base_url

    def target(self, customer: str | None = None, **kw: Any) -> Target:
        settings = {**self.app.target_settings(self.url), **kw.pop("settings", {})}
        return Target(
            provider="metronome",
            environment=kw.pop("environment", "sandbox"),
            base_url=kw.pop("base_url", self.url),
            customer_id=customer or self.app.demo.customer_alias,
            operator="tests",
            settings=settings,
        )

    async def run(
        self,
        probes: list[str] | None = None,
        *,
        token: str | None = None,
        deadline: float | None = None,
        **target_kw: Any,
    ) -> dict[str, ProbeResult]:
        specs, unknown = engine.select("metronome", probes or ALL)
        assert not unknown
        if deadline is not None:
            specs = [replace(s, deadline=deadline) for s in specs]
        runner = Runner(
            target=self.target(**target_kw),
            token=Secret(token or self.token),
            dialect=METRONOME,
            webhook_secret=Secret(WEBHOOK_SECRET),
        )
        return {r.probe: r for r in await runner.run(specs)}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox()
    yield sb
    sb.server.stop()


@pytest.fixture
def faulty() -> Iterator[Any]:
    started: list[Sandbox] = []

    def make(*faults: str) -> Sandbox:
        sb = Sandbox(faults)
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.server.stop()


def _explain(results: dict[str, ProbeResult]) -> str:
    return "\n".join(f"{k}: {r.status}: {r.summary}" for k, r in results.items())


async def test_every_probe_passes_against_the_healthy_sandbox(sandbox: Sandbox) -> None:
    results = await sandbox.run()
    assert set(results) == set(ALL)
    assert all(r.status == "pass" for r in results.values()), _explain(results)


async def test_the_customer_can_be_given_by_id_instead_of_alias(sandbox: Sandbox) -> None:
    results = await sandbox.run(
        ["customer-contract", "ingest-dedup"], customer=sandbox.app.demo.customer_id
    )
    assert all(r.status == "pass" for r in results.values()), _explain(results)


async def test_every_request_the_probes_send_is_valid_for_the_real_api(faulty) -> None:
    sent = 0
    for faults in ((), ("no-contract",), ("archived-metric",), ("missing-alias",)):
        sb = faulty(*faults)
        await sb.run()
        for rec in sb.app.log:
            if rec.path.startswith("/_sandbox/"):
                continue  # the stand-in webhook receiver is not Metronome's API
            errors = spec_check.request_errors(
                "metronome", rec.method, rec.path, dict(rec.query), rec.body
            )
            assert errors == [], f"{rec.method} {rec.path}: {errors}"
            sent += 1
    assert sent > 40  # the probes really did talk to the API


@pytest.mark.parametrize(
    ("variants", "environment"),
    [
        (("commits", "credits", "overrides"), "sandbox"),
        (("several-contracts", "pricing-groups", "staggered"), "sandbox"),
        ((), "production"),  # invoice-draft's previewEvents dry run; writers are refused
    ],
)
async def test_requests_on_real_account_shapes_are_valid_for_the_real_api(
    variants: tuple[str, ...], environment: str
) -> None:
    sb = Sandbox(variants=variants)
    try:
        results = await sb.run(environment=environment)
    finally:
        sb.server.stop()
    paths = {rec.path for rec in sb.app.log}
    for rec in sb.app.log:
        if rec.path.startswith("/_sandbox/"):
            continue
        errors = spec_check.request_errors(
            "metronome", rec.method, rec.path, dict(rec.query), rec.body
        )
        assert errors == [], f"{rec.method} {rec.path}: {errors}"
    assert "/v1/contracts/getContractRateSchedule" in paths
    if environment == "production":
        assert any(p.endswith("/previewEvents") for p in paths), paths
        assert "/v1/ingest" not in paths
        assert results["invoice-draft"].status == "pass", results["invoice-draft"].summary


async def test_test_events_carry_the_run_id(sandbox: Sandbox) -> None:
    results = await sandbox.run(["ingest-dedup"])
    run_id = results["ingest-dedup"].run_id
    events = [e for rec in sandbox.app.log if rec.path == "/v1/ingest" for e in rec.body]
    assert events
    assert all(run_id in e["transaction_id"] for e in events)
    assert all(e["properties"]["golive_run"] == run_id for e in events)
    created = results["ingest-dedup"].created
    assert created and all(c.run_id == run_id and c.kind == "usage-event" for c in created)


FAULT_CASES = [
    ("dedup-off", "ingest-dedup", "fail", "counted 2 times"),
    ("dedup-off", "invoice-draft", "fail", "duplicate"),
    ("wrong-tier-math", "invoice-draft", "fail", "expected"),
    ("archived-metric", "metrics-active", "fail", "archived"),
    ("archived-metric", "pricing-setup", "fail", "archived"),
    ("missing-alias", "customer-contract", "fail", "not found"),
    ("missing-alias", "ingest-dedup", "fail", "ingest alias"),
    ("no-contract", "customer-contract", "fail", "no contract"),
    ("no-contract", "invoice-draft", "fail", "no contract"),
    ("permanent-500", "auth", "error", "500"),
    ("permanent-500", "invoice-draft", "error", "500"),
    ("webhook-accepts-forged", "webhook-signature", "fail", "forged signature"),
    ("webhook-accepts-unsigned", "webhook-signature", "fail", "without a Metronome-Webhook"),
    ("webhook-accepts-tampered", "webhook-signature", "fail", "tampered body"),
    ("webhook-rejects-replay", "webhook-signature", "fail", "sent again (HTTP 409)"),
    ("webhook-ip-allowlist", "webhook-signature", "warn", "allowlist Metronome's webhook IPs"),
    # The null group's usage still sums to the total: the old probe passed this.
    ("group-key-missing", "grouped-usage", "fail", "null group"),
]


@pytest.mark.parametrize(("fault", "probe", "status", "needle"), FAULT_CASES)
async def test_each_fault_is_caught_by_its_probe(
    faulty, fault: str, probe: str, status: str, needle: str
) -> None:
    sb = faulty(fault)
    result = (await sb.run([probe]))[probe]
    assert result.status == status, result.summary
    assert needle in result.summary, result.summary
    assert result.duration_ms < 1000 * engine.specs_for("metronome")[probe].deadline


@pytest.mark.parametrize("fault", ["5xx-burst", "429-storm"])
async def test_transient_outages_recover_to_pass(faulty, fault: str) -> None:
    sb = faulty(fault)
    results = await sb.run()
    assert all(r.status == "pass" for r in results.values()), _explain(results)
    statuses = [rec.status for rec in sb.app.log]
    assert {503, 429} & set(statuses)  # the outage really happened


async def test_slow_api_errors_within_the_deadline(faulty) -> None:
    sb = faulty("slow")
    result = (await sb.run(["auth"], deadline=1.0))["auth"]
    assert result.status == "error"
    assert "slow" in result.summary or "deadline" in result.summary
    assert result.duration_ms < 2000


async def test_a_bad_token_fails_auth_with_the_fix(sandbox: Sandbox) -> None:
    result = (await sandbox.run(["auth"], token="mt_wrong_token_0000000000"))["auth"]
    assert result.status == "fail"
    assert "401" in result.summary and "golive token set" in result.summary


async def test_production_target_must_use_the_production_url(sandbox: Sandbox) -> None:
    result = (await sandbox.run(["auth"], environment="production"))["auth"]
    assert result.status == "fail"
    assert "https://api.metronome.com" in result.summary


async def test_plain_http_to_a_remote_host_fails_before_the_token_is_sent(
    sandbox: Sandbox,
) -> None:
    before = len(sandbox.app.log)
    result = (await sandbox.run(["auth"], base_url="http://billing.example.invalid"))["auth"]
    assert result.status == "fail" and "unencrypted" in result.summary
    assert result.requests == 0 and len(sandbox.app.log) == before


async def test_writing_probes_are_skipped_on_production_without_consent(
    sandbox: Sandbox,
) -> None:
    results = await sandbox.run(["ingest-dedup", "allowlist"], environment="production")
    assert results["ingest-dedup"].status == "skipped"
    assert results["allowlist"].status == "pass"
    assert not any(rec.path == "/v1/ingest" for rec in sandbox.app.log)


async def test_backdate_setting_outside_the_window_is_an_error(sandbox: Sandbox) -> None:
    result = (await sandbox.run(["backdated"], settings={"backdate_days": 40}))["backdated"]
    assert result.status == "error" and "34" in result.summary


async def test_unknown_customer_fails_once_and_blocks_the_rest(sandbox: Sandbox) -> None:
    # Causes, not cascades: one probe fails with the cause, the others name it.
    results = await sandbox.run(["customer-contract", "alerts"], customer="no-such-customer")
    [first] = [r for r in results.values() if r.status == "fail"]
    assert "not found" in first.summary
    [other] = [r for r in results.values() if r is not first]
    assert other.status == "error"
    assert other.summary.startswith(f"blocked by {first.probe}: ") and "not found" in other.summary


async def test_evidence_never_contains_the_token(sandbox: Sandbox) -> None:
    results = await sandbox.run()
    blob = repr(
        [(r.summary, r.details, [e.to_data() for e in r.evidence]) for r in results.values()]
    )
    assert sandbox.token not in blob
    assert WEBHOOK_SECRET not in blob


# Faults that are outages, not a misconfigured account: the probes recover or time out
# (test_transient_outages_recover_to_pass, test_slow_api_errors_within_the_deadline).
OUTAGES = {"5xx-burst", "429-storm", "slow"}


def test_every_sandbox_fault_has_an_owning_probe() -> None:
    from golive_tui.providers.metronome.sandbox.app import FAULTS

    assert_every_fault_owned(FAULTS, FAULT_CASES, OUTAGES)


@pytest.mark.parametrize("fault", sorted({case[0] for case in FAULT_CASES}))
async def test_in_a_full_run_each_fault_names_its_cause_once(faulty, fault: str) -> None:
    assert_one_cause(await faulty(fault).run(), fault, FAULT_CASES)


async def test_a_tier_mismatch_never_shows_two_equal_amounts(faulty) -> None:
    """Second run on the same account (every tier already crossed): the wrong price
    differs by a fraction of a cent, and the summary must still show two figures."""
    sb = faulty("wrong-tier-math")
    await sb.run(["invoice-draft"])
    result = (await sb.run(["invoice-draft"]))["invoice-draft"]
    assert result.status == "fail", result.summary
    found = re.search(r"line total is (\S+), expected (\S+) from", result.summary)
    assert found, result.summary
    assert found.group(1) != found.group(2), result.summary
