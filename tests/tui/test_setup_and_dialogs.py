"""The setup screen and the modal dialogs, driven with Pilot at 80×24.

Each screen is pushed by a tiny host app whose callback records the result. The
keyring is an in-memory backend installed with `keyring.set_keyring()` (or
keyring's own `fail` backend for "no usable keyring"), restored after each test.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest
from rich.console import Console
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from golive_tui.core import secrets
from golive_tui.core.redact import Secret
from golive_tui.core.secrets import SecretKey
from golive_tui.tui.dialogs.confirm_write import ConfirmWriteScreen
from golive_tui.tui.dialogs.note import NoteScreen
from golive_tui.tui.dialogs.token import TokenResult, TokenScreen
from golive_tui.tui.screens.setup import (
    CUSTOM,
    OWN_FILE,
    SetupResult,
    SetupScreen,
    check_base_url,
    check_webhook_url,
    parse_event_names,
)
from memory_keyring import MemoryKeyring

SIZE = (80, 24)
TOKEN = "tok-7f3a9"  # short: Pilot types about 15 keys a second
METRONOME = "https://api.metronome.com"
FLEXPRICE_US = "https://us.api.flexprice.io"
FLEXPRICE_INDIA = "https://api.cloud.flexprice.io"


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """keyring's `fail` backend; `secrets.store` records any attempt to save."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    attempts: list[Any] = []
    monkeypatch.setattr(secrets, "store", lambda key, value: attempts.append(key))
    yield attempts
    keyring.set_keyring(previous)


class Host(App[None]):
    """Pushes one screen and records what it is dismissed with."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.animation_level = "none"  # no smooth scrolling: Pilot waits for animations
        self.pushed = screen
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.pushed, self.results.append)


async def settle(pilot: Pilot[None]) -> None:
    """Let thread workers finish and their messages be handled."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def screen_text(app: App[Any]) -> str:
    """The screen as plain text (what export_screenshot draws, without the SVG)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


def text_of(screen: Screen[Any], selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*text)


def form_shows(screen: Screen[Any], widget: Any) -> bool:
    """Is the widget wholly inside the scrolling form's visible region?"""
    return screen.query_one("#setup-form").region.contains_region(widget.region)


# --- setup: happy paths ---------------------------------------------------------------


async def test_setup_metronome_production_stores_token_in_keyring(
    memory_keyring: MemoryKeyring,
) -> None:
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.focused is screen.query_one("#checklist")
        assert MemoryKeyring.name in text_of(screen, "#keyring-status")
        # Choose the Metronome checklist from the list (it is also the default).
        await pilot.press("enter")
        await pilot.press("enter")
        assert screen.query_one("#checklist", Select).value == "metronome"
        # Environment: Tab to the radio set, move to "production", select it.
        await pilot.press("tab", "down", "enter")
        assert screen.has_class("-production")
        assert screen.query_one("#env-warning").display
        assert "PRODUCTION" in text_of(screen, "#setup-banner")
        # Base URL: the Metronome preset is pre-selected.
        await pilot.press("tab")
        assert app.focused is screen.query_one("#base-url")
        assert screen.query_one("#base-url", Select).value == METRONOME
        await pilot.press("tab")
        await type_text(pilot, "cust-42")
        await pilot.press("tab")
        await type_text(pilot, "alice")  # select_on_focus: replaces the default
        await pilot.press("tab")
        assert app.focused is screen.query_one("#token")
        await type_text(pilot, TOKEN)
        token_input = screen.query_one("#token", Input)
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert len(app.results) == 1
        result = app.results[0]
        assert isinstance(result, SetupResult)
        assert result.checklist_spec == "metronome"
        t = result.target
        assert (t.provider, t.environment, t.base_url) == ("metronome", "production", METRONOME)
        assert (t.customer_id, t.operator, t.settings) == ("cust-42", "alice", {})
        assert result.stored_in_keyring is True
        assert result.token is None and result.webhook_secret is None
        stored = secrets.load(SecretKey("metronome", "production", METRONOME))
        assert stored == Secret(TOKEN)
        assert token_input.value == ""  # cleared after use
        assert not app._notifications  # nothing (least of all the token) was notified


