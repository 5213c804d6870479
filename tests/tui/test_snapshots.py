"""Snapshot tests: SVG renders of the app's screens, compared with `tests/tui/__snapshots__/`.

Deterministic on purpose: the state file is written here with fixed timestamps and
probe records (no live probes: their run ids and timings vary), the base URL is a
fixed `https://api.metronome.com` (never a sandbox's random port), the clock is fixed
("saved 3 min ago"), times are shown in UTC, cursors do not blink, workers have
finished and notifications are cleared before capture. The state path never appears
on screen. Update the baselines with `--snapshot-update` only after reading the
failing run's `snapshot_report.html`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from golive_tui.tui.app import GoliveApp, make_app

from .conftest import MemoryKeyring, fixed_clock
from .fixed_state import URL, write_state

WIDE = (100, 32)
SMALL = (80, 24)
BIG = (120, 36)

SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times on screen are local times: make local time UTC for the snapshots."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def fixed_names(monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring) -> None:
    """The setup form shows the login name and the keyring backend's (module) name."""
    monkeypatch.setattr("golive_tui.tui.screens.setup._default_operator", lambda: "dana")
    monkeypatch.setattr(type(memory_keyring), "name", "in-memory test keyring", raising=False)


# --- capture helpers ---------------------------------------------------------------------


async def settle(pilot: Pilot[Any]) -> None:
    """Workers done, no blinking cursors, no toasts (their timeouts race the capture)."""
    app = pilot.app
    for _ in range(2):  # a finished worker's message may start another (keyring → stored)
        await app.workers.wait_for_complete()
        await pilot.pause()
    for screen in app.screen_stack:
        for widget in screen.query(Input):
            widget.cursor_blink = False
        for area in screen.query(TextArea):
            area.cursor_blink = False
    app.clear_notifications()
    await pilot.pause()


def steps(*actions: Callable[[Pilot[Any]], Awaitable[None]]) -> RunBefore:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for action in actions:
            await action(pilot)
            await settle(pilot)

    return run_before


def press(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def action(pilot: Pilot[Any]) -> None:
        await pilot.press(*keys)
        await pilot.pause()

    return action


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., GoliveApp]]:
    """Build an app on a fixed state in tmp_path (chdir'd: paths stay relative)."""
    monkeypatch.chdir(tmp_path)
    apps: list[GoliveApp] = []

    def build(**state_args: Any) -> GoliveApp:
        write_state(Path("."), **state_args)
        app = make_app(Path("golive-state.toml"), clock=fixed_clock)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.shutdown_state()


def snap(snap_compare: SnapCompare, app: GoliveApp, size: tuple[int, int], *actions: Any) -> None:
    assert snap_compare(app, terminal_size=size, run_before=steps(*actions))


# --- the snapshots -----------------------------------------------------------------------


def test_main_100x32(snap_compare: SnapCompare, session: Callable[..., GoliveApp]) -> None:
    """Resumed at a done item with a note: lists stacked left, detail right."""
    snap(snap_compare, session(cursor="usage.idempotency"), WIDE)


def test_main_80x24(snap_compare: SnapCompare, session: Callable[..., GoliveApp]) -> None:
    """The smallest supported terminal: header and footer must still fit on one line."""
    snap(snap_compare, session(cursor="usage.idempotency"), SMALL)


def test_main_probe_fail(snap_compare: SnapCompare, session: Callable[..., GoliveApp]) -> None:
    """A section with PASS and FAIL rows; the detail shows the FAIL with its evidence."""
    snap(snap_compare, session(cursor="pricing.tier-boundaries"), WIDE)


def test_main_probe_pass(snap_compare: SnapCompare, session: Callable[..., GoliveApp]) -> None:
    """The same section at 120 columns (three panes); the detail shows a PASS."""
    snap(snap_compare, session(cursor="pricing.rate-card"), (120, 36))


def test_main_stale(snap_compare: SnapCompare, session: Callable[..., GoliveApp]) -> None:
    """An 8-day-old pass: △ STALE rows, and the detail says why and how to re-run it."""
    snap(snap_compare, session(cursor="customers.contracts"), WIDE)


