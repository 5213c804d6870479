"""Metronome probes price the way contracts price, over real HTTP on loopback.

Each sandbox variant (sandbox/variants.py) is a healthy real-account shape: contract
overrides, commits and credits, several contracts, pricing group keys. Every probe
must pass on each; the invoice-draft and customer-contract probes must say what they
priced against. Shapes: spec `#S/ContractRateSchedule`, `#S/InvoiceLineItem` and the
SDK's `contract_retrieve_rate_schedule_response.py` / `customers/invoice.py`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import spec_check
from golive_tui.core.probes import engine
from golive_tui.core.probes.engine import ProbeResult, Runner
from golive_tui.core.redact import Secret
from golive_tui.core.sandbox.asgi import HttpError
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.state import Target
from golive_tui.providers.metronome.dialect import METRONOME
from golive_tui.providers.metronome.sandbox.app import VARIANTS, MetronomeSandbox

ALL = sorted(engine.specs_for("metronome"))
WEBHOOK_SECRET = "whsec-test-" + "y" * 16


class Sandbox:
    def __init__(self, variants: tuple[str, ...] = ()) -> None:
        self.token = "mt_sandbox_" + secrets.token_hex(12)
        self.app = MetronomeSandbox(
            self.token, variants=variants, webhook_secret=WEBHOOK_SECRET, rate_limit=1000.0
        )
        self.server = SandboxServer(self.app).start()
        self.url = self.server.base_url

    async def run(
        self, probes: list[str] | None = None, **target_kw: Any
    ) -> dict[str, ProbeResult]:
        settings = {**self.app.target_settings(self.url), **target_kw.pop("settings", {})}
        target = Target(
            provider="metronome",
            environment=target_kw.pop("environment", "sandbox"),
            base_url=self.url,
            customer_id=self.app.demo.customer_alias,
            operator="tests",
            settings=settings,
        )
        specs, unknown = engine.select("metronome", probes or ALL)
        assert not unknown
        runner = Runner(
            target=target,
            token=Secret(self.token),
            dialect=METRONOME,
            webhook_secret=Secret(WEBHOOK_SECRET),
            **target_kw,
        )
        return {r.probe: r for r in await runner.run(specs)}

    def sent(self, path: str) -> list[Any]:
        return [rec for rec in self.app.log if rec.path == path]


@pytest.fixture
def make() -> Iterator[Any]:
    started: list[Sandbox] = []

    def start(*variants: str) -> Sandbox:
        started.append(Sandbox(variants))
        return started[-1]

    yield start
    for sb in started:
        sb.server.stop()


def _explain(results: dict[str, ProbeResult]) -> str:
    return "\n".join(f"{k}: {r.status}: {r.summary}" for k, r in results.items())


@pytest.mark.parametrize("variant", ["", *VARIANTS])
async def test_every_probe_passes_on_the_demo_and_each_pricing_variant(make, variant: str) -> None:
    sb = make(*([variant] if variant else []))
    results = await sb.run()
    assert set(results) == set(ALL)
    assert all(r.status == "pass" for r in results.values()), _explain(results)
    for rec in sb.app.log:
        if rec.path.startswith("/_sandbox/"):
            continue
        errors = spec_check.request_errors(
            "metronome", rec.method, rec.path, dict(rec.query), rec.body
        )
        assert errors == [], f"{rec.method} {rec.path}: {errors}"


NAMED = [
    # (variant, probe, text its summary must hold)
    ("overrides", "invoice-draft", "at the contract's override"),
    ("commits", "invoice-draft", "at the contract's commit rate"),
    ("credits", "invoice-draft", "drawn from commits or credits"),
    ("pricing-groups", "invoice-draft", "(model=atlas-2-"),
    ("several-contracts", "customer-contract", "Growth 2027 (starts on launch day)"),
    ("several-contracts", "customer-contract", "usage goes to Nimbus Labs — Standard 2026"),
    ("", "invoice-draft", "at the contract's list rate"),
]


@pytest.mark.parametrize(("variant", "probe", "needle"), NAMED)
async def test_probes_name_the_price_and_contract_they_checked(
    make, variant: str, probe: str, needle: str
) -> None:
    sb = make(*([variant] if variant else []))
    result = (await sb.run([probe]))[probe]
    assert result.status == "pass", result.summary
    assert needle in result.summary, result.summary


async def test_pricing_setup_shows_contract_prices_as_money(make) -> None:
    sb = make("overrides")
    result = (await sb.run(["pricing-setup"]))["pricing-setup"]
    assert result.status == "pass", result.summary
    text = "\n".join(result.details)
    # 0.8 × 0.0003 cents per input token; the API request overwrite is 0.008 cents.
    assert "Input tokens at the contract's override, tiered: $0.0000024 for 1000000" in text
    assert "API requests at the contract's override, flat: $0.00008 per unit" in text
    assert "USD (cents)" not in result.summary


async def test_on_production_invoice_draft_previews_and_sends_no_usage(make) -> None:
    sb = make("overrides")
    result = (await sb.run(["invoice-draft"], environment="production"))["invoice-draft"]
    assert result.status == "pass", result.summary
    assert "dry run" in result.summary and "nothing written" in result.summary
    assert "at the contract's override" in result.summary and "$" in result.summary
    assert sb.sent("/v1/ingest") == []
    [hit] = [r for r in sb.app.log if r.path.endswith("/previewEvents")]
    assert hit.body["mode"] == "replace" and all("customer_id" not in e for e in hit.body["events"])


class NoPreview(MetronomeSandbox):
    """An account the preview cannot price (the spec: contracts with SQL billable
    metrics are not supported)."""

    def preview_events(self, request: Any) -> Any:
        raise HttpError(400, "Customers on contracts with SQL billable metrics are not supported")


@pytest.mark.parametrize("consent", [False, True])
async def test_when_only_a_write_can_tell_production_is_asked_with_count_customer_and_cost(
    consent: bool,
) -> None:
    asked: list[str | None] = []

    async def confirm(spec: Any, text: str | None) -> bool:
        asked.append(text)
        return consent

    sb = Sandbox.__new__(Sandbox)
    sb.token = "mt_sandbox_" + secrets.token_hex(12)
    sb.app = NoPreview(sb.token, webhook_secret=WEBHOOK_SECRET, rate_limit=1000.0)
    sb.server = SandboxServer(sb.app).start()
    sb.url = sb.server.base_url
    try:
        result = (await sb.run(["invoice-draft"], environment="production", confirm_write=confirm))[
            "invoice-draft"
        ]
    finally:
        sb.server.stop()
    [text] = asked
    assert text is not None
    # The usage batch asks once (core/probes/batch.py), naming count, customer and price.
    assert re.fullmatch(
        r"3 usage events for 1 probe\(s\) — Draft invoice shows the right quantity and total:"
        r" 3 events for customer nimbus-test: \d+ units of Input tokens, about \$\d+\.\d{2}"
        r" \(one event sent twice, must not be billed\)",
        text,
    ), text
    assert "cents" not in text
    if consent:
        assert result.status == "pass", result.summary
        assert len(sb.sent("/v1/ingest")) == 1
    else:
        assert result.status == "skipped" and "you declined" in result.summary
        assert sb.sent("/v1/ingest") == []


async def test_customer_contract_checks_the_contract_of_a_later_launch_date(make) -> None:
    sb = make("several-contracts")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    result = (await sb.run(["customer-contract"], settings={"launch_date": tomorrow}))[
        "customer-contract"
    ]
    assert result.status == "pass", result.summary
    assert f"Growth 2027 at launch ({tomorrow})" in result.summary
    bad = await sb.run(["customer-contract"], settings={"launch_date": "next week"})
    assert bad["customer-contract"].status == "error"
    assert "YYYY-MM-DD" in bad["customer-contract"].summary
