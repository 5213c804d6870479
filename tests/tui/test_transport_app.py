"""The app's probes under the transport policy, through the recording proxy.

A base URL the token must not travel to (stored before golive refused it) runs
nothing and says why; a sandbox-labelled target on Metronome's production host is
treated as production, so a writing probe asks for confirmation first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from golive_tui.core.probes import engine
from golive_tui.tui.app import make_app
from golive_tui.tui.screens.main import MainScreen
from recording_proxy import RecordingProxy

from .conftest import Sandbox, make_state, wait_for_screen

SIZE = (100, 32)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> RecordingProxy:
    rec = RecordingProxy()
    monkeypatch.setattr(engine, "DEFAULT_TRANSPORT", rec)
    return rec


async def _settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def test_the_app_sends_nothing_to_a_plain_http_host(
    tmp_path: Path, sandbox: Sandbox, proxy: RecordingProxy
) -> None:
    target = sandbox.target(base_url="http://billing.example.com")
    state = make_state(tmp_path / "s.toml", target)
    app = make_app(state, token=sandbox.token, webhook_secret=sandbox.webhook_secret)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        item = main.item_id
        await pilot.press("r")
        await _settle(pilot)
        status, reason = main.transient[item]
        assert status == "skipped" and "plain http" in reason
        await pilot.press("q")
    assert proxy.seen == []


async def test_a_sandbox_label_on_the_production_host_still_asks_before_writing(
    tmp_path: Path, sandbox: Sandbox, proxy: RecordingProxy
) -> None:
    from golive_tui.tui.dialogs.confirm_write import ConfirmWriteScreen

    proxy.routes["https://api.metronome.com"] = sandbox.base_url
    target = sandbox.target(base_url="https://api.metronome.com", environment="sandbox")
    state = make_state(tmp_path / "s.toml", target)
    app = make_app(state, token=sandbox.token, webhook_secret=sandbox.webhook_secret)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        assert main.item_id == "usage.required-fields"  # probe ingest-dedup (writes)
        await pilot.press("r")
        await wait_for_screen(pilot, ConfirmWriteScreen)
        await pilot.press("escape")
        await _settle(pilot)
        await pilot.press("q")
    assert not [s for s in proxy.seen if s.url.path == "/v1/ingest"]
