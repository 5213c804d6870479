"""Metronome probes price the way contracts price, over real HTTP on loopback.

Each sandbox variant (sandbox/variants.py) is a healthy real-account shape: contract
overrides, commits and credits, several contracts, pricing group keys. Every probe
must pass on each; the invoice-draft and customer-contract probes must say what they
priced against. Shapes: spec `#S/ContractRateSchedule`, `#S/InvoiceLineItem` and the
SDK's `contract_retrieve_rate_schedule_response.py` / `customers/invoice.py`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

import spec_check
from golive_tui.core.probes import engine
from golive_tui.core.probes.engine import ProbeResult, Runner
from golive_tui.core.redact import Secret
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
