"""The transport policy, seen from the wire: every request every command sends goes
through a recording proxy (engine.DEFAULT_TRANSPORT) and the token must never be on a
plain-http request to a host that is not loopback.

The proxy forwards the vendors' production hosts to the local sandboxes (no real
network), so a run "against https://api.metronome.com" is a real run whose traffic
we can read: which environment it took, and whether any probe wrote.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive_tui.cli import main
from golive_tui.core.net import is_loopback
from golive_tui.core.probes import engine
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.providers.flexprice.sandbox.app import FlexpriceSandbox
from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox
from recording_proxy import RecordingProxy

TOKEN_ENV = "GOLIVE_TEST_TOKEN"


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> RecordingProxy:
    rec = RecordingProxy()
    monkeypatch.setattr(engine, "DEFAULT_TRANSPORT", rec)
    return rec


@pytest.fixture
def metronome(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[MetronomeSandbox, str]]:
    token = "mt_proxy_" + secrets.token_hex(12)
    sb = MetronomeSandbox(token, webhook_secret=secrets.token_urlsafe(24))
    monkeypatch.setenv(TOKEN_ENV, token)
    with SandboxServer(sb) as server:
        yield sb, server.base_url


def _assert_policy(proxy: RecordingProxy, token: str) -> None:
    for s in proxy.carrying(token):
        assert s.url.scheme == "https" or is_loopback(s.url.host), f"{s.method} {s.url}"


def _writing(data: dict) -> list[dict]:
    """The results of probes that write test data."""
    provider = "flexprice" if data["checklist"] == "flexprice" else "metronome"
    writers = {s.id for s in engine.specs_for(provider).values() if s.writes}
    return [r for r in data["results"] if r["probe"] in writers]


def _wrote_nothing(result: dict) -> bool:
    """A writer on production was refused, ended on a read before the usage batch asked
    (core/probes/batch.py), or priced its usage with Metronome's previewEvents dry run
    (providers/metronome/probes/preview.py), which writes nothing."""
    batch = {s.id for s in engine.specs_for("metronome").values() if s.batch}
    batch |= {s.id for s in engine.specs_for("flexprice").values() if s.batch}
    if result["status"] == "skipped":
        return True
    if result["summary"].startswith("dry run on production (previewEvents, nothing written)"):
        return True
    return result["probe"] in batch and result["status"] != "pass"


def _json_out(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "url", ["http://example.com", "http://10.0.0.7:8080", "https://user:pw@api.metronome.com"]
)
def test_check_refuses_before_sending_anything(
    proxy: RecordingProxy, url: str, monkeypatch, capsys, tmp_path: Path
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "tok_" + secrets.token_hex(8))
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--checklist", "metronome", "--base-url", url, "--token-env", TOKEN_ENV])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("golive: error: --base-url")
    assert "pw" not in err
    assert proxy.seen == []


def test_production_host_without_environment_is_production_and_writes_nothing(
    proxy: RecordingProxy, metronome, capsys, tmp_path: Path, monkeypatch
) -> None:
    sb, base = metronome
    proxy.routes["https://api.metronome.com"] = base
    monkeypatch.chdir(tmp_path)
    assert sb.demo is not None
    code = main([
        "check", "--checklist", "metronome", "--base-url", "https://api.metronome.com",
        "--customer-id", sb.demo.customer_alias, "--token-env", TOKEN_ENV, "--format", "json",
    ])  # fmt: skip
    data = _json_out(capsys)
    assert code in (3, 4)
    assert data["target"]["environment"] == "production"
    writes = _writing(data)
    assert writes and all(_wrote_nothing(r) for r in writes), [
        (r["probe"], r["status"], r["summary"]) for r in writes
    ]
    assert all(
        "PRODUCTION" in r["summary"] or "dry run on production" in r["summary"] for r in writes
    )
    assert not [s for s in proxy.seen if s.url.path == "/v1/ingest"]
    assert proxy.seen, "the read-only probes ran through the proxy"
    _assert_policy(proxy, sb.token)


def test_metronome_sandbox_flag_on_the_production_host_still_gates_writes(
    proxy: RecordingProxy, metronome, capsys, tmp_path: Path, monkeypatch
) -> None:
    sb, base = metronome
    proxy.routes["https://api.metronome.com"] = base
    monkeypatch.chdir(tmp_path)
    assert sb.demo is not None
    main([
        "check", "--checklist", "metronome", "--base-url", "https://api.metronome.com",
        "--environment", "sandbox", "--customer-id", sb.demo.customer_alias,
        "--token-env", TOKEN_ENV, "--format", "json",
    ])  # fmt: skip
    data = _json_out(capsys)
    writes = _writing(data)
    assert writes and all(_wrote_nothing(r) for r in writes), [
        (r["probe"], r["status"], r["summary"]) for r in writes
    ]
    assert any("cannot confirm" in r["summary"] for r in writes)
    assert not [s for s in proxy.seen if s.url.path == "/v1/ingest"]


@pytest.fixture
def flexprice(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FlexpriceSandbox, str]]:
    token = "sk_proxy_" + secrets.token_hex(12)
    sb = FlexpriceSandbox(token, webhook_secret="whsec_" + "A" * 32)
    monkeypatch.setenv(TOKEN_ENV, token)
    with SandboxServer(sb) as server:
        yield sb, server.base_url


def _flexprice_check(*extra: str) -> list[str]:
    return [
        "check", "--checklist", "flexprice", "--base-url", "https://us.api.flexprice.io",
        "--token-env", TOKEN_ENV, "--format", "json", *extra,
    ]  # fmt: skip


def test_flexprice_sandbox_confirmed_by_the_api_may_write(
    proxy: RecordingProxy, flexprice, capsys, tmp_path: Path, monkeypatch
) -> None:
    sb, base = flexprice
    proxy.routes["https://us.api.flexprice.io"] = base
    monkeypatch.chdir(tmp_path)
    main(_flexprice_check("--environment", "sandbox", "--only", "auth", "ingest-lookup"))
    data = _json_out(capsys)
    by_probe = {r["probe"]: r for r in data["results"]}
    assert by_probe["auth"]["status"] == "pass", by_probe["auth"]["summary"]
    assert by_probe["ingest-lookup"]["status"] != "skipped", by_probe["ingest-lookup"]["summary"]
    assert [s for s in proxy.seen if s.url.path.startswith("/v1/environments/")]
    _assert_policy(proxy, sb.token)


def test_flexprice_production_key_on_sandbox_target_warns_and_gates_writes(
    proxy: RecordingProxy, flexprice, capsys, tmp_path: Path, monkeypatch
) -> None:
    _, base = flexprice
    proxy.routes["https://us.api.flexprice.io"] = base
    proxy.answer["/v1/environments/"] = b'{"id": "env_x", "type": "production"}'
    monkeypatch.chdir(tmp_path)
    main(_flexprice_check("--environment", "sandbox"))
    data = _json_out(capsys)
    by_probe = {r["probe"]: r for r in data["results"]}
    # a production key on a sandbox target is a warning; the writes stay gated
    assert by_probe["auth"]["status"] == "warn", by_probe["auth"]
    assert "belongs to a production environment" in by_probe["auth"]["summary"]
    writes = _writing(data)
    assert writes and all(_wrote_nothing(r) for r in writes), [
        (r["probe"], r["status"], r["summary"]) for r in writes
    ]
    ingest = ("/v1/events", "/v1/events/bulk")
    assert not [s for s in proxy.seen if s.method == "POST" and s.url.path in ingest]


def test_demo_and_doctor_send_the_token_only_to_loopback(
    proxy: RecordingProxy, capsys, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--headless", "--format", "json"]) == 0
    capsys.readouterr()
    main(["doctor"])
    capsys.readouterr()
    with_token = [s for s in proxy.seen if "authorization" in s.headers]
    assert with_token, "the demo's probes went through the proxy"
    for s in with_token:
        assert is_loopback(s.url.host), f"{s.method} {s.url}"


# --- input: golive set, and values stored before the policy ---------------------------


def _session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["status", "--checklist", "metronome", "--state", str(tmp_path / "s.toml")]) == 0
    capsys.readouterr()
    return tmp_path / "s.toml"


@pytest.mark.parametrize(
    ("key", "value"),
    [("base_url", "http://billing.example.com"), ("base_url", "https://ann:hunter2@api.x.io"),
     ("webhook_url", "https://ann:hunter2@hooks.example.com/wh"),
     ("webhook_url", "http://hooks.example.com/wh")],
)  # fmt: skip
def test_set_refuses_what_the_transport_policy_refuses(
    tmp_path: Path, capsys, key: str, value: str
) -> None:
    state = _session(tmp_path, capsys)
    before = state.read_bytes()
    assert main(["set", key, value, "--state", str(state)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"VALUE for {key}" in err
    assert "hunter2" not in err
    assert state.read_bytes() == before


def test_user_info_stored_earlier_is_scrubbed_when_loaded(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    from golive_tui.core import checklist as checklists
    from golive_tui.core.state import StateFile, Target

    path = tmp_path / "s.toml"
    target = Target(
        provider="metronome",
        environment="sandbox",
        base_url="https://ann:hunter2@api.metronome.com",
        settings={"webhook_url": "https://bob:s3cret@hooks.example.com/wh"},
    )
    with StateFile.open(
        path, checklist=checklists.load("metronome"), source="metronome", target=target,
        create=True,
    ):  # fmt: skip
        pass
    assert "hunter2" in path.read_text()  # as an older golive left it
    for args in (["set", "--list"], ["export"], ["export", "--format", "json"]):
        assert main([*args, "--state", str(path)]) == 0
        out = capsys.readouterr().out
        assert "hunter2" not in out and "s3cret" not in out
        assert "api.metronome.com" in out


def test_token_set_refuses_user_info_in_the_base_url(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("tok-from-stdin\n"))
    code = main([
        "token", "set", "--provider", "metronome", "--environment", "sandbox",
        "--base-url", "https://ann:hunter2@api.metronome.com",
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "user name or password" in err and "hunter2" not in err


def test_a_stored_plain_http_base_url_is_refused_before_any_request(
    proxy: RecordingProxy, tmp_path: Path, capsys, monkeypatch
) -> None:
    from golive_tui.core import checklist as checklists
    from golive_tui.core.state import StateFile, Target

    path = tmp_path / "s.toml"
    target = Target(provider="metronome", base_url="http://billing.example.com")
    with StateFile.open(
        path, checklist=checklists.load("metronome"), source="metronome", target=target,
        create=True,
    ):  # fmt: skip
        pass
    monkeypatch.setenv(TOKEN_ENV, "tok-" + secrets.token_hex(6))
    assert main(["check", "--state", str(path), "--token-env", TOKEN_ENV]) == 2
    err = capsys.readouterr().err
    assert "base_url (state file; golive set base_url)" in err and "plain http" in err
    assert proxy.seen == []