def test_main_not_here(snap_compare: SnapCompare, session: Callable[..., GoliveApp]) -> None:
    """A production item against a sandbox target: ⊘ N/A HERE, its pass not counted."""
    snap(snap_compare, session(cursor="security.production-token"), WIDE)


def test_production_header(snap_compare: SnapCompare, session: Callable[..., GoliveApp]) -> None:
    """A production target: the reverse-video ⚠ PRODUCTION badge in the header."""
    snap(snap_compare, session(environment="production", cursor="security.production-token"), WIDE)


def test_production_write_confirmation(
    snap_compare: SnapCompare, session: Callable[..., GoliveApp]
) -> None:
    """The typed confirmation before a probe writes to production (Confirm disabled)."""
    from golive_tui.tui.dialogs.confirm_write import ConfirmWriteScreen

    async def confirm(pilot: Pilot[Any]) -> None:
        pilot.app.push_screen(
            ConfirmWriteScreen("Test events are deduplicated and matched", "production", URL)
        )
        await pilot.pause()

    app = session(environment="production", cursor="usage.required-fields")
    snap(snap_compare, app, WIDE, confirm)


def test_note_editor(snap_compare: SnapCompare, session: Callable[..., GoliveApp]) -> None:
    """n on an item with a note: the editor opens with the note, cursor at its end."""
    snap(snap_compare, session(cursor="usage.idempotency"), WIDE, press("n"))


def test_help_screen(snap_compare: SnapCompare, session: Callable[..., GoliveApp]) -> None:
    """? lists every binding from the live keymap with its id, and the how-to."""
    snap(snap_compare, session(), WIDE, press("question_mark"))


def test_light_theme(snap_compare: SnapCompare, session: Callable[..., GoliveApp]) -> None:
    """textual-light: statuses and the FAIL stay readable on a light background."""

    async def light(pilot: Pilot[Any]) -> None:
        pilot.app.theme = "textual-light"
        await pilot.pause()

    snap(snap_compare, session(cursor="pricing.tier-boundaries"), WIDE, light)


@pytest.mark.parametrize("size", [SMALL, BIG], ids=["80x24", "120x36"])
def test_setup_screen(
    snap_compare: SnapCompare,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
) -> None:
    """No state yet: the setup form, pre-filled, the keyring check finished; the
    buttons in sight at both sizes."""
    monkeypatch.chdir(tmp_path)
    app = make_app(Path("golive-state.toml"), clock=fixed_clock)

    async def fill(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        screen.query_one("#customer", Input).value = "nimbus-test"
        screen.query_one("#token", Input).value = "not-a-real-token"
        await pilot.pause()

    try:
        snap(snap_compare, app, size, fill)
    finally:
        app.shutdown_state()
    assert not (tmp_path / "golive-state.toml").exists()


BOTH = pytest.mark.parametrize("size", [SMALL, BIG], ids=["80x24", "120x36"])


@BOTH
def test_overview(
    snap_compare: SnapCompare, session: Callable[..., GoliveApp], size: tuple[int, int]
) -> None:
    """o: NO-GO, the per-section counts, the failing items first, sign-offs missing."""
    snap(snap_compare, session(), size, press("o"))


@BOTH
def test_override_dialog(
    snap_compare: SnapCompare, session: Callable[..., GoliveApp], size: tuple[int, int]
) -> None:
    """space on an item whose probe failed: the failing result, and a reason asked for."""
    snap(snap_compare, session(cursor="pricing.tier-boundaries"), size, press("space"))


@BOTH
def test_signoff_dialog(
    snap_compare: SnapCompare, session: Callable[..., GoliveApp], size: tuple[int, int]
) -> None:
    """g on the overview: name and the first missing role filled in, buttons in sight."""
    snap(snap_compare, session(), size, press("o"), press("g"))


@BOTH
def test_items_filter_failing(
    snap_compare: SnapCompare, session: Callable[..., GoliveApp], size: tuple[int, int]
) -> None:
    """v: the failing items of every section, the filter named in the pane title."""
    snap(snap_compare, session(), size, press("v"))
