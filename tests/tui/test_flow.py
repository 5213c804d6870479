"""The app end to end: setup, probes over real loopback HTTP, marks, notes, resume, export.

Also the production write confirmation (typed, and refused), a failing probe's
display, and cancelling a slow probe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, Select

from golive_tui.core.secrets import SERVICE, SecretKey
from golive_tui.core.state import ItemStatus, read
from golive_tui.tui.app import make_app
from golive_tui.tui.screens.main import MainScreen

from .conftest import (
    Sandbox,
    fixed_clock,
    make_state,
    screen_text,
    wait_for_screen,
    widget_text,
)

SIZE = (100, 32)


async def _settle(pilot: Any) -> None:
    """Let every probe worker finish and the UI catch up with its messages."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def header_text(app: Any) -> str:
    return screen_text(app).splitlines()[0]


def _main(app: Any) -> MainScreen:
    assert isinstance(app.screen, MainScreen), app.screen
    return app.screen


async def test_setup_probe_marks_notes_resume_export(
    tmp_path: Path, sandbox: Sandbox, memory_keyring: Any
) -> None:
    from golive_tui.tui.dialogs.note import NoteScreen
    from golive_tui.tui.screens.setup import CUSTOM, SetupScreen

    state = tmp_path / "golive-state.toml"
    app = make_app(state, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        setup = app.screen
        assert isinstance(setup, SetupScreen)
        # Drive the real setup form: custom (loopback) base URL, token into the keyring.
        setup.query_one("#base-url", Select).value = CUSTOM
        await pilot.pause()
        setup.query_one("#base-url-custom", Input).value = sandbox.base_url
        setup.query_one("#customer", Input).value = sandbox.app.demo.customer_alias
        setup.query_one("#token", Input).value = sandbox.token.reveal()
        await pilot.pause()
        await app.workers.wait_for_complete()  # the keyring check
        await pilot.press("ctrl+s")
        await _settle(pilot)
        main = _main(app)
        assert state.exists()

        # The token went to the keyring, nowhere else.
        key = SecretKey("metronome", "sandbox", sandbox.base_url)
        assert memory_keyring.entries[(SERVICE, key.username)] == sandbox.token.reveal()
        assert app.token is None  # not handed over in memory: it is loaded when needed
        assert sandbox.token.reveal() not in state.read_text()

        # The first item's probe (ingest-dedup) runs against the sandbox and passes.
        assert main.item_id == "usage.required-fields"
        await pilot.press("r")
        await _settle(pilot)
        panel = widget_text(app, "#detail-body")
        assert "✓ PASS" in panel
        assert f"Ran against: metronome sandbox {sandbox.base_url}" in panel
        assert "⟳" not in screen_text(app)
        history = read(state).items["usage.required-fields"].probe_results
        assert [r.status.value for r in history] == ["pass"]
        # The probe's other items got the result too.
        assert read(state).items["usage.idempotency"].probe_results

        # Sections: the fifth is "Production security"; its first item is a production
        # one: a sandbox target cannot verify it, so its probe is not run for it.
        await pilot.press("left", "down", "down", "down", "down", "enter")
        assert main.item_id == "security.production-token"
        assert "⊘ N/A HERE" in widget_text(app, "#detail-head")
        assert "not applicable to a sandbox target" in widget_text(app, "#detail-head")
        await pilot.press("r")
        await _settle(pilot)
        assert "not applicable to a sandbox target" in widget_text(app, "#probe-status")
        assert not read(state).item("security.production-token").probe_results

        # Mark: done, then the next items skipped and not applicable.
        await pilot.press("space", "down", "s", "down", "x")
        # Setting a blocker aside is an override: the app asks why first.
        await pilot.pause()
        from golive_tui.tui.dialogs.override import OverrideScreen

        assert isinstance(app.screen, OverrideScreen)
        assert "blocker marked not-applicable" in widget_text(app, "#override-against")
        await pilot.press("enter")  # no reason yet: refused, the dialog stays
        assert isinstance(app.screen, OverrideScreen)
        await pilot.press(*"sandbox-only launch", "enter")
        await pilot.pause()
        await pilot.press("up", "up", "n")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"checked with our rep")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert _main(app).item_id == "security.production-token"
        assert "checked with our rep" in widget_text(app, "#detail-head")
        await pilot.press("q")
    assert app.return_value == 0

    saved = read(state)
    assert saved.cursor.item == "security.production-token"
    assert saved.items["security.production-token"].status is ItemStatus.DONE
    assert saved.items["security.allowlist"].status is ItemStatus.SKIPPED
    assert saved.items["security.production-url"].status is ItemStatus.NOT_APPLICABLE
    override = saved.items["security.production-url"].override
    assert override is not None and override.reason == "sandbox-only launch"

    # Relaunch: resumes at the same item with everything intact, then export.
    app = make_app(state, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = _main(app)
        assert (main.section_id, main.item_id) == ("security", "security.production-token")
        assert any(n.startswith("resumed: ") and "done" in n for n in app.notices), app.notices
        text = screen_text(app)
        # Rows say what each item rests on: a person's mark, a probe's pass, an override.
        assert "✓ ATTESTED" in text or "✓ VERIFIED" in text, text
        assert "↷ SKIPPED" in text and "⚑ OVERRIDE" in text, text
        head = widget_text(app, "#detail-head")
        assert "checked with our rep" in head
        # Attested by a person; the badge still says a sandbox cannot verify it.
        assert "✓ ATTESTED" in head and "⊘ N/A HERE" in head
        await pilot.press("e")
        await pilot.pause()
        review = tmp_path / "golive-state-review.md"
        assert app.last_export == review
        assert any(str(review) in n for n in app.notices)
        await pilot.press("q")
    markdown = review.read_text()
    assert "A production API token exists and works" in markdown
    assert "checked with our rep" in markdown
    assert "done" in markdown.lower() and "skipped" in markdown.lower()
    assert sandbox.token.reveal() not in markdown


async def test_production_write_asks_for_the_environment_name(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    from golive_tui.tui.dialogs.confirm_write import ConfirmWriteScreen

    state = make_state(tmp_path / "s.toml", sandbox.target(environment="production"))
    app = make_app(state, token=sandbox.token, webhook_secret=sandbox.webhook_secret)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = _main(app)
        assert main.item_id == "usage.required-fields"  # probe ingest-dedup (writes)
        assert "⚠ PRODUCTION" in header_text(app)
        await pilot.press("r")
        await wait_for_screen(pilot, ConfirmWriteScreen)
        await pilot.press(*"production", "enter")
        await _settle(pilot)
        assert _main(app) is main
        assert sandbox.requests("/v1/ingest"), "the confirmed probe sent its events"
        assert read(state).items["usage.required-fields"].probe_results
        await pilot.press("q")


async def test_refusing_the_production_write_skips_the_probe(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    from golive_tui.tui.dialogs.confirm_write import ConfirmWriteScreen

    state = make_state(tmp_path / "s.toml", sandbox.target(environment="production"))
    app = make_app(state, token=sandbox.token, webhook_secret=sandbox.webhook_secret)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for_screen(pilot, ConfirmWriteScreen)
        await pilot.press("escape")
        await _settle(pilot)
        status = widget_text(app, "#probe-status")
        assert "SKIPPED" in status and "PRODUCTION" in status
        assert not sandbox.requests("/v1/ingest")
        assert not read(state).item("usage.required-fields").probe_results
        await pilot.press("q")


async def test_failing_probe_shows_fail_and_the_cause(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory("no-contract")
    state = make_state(tmp_path / "s.toml", sandbox.target())
    app = make_app(state, token=sandbox.token, webhook_secret=sandbox.webhook_secret)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _main(app).jump_to("customers.contracts")
        await pilot.pause()
        await pilot.press("ctrl+r")  # the section's probes: customer-contract only
        await _settle(pilot)
        result = widget_text(app, "#detail-body")
        assert "✗ FAIL" in result
        assert "no contract" in result.lower()
        assert "✗ FAIL" in screen_text(app)  # the item row says it too
        assert "✗2" in screen_text(app)  # the section counts both of its items as failing
        assert "✗ 2 failing" in header_text(app)
        await pilot.press("q")


async def test_cancelling_a_probe_records_nothing(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory("slow", slow_seconds=30)
    state = make_state(tmp_path / "s.toml", sandbox.target())
    app = make_app(state, token=sandbox.token, webhook_secret=sandbox.webhook_secret)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = _main(app)
        main.jump_to("pricing.products")
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause(0.3)
        assert "running" in widget_text(app, "#probe-status")
        assert "⟳" in screen_text(app)
        await pilot.press("escape")
        await _settle(pilot)
        assert "CANCELLED" in widget_text(app, "#probe-status")
        assert not main.running
        # Still responsive: the cursor moves and marks still save.
        await pilot.press("down", "space")
        await pilot.pause()
        assert main.item_id == "pricing.usage-product-metric"
        await pilot.press("q")
    saved = read(state)
    assert not saved.item("pricing.products").probe_results
    assert saved.item("pricing.usage-product-metric").status is ItemStatus.DONE
