"""`golive check` and `golive demo` as a user runs them: real subprocesses, real HTTP on
loopback against the Metronome sandbox (no mocks), exit codes, formats, the state file,
and a canary token that must never show up anywhere golive writes."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from golive_tui.core import checklist as checklists
from golive_tui.core import report as reports
from golive_tui.core import state as S
from golive_tui.core.probes.engine import specs_for
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox

TOKEN_ENV = "SANDBOX_TOKEN"
HOOK_ENV = "SANDBOX_WEBHOOK_SECRET"


@dataclass
class Sandbox:
    sb: MetronomeSandbox
    server: SandboxServer
    token: str
    webhook_secret: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def alias(self) -> str:
        assert self.sb.demo is not None
        return self.sb.demo.customer_alias

    def flags(self) -> list[str]:
        """Point check at this sandbox without a state file."""
        return [
            "--checklist", "metronome", "--base-url", self.base_url, "--customer-id", self.alias,
            "--token-env", TOKEN_ENV, "--webhook-secret-env", HOOK_ENV,
        ]  # fmt: skip

    def write_state(self, path: Path) -> Path:
        """A session whose target has the probe settings (what the app's setup saves)."""
        settings = self.sb.target_settings(self.base_url)
        settings.pop("customer_id", None)
        target = S.Target(
            provider="metronome",
            environment="sandbox",
            base_url=self.base_url,
            customer_id=self.alias,
            operator="ci",
            settings=settings,
        )
        checklist = checklists.load("metronome")
        with S.StateFile.open(
            path, checklist=checklist, source="metronome", target=target, create=True
        ):
            pass
        return path

    def golive(
        self, *args: str, cwd: Path, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return golive(*args, cwd=cwd, timeout=timeout, env={
            TOKEN_ENV: self.token, HOOK_ENV: self.webhook_secret,
        })  # fmt: skip


def golive(
    *args: str, cwd: Path, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    full["GOLIVE_CACHE_DIR"] = os.environ["GOLIVE_CACHE_DIR"]  # the session's, not ~/.cache
    full["PYTHONIOENCODING"] = "utf-8"
    # A keyring that always fails: nothing here may reach (or wait on) a real one.
    full["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    full.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,  # not a TTY: nothing may prompt
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        env=full,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    yield from _sandbox()


def _sandbox(*faults: str, token: str | None = None) -> Iterator[Sandbox]:
    token = token or "mt_test_" + secrets.token_hex(16)
    hook = secrets.token_urlsafe(24)
    sb = MetronomeSandbox(token, faults=faults, webhook_secret=hook)
    with SandboxServer(sb) as server:
        yield Sandbox(sb, server, token, hook)


def _writers() -> set[str]:
    return {pid for pid, spec in specs_for("metronome").items() if spec.writes}


# Items that speak of production (checklists/metronome.toml `production = true`).
PRODUCTION_ITEMS = {i.id for i in checklists.load("metronome").items() if i.production}


def _automatable() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in checklists.load("metronome").items():
        if item.probe:
            out.setdefault(item.probe, []).append(item.id)
    return out


def _validate(data: object) -> None:
    jsonschema.Draft202012Validator(reports.load_schema()).validate(data)


# --- a healthy sandbox ------------------------------------------------------------------


def test_healthy_sandbox_every_probe_passes_and_is_saved(sandbox: Sandbox, tmp_path: Path) -> None:
    state = sandbox.write_state(tmp_path / "s.toml")
    proc = sandbox.golive(
        "check", "--state", str(state), "--token-env", TOKEN_ENV,
        "--webhook-secret-env", HOOK_ENV, "--format", "json", cwd=tmp_path,
    )  # fmt: skip
    data = json.loads(proc.stdout)
    _validate(data)
    ran = [r for r in data["results"] if not r.get("not_applicable")]
    not_passed = {r["probe"]: r["summary"] for r in ran if r["status"] != "pass"}
    assert not_passed == {}, not_passed
    assert proc.returncode == 0, proc.stderr
    # The production items are skipped against a sandbox, with the reason, and not saved.
    skipped = {r["item"]: r for r in data["results"] if r.get("not_applicable")}
    assert set(skipped) == PRODUCTION_ITEMS
    assert all(r["status"] == "skipped" for r in skipped.values())
    assert all("not applicable to a sandbox target" in r["summary"] for r in skipped.values())
    expected = _automatable()
    assert {r["probe"] for r in data["results"]} == set(expected)
    assert len(data["results"]) == sum(len(v) for v in expected.values())
    assert data["target"]["base_url"] == sandbox.base_url
    assert data["summary"]["pass"] == len(ran)

    saved = S.read(state)
    run_id = data["run_id"]
    for probe, items in expected.items():
        for item in items:
            latest = saved.item(item).latest
            if item in PRODUCTION_ITEMS:
                assert latest is None, item
                continue
            assert latest is not None, item
            assert (latest.probe, latest.run_id, latest.status) == (probe, run_id, "pass")
    events = [o for o in saved.created_objects if o.kind == "usage-event"]
    assert events and all(o.run_id == run_id for o in saved.created_objects)
    assert {o.probe for o in events} >= {"ingest-dedup", "backdated", "invoice-draft"}
    # The sandbox really received those events.
    assert sandbox.sb.log, "the sandbox recorded no requests"
    # They went to the user's own test customer: golive says how to give probes one.
    assert f"test events went to {sandbox.alias}, a customer golive did not create" in (
        " ".join(proc.stderr.split())
    )
    assert "golive test-customer create" in proc.stderr


def test_without_a_state_file_nothing_is_saved_and_missing_settings_warn(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    proc = sandbox.golive("check", *sandbox.flags(), "--only", "auth", "webhook-signature",
                          "metrics-active", cwd=tmp_path)  # fmt: skip
    # No state: no webhook_url setting, so the webhook probe warns → exit 4.
    assert proc.returncode == 4, (proc.stdout, proc.stderr)
    assert "! WARN" in proc.stdout and "webhook-signature" in proc.stdout
    assert "✓ PASS" in proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_only_runs_the_named_probe(sandbox: Sandbox, tmp_path: Path) -> None:
    proc = sandbox.golive("check", *sandbox.flags(), "--only", "auth", "--format", "json",
                          cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {r["probe"] for r in data["results"]} == {"auth"}
    assert [r["item"] for r in data["results"]] == _automatable()["auth"]


def test_only_an_unknown_probe_is_a_one_line_usage_error(sandbox: Sandbox, tmp_path: Path) -> None:
    proc = sandbox.golive("check", *sandbox.flags(), "--only", "bogus", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("golive: error: --only bogus"), proc.stderr
    assert "auth" in lines[0] and "ingest-dedup" in lines[0]
    assert sandbox.sb.log == [], "nothing may be sent on a usage error"


@pytest.mark.parametrize("faults", [("no-contract",)])
def test_a_broken_account_exits_3(faults: tuple[str, ...], tmp_path: Path) -> None:
    for box in _sandbox(*faults):
        proc = box.golive("check", *box.flags(), "--format", "json", cwd=tmp_path)
        assert proc.returncode == 3, (proc.stdout, proc.stderr)
        data = json.loads(proc.stdout)
        _validate(data)
        statuses = {r["probe"]: r["status"] for r in data["results"]}
        assert statuses["customer-contract"] == "fail"
        assert statuses["allowlist"] == "pass"
        assert statuses["auth"] == "skipped"  # production items: n/a to a sandbox target


def test_the_text_table_reads_as_words_not_python_reprs(tmp_path: Path) -> None:
    # An archived metric fails metrics-active, whose details list event types and
    # group keys (once printed as "['llm.completion']" and "[['model'], ['project_id']]").
    for box in _sandbox("archived-metric"):
        proc = box.golive("check", *box.flags(), "--only", "metrics-active", cwd=tmp_path)
        assert proc.returncode == 3, (proc.stdout, proc.stderr)
        text = " ".join(proc.stdout.split())
        assert "event types llm.completion" in text and "group keys model; project_id" in text
        assert "['" not in proc.stdout and "[[" not in proc.stdout


def test_junit_and_output_file(sandbox: Sandbox, tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    only = ["--only", "auth", "metrics-active", "pricing-setup", "webhook-signature"]
    proc = sandbox.golive("check", *sandbox.flags(), *only, "--format", "junit", "-o", str(out),
                          cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 4, proc.stderr  # the webhook probe warns without a state
    assert f"wrote {out}" in proc.stderr
    assert "✓ PASS" in proc.stdout  # the table still shows in CI logs
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == sum(len(_automatable()[p]) for p in only[1:])
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    warned = [c for c in cases if (c.findtext("system-out") or "").startswith("WARN")]
    assert [c.get("name") for c in warned] == ["webhooks.signature"]

    # JSON to a file validates too; -o never replaces the state file.
    out_json = tmp_path / "check.json"
    proc = sandbox.golive("check", *sandbox.flags(), "--only", "auth", "--format", "json",
                          "-o", str(out_json), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0
    _validate(json.loads(out_json.read_text(encoding="utf-8")))
    state = sandbox.write_state(tmp_path / "s.toml")
    before = state.read_bytes()
    proc = sandbox.golive("check", "--state", str(state), "--token-env", TOKEN_ENV,
                          "-o", str(state), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 2 and "state file" in proc.stderr
    assert state.read_bytes() == before


def test_production_target_on_loopback_fails_auth_and_skips_writers(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    proc = sandbox.golive("check", *sandbox.flags(), "--environment", "production",
                          "--format", "json", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    data = json.loads(proc.stdout)
    _validate(data)
    by_probe = {r["probe"]: r for r in data["results"]}
    assert by_probe["auth"]["status"] == "fail"
    assert "https://api.metronome.com" in by_probe["auth"]["summary"]
    for probe in _writers():
        summary = by_probe[probe]["summary"]
        if probe == "invoice-draft":  # tier maths dry-run with previewEvents, no write
            assert summary.startswith("dry run on production (previewEvents"), summary
            continue
        assert by_probe[probe]["status"] == "skipped", probe
        assert "--allow-writes" in summary
    assert any(r.path.endswith("/previewEvents") for r in sandbox.sb.log)
    assert not any(r.method == "POST" and r.path == "/v1/ingest" for r in sandbox.sb.log)


def test_missing_token_is_a_config_error_and_never_prompts(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    proc = golive("check", "--checklist", "metronome", "--base-url", sandbox.base_url,
                  cwd=tmp_path, timeout=30)  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "keyring" in proc.stderr
    proc = golive("check", "--checklist", "metronome", "--token-env", "NOPE_NOT_SET",
                  cwd=tmp_path, timeout=30)  # fmt: skip
    assert proc.returncode == 2 and "NOPE_NOT_SET" in proc.stderr


def test_no_state_and_no_checklist_is_a_usage_error(tmp_path: Path) -> None:
    proc = golive("check", cwd=tmp_path)
    assert proc.returncode == 2 and "--checklist" in proc.stderr


# --- the canary ---------------------------------------------------------------------------


def test_a_canary_token_appears_nowhere(tmp_path: Path) -> None:
    canary = "mt_canary_" + secrets.token_hex(16)
    for box in _sandbox(token=canary):
        state = box.write_state(tmp_path / "s.toml")
        common = ["--state", str(state), "--token-env", TOKEN_ENV, "--webhook-secret-env", HOOK_ENV]
        outputs: list[str] = []
        for fmt in ("text", "json", "junit"):
            proc = box.golive("check", *common, "--format", fmt, cwd=tmp_path)
            assert proc.returncode in (0, 3, 4), proc.stderr
            outputs += [proc.stdout, proc.stderr]
        proc = box.golive("check", *common, "--format", "junit", "-o", str(tmp_path / "j.xml"),
                          cwd=tmp_path)  # fmt: skip
        outputs += [proc.stdout, proc.stderr]
        # A production run too: its auth failure message must not echo the token either.
        proc = box.golive("check", *box.flags(), "--environment", "production", cwd=tmp_path)
        outputs += [proc.stdout, proc.stderr]
        for fmt in ("md", "json"):
            proc = golive("export", "--state", str(state), "--format", fmt,
                          "-o", str(tmp_path / f"export.{fmt}"), cwd=tmp_path)  # fmt: skip
            assert proc.returncode == 0, proc.stderr
            outputs += [proc.stdout, proc.stderr]
        # The sandbox really saw the canary (so the check is not vacuous) …
        assert any(canary in r.headers.get("authorization", "") for r in box.sb.log)
        saved = S.read(state)
        assert saved.items and any(st.probe_results for st in saved.items.values())
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"s.toml", "j.xml", "export.md", "export.json"}
    for p in files:
        assert canary not in p.read_text(encoding="utf-8", errors="replace"), p
    for text in outputs:
        assert canary not in text


# --- demo ---------------------------------------------------------------------------------


def test_demo_headless_smoke(tmp_path: Path) -> None:
    proc = golive("demo", "--headless", "--keep", cwd=tmp_path, timeout=60)
    assert proc.returncode in (0, 3, 4), proc.stderr
    assert "✓ PASS" in proc.stdout and "auth" in proc.stdout
    review = next(
        line.split(":", 1)[1].strip()
        for line in proc.stdout.splitlines()
        if line.startswith("review:")
    )
    text = Path(review).read_text(encoding="utf-8")
    assert "auth" in text or "✓" in text
    assert proc.returncode == 0, proc.stdout


def test_demo_with_a_fault_exits_3_and_an_unknown_fault_exits_2(tmp_path: Path) -> None:
    proc = golive("demo", "--headless", "--fault", "no-contract", "--format", "json",
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    _validate(json.loads(proc.stdout))
    proc = golive("demo", "--fault", "gremlins", cwd=tmp_path)
    assert proc.returncode == 2 and "no-contract" in proc.stderr
    proc = golive("demo", "--variant", "gremlins", cwd=tmp_path)
    [line] = proc.stderr.splitlines()
    assert proc.returncode == 2
    assert line.startswith("golive: error: --variant gremlins: not a metronome")