async def test_setup_keeps_a_stored_token_and_saves_the_webhook_secret(
    memory_keyring: MemoryKeyring,
) -> None:
    key = SecretKey("metronome", "sandbox", METRONOME)
    secrets.store(key, TOKEN)
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "stored" in text_of(screen, "#keyring-status")
        screen.query_one("#webhook", Input).focus()
        await type_text(pilot, "whs-42")
        await pilot.press("enter")  # Enter on the last field starts
        await settle(pilot)
        [result] = app.results
        assert result.stored_in_keyring and result.token is None
        assert result.target.environment == "sandbox"
        hook = secrets.load(SecretKey("metronome", "sandbox", METRONOME, "webhook-secret"))
        assert hook == Secret("whs-42")


async def test_setup_without_a_token_or_a_stored_one_is_refused(
    memory_keyring: MemoryKeyring,
) -> None:
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.results == []
        assert "none" in text_of(screen, "#token-error")
        assert app.focused is screen.query_one("#token")
        assert not screen.query_one("#start", Button).disabled


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_setup_buttons_are_in_sight_at_80x24_and_120x36(
    no_keyring: list[Any], size: tuple[int, int]
) -> None:
    """With the longest form (no keyring: its hint and the run-only box), the buttons
    sit below the scrolling form, inside the screen, and a click on Start works."""
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        whole = Region(0, 0, *size)
        for button_id in ("#start", "#quit"):
            button = screen.query_one(button_id, Button)
            assert whole.contains_region(button.region) and button.region.area > 0
            assert not screen.query_one("#setup-form").region.overlaps(button.region)
        assert "Start" in screen_text(app) and "Quit" in screen_text(app)
        await pilot.click("#quit")
        await pilot.pause()
        assert app.results == [None]


async def test_setup_quit_dismisses_with_none(memory_keyring: MemoryKeyring) -> None:
    app = Host(SetupScreen())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


# --- setup: no usable keyring -----------------------------------------------------------


