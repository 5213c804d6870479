"""Issue #13, redaction half: secrets that leaked in smaller ways, and raw control text.

Each test failed on the code before the fix: the export scrubbed nothing (an empty
`Redactor()` is falsy, so the identity was used), evidence was cut before it was
redacted, env-var flags echoed a pasted token, and `status --items` sent a
checklist title's escape sequences straight to the terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive_tui import cli
from golive_tui.core import export, secrets
from golive_tui.core.checklist import Checklist
from golive_tui.core.probes.engine import ProbeContext, passed
from golive_tui.core.redact import REDACTED, Redactor
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.textsafe import terminal, valid
from memory_keyring import MemoryKeyring
from test_export import GENERATED, build_state
from test_probe_engine import Scripted, _get, _runner, _spec

BEARER = "abc123def456ghi789jkl"
STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
FLEXPRICE = "sk_01HZX3V9Q8K2M4N6P8R0S2T4V6"
WEBHOOK = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
STORED = "stored-token-without-any-shape-4711"
STORED_HOOK = "stored-hook-secret-no-shape-0815"
BASE_URL = "https://api.example.test"


def _main(capsysbinary: pytest.CaptureFixture[bytes], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsysbinary.readouterr()
    return code, out.decode("utf-8"), err.decode("utf-8")


# --- the export ------------------------------------------------------------------------


def test_cli_export_scrubs_pasted_tokens_and_the_stored_secrets(
    tmp_path: Path,
    mini_path: Path,
    memory_keyring: MemoryKeyring,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    state = str(tmp_path / "s.toml")
    common = ("--state", state, "--checklist", str(mini_path))
    assert _main(capsysbinary, "status", *common)[0] == 0
    assert _main(capsysbinary, "set", "--state", state, "base_url", BASE_URL)[0] == 0
    notes = {
        "usage.token": f"curl -H 'Authorization: Bearer {BEARER}' said ok; key {STRIPE}",
        "usage.metrics": f"flexprice key {FLEXPRICE}, webhook {WEBHOOK}",
        "launch.rollback": f"the token is {STORED} and the hook secret {STORED_HOOK}",
    }
    for item, note in notes.items():
        code, _, err = _main(
            capsysbinary, "mark", item, "--status", "done", "--note", note, *common
        )
        assert code == 0, err
    key = secrets.SecretKey("metronome", "sandbox", BASE_URL)
    secrets.store(key, STORED)
    secrets.store(
        secrets.SecretKey("metronome", "sandbox", BASE_URL, "webhook-secret"), STORED_HOOK
    )

    for fmt in ("md", "json"):
        code, out, err = _main(capsysbinary, "export", "--format", fmt, *common)
        assert code == 0, err
        for secret in (BEARER, STRIPE, FLEXPRICE, WEBHOOK, STORED, STORED_HOOK):
            assert secret not in out, (fmt, secret)
        assert "REDACTED" in out
        # What is not secret survives.
        assert "said ok" in out and "hook secret" in out
    data = json.loads(out)
    notes_out = {i["id"]: i["note"] for s in data["sections"] for i in s["items"]}
    assert notes_out["usage.token"] == (
        f"curl -H 'Authorization: Bearer {REDACTED}' said ok; key {REDACTED}"
    )
    assert notes_out["launch.rollback"] == (
        f"the token is {REDACTED} and the hook secret {REDACTED}"
    )


def test_cli_export_without_a_keyring_still_scrubs_shapes(
    tmp_path: Path, mini_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    # The session's real keyring is the `fail` backend (no Secret Service here).
    state = str(tmp_path / "s.toml")
    common = ("--state", state, "--checklist", str(mini_path))
    note = f"Bearer {BEARER} / {STRIPE} / {WEBHOOK}"
    assert (
        _main(capsysbinary, "mark", "usage.token", "--status", "done", "--note", note, *common)[0]
        == 0
    )
    code, out, err = _main(capsysbinary, "export", *common)
    assert code == 0 and err == ""
    assert BEARER not in out and STRIPE not in out and WEBHOOK not in out


@pytest.mark.parametrize("redactor", [None, Redactor()], ids=["none", "empty"])
def test_export_functions_scrub_shapes_with_no_known_secret(
    mini: Checklist, redactor: Redactor | None
) -> None:
    state = build_state(mini, note=f"Bearer {BEARER} {STRIPE}", text=f"echo ?token={BEARER}x")
    md = export.to_markdown(mini, state, generated_at=GENERATED, redactor=redactor)
    js = export.to_json(mini, state, generated_at=GENERATED, redactor=redactor)
    for out in (md, js):
        assert BEARER not in out and STRIPE not in out


def test_export_replaces_lone_surrogates_instead_of_failing(mini: Checklist) -> None:
    state = build_state(mini, note="bad byte \udcff here", text="server said \ud800")
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    js = export.to_json(mini, state, generated_at=GENERATED)
    for out in (md, js):
        out.encode("utf-8")  # raised UnicodeEncodeError before
        assert "\ufffd" in out


# --- redaction before truncation ------------------------------------------------------


@pytest.fixture
def scripted() -> Iterator[tuple[Scripted, str]]:
    app = Scripted()
    with SandboxServer(app) as server:
        yield app, server.base_url


async def test_a_token_echoed_on_the_excerpt_cut_does_not_leak(scripted: Any) -> None:
    from test_probe_engine import TOKEN

    app, url = scripted
    # Compact JSON: `{"pad":"` (8) + pad + `","t":"` (7), so the token starts 9
    # characters before the 1200-character excerpt cut.
    app.on("/v1/thing", 200, {"pad": "x" * 1176, "t": TOKEN})

    async def fn(ctx: ProbeContext):
        await _get(ctx)
        return passed("ok")

    [result] = await _runner(url).run([_spec(fn)])
    text = "\n".join(e.text for e in result.evidence)
    assert "(1" in text and "chars)" in text  # it was cut
    assert TOKEN[:9] not in text
    assert REDACTED[:5] in text


async def test_server_text_with_a_lone_surrogate_is_kept_valid(scripted: Any) -> None:
    app, url = scripted
    app.on("/v1/thing", 200, {"message": "\ud800 broken"})  # sent as the "\ud800" escape

    async def fn(ctx: ProbeContext):
        body = await _get(ctx)
        return passed(f"server said {body['message']}")

    [result] = await _runner(url).run([_spec(fn)])
    blob = result.summary + "".join(e.text for e in result.evidence)
    blob.encode("utf-8")
    assert "\ufffd broken" in result.summary


def test_shapes_known_and_unknown() -> None:
    r = Redactor()
    assert r(f"GET /v1/x?api_key={BEARER}&limit=5") == f"GET /v1/x?api_key={REDACTED}&limit=5"
    assert r(f"client_secret={BEARER}") == f"client_secret={REDACTED}"
    assert r(f"Bearer\t{BEARER}") == f"Bearer\t{REDACTED}"
    assert r(f"x-api-key: {FLEXPRICE}") == f"x-api-key: {REDACTED}"
    assert r(f"{STRIPE} {FLEXPRICE} pk_test_TYooMQauvdEDq54NiTphI7jx {WEBHOOK}") == " ".join(
        [REDACTED] * 4
    )
    assert r("snake_case_key and Bearer") == "snake_case_key and Bearer"
    assert bool(r)  # `redactor or identity` can no longer skip it


# --- env-var flags ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--token-env", STRIPE],
        ["check", f"--token-env={BEARER}"],
        ["check", "--token-env", "GOOD_NAME", "--webhook-secret-env", WEBHOOK],
        ["sandbox", "--provider", "metronome", "--token-env", "lower-case value"],
    ],
)
def test_env_flags_never_echo_a_pasted_value(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    flag = "--webhook-secret-env" if "--webhook-secret-env" in argv else "--token-env"
    assert f"argument {flag}: pass the variable's name, not its value" in err
    for secret in (STRIPE, BEARER, WEBHOOK, "lower-case value"):
        assert secret not in err


def test_missing_webhook_secret_variable_names_its_own_flag(
    tmp_path: Path,
    mini_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GOLIVE_TEST_TOKEN", "a-token-value-1234")
    monkeypatch.delenv("GOLIVE_TEST_HOOK", raising=False)
    code = cli.main(
        [
            "check",
            "--checklist",
            str(mini_path),
            "--base-url",
            "http://127.0.0.1:9",
            "--token-env",
            "GOLIVE_TEST_TOKEN",
            "--webhook-secret-env",
            "GOLIVE_TEST_HOOK",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("golive: error: --webhook-secret-env GOLIVE_TEST_HOOK: ")
    assert "drop --webhook-secret-env" in err and "--token-env" not in err


# --- terminal output --------------------------------------------------------------------

HOSTILE = "API token \x1b[2J\x1b[31mworks\r\x07\u202e"


def test_status_items_escapes_control_characters_in_titles(
    tmp_path: Path, mini_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    text = mini_path.read_text(encoding="utf-8")
    hostile = text.replace(
        'title = "API token works"',
        'title = "API token \\u001b[2J\\u001b[31mworks\\r\\u0007\\u202e"',
    ).replace('title = "Usage"', 'title = "Usage\\u001b]0;pwned\\u0007"')
    assert hostile != text
    path = tmp_path / "hostile.toml"
    path.write_text(hostile, encoding="utf-8")
    code, out, err = _main(
        capsysbinary,
        "status",
        "--items",
        "--checklist",
        str(path),
        "--state",
        str(tmp_path / "s.toml"),
    )
    assert code == 0, err
    for raw in ("\x1b", "\r", "\x07", "\u202e"):
        assert raw not in out
    assert r"API token \x1b[2J\x1b[31mworks\x0d\x07\u202e" in out
    assert r"Usage\x1b]0;pwned\x07" in out


def test_set_list_and_mark_escape_control_characters(
    tmp_path: Path, mini_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    state = str(tmp_path / "s.toml")
    assert _main(capsysbinary, "status", "--state", state, "--checklist", str(mini_path))[0] == 0
    code, out, err = _main(capsysbinary, "set", "--state", state, "operator", "bob\x1b[31m")
    assert code == 0, err
    code, out, _ = _main(capsysbinary, "set", "--state", state, "--list")
    assert code == 0
    assert "\x1b" not in out and r"operator           bob\x1b[31m" in out
    code, out, err = _main(capsysbinary, "set", "--state", state, "\x1b[2Jnote_x", "1")
    assert code == 0, err
    assert out == "\\x1b[2Jnote_x = 1\n"
    code, out, err = _main(
        capsysbinary, "mark", "usage.token", "--status", "done", "--state", state
    )
    assert (code, out) == (0, "usage.token: done\n")


def test_textsafe_helpers() -> None:
    assert terminal("a\x1b[0m\nb\x9b\ud800\u2066") == r"a\x1b[0m\x0ab\x9b\ud800\u2066"
    assert terminal("ok → ✓ ünïcode") == "ok → ✓ ünïcode"
    assert valid("x\udcffy") == "x\ufffdy"
