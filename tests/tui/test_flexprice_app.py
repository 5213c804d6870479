"""The app on a Flexprice session: probes over real loopback HTTP against the Flexprice
sandbox, a fault's FAIL and cause, the export, the setup screen's regional presets as the
app saves them, and `golive demo --provider flexprice` opening the app."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Select

from golive_tui.core.redact import Secret
from golive_tui.core.secrets import SERVICE, SecretKey
from golive_tui.core.state import read
from golive_tui.tui.app import make_app
from golive_tui.tui.screens.main import MainScreen

from .conftest import Sandbox, fixed_clock, make_state, screen_text, widget_text

SIZE = (100, 32)
INDIA = "https://api.cloud.flexprice.io"


@pytest.fixture
def flexprice() -> Iterator[Callable[..., Sandbox]]:
    from golive_tui.commands.demo import new_sandbox
    from golive_tui.core.sandbox.server import SandboxServer

    servers: list[SandboxServer] = []

    def start(*faults: str) -> Sandbox:
        sb, token = new_sandbox(faults, "flexprice")
        server = SandboxServer(sb).start()
        servers.append(server)
        return Sandbox(sb, token, Secret(sb.webhook_secret), server.base_url)

    yield start
    for server in servers:
        server.stop()


async def _settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def _main(app: Any) -> MainScreen:
    assert isinstance(app.screen, MainScreen), app.screen
    return app.screen


async def _run_probe(pilot: Any, item: str) -> str:
    _main(pilot.app).jump_to(item)
    await pilot.pause()
    await pilot.press("r")
    await _settle(pilot)
    return widget_text(pilot.app, "#detail-body")


async def test_flexprice_probes_pass_and_the_export_lists_flexprice_items(
    tmp_path: Path, flexprice: Callable[..., Sandbox]
) -> None:
    sandbox = flexprice()
    state = make_state(tmp_path / "golive-state.toml", sandbox.target(), "flexprice")
    app = make_app(state, token=sandbox.token, webhook_secret=sandbox.webhook_secret,
                   clock=fixed_clock)  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _main(app)
        assert "flexprice" in screen_text(app).lower()
        result = await _run_probe(pilot, "catalog.event-names")
        assert "✓ PASS" in result, result
        assert "3 event names" in result
        result = await _run_probe(pilot, "ingestion.required-fields")  # ingest-lookup
        assert "✓ PASS" in result, result
        assert "⟳" not in screen_text(app)
        # The key went over the wire in Flexprice's header, handed over in memory.
        assert sandbox.requests("/v1/events/bulk")  # the usage batch: one bulk send
        assert all(r.headers.get("x-api-key") == sandbox.token.reveal()
                   for r in sandbox.app.log if r.path.startswith("/v1/"))  # fmt: skip
        await pilot.press("e")
        await pilot.pause()
        review = tmp_path / "golive-state-review.md"
        assert app.last_export == review
        await pilot.press("q")
    saved = read(state)
    # ingest-lookup verifies three items: each got the result.
    for item in ("ingestion.required-fields", "ingestion.debugger", "smoke-test.send-events"):
        assert [r.status.value for r in saved.item(item).probe_results] == ["pass"], item
    markdown = review.read_text(encoding="utf-8")
    assert "Flexprice go-live" in markdown
    assert "Meter event names match what your app sends, exactly" in markdown
    assert "Test events show as processed in the Event Debugger" in markdown
    assert sandbox.token.reveal() not in markdown
    assert sandbox.token.reveal() not in state.read_text()


async def test_event_name_typo_shows_fail_and_the_cause(
    tmp_path: Path, flexprice: Callable[..., Sandbox]
) -> None:
    sandbox = flexprice("event-name-typo")
    state = make_state(tmp_path / "s.toml", sandbox.target(), "flexprice")
    app = make_app(state, token=sandbox.token, webhook_secret=sandbox.webhook_secret)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        result = await _run_probe(pilot, "catalog.event-names")
        assert "✗ FAIL" in result
        assert "LLM.tokens" in result and "llm.tokens" in result  # what is sent vs the meter
        assert "case-sensitive" in result
        assert "✗ FAIL" in screen_text(app)  # the item row says it too
        await pilot.press("q")
    assert [r.status.value for r in read(state).item("catalog.event-names").probe_results] == [
        "fail"
    ]


async def test_app_setup_with_the_india_preset_saves_the_regional_target(
    tmp_path: Path, memory_keyring: Any
) -> None:
    """The setup screen's own test covers the form; this one, what the app makes of it."""
    from golive_tui.tui.screens.setup import SetupScreen

    state = tmp_path / "golive-state.toml"
    app = make_app(state, "flexprice", clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        setup = app.screen
        assert isinstance(setup, SetupScreen)
        setup.query_one("#base-url", Select).value = INDIA
        setup.query_one("#customer", Input).value = "quill-test"
        setup.query_one("#token", Input).value = "sk_01TESTKEY"
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+s")
        await _settle(pilot)
        _main(app)
        await pilot.press("q")
    saved = read(state)
    assert saved.checklist_id == "flexprice"
    t = saved.target
    assert (t.provider, t.base_url, t.region, t.customer_id) == (
        "flexprice",
        INDIA,
        "india",
        "quill-test",
    )
    key = SecretKey("flexprice", "sandbox", INDIA)
    assert memory_keyring.entries[(SERVICE, key.username)] == "sk_01TESTKEY"
    assert "sk_01TESTKEY" not in state.read_text()


def test_demo_opens_the_app_on_the_flexprice_sandbox(monkeypatch: Any) -> None:
    from golive_tui.commands import demo, tui

    seen: dict[str, Any] = {}

    def fake_run_app(app: Any) -> int:
        seen.update(
            token=app.token,
            webhook=app.webhook_secret,
            state=app.state_file.state,
            checklist=app.checklist.id,
        )
        app.shutdown_state()
        return 0

    monkeypatch.setattr(tui, "run_app", fake_run_app)
    args = argparse.Namespace(fault=[], headless=False, format="text", provider="flexprice")
    assert demo.run(args) == 0
    assert seen["token"].reveal().startswith("sk_")
    assert seen["webhook"].reveal().startswith("whsec_")
    assert seen["checklist"] == "flexprice"
    target = seen["state"].target
    assert (target.provider, target.environment, target.region) == ("flexprice", "sandbox", "")
    assert target.base_url.startswith("http://127.0.0.1:")
    assert target.settings["webhook_url"] == target.base_url + "/_sandbox/webhook"
