"""The app on a machine without a keyring: `golive [tui] --token-env VAR
[--webhook-secret-env VAR]`, and a resumed session that asks for both secrets (run-only).
Real CLI parsing (`cli.main`), real HTTP on loopback against the Metronome sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail
from textual.widgets import Input

from golive_tui import cli
from golive_tui.commands import tui as tui_command
from golive_tui.tui.app import GoliveApp
from golive_tui.tui.dialogs.token import TokenScreen
from golive_tui.tui.screens.main import MainScreen

from .conftest import Sandbox, make_state, wait_for_screen, widget_text

SIZE = (100, 32)
ITEM = "webhooks.signature"  # the probe that signs with the webhook secret


def _opened_app(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> GoliveApp:
    """The app `golive …argv` would run (captured instead of taking over the terminal)."""
    captured: list[GoliveApp] = []

    def capture(app: Any) -> int:
        captured.append(app)
        return 0

    monkeypatch.setattr(tui_command, "run_app", capture)
    assert cli.main(argv) == 0
    return captured[0]


async def _run_webhook_probe(app: GoliveApp, pilot: Any) -> str:
    main = app.screen
    assert isinstance(main, MainScreen)
    main.jump_to(ITEM)
    await pilot.pause()
    await pilot.press("r")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return widget_text(app, "#detail-body")


@pytest.mark.parametrize("command", [[], ["tui"]])
async def test_env_secrets_open_the_app_and_are_never_saved(
    tmp_path: Path,
    sandbox: Sandbox,
    memory_keyring: Any,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    state = make_state(tmp_path / "s.toml", sandbox.target())
    monkeypatch.setenv("CI_TOKEN", sandbox.token.reveal())
    monkeypatch.setenv("CI_HOOK", sandbox.webhook_secret.reveal())
    argv = [*command, "--state", str(state), "--token-env", "CI_TOKEN"]
    app = _opened_app(monkeypatch, [*argv, "--webhook-secret-env", "CI_HOOK"])
    assert app.token == sandbox.token and not app.use_keyring
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "✓ PASS" in await _run_webhook_probe(app, pilot)
        await pilot.press("q")
    assert memory_keyring.entries == {}
    text = state.read_text(encoding="utf-8")
    assert sandbox.token.reveal() not in text and sandbox.webhook_secret.reveal() not in text


async def test_token_env_alone_asks_for_the_webhook_secret_and_keeps_off_the_keyring(
    tmp_path: Path, sandbox: Sandbox, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = make_state(tmp_path / "s.toml", sandbox.target())
    # Stored in the keyring, but --token-env means: do not touch it.
    from golive_tui.core import secrets

    t = sandbox.target()
    hook_key = secrets.SecretKey(t.provider, t.environment, t.base_url, "webhook-secret")
    secrets.store(hook_key, "not-this-one")
    monkeypatch.setenv("CI_TOKEN", sandbox.token.reveal())
    app = _opened_app(monkeypatch, ["--state", str(state), "--token-env", "CI_TOKEN"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        main.jump_to(ITEM)
        await pilot.pause()
        await pilot.press("r")
        dialog = await wait_for_screen(pilot, TokenScreen)
        assert "webhook secret" in dialog.label
        assert dialog.query_one("#token-remember").disabled  # run-only
        dialog.query_one("#token-input", Input).value = sandbox.webhook_secret.reveal()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "✓ PASS" in widget_text(app, "#detail-body")
        await pilot.press("q")
    assert list(memory_keyring.entries.values()) == ["not-this-one"]  # nothing added


async def test_resume_without_a_keyring_asks_for_both_secrets(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(fail.Keyring())  # no Secret Service (restored by the fixture)
    state = make_state(tmp_path / "s.toml", sandbox.target())
    app = _opened_app(monkeypatch, ["--state", str(state)])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        main.jump_to(ITEM)
        await pilot.pause()
        await pilot.press("r")
        asked = []
        for secret in (sandbox.token, sandbox.webhook_secret):
            dialog = await wait_for_screen(pilot, TokenScreen)
            asked.append(dialog.label.split(" for ")[0])
            assert dialog.query_one("#token-remember").disabled
            dialog.query_one("#token-input", Input).value = secret.reveal()
            await pilot.press("enter")
            await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert asked == ["API token", "webhook secret"]
        body = widget_text(app, "#detail-body")
        assert "✓ PASS" in body and "token set" not in body
        await pilot.press("q")
    text = state.read_text(encoding="utf-8")
    assert sandbox.token.reveal() not in text and sandbox.webhook_secret.reveal() not in text


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--token-env", "sk_live_PASTED123456"], "--token-env: takes the NAME"),
        (["tui", "--token-env", "sk_live_PASTED123456"], "--token-env: takes the NAME"),
        (["--webhook-secret-env", "whsec_PASTED123456"], "--webhook-secret-env: takes the NAME"),
        (["--token-env", "GOLIVE_TEST_UNSET_VAR"], "GOLIVE_TEST_UNSET_VAR is not set"),
        (["tui", "--webhook-secret-env", "GOLIVE_TEST_EMPTY"], "GOLIVE_TEST_EMPTY is empty"),
        (["--token", "sk_live_PASTED123456"], "tokens are never taken as arguments"),
        (["tui", "--token=sk_live_PASTED123456"], "tokens are never taken as arguments"),
    ],
)
def test_bad_env_flags_are_one_line_and_never_echo_a_value(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    expected: str,
) -> None:
    monkeypatch.delenv("GOLIVE_TEST_UNSET_VAR", raising=False)
    monkeypatch.setenv("GOLIVE_TEST_EMPTY", "  ")
    state = tmp_path / "s.toml"
    try:
        code = cli.main([*argv, "--state", str(state)])
    except SystemExit as exc:  # argparse's own exit
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2, err
    assert expected in err and err.count("\n") == 1, err
    assert "PASTED" not in err
    assert not state.exists()
