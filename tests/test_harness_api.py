"""The harness sink speaks each platform's ingest API: its validation answers as the
project's sandboxes do (same status, same body) over real loopback HTTP, plus auth,
routing, keep-alive, the report's schema, the ledger's size and the CLI's errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from tests.harness_kit import PRODUCER, Running, producer, write_records

from golive_tui.cli import main
from golive_tui.core import providers
from golive_tui.core.harness import report as R
from golive_tui.core.harness.faults import FaultPlan
from golive_tui.core.harness.ledger import Ledger
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.providers.flexprice.sandbox.app import FlexpriceSandbox
from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox

TOKEN = "tok_test"


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _metronome_bad(recs: list[dict[str, Any]]) -> dict[str, Any]:
    r = recs[0]
    return {
        "101 events": recs[:101],
        "empty array": [],
        "an object": {"events": recs[:1]},
        "no transaction_id": [{k: v for k, v in r.items() if k != "transaction_id"}],
        "id over 128": [{**r, "transaction_id": "x" * 129}],
        "epoch timestamp": [{**r, "timestamp": "1733230000"}],
        "35 days back": [{**r, "timestamp": "2020-01-01T00:00:00Z"}],
        "properties a list": [{**r, "properties": ["a"]}],
    }


def _flexprice_bad(recs: list[dict[str, Any]]) -> dict[str, tuple[str, Any]]:
    r = recs[0]
    return {
        "bulk of 0": ("/v1/events/bulk", {"events": []}),
        "bulk of 1001": ("/v1/events/bulk", {"events": [r] * 1001}),
        "bulk, no event_name": ("/v1/events/bulk", {"events": [{**r, "event_name": ""}]}),
        "bulk, array body": ("/v1/events/bulk", [r]),
        "single, bad timestamp": ("/v1/events", {**r, "timestamp": "yesterday"}),
        "single, no customer": ("/v1/events", {**r, "external_customer_id": None}),
        "single, properties a string": ("/v1/events", {**r, "properties": "x"}),
    }


def test_metronome_validation_matches_the_sandbox(tmp_path: Path) -> None:
    expect = write_records(tmp_path, "metronome", 120)
    cases = _metronome_bad(_records(expect))
    app = MetronomeSandbox(TOKEN, rate_limit=float("inf"))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with SandboxServer(app) as sandbox, Running("metronome", expect, idle_exit=0.3) as run:
        for name, body in cases.items():
            want = httpx.post(sandbox.base_url + "/v1/ingest", json=body, headers=auth)
            got = httpx.post(run.url + "/v1/ingest", json=body, headers=auth)
            assert (got.status_code, got.json()) == (want.status_code, want.json()), name
    assert run.report["rejected"] == len(cases) and run.report["unique"] == 0


def test_metronome_batch_of_101_is_its_400() -> None:
    d = providers.get("metronome").harness()
    reply = d.parse("ingest", json.dumps([{}] * 101).encode(), 0.0)
    assert reply.status == 400
    assert json.loads(reply.body) == {"message": "a batch must hold 1 to 100 events, got 101"}


def test_flexprice_validation_matches_the_sandbox(tmp_path: Path) -> None:
    expect = write_records(tmp_path, "flexprice", 10)
    cases = _flexprice_bad(_records(expect))
    app = FlexpriceSandbox(TOKEN)
    auth = {"x-api-key": TOKEN}
    with SandboxServer(app) as sandbox, Running("flexprice", expect, idle_exit=0.3) as run:
        for name, (path, body) in cases.items():
            want = httpx.post(sandbox.base_url + path, json=body, headers=auth)
            got = httpx.post(run.url + path, json=body, headers=auth)
            want_body = {k: v for k, v in want.json().items()}
            assert (got.status_code, got.json()) == (want.status_code, want_body), name


def test_flexprice_bulk_keeps_the_events_before_a_bad_one(tmp_path: Path) -> None:
    # ingest_bulk publishes one by one: a missing event_name at k leaves 0…k-1 taken.
    expect = write_records(tmp_path, "flexprice", 5)
    recs = _records(expect)
    body = {"events": [*recs[:3], {**recs[3], "event_name": ""}, recs[4]]}
    with Running("flexprice", expect, idle_exit=0.3) as run:
        r = httpx.post(run.url + "/v1/events/bulk", json=body, headers={"x-api-key": "k"})
        one = httpx.post(run.url + "/v1/events", json=recs[4], headers={"x-api-key": "k"})
    assert r.status_code == 400 and r.json()["details"]["EventName"].endswith("'required' tag")
    assert one.status_code == 202 and one.json()["event_id"] == recs[4]["event_id"]
    assert (run.report["unique"], run.report["lost"]) == (4, 1)


def test_auth_routes_and_keep_alive(tmp_path: Path) -> None:
    expect = write_records(tmp_path, "metronome", 4)
    recs = _records(expect)
    with Running("metronome", expect, token=TOKEN, idle_exit=0.3) as run:
        none = httpx.post(run.url + "/v1/ingest", json=recs[:1])
        wrong = httpx.post(
            run.url + "/v1/ingest", json=recs[:1], headers={"Authorization": "Bearer x"}
        )
        missing = httpx.get(run.url + "/v1/customers", headers={"Authorization": "Bearer x"})
        # Two requests in one write on one connection: two answers, in order.
        host, port = run.url.removeprefix("http://").split(":")
        payloads = [json.dumps(recs[i : i + 1]).encode() for i in (0, 1)]
        raw = b"".join(
            b"POST /v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
            + b"\r\nContent-Length: " + str(len(p)).encode() + b"\r\n\r\n" + p
            for p in payloads
        )  # fmt: skip
        with socket.create_connection((host, int(port))) as s:
            s.sendall(raw)
            got = b""
            while got.count(b"HTTP/1.1 200") < 2:
                got += s.recv(4096)
    assert (none.status_code, none.json()) == (401, {"message": "Unauthorized"})
    assert wrong.status_code == 401 and missing.status_code == 404
    assert run.report["unique"] == 2


def test_expect_100_continue_is_answered(tmp_path: Path) -> None:
    # curl sends `Expect: 100-continue` before a body over 1 KB and waits for the 100.
    expect = write_records(tmp_path, "metronome", 20)
    body = json.dumps(_records(expect)).encode()
    assert len(body) > 1024
    with Running("metronome", expect, idle_exit=0.3) as run:
        host, port = run.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(
                b"POST /v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n"
                b"Expect: 100-continue\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
            )
            first = s.recv(4096)
            s.sendall(body)
            second = s.recv(4096)
    assert first.startswith(b"HTTP/1.1 100 Continue") and second.startswith(b"HTTP/1.1 200")
    assert run.report["unique"] == 20


def test_the_parser_does_not_load_the_harness() -> None:
    code = (
        "import sys\nfrom golive_tui.cli import build_parser\nbuild_parser()\n"
        "print(sorted(m for m in sys.modules if '.harness' in m))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_report_follows_its_schema(tmp_path: Path) -> None:
    expect = write_records(tmp_path, "flexprice", 60)
    with Running("flexprice", expect, faults={"5xx": 0.3, "timeout": 0.2}, hold=0.3) as run:
        producer().main(
            ["--provider", "flexprice", "--url", run.url, "--input", str(expect),
             "--batch", "10", "--timeout", "0.15", "--bug", "new-id-on-retry",
             "--dead-letter", str(tmp_path / "dead.jsonl")]
        )  # fmt: skip
    schema = R.load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(run.report)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate({**run.report, "lost": -1})


def test_faults_are_chosen_the_same_way_for_the_same_seed() -> None:
    plans = [FaultPlan({"5xx": 0.2, "reset": 0.1}, seed) for seed in (7, 7, 8)]
    picks = [[plan.pick() for _ in range(50)] for plan in plans]
    assert picks[0] == picks[1] != picks[2] and any(picks[0])


def test_the_ledger_is_under_200_bytes_per_expected_record() -> None:
    d = providers.get("metronome").harness()
    n = 200_000
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    ledger = Ledger.of_size(d, n)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert ledger.n == n and used / n <= 200, used / n


# --- the command line ---------------------------------------------------------------


def test_generate_writes_unique_ids_and_sequence_numbers(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "e.jsonl"
    code = main(["harness", "generate", "--provider", "flexprice", "--count", "30",
                 "--customer-id", "cust-9", "-o", str(out)])  # fmt: skip
    recs = _records(out)
    assert code == 0 and len(recs) == 30 and "wrote 30" in capsys.readouterr().out
    assert len({r["event_id"] for r in recs}) == 30
    assert [r["properties"]["golive_seq"] for r in recs] == list(range(30))
    assert {r["external_customer_id"] for r in recs} == {"cust-9"}


_GEN = ["generate", "--provider", "metronome", "--count"]
_SERVE = ["serve", "--provider", "metronome", "--expect"]


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        ([*_GEN, "0", "-o", "x"], "--count 0"),
        ([*_GEN, "9000000", "--rate", "1", "-o", "x"], "--rate 1"),
        ([*_GEN, "3", "--sample", "[1]", "-o", "x"], "--sample"),
        ([*_GEN, "3", "-o", "/nonexistent/x"], "-o /nonexistent/x"),
        ([*_SERVE, "E", "--fault", "5xx=2"], "--fault 5xx=2"),
        ([*_SERVE, "E", "--fault", "boom=0.1"], "--fault boom=0.1"),
        ([*_SERVE, "missing.jsonl"], "--expect missing.jsonl"),
        ([*_SERVE, "BAD"], "line 2 is not JSON"),
        ([*_SERVE, "NOSEQ"], "line 1 has no properties.golive_seq"),
        ([*_SERVE, "E", "--token-env", "GOLIVE_UNSET_X"], "--token-env GOLIVE_UNSET_X"),
        ([*_SERVE, "E", "--port", "70000"], "--port 70000"),
    ],
)  # fmt: skip
def test_bad_flags_and_files_are_one_line_errors(
    tmp_path: Path, monkeypatch: Any, capsys: Any, argv: list[str], names: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write_records(tmp_path, "metronome", 3).rename("E")
    Path("BAD").write_text(Path("E").read_text().splitlines()[0] + "\n{oops\n")
    Path("NOSEQ").write_text('{"a": 1}\n')
    assert main(["harness", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and names in err and "Traceback" not in err, err


def test_serve_end_to_end_from_the_command_line(tmp_path: Path) -> None:
    expect = write_records(tmp_path, "metronome", 50)
    report = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "golive_tui", "harness", "serve", "--provider", "metronome",
           "--expect", str(expect), "--fault", "5xx=0.3", "--idle-exit", "0.5",
           "--report", str(report)]  # fmt: skip
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = first.split(" at ")[1].split(" ")[0]
        sent = subprocess.run(
            [sys.executable, str(PRODUCER), "--provider", "metronome", "--url", url,
             "--input", str(expect), "--batch", "10"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        out = proc.stdout.read()
        assert proc.wait(30) == 0, out
    assert sent.returncode == 0 and "PASS" in out
    data = json.loads(report.read_text())
    jsonschema.Draft202012Validator(R.load_schema()).validate(data)
    assert data["unique"] == 50 and data["faults"]["5xx"]["injected"] > 0


def test_altered_means_a_changed_value_not_a_respelled_one(tmp_path: Path) -> None:
    expect = write_records(tmp_path, "metronome", 4)
    recs = _records(expect)
    reordered = {**recs[0], "properties": dict(reversed(list(recs[0]["properties"].items())))}
    respelled = {**recs[1], "timestamp": recs[1]["timestamp"].replace("Z", "+00:00")}
    changed = {**recs[2], "properties": {**recs[2]["properties"], "model": "other"}}
    moved = {**recs[3], "customer_id": "someone-else"}
    with Running("metronome", expect, idle_exit=0.3) as run:
        r = httpx.post(
            run.url + "/v1/ingest",
            json=[reordered, respelled, changed, moved],
            headers={"Authorization": "Bearer t"},
        )
    assert r.status_code == 200
    assert (run.report["altered"], run.report["examples"]["altered"]) == (2, [2, 3])
