"""The app's harness screen: H on an ingestion item starts the sink in-process, the
example producer (examples/producer.py) sends to it over real loopback HTTP from a
thread, the counters and sparkline follow, and Stop saves the verdict as the item's
result (what `golive harness record` saves)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.harness_kit import producer, write_records
from textual.widgets import Input, Sparkline

from golive_tui.core.review import Standing, review
from golive_tui.core.state import ProbeStatus, Target, read
from golive_tui.tui.app import make_app
from golive_tui.tui.screens.harness import HarnessScreen
from golive_tui.tui.screens.main import MainScreen

from .conftest import make_state, wait_for_screen, widget_text

SIZE = (120, 40)
TARGET = Target(provider="metronome", base_url="http://127.0.0.1:9", customer_id="acme")


async def _open(pilot: Any, item: str) -> HarnessScreen:
    main = pilot.app.screen
    assert isinstance(main, MainScreen)
    main.jump_to(item)
    await pilot.pause()
    assert "Harness H" in widget_text(pilot.app, "#probe-status")  # the key is shown
    await pilot.press("H")
    screen: HarnessScreen = await wait_for_screen(pilot, HarnessScreen)
    return screen


async def _wait_for_url(pilot: Any, screen: HarnessScreen) -> str:
    for _ in range(100):
        if screen.url:
            return screen.url
        await pilot.pause(0.05)
    raise AssertionError("the sink never said where it listens")


async def test_start_send_stop_saves_the_verdict_as_the_items_result(tmp_path: Path) -> None:
    expect = write_records(tmp_path, "metronome", 80)
    state = make_state(tmp_path / "golive-state.toml", TARGET)
    app = make_app(state)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await _open(pilot, "usage.fault-injection")
        screen.query_one("#harness-expect", Input).value = str(expect)
        screen.query_one("#harness-faults", Input).value = "5xx=0.3"
        await pilot.press("ctrl+g")
        url = await _wait_for_url(pilot, screen)
        assert url in widget_text(app, "#harness-address")
        assert "/v1/ingest" in widget_text(app, "#harness-address")
        await asyncio.to_thread(
            producer().main,
            ["--provider", "metronome", "--url", url, "--input", str(expect), "--batch", "10",
             "--timeout", "1", "--dead-letter", str(tmp_path / "dead")],
        )  # fmt: skip
        await pilot.pause(0.6)  # a poll
        counters = widget_text(app, "#harness-counters")
        assert "unique 80 of 80" in counters and "lost so far 0" in counters, counters
        assert "faults 0" not in counters  # the 5xx really happened
        assert max(screen.query_one(Sparkline).data or [0]) > 0
        await pilot.press("ctrl+t")
        await pilot.pause()
        verdict = widget_text(app, "#harness-verdict")
        assert "PASS  80 records, 0 lost, 0 double-billed, 0 altered" in verdict, verdict
        assert "saved as the item's result" in verdict
        assert screen.saved is not None and screen.saved.status is ProbeStatus.PASS
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert "harness" in widget_text(app, "#detail-body")
        await pilot.press("q")
    saved = read(state)
    latest = saved.item("usage.fault-injection").latest
    assert latest is not None and latest.probe == "harness" and latest.status is ProbeStatus.PASS
    assert '"unique": 80' in latest.evidence[0].text
    from golive_tui.core.checklist import load

    rev = review(load("metronome"), saved)
    assert rev.of("usage.fault-injection").standing is Standing.VERIFIED


async def test_a_producer_that_drops_on_5xx_fails_and_an_item_without_harness_says_so(
    tmp_path: Path,
) -> None:
    expect = write_records(tmp_path, "metronome", 60)
    state = make_state(tmp_path / "golive-state.toml", TARGET)
    app = make_app(state)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        main.jump_to("usage.idempotency")
        await pilot.pause()
        await pilot.press("H")  # not a harness item: a notice, no screen
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        screen = await _open(pilot, "usage.load-test")
        screen.query_one("#harness-expect", Input).value = str(expect)
        screen.query_one("#harness-faults", Input).value = "5xx=0.4"
        await pilot.press("ctrl+g")
        url = await _wait_for_url(pilot, screen)
        await asyncio.to_thread(
            producer().main,
            ["--provider", "metronome", "--url", url, "--input", str(expect), "--batch", "10",
             "--timeout", "1", "--bug", "drop-on-5xx"],
        )  # fmt: skip
        await pilot.press("escape")  # stops the run, saves its verdict, goes back
        await pilot.pause()
        await pilot.press("q")
    latest = read(state).item("usage.load-test").latest
    assert latest is not None and latest.status is ProbeStatus.FAIL
    assert "lost" in latest.summary and "retry refused" in latest.summary
