"""The main screen without probes: resume, stale marks, keymap config, help, palette,
NO_COLOR, 80×24, the token prompt, locks and broken files, and a light first paint."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from golive_tui.core import checklist as checklists
from golive_tui.core.errors import StateError, StateLockedError
from golive_tui.core.secrets import SERVICE, SecretKey
from golive_tui.core.state import ItemState, ItemStatus, StateFile, Target, read
from golive_tui.tui.app import make_app
from golive_tui.tui.screens.main import MainScreen

from .conftest import (
    Sandbox,
    fixed_clock,
    give_override_reason,
    make_state,
    screen_text,
    wait_for_screen,
    widget_text,
)

TARGET = Target(provider="metronome", environment="sandbox", base_url="http://127.0.0.1:9")


def _state(tmp_path: Path, target: Target = TARGET) -> Path:
    return make_state(tmp_path / "golive-state.toml", target)


async def click_text(pilot: Any, text: str) -> None:
    """Click `text` where the screen shows it, as a mouse user would."""
    for y, line in enumerate(screen_text(pilot.app).splitlines()):
        if (x := line.find(text)) >= 0:
            await pilot.click(offset=(x + len(text) // 2, y))
            return
    raise AssertionError(f"{text!r} is not on screen")


async def test_resume_notice_and_cursor(tmp_path: Path) -> None:
    path = _state(tmp_path)
    cl = checklists.load("metronome")
    with StateFile.open(path) as sf:
        sf.mark(cl.by_id["pricing.products"], ItemStatus.DONE)
        sf.mark(cl.by_id["pricing.rate-card"], ItemStatus.FAILED)
        sf.state.move_cursor("pricing", "pricing.rate-card")
        sf.save()
    app = make_app(path, clock=fixed_clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        assert (main.section_id, main.item_id) == ("pricing", "pricing.rate-card")
        assert app.notices[0].startswith(
            "resumed: 1/39 done (0 verified, 1 attested), 1 failing, last saved "
        )
        # The mouse works too: the detail pane's links mirror the keys.
        await click_text(pilot, "Skip s")
        await give_override_reason(pilot)  # a blocker set aside needs a reason
        await pilot.pause()
        assert read(path).item("pricing.rate-card").status is ItemStatus.SKIPPED
        assert app.focused is main.query_one("#items")
        # Moving saves the cursor after a short pause, without any other change.
        await pilot.press("down")
        await pilot.pause(0.7)
        assert read(path).cursor.item == "pricing.setup-order"
        await pilot.press("q")


async def test_stale_items_are_marked(tmp_path: Path) -> None:
    path = _state(tmp_path)
    with StateFile.open(path) as sf:
        sf.state.items["usage.idempotency"] = ItemState(
            status=ItemStatus.DONE, fingerprint="0000000000000000"
        )
        sf.save()
    app = make_app(path, clock=fixed_clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert any("1 changed since checked" in n for n in app.notices)
        assert "△" in screen_text(app)
        await pilot.press("down")
        await pilot.pause()
        head = widget_text(app, "#detail-head")
        assert "△ CHANGED" in head and "since checked" in head
        # Marking it again clears the mark.
        await pilot.press("space", "space")
        await pilot.pause()
        assert "△" not in screen_text(app)
        await pilot.press("q")
    assert read(path).stale_items(checklists.load("metronome")) == []


async def test_keymap_from_config_and_help_shows_it(tmp_path: Path) -> None:
    from golive_tui.tui.screens.help import HelpScreen

    path = _state(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text('theme = "textual-light"\n[keymap]\nskip = "z"\n', encoding="utf-8")
    app = make_app(path, config_path=config, clock=fixed_clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert app.theme == "textual-light"
        await pilot.press("s")  # no longer bound
        await pilot.pause()
        assert read(path).item("usage.required-fields").status is ItemStatus.TODO
        await pilot.press("z")
        await give_override_reason(pilot)  # a blocker set aside needs a reason
        await pilot.pause()
        assert read(path).item("usage.required-fields").status is ItemStatus.SKIPPED
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = widget_text(app, "#help-keys")
        for binding_id in ("toggle-done", "run-probe", "run-section", "export", "quit", "help"):
            assert f"[{binding_id}]" in keys
        skip_line = next(line for line in keys.splitlines() if "[skip]" in line)
        assert skip_line.strip().startswith("z")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("q")


@pytest.mark.parametrize(
    ("keymap", "both"),
    [
        ('skip = "x"', ("not-applicable", "skip")),  # onto another action's default key
        ('run-probe = "j"', ("run-probe", "cursor-down")),  # onto the focused list's j
        ('export = "w"\nnote = "w"', ("export", "note")),  # two remaps onto one key
        ('sign-off = "q"', ("quit", "sign-off")),  # on the overview, with the app's q
    ],
)
def test_keymap_conflict_is_a_one_line_error_naming_both(
    tmp_path: Path, keymap: str, both: tuple[str, str]
) -> None:
    from golive_tui.core.errors import GoliveError

    config = tmp_path / "config.toml"
    config.write_text(f"[keymap]\n{keymap}\n", encoding="utf-8")
    with pytest.raises(GoliveError) as caught:
        make_app(_state(tmp_path), config_path=config)
    message = caught.value.message
    assert "\n" not in message and str(config) in message
    assert all(f"'{binding_id}'" in message for binding_id in both), message


def test_keymap_without_conflicts_loads(tmp_path: Path) -> None:
    """A key free in one scope may be used in another: the detail's j and the list's j."""
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\ndetail-down = "J"\nskip = "z"\n', encoding="utf-8")
    app = make_app(_state(tmp_path), config_path=config)
    assert app.config.keymap == {"detail-down": "J", "skip": "z"}
    app.shutdown_state()


@pytest.mark.parametrize(("name", "theme"), [("light", "textual-light"), ("dark", "textual-dark")])
async def test_theme_light_and_dark_as_the_palette_names_them(
    tmp_path: Path, name: str, theme: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'theme = "{name}"\n', encoding="utf-8")
    app = make_app(_state(tmp_path), config_path=config, clock=fixed_clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert app.theme == theme
        assert not [n for n in app.notices if "theme" in n]  # no "unknown theme" warning
        await pilot.press("q")


async def test_palette_lists_each_theme_once(tmp_path: Path) -> None:
    from golive_tui.tui.palette import GoliveCommands

    app = make_app(_state(tmp_path), clock=fixed_clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        provider = GoliveCommands(app.screen)
        titles += [text for text, _callback, _help in provider._commands()]
        themed = [t for t in titles if "theme" in t.lower()]
        assert themed == ["Switch theme: dark", "Switch theme: light"], themed
        await pilot.press("q")


async def test_ctrl_c_says_how_to_quit_in_plain_words(tmp_path: Path) -> None:
    app = make_app(_state(tmp_path), clock=fixed_clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
        hint = app.notices[-1]
        assert hint == "press ^q or q to quit", hint  # not "Press [b]ctrl+q[/b] …"
        assert "[b]" not in screen_text(app)
        await pilot.press("q")


async def test_bad_config_warns_and_never_crashes(tmp_path: Path) -> None:
    path = _state(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text('theme = "no-such-theme"\n[keymap]\nfly = "z"\nskip = 3\n', encoding="utf-8")
    app = make_app(path, config_path=config, clock=fixed_clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        warnings = [n for n in app.notices if str(config) in n]
        assert any("'no-such-theme'" in n for n in warnings)
        assert any("'fly' is not a binding id" in n for n in warnings)
        assert any("'skip' must be a string" in n for n in warnings)
        await pilot.press("s")  # the default still works
        await give_override_reason(pilot)  # a blocker set aside needs a reason
        await pilot.pause()
        assert read(path).item("usage.required-fields").status is ItemStatus.SKIPPED
        await pilot.press("q")

    config.write_text("theme = [", encoding="utf-8")
    app = make_app(path, config_path=config)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert any("invalid TOML" in n for n in app.notices)
        await pilot.press("q")


async def test_no_color_and_80x24_keep_words(tmp_path: Path, monkeypatch: Any) -> None:
    path = _state(tmp_path, dataclasses.replace(TARGET, environment="production"))
    cl = checklists.load("metronome")
    with StateFile.open(path) as sf:
        sf.mark(cl.by_id["usage.required-fields"], ItemStatus.DONE)
        sf.mark(cl.by_id["usage.idempotency"], ItemStatus.NOT_APPLICABLE)
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(path, clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.no_color
        assert app.screen.has_class("-narrow")
        text = screen_text(app)
        assert "✓ ATTESTED" in text and "– N/A" in text and "○ OPEN" in text
        assert "⚠ PRODUCTION" in text
        assert "saved just now" in text
        assert "1/39 done" in text
        await pilot.press("q")


async def test_missing_token_is_asked_for_and_remembered(
    tmp_path: Path, sandbox: Sandbox, memory_keyring: Any
) -> None:
    from golive_tui.tui.dialogs.token import TokenScreen

    path = make_state(tmp_path / "s.toml", sandbox.target())
    app = make_app(path, clock=fixed_clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        app.screen.jump_to("pricing.products")
        await pilot.press("r")
        await wait_for_screen(pilot, TokenScreen)
        app.screen.query_one("#token-input", Input).value = sandbox.token.reveal()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "✓ PASS" in widget_text(app, "#detail-body")
        await pilot.press("q")
    key = SecretKey("metronome", "sandbox", sandbox.base_url)
    assert memory_keyring.entries[(SERVICE, key.username)] == sandbox.token.reveal()


async def test_main_screen_stays_a_handful_of_widgets(tmp_path: Path) -> None:
    # Start-up cost grows with every widget (mount, style, layout, render, and again on
    # each restyle): the header, the detail pane and the key bar are one text block
    # each, not a widget per field, button or key. 67 widgets took ~90 ms to a first
    # frame; 9 take ~30 ms. A new pane or bar is fine; a widget per row or key is not.
    path = _state(tmp_path)
    for size in ((80, 24), (120, 40)):
        app = make_app(path, clock=fixed_clock)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            widgets = list(app.screen.walk_children())
            assert len(widgets) <= 12, sorted(type(w).__name__ for w in widgets)
            await pilot.press("q")


async def test_detail_links_do_what_the_keys_do(tmp_path: Path) -> None:
    from golive_tui.tui.dialogs.note import NoteScreen
    from golive_tui.tui.dialogs.token import TokenScreen

    path = _state(tmp_path)
    app = make_app(path, clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        await click_text(pilot, "Done ␣")
        await pilot.pause()
        assert read(path).item("usage.required-fields").status is ItemStatus.DONE
        assert app.focused is main.query_one("#items")
        await click_text(pilot, "N/A x")
        await give_override_reason(pilot)  # a blocker set aside needs a reason
        await pilot.pause()
        assert read(path).item("usage.required-fields").status is ItemStatus.NOT_APPLICABLE
        await click_text(pilot, "Note n")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
        await pilot.press("escape")
        await pilot.pause()
        main.jump_to("usage.load-test")  # a manual item: no run links
        await pilot.pause()
        assert "Manual check" in screen_text(app) and "Run probe r" not in screen_text(app)
        main.jump_to("security.production-token")
        await pilot.pause()
        await click_text(pilot, "Run probe r")  # no token yet: it is asked for
        await wait_for_screen(pilot, TokenScreen)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "nothing was run" in widget_text(app, "#probe-status")
        await pilot.press("q")


async def test_key_bar_shows_the_keymap_and_clicks_press_keys(tmp_path: Path) -> None:
    from golive_tui.tui.widgets.keybar import KeyBar

    path = _state(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\nskip = "z"\n', encoding="utf-8")
    app = make_app(path, config_path=config, clock=fixed_clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        bar = screen_text(app).splitlines()[-1]
        assert bar.startswith(" space Done  r Run  R Run all  v Filter ") and "  z Skip  " in bar
        assert "q Quit  ? Help" in bar and bar.rstrip().endswith("^p Palette")
        # Hovering a key highlights it and shows its tooltip; a click presses it.
        keys = app.screen.query_one(KeyBar)
        x = bar.index("e Export")
        await pilot.hover(offset=(x + 1, 31))
        await pilot.pause()
        assert keys.tooltip == "Write the Markdown review"
        await pilot.click(offset=(x + 1, 31))
        await pilot.pause()
        assert (tmp_path / "golive-state-review.md").exists()
        # Below 100 columns: compact, and no ^p (the help screen lists it).
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        bar = screen_text(app).splitlines()[-1]
        assert bar.startswith("space Done r Run ") and bar.endswith("z Skip q Quit ? Help")
        await pilot.press("q")


async def test_palette_jumps_and_exports(tmp_path: Path) -> None:
    path = _state(tmp_path)
    app = make_app(path, clock=fixed_clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"webhook sig")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        assert main.section_id != "usage"
        await pilot.press("ctrl+p")
        await pilot.press(*"export")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert (tmp_path / "golive-state-review.md").exists()
        await pilot.press("q")


def test_state_held_by_another_golive_is_one_line(tmp_path: Path) -> None:
    path = _state(tmp_path)
    with StateFile.open(path), pytest.raises(StateLockedError, match="in use by PID"):
        make_app(path)


def test_broken_state_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "golive-state.toml"
    path.write_bytes(b"schema_version = 1\nchecklist_id = [\n")
    with pytest.raises(StateError, match="not a valid golive state file"):
        make_app(path)
    assert path.read_bytes() == b"schema_version = 1\nchecklist_id = [\n"


def test_first_paint_imports_neither_keyring_nor_httpx_nor_pydantic(tmp_path: Path) -> None:
    # pydantic validates a checklist the first time golive sees its bytes; after that
    # the validated-checklist cache serves it (_state loaded it once, in this process).
    path = _state(tmp_path)
    code = textwrap.dedent(
        f"""
        import asyncio, json, sys
        from golive_tui.tui.app import make_app

        async def main():
            app = make_app({str(path)!r})
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                shown = type(app.screen).__name__
                heavy = sorted(m for m in ("keyring", "httpx", "pydantic") if m in sys.modules)
                await pilot.press("q")
            print(json.dumps([shown, heavy]))

        asyncio.run(main())
        """
    )
    env = {
        "GOLIVE_CONFIG": str(tmp_path / "none.toml"),
        "GOLIVE_CACHE_DIR": os.environ["GOLIVE_CACHE_DIR"],
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["MainScreen", []]


def test_demo_opens_the_app_on_the_sandbox(monkeypatch: Any) -> None:
    import argparse

    from golive_tui.commands import demo, tui

    seen: dict[str, Any] = {}

    def fake_run_app(app: Any) -> int:
        seen["token"] = app.token
        seen["webhook"] = app.webhook_secret
        seen["target"] = app.state_file.state.target
        app.shutdown_state()
        return 0

    monkeypatch.setattr(tui, "run_app", fake_run_app)
    args = argparse.Namespace(fault=[], headless=False, format="text", provider="metronome")
    assert demo.run(args) == 0
    assert seen["token"] is not None and seen["webhook"] is not None
    assert seen["target"].base_url.startswith("http://127.0.0.1:")
    assert seen["target"].environment == "sandbox"


def test_cli_on_a_locked_state_prints_one_line(tmp_path: Path, capsys: Any) -> None:
    from golive_tui.cli import main

    path = _state(tmp_path)
    with StateFile.open(path):
        assert main(["--state", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("golive: error: ") and "in use by PID" in err
    assert "\n" not in err


async def test_detail_history_is_redacted_and_readable_like_the_latest_run(
    tmp_path: Path,
) -> None:
    """Earlier runs' summaries went on screen raw: a token a probe echoed, and reprs or
    cents from an older golive, must read as the latest run does."""
    from datetime import UTC, datetime

    from golive_tui.core.redact import Secret
    from golive_tui.core.state import ProbeRecord, ProbeStatus

    token = "mt_sandbox_" + "7" * 24
    path = _state(tmp_path)
    with StateFile.open(path) as sf:
        for minute, summary in enumerate(
            [f"token {token} refused; event types ['llm.completion'] 1990 USD (cents)", "ok"]
        ):
            sf.add_probe_result(
                "usage.metrics-match",
                ProbeRecord(
                    probe="metrics-active",
                    status=ProbeStatus.FAIL if minute == 0 else ProbeStatus.PASS,
                    summary=summary,
                    details=[],
                    at=datetime(2026, 12, 1, 10, minute, tzinfo=UTC),
                    duration_ms=5,
                    run_id="r" * 12,
                    evidence=[],
                ),
            )
    app = make_app(path, token=Secret(token), clock=fixed_clock, use_keyring=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.screen.jump_to("usage.metrics-match")
        await pilot.pause()
        body = widget_text(app, "#detail-body")
        assert "History (1 earlier)" in body
        assert token not in body and "['" not in body and "(cents)" not in body, body
        assert "llm.completion" in body and "$19.90" in body
        await pilot.press("q")
