"""`golive harness serve --forward` over real loopback HTTP: the sink in front of the
project's Metronome and Flexprice sandboxes. The sandbox sees exactly the records the
sink took (once each, counting its dedupe), the platform's answers reach the producer,
production needs --allow-writes and a typed confirmation, and the token never shows."""

from __future__ import annotations

import http.server
import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import jsonschema
import pytest
from tests.harness_kit import ROOT, Running, producer, write_records

from golive_tui.cli import main
from golive_tui.commands import harness_forward
from golive_tui.core import providers
from golive_tui.core.errors import GoliveError
from golive_tui.core.harness import report as R
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.providers.flexprice.sandbox.app import FlexpriceSandbox
from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox

TOKEN = "tok_fwd_secret_9f3a"
COUNT = 60


def _send(url: str, provider: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_TOKEN", TOKEN)
    producer().main(
        ["--provider", provider, "--url", url, "--input", str(path), "--batch", "10",
         "--timeout", "0.2", "--max-tries", "8", "--dead-letter", str(path.with_suffix(".dead"))]
    )  # fmt: skip


def _expected_ids(path: Path, field: str) -> set[str]:
    return {json.loads(line)[field] for line in path.read_text().splitlines()}


def test_metronome_sees_each_taken_record_once_after_timeout_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expect = write_records(tmp_path, "metronome", COUNT)
    app = MetronomeSandbox(TOKEN, rate_limit=float("inf"))
    with (
        SandboxServer(app) as sandbox,
        Running(
            "metronome", expect, faults={"timeout": 0.3}, hold=0.4, token=TOKEN,
            forward_to=(sandbox.base_url, TOKEN),
        ) as run,
    ):  # fmt: skip
        _send(run.url, "metronome", expect, monkeypatch)
    r = run.report
    ours = [e for e in app.account.events if "golive_seq" in e.properties]
    billed = [e.transaction_id for e in ours if not e.is_duplicate]
    # Every record reached Metronome, billed once; the timeout retries came again
    # under the same id and the sandbox's 34-day dedupe marked them duplicates.
    assert sorted(billed) == sorted(_expected_ids(expect, "transaction_id"))
    assert r["faults"]["timeout"]["retries"] > 0 and r["duplicates"] > 0
    assert sum(e.is_duplicate for e in ours) == r["forward"]["duplicates_forwarded"]
    assert r["forward"]["not_delivered"] == 0 and r["forward"]["status"] == {
        "200": r["forward"]["requests"]
    }
    assert run.exit_code == 0 and "dedupe on the id is what keeps them" in run.table
    jsonschema.validate(r, R.load_schema())


def test_flexprice_reset_is_forwarded_then_the_connection_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expect = write_records(tmp_path, "flexprice", COUNT)
    app = FlexpriceSandbox(TOKEN)
    with (
        SandboxServer(app) as sandbox,
        Running(
            "flexprice", expect, faults={"reset": 0.3, "5xx": 0.2}, token=TOKEN, seed=1,
            forward_to=(sandbox.base_url, TOKEN), idle_exit=3.0,  # 3 resets: back-off > 1 s
        ) as run,
    ):  # fmt: skip
        _send(run.url, "flexprice", expect, monkeypatch)
    r = run.report
    ids = [e.id for e in app.account.events if "golive_seq" in e.properties]
    # A reset request reached Flexprice: the retry repeats its event_ids (ClickHouse
    # collapses rows with the same id and timestamp); a 5xx one never left the sink.
    assert set(ids) == _expected_ids(expect, "event_id")
    assert len(ids) - COUNT == r["forward"]["duplicates_forwarded"] > 0
    assert r["forward"]["records"] == len(ids)
    assert r["faults"]["5xx"]["injected"] > 0 and r["faults"]["reset"]["retries"] > 0
    assert (r["unique"], r["lost"], run.exit_code) == (COUNT, 0, 0), run.table


def test_the_platforms_4xx_and_429_reach_the_producer(tmp_path: Path) -> None:
    expect = write_records(tmp_path, "metronome", 5)
    recs = [json.loads(line) for line in expect.read_text().splitlines()]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    app = MetronomeSandbox(TOKEN, rate_limit=1.0)
    with SandboxServer(app) as sandbox:
        # The sink forwards with a token the platform refuses: its 401 comes back.
        with Running(
            "metronome", expect, token=TOKEN, forward_to=(sandbox.base_url, "wrong")
        ) as run:
            got = httpx.post(run.url + "/v1/ingest", json=recs[:2], headers=auth)
        want = httpx.post(sandbox.base_url + "/v1/ingest", json=recs[:2])
        assert (got.status_code, got.json()) == (want.status_code, want.json()) == (
            401, want.json(),
        )  # fmt: skip
        assert run.report["forward"]["not_delivered"] == 2 and run.exit_code == 3
        assert any(p.startswith("not_delivered 2:") for p in run.report["problems"])
        # Above the sandbox's rate limit: its 429 and Retry-After reach the producer.
        with Running("metronome", expect, token=TOKEN, forward_to=(sandbox.base_url, TOKEN)) as run:
            answers = [httpx.post(run.url + "/v1/ingest", json=[rec], headers=auth) for rec in recs]
    limited = [a for a in answers if a.status_code == 429]
    assert limited and limited[0].headers["retry-after"], [a.status_code for a in answers]
    assert run.report["forward"]["status"]["429"] == len(limited)


def _serve_cli(tmp_path: Path, expect: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "GOLIVE_FWD_TOKEN": TOKEN, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "golive_tui.cli", "harness", "serve", "--provider",
         "metronome", "--expect", str(expect), "--forward", "--token-env", "GOLIVE_FWD_TOKEN",
         "--idle-exit", "0.5", "--report", str(tmp_path / "r.json"), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip


def test_cli_forward_never_shows_the_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expect = write_records(tmp_path, "metronome", 20)
    app = MetronomeSandbox(TOKEN, rate_limit=float("inf"))
    with SandboxServer(app) as sandbox:
        proc = _serve_cli(tmp_path, expect, "--base-url", sandbox.base_url, "--fault", "5xx=0.3")
        assert proc.stdout is not None
        first = "".join(proc.stdout.readline() for _ in range(3))  # the ready lines
        url = first.split(" at ")[1].split(" ")[0]
        _send(url, "metronome", expect, monkeypatch)
        out, err = proc.communicate(timeout=30)
    report = (tmp_path / "r.json").read_text()
    assert proc.returncode == 0, out + err
    assert "forwarding what it takes to " + sandbox.base_url in first
    assert TOKEN not in first + out + err + report
    assert json.loads(report)["forward"]["host"] == sandbox.base_url.removeprefix("http://")


def _production_state(tmp_path: Path, base_url: str) -> Path:
    path = tmp_path / "prod.toml"
    for argv in (
        ["status", "--checklist", "metronome"],
        ["set", "base_url", base_url],
        ["set", "environment", "production"],
        ["set", "customer_id", "acme-prod"],
    ):
        assert main(["--state", str(path), *argv]) == 0
    return path


def test_production_without_allow_writes_or_a_terminal_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expect = write_records(tmp_path, "metronome", 20)
    app = MetronomeSandbox(TOKEN, rate_limit=float("inf"))
    with SandboxServer(app) as sandbox:
        state = _production_state(tmp_path, sandbox.base_url)
        capsys.readouterr()
        for extra in ((), ("--allow-writes",)):  # pytest's stdin is no terminal
            proc = _serve_cli(tmp_path, expect, "--state", str(state), *extra)
            out, err = proc.communicate(timeout=30)
            assert proc.returncode == 2 and err.count("\n") == 1 and not out, err
            assert "PRODUCTION" in err and "about 20 from the expect file" in err
            assert "for customer acme-prod" in err and TOKEN not in err
    assert not [e for e in app.account.events if "golive_seq" in e.properties]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("typed", "ok"), [("acme-prod", True), ("production", True),
                                           ("yes", False), ("", False)])  # fmt: skip
def test_production_asks_for_the_customer_id_on_a_terminal(
    typed: str, ok: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    up = harness_forward.Upstream("https://api.metronome.com", "production", "acme-prod", "t")
    args = argparse.Namespace(allow_writes=True)
    if ok:
        harness_forward.gate(args, up, 1000, _Terminal(typed + "\n"))
    else:
        with pytest.raises(GoliveError, match="not confirmed; nothing was written"):
            harness_forward.gate(args, up, 1000, _Terminal(typed + "\n"))
    asked = capsys.readouterr().err
    assert "every record your pipeline sends, about 1,000 from the expect file," in asked
    assert "to api.metronome.com for customer acme-prod" in asked and "acme-prod)" in asked


def test_a_production_host_is_production_whatever_it_is_called(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    expect = write_records(tmp_path, "metronome", 3)
    monkeypatch.setenv("GOLIVE_FWD_TOKEN", TOKEN)
    args = argparse.Namespace(
        base_url="https://api.metronome.com", forward_state=None,
        token_env="GOLIVE_FWD_TOKEN", allow_writes=False,
    )  # fmt: skip
    up = harness_forward.resolve(args, providers.get("metronome").harness(), expect)
    assert (up.environment, up.customer) == ("production", "nimbus-test")
    with pytest.raises(GoliveError, match="pass --allow-writes"):
        harness_forward.gate(args, up, 3)


class _SlowPlatform(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(1.0)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_slow_platform_does_not_hold_up_other_connections(tmp_path: Path) -> None:
    expect = write_records(tmp_path, "metronome", 4)
    recs = [json.loads(line) for line in expect.read_text().splitlines()]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    slow = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowPlatform)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{slow.server_address[1]}"
    try:
        with (
            Running("metronome", expect, token=TOKEN, forward_to=(base, TOKEN)) as run,
            httpx.Client(timeout=5) as a,
            httpx.Client(timeout=5) as b,
        ):
            held = threading.Thread(
                target=a.post, args=(run.url + "/v1/ingest",),
                kwargs={"json": recs[:2], "headers": auth},
            )  # fmt: skip
            held.start()
            time.sleep(0.2)  # the first request is now waiting on the platform
            t = time.monotonic()
            wrong = b.post(run.url + "/v1/ingest", json=recs[2:], headers={
                "Authorization": "Bearer not-the-platforms"})  # fmt: skip
            answered_in = time.monotonic() - t
            held.join(5)
    finally:
        slow.shutdown()
    # The sink answered the second connection while the first waited a second upstream;
    # and a producer without the platform's token is refused there, never forwarded.
    assert wrong.status_code == 401 and answered_in < 0.5, answered_in
    assert run.report["forward"]["requests"] == 1 and run.report["forward"]["status"] == {"200": 1}


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--base-url", "http://127.0.0.1:9"], "--base-url: only with --forward"),
        (["--allow-writes"], "--allow-writes: only with --forward"),
        (["--forward"], "--forward: give --base-url URL"),
        (["--forward", "--base-url", "http://billing.example.com"], "plain http"),
        (["--forward", "--state", "nope.toml"], "--state nope.toml: no such file"),
    ],
)
def test_forward_flag_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    expect = write_records(tmp_path, "metronome", 3)
    base = ["harness", "serve", "--provider", "metronome", "--expect", str(expect)]
    assert main([*base, *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err, err


def test_the_sink_without_forward_never_imports_httpx() -> None:
    code = (
        "import sys; import golive_tui.core.harness.server, golive_tui.core.harness.report;"
        " import golive_tui.commands.harness; print('httpx' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