async def test_setup_first_paint_does_not_wait_for_the_keyring(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real_backend_name = secrets.backend_name

    def slow_backend_name() -> str:
        release.wait(5)
        return real_backend_name()

    monkeypatch.setattr(secrets, "backend_name", slow_backend_name)
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "checking keyring" in text_of(screen, "#keyring-status")
        assert app.focused is screen.query_one("#checklist")  # the form is usable meanwhile
        release.set()
        await settle(pilot)
        assert MemoryKeyring.name in text_of(screen, "#keyring-status")


async def test_setup_without_keyring_forces_run_only(no_keyring: list[Any]) -> None:
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = text_of(screen, "#keyring-status")
        assert "not usable" in status
        assert "fail Keyring" in status
        assert "this run only" in status
        run_only = screen.query_one("#run-only", Checkbox)
        assert run_only.value and run_only.disabled
        screen.query_one("#token", Input).focus()
        await type_text(pilot, TOKEN)
        await pilot.press("tab")  # the disabled checkbox is skipped
        assert app.focused is screen.query_one("#webhook-url")
        await pilot.press("tab")
        assert app.focused is screen.query_one("#webhook")
        await type_text(pilot, "whs-42")
        await pilot.press("enter")
        await settle(pilot)
        [result] = app.results
        assert result.stored_in_keyring is False
        assert isinstance(result.token, Secret) and result.token.reveal() == TOKEN
        assert result.webhook_secret is not None
        assert result.webhook_secret.reveal() == "whs-42"
        assert no_keyring == []  # nothing was saved anywhere


async def test_setup_store_failure_offers_run_only(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(key: SecretKey, value: Any) -> None:
        raise secrets.SecretStoreError("the keyring is locked (backend: test)")

    monkeypatch.setattr(secrets, "store", locked)
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen.query_one("#token", Input).value = TOKEN
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.results == []
        assert "locked" in text_of(screen, "#keyring-error")
        assert screen.query_one("#run-only", Checkbox).value
        assert TOKEN not in screen_text(app)
        await pilot.press("ctrl+s")  # again: run-only now
        await settle(pilot)
        [result] = app.results
        assert result.token == Secret(TOKEN) and not result.stored_in_keyring


# --- setup: checklist files, URLs, presets ------------------------------------------------


async def test_setup_own_checklist_file(
    memory_keyring: MemoryKeyring, tmp_path: Path, mini_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("id = = 'oops'\n", encoding="utf-8")
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen.query_one("#checklist", Select).value = OWN_FILE
        await pilot.pause()
        path_input = screen.query_one("#checklist-path", Input)
        assert path_input.display and app.focused is path_input
        path_input.value = str(bad)
        await pilot.press("enter")
        info = text_of(screen, "#checklist-info")
        assert "invalid TOML" in info and str(bad) in info
        assert "Traceback" not in info and "\n" not in info.strip()
        assert app.focused is path_input  # stays until fixed
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.results == []

        path_input.value = str(mini_path)
        await pilot.press("enter")
        assert "3 items" in text_of(screen, "#checklist-info")
        assert app.focused is screen.query_one("#environment")
        screen.query_one("#token", Input).value = TOKEN
        await pilot.press("ctrl+s")
        await settle(pilot)
        [result] = app.results
        assert result.checklist_spec == str(mini_path.absolute())
        assert result.target.provider == "metronome"


async def test_setup_production_refuses_plain_http(memory_keyring: MemoryKeyring) -> None:
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#env-production")
        screen.query_one("#base-url", Select).value = CUSTOM
        await pilot.pause()
        custom = screen.query_one("#base-url-custom", Input)
        assert custom.display
        custom.value = "http://api.example.com"
        screen.query_one("#token", Input).value = TOKEN
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.results == []
        assert "production requires https" in text_of(screen, "#base-url-error")
        assert app.focused is custom
        assert memory_keyring.entries == {}

        # A loopback sandbox may use plain http.
        await pilot.click("#env-sandbox")
        custom.value = "http://127.0.0.1:8080/"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [result] = app.results
        assert result.target.base_url == "http://127.0.0.1:8080"
        assert secrets.load(SecretKey("metronome", "sandbox", "http://127.0.0.1:8080"))


async def test_setup_flexprice_offers_us_and_india(memory_keyring: MemoryKeyring) -> None:
    screen = SetupScreen(checklist_spec="flexprice")
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select = screen.query_one("#base-url", Select)
        assert select.value == FLEXPRICE_US
        assert "/v1" in text_of(screen, "#base-url-hint")
        select.focus()
        await pilot.press("enter", "down", "enter")  # open, next preset, choose
        assert select.value == FLEXPRICE_INDIA
        text = screen_text(app)
        assert f"Flexprice India  {FLEXPRICE_INDIA}" in text  # not cut off at 80 columns
        screen.query_one("#token", Input).value = "sk_42"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [result] = app.results
        assert result.checklist_spec == "flexprice"
        t = result.target
        assert (t.provider, t.base_url, t.region) == ("flexprice", FLEXPRICE_INDIA, "india")


async def test_setup_switching_checklist_switches_presets(memory_keyring: MemoryKeyring) -> None:
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen.query_one("#base-url", Select).value == METRONOME
        screen.query_one("#checklist", Select).value = "flexprice"
        await pilot.pause()
        assert screen.query_one("#base-url", Select).value == FLEXPRICE_US


async def test_setup_production_is_unmistakable_in_light_theme_without_colour(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    screen = SetupScreen()
    app = Host(screen)
    assert app.no_color
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "textual-light"
        await settle(pilot)
        assert "PRODUCTION" not in screen_text(app)
        await pilot.click("#env-production")
        await pilot.pause()
        # In words, not only in red: the banner and the warning line say it.
        text = screen_text(app)
        assert "⚠ PRODUCTION · golive setup" in text
        assert "writes to a live account will ask for" in text


# --- setup: probe settings (webhook endpoint, Flexprice event names) -----------------------


async def test_setup_webhook_url_round_trip(memory_keyring: MemoryKeyring) -> None:
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen.query_one("#token", Input).focus()
        await type_text(pilot, TOKEN)
        await pilot.press("tab", "tab")  # past "run only" to the webhook endpoint
        field = screen.query_one("#webhook-url", Input)
        assert app.focused is field
        assert form_shows(screen, field)
        await type_text(pilot, " https://a.io/wh ")
        await pilot.press("enter")  # on to the webhook secret: Enter there starts
        assert app.focused is screen.query_one("#webhook")
        await pilot.press("enter")
        await settle(pilot)
        [result] = app.results
        assert result.target.settings == {"webhook_url": "https://a.io/wh"}


async def test_setup_bad_webhook_url_is_refused_inline(memory_keyring: MemoryKeyring) -> None:
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen.query_one("#token", Input).value = TOKEN
        field = screen.query_one("#webhook-url", Input)
        for bad, words in [
            ("http://hooks.example.com/wh", "localhost sandbox"),
            ("hooks.example.com/wh", "not an http(s) URL"),
            ("https://user:pw@hooks.example.com/wh", "credentials"),
        ]:
            field.value = bad
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.results == []
            error = text_of(screen, "#webhook-url-error")
            assert words in error
            assert error in screen_text(app)  # shown, on one line at 80 columns
            assert app.focused is field
        assert memory_keyring.entries == {}  # nothing saved while the form is refused

        # Typing clears the message; a loopback sandbox may use plain http.
        field.value = "http://localhost:8080/wh"
        await pilot.pause()
        assert not screen.query_one("#webhook-url-error").display
        await pilot.press("ctrl+s")
        await settle(pilot)
        [result] = app.results
        assert result.target.settings == {"webhook_url": "http://localhost:8080/wh"}


async def test_setup_production_refuses_a_plain_http_webhook(
    memory_keyring: MemoryKeyring,
) -> None:
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#env-production")
        screen.query_one("#token", Input).value = TOKEN
        screen.query_one("#webhook-url", Input).value = "http://127.0.0.1:8080/wh"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.results == []
        assert "production requires https" in text_of(screen, "#webhook-url-error")


async def test_setup_flexprice_event_names_are_parsed(memory_keyring: MemoryKeyring) -> None:
    screen = SetupScreen(checklist_spec="flexprice")
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        field = screen.query_one("#event-names", Input)
        assert field.display
        screen.query_one("#operator", Input).focus()
        await pilot.press("tab")
        assert app.focused is field  # keyboard reachable, right after the operator
        assert form_shows(screen, field)
        await type_text(pilot, " api_call ,Tokens_Used,, api_call , ")
        text = screen_text(app)
        assert "exact and case-sensitive; compared with your meters" in text
        screen.query_one("#token", Input).value = "sk_42"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [result] = app.results
        assert result.target.settings == {"event_names": ["api_call", "Tokens_Used"]}


async def test_setup_empty_probe_settings_are_not_set(memory_keyring: MemoryKeyring) -> None:
    screen = SetupScreen(checklist_spec="flexprice")
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen.query_one("#event-names", Input).value = " , ,"
        screen.query_one("#webhook-url", Input).value = "   "
        screen.query_one("#token", Input).value = "sk_42"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [result] = app.results
        assert result.target.settings == {}


async def test_setup_event_names_are_only_for_flexprice(memory_keyring: MemoryKeyring) -> None:
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen.query_one("#checklist", Select).value == "metronome"
        assert not screen.query_one("#event-names-row").display
        assert "Event names" not in screen_text(app)
        screen.query_one("#operator", Input).focus()
        await pilot.press("tab")
        assert app.focused is screen.query_one("#token")  # skipped while hidden
        # Flexprice shows it; back to Metronome hides it again.
        screen.query_one("#checklist", Select).value = "flexprice"
        await pilot.pause()
        assert screen.query_one("#event-names-row").display
        screen.query_one("#event-names", Input).value = "api_call"
        screen.query_one("#checklist", Select).value = "metronome"
        await pilot.pause()
        assert not screen.query_one("#event-names-row").display
        screen.query_one("#token", Input).value = TOKEN
        await pilot.press("ctrl+s")
        await settle(pilot)
        [result] = app.results
        assert result.target.provider == "metronome"
        assert "event_names" not in result.target.settings


def test_check_webhook_url_and_parse_event_names() -> None:
    assert check_webhook_url("", "production") == ""
    assert check_webhook_url(" https://a.io/wh ", "production") == "https://a.io/wh"
    assert check_webhook_url("http://[::1]:9/wh", "sandbox") == "http://[::1]:9/wh"
    for url, env, words in [
        ("ftp://a.io", "sandbox", "not an http(s) URL"),
        ("http://a.io/wh", "sandbox", "localhost sandbox"),
        ("http://localhost/wh", "production", "production requires https"),
        ("https://u:p@a.io/wh", "sandbox", "credentials"),
    ]:
        with pytest.raises(ValueError, match=re.escape(words)):
            check_webhook_url(url, env)
    assert parse_event_names("") == []
    assert parse_event_names(" API_Call , b,,b , ") == ["API_Call", "b"]


def test_check_base_url_rules() -> None:
    assert check_base_url(" HTTPS://API.Metronome.com/ ", "production") == METRONOME
    assert check_base_url("http://localhost:9000", "sandbox") == "http://localhost:9000"
    for url, env, provider, words in [
        ("", "sandbox", "", "give the API's base URL"),
        ("ftp://x.example", "sandbox", "", "not an http(s) URL"),
        ("http://127.0.0.1", "production", "", "production requires https"),
        ("http://api.example.com", "sandbox", "", "loopback"),
        ("https://us.api.flexprice.io/v1", "sandbox", "flexprice", "without /v1"),
        ("https://u:p@api.metronome.com", "production", "", "no user name or password"),
        ("http://u@localhost:9000", "sandbox", "", "no user name or password"),
    ]:
        with pytest.raises(ValueError, match=re.escape(words)):
            check_base_url(url, env, provider)


async def test_setup_defaults_prefill_the_form(memory_keyring: MemoryKeyring) -> None:
    from golive_tui.core.state import Target

    defaults = Target(
        provider="flexprice",
        environment="production",
        base_url="https://flex.internal.example",
        customer_id="c-1",
        operator="bob",
        settings={
            "webhook_url": "https://app.example/hooks",
            "event_names": ["api_call", "Tokens"],
            "plan_id": "plan-9",
        },
    )
    screen = SetupScreen(defaults, checklist_spec="flexprice")
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen.has_class("-production")
        assert screen.query_one("#base-url", Select).value == CUSTOM
        assert screen.query_one("#base-url-custom", Input).value == defaults.base_url
        assert screen.query_one("#customer", Input).value == "c-1"
        assert screen.query_one("#operator", Input).value == "bob"
        assert screen.query_one("#webhook-url", Input).value == "https://app.example/hooks"
        assert screen.query_one("#event-names", Input).value == "api_call, Tokens"
        screen.query_one("#token", Input).value = "sk_42"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [result] = app.results
        # Unchanged fields round-trip; settings the form does not show are kept.
        assert result.target.settings == defaults.settings


# --- setup: 80×24 -------------------------------------------------------------------------


async def test_setup_every_field_reachable_by_tab_and_fits_80_columns(
    memory_keyring: MemoryKeyring,
) -> None:
    screen = SetupScreen()
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Reveal the optional inputs too.
        screen.query_one("#checklist", Select).value = OWN_FILE
        screen.query_one("#base-url", Select).value = CUSTOM
        await pilot.pause()
        screen.query_one("#checklist", Select).focus()
        await pilot.pause()
        form = screen.query_one("#setup-form").region
        buttons = screen.query_one("#setup-buttons").region
        seen: list[str] = []
        for _ in range(20):
            focused = app.focused
            assert focused is not None
            if focused.id in seen:
                break
            seen.append(str(focused.id))
            # Focus scrolls the form: the field is wholly on screen, within 80 columns
            # (the buttons sit below the form, always in sight).
            shown_in = buttons if focused.id in ("start", "quit") else form
            assert shown_in.contains_region(focused.region), focused
            await pilot.press("tab")
        expected = [
            "checklist",
            "checklist-path",
            "environment",
            "base-url",
            "base-url-custom",
            "customer",
            "operator",
            "token",
            "run-only",
            "webhook-url",
            "webhook",
            "start",
            "quit",
        ]
        assert [i for i in seen if i in expected] == expected
        for widget in screen.query("*"):
            if widget.display and widget.region:
                assert widget.region.right <= SIZE[0], widget


# --- dialogs ------------------------------------------------------------------------------


def confirm() -> ConfirmWriteScreen:
    return ConfirmWriteScreen("Send a test usage event", "production", METRONOME)


async def test_confirm_write_needs_the_exact_environment_name() -> None:
    app = Host(confirm())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "PRODUCTION" in text and METRONOME in text and "Send a test usage event" in text
        ok = app.screen.query_one("#confirm-ok", Button)
        await type_text(pilot, "prod")
        assert ok.disabled
        await pilot.press("enter")
        assert app.results == []
        await type_text(pilot, "uction")
        assert not ok.disabled
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [True]


async def test_confirm_write_escape_and_cancel_are_false() -> None:
    app = Host(confirm())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.query_one("#confirm-input", Input).value = "production"
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [False]
    app = Host(confirm())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#confirm-cancel")
        await pilot.pause()
        assert app.results == [False]


async def test_note_round_trip() -> None:
    app = Host(NoteScreen("API token works", "checked with finance"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, TextArea)
        await type_text(pilot, " ok")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == ["checked with finance ok"]


async def test_note_cancel_and_clear() -> None:
    app = Host(NoteScreen("Item", "keep me"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_text(pilot, "xyz")
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
    app = Host(NoteScreen("Item", "drop me"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.query_one(TextArea).clear()
        await pilot.click("#note-save")
        await pilot.pause()
        assert app.results == [""]


async def test_token_screen_round_trip_with_remember() -> None:
    app = Host(TokenScreen("API token for metronome production", "MemoryKeyring", True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        field = app.screen.query_one("#token-input", Input)
        assert field.password
        await pilot.press("enter")  # empty: refused inline
        assert app.results == []
        assert "empty" in text_of(app.screen, "#token-error")
        await type_text(pilot, TOKEN)
        assert TOKEN not in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [TokenResult(Secret(TOKEN), True)]
        assert field.value == ""


async def test_token_screen_untick_remember_and_escape() -> None:
    app = Host(TokenScreen("API token", "MemoryKeyring", True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_text(pilot, TOKEN)
        await pilot.press("tab", "space", "shift+tab", "enter")
        await pilot.pause()
        assert app.results == [TokenResult(Secret(TOKEN), False)]
    app = Host(TokenScreen("API token", "MemoryKeyring", True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


async def test_token_screen_without_keyring() -> None:
    app = Host(TokenScreen("API token", "fail Keyring", False))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        remember = app.screen.query_one("#token-remember", Checkbox)
        assert remember.disabled and not remember.value
        assert "fail Keyring" in text_of(app.screen, "#token-keyring")
        assert "run only" in text_of(app.screen, "#token-keyring")
        await type_text(pilot, TOKEN)
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [TokenResult(Secret(TOKEN), False)]
