"""`golive check --checklist flexprice` and `golive demo --provider flexprice` as a user runs
them: real subprocesses, real HTTP on loopback against the Flexprice sandbox (no mocks),
exit codes, formats, the state file, and a canary key that must never show up anywhere
golive writes. The Metronome twin of this file is test_check_cli.py."""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import secrets
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from golive_tui.commands import check, demo
from golive_tui.core import checklist as checklists
from golive_tui.core import state as S
from golive_tui.core.errors import GoliveError
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.providers.flexprice.sandbox.app import FAULTS, FlexpriceSandbox
from test_check_cli import _validate, golive

TOKEN_ENV = "SANDBOX_TOKEN"
HOOK_ENV = "SANDBOX_WEBHOOK_SECRET"
US = "https://us.api.flexprice.io"
INDIA = "https://api.cloud.flexprice.io"


@dataclass
class Sandbox:
    sb: FlexpriceSandbox
    server: SandboxServer
    token: str
    webhook_secret: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def customer(self) -> str:
        assert self.sb.demo is not None
        return self.sb.demo.customer_external_id

    def flags(self) -> list[str]:
        """Point check at this sandbox without a state file."""
        return [
            "--checklist", "flexprice", "--base-url", self.base_url, "--customer-id",
            self.customer, "--token-env", TOKEN_ENV, "--webhook-secret-env", HOOK_ENV,
        ]  # fmt: skip

    def write_state(self, path: Path) -> Path:
        """A session whose target has the probe settings (as `golive demo` makes it)."""
        target = dataclasses.replace(demo.demo_target(self.sb, self.base_url), operator="ci")
        checklist = checklists.load("flexprice")
        with S.StateFile.open(
            path, checklist=checklist, source="flexprice", target=target, create=True
        ):
            pass
        return path

    def state_flags(self, state: Path) -> list[str]:
        return [
            "--state", str(state), "--token-env", TOKEN_ENV, "--webhook-secret-env", HOOK_ENV,
        ]  # fmt: skip

    def golive(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        env = {TOKEN_ENV: self.token, HOOK_ENV: self.webhook_secret}
        return golive(*args, cwd=cwd, env=env)


def _sandbox(*faults: str, token: str | None = None) -> Iterator[Sandbox]:
    token = token or "sk_" + secrets.token_hex(13).upper()
    hook = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    sb = FlexpriceSandbox(token, faults=faults, webhook_secret=hook)
    with SandboxServer(sb) as server:
        yield Sandbox(sb, server, token, hook)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    yield from _sandbox()


# Items that speak of production (checklists/flexprice.toml `production = true`).
PRODUCTION_ITEMS = {i.id for i in checklists.load("flexprice").items() if i.production}


def _automatable() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in checklists.load("flexprice").items():
        if item.probe:
            out.setdefault(item.probe, []).append(item.id)
    return out


def _statuses(data: dict) -> dict[str, str]:
    return {r["probe"]: r["status"] for r in data["results"]}


# --- check ----------------------------------------------------------------------------------


def test_healthy_sandbox_every_probe_passes_and_is_saved(sandbox: Sandbox, tmp_path: Path) -> None:
    state = sandbox.write_state(tmp_path / "s.toml")
    proc = sandbox.golive("check", *sandbox.state_flags(state), "--format", "json", cwd=tmp_path)
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
    assert data["checklist"] == "flexprice"
    assert data["target"]["provider"] == "flexprice"
    assert data["target"]["base_url"] == sandbox.base_url
    assert data["target"]["region"] == ""

    saved = S.read(state)
    for probe, items in expected.items():
        for item in items:
            latest = saved.item(item).latest
            if item in PRODUCTION_ITEMS:
                assert latest is None, item
                continue
            assert latest is not None, item
            assert (latest.probe, latest.run_id, latest.status) == (probe, data["run_id"], "pass")
    # The probes really reached the sandbox, with the key in Flexprice's header.
    assert any(r.path == "/v1/events/bulk" and r.method == "POST" for r in sandbox.sb.log)
    assert all(r.headers.get("x-api-key") == sandbox.token for r in sandbox.sb.log
               if r.path.startswith("/v1/"))  # fmt: skip


def test_without_a_state_the_unconfigured_probes_warn_exit_4(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    proc = sandbox.golive("check", *sandbox.flags(), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 4, (proc.stdout, proc.stderr)
    data = json.loads(proc.stdout)
    _validate(data)
    # No event_names / webhook_url settings without a session: those two warn, nothing fails.
    warned = {p for p, s in _statuses(data).items() if s == "warn"}
    assert warned == {"event-names", "webhook-signature"}
    assert set(_statuses(data).values()) == {"pass", "warn"}
    assert list(tmp_path.iterdir()) == []  # nothing saved


@pytest.mark.parametrize(
    ("fault", "failing"),
    [("no-subscription", "customer-subscription"), ("event-name-typo", "event-names")],
)
def test_a_broken_account_exits_3(fault: str, failing: str, tmp_path: Path) -> None:
    for box in _sandbox(fault):
        state = box.write_state(tmp_path / f"{fault}.toml")
        proc = box.golive("check", *box.state_flags(state), "--format", "json", cwd=tmp_path)
        assert proc.returncode == 3, (proc.stdout, proc.stderr)
        data = json.loads(proc.stdout)
        _validate(data)
        statuses = _statuses(data)
        assert statuses[failing] == "fail", statuses
        assert statuses["auth"] == "pass"


def test_only_and_junit(sandbox: Sandbox, tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    only = ["--only", "auth", "ingest-lookup"]
    proc = sandbox.golive("check", *sandbox.flags(), *only, "--format", "junit", "-o", str(out),
                          cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    suite = ET.fromstring(out.read_text(encoding="utf-8")).find("testsuite")
    assert suite is not None
    names = [c.get("name") for c in suite.findall("testcase")]
    assert names == [i for p in only[1:] for i in _automatable()[p]]
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    proc = sandbox.golive("check", *sandbox.flags(), "--only", "ingest-dedup", cwd=tmp_path)
    assert proc.returncode == 2 and "event-names" in proc.stderr  # Metronome's probe: unknown


def test_missing_base_url_is_a_one_line_error_naming_both_regions(tmp_path: Path) -> None:
    proc = golive("check", "--checklist", "flexprice", "--token-env", TOKEN_ENV, cwd=tmp_path,
                  env={TOKEN_ENV: "sk_unused"})  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    [line] = proc.stderr.splitlines()
    assert line.startswith("golive: error: --base-url: missing")
    assert US in line and INDIA in line
    assert "metronome" not in line.lower()


def test_a_production_loopback_target_is_self_hosted_and_fails_on_the_sandbox_key(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    proc = sandbox.golive("check", *sandbox.flags(), "--environment", "production",
                          "--format", "json", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    by_probe = {r["probe"]: r for r in json.loads(proc.stdout)["results"]}
    assert by_probe["auth"]["status"] == "fail"
    # a loopback host is a self-hosted Flexprice: the key's environment type decides
    assert "sandbox environment" in by_probe["auth"]["summary"], by_probe["auth"]
    ingest = ("/v1/events", "/v1/events/bulk")
    assert not any(r.method == "POST" and r.path in ingest for r in sandbox.sb.log)


def _args(**kw: object) -> argparse.Namespace:
    base = {"environment": None, "base_url": None, "customer_id": None}
    return argparse.Namespace(**{**base, **kw})


def test_target_region_follows_a_base_url_given_on_the_command_line() -> None:
    flex = checklists.load("flexprice")
    saved = S.Target(provider="flexprice", base_url=US, region="us", customer_id="c1")
    india = check._target(_args(base_url=INDIA + "/"), flex, saved)
    assert (india.base_url, india.region, india.customer_id) == (INDIA, "india", "c1")
    assert check._target(_args(base_url="http://127.0.0.1:9"), flex, saved).region == ""
    assert check._target(_args(), flex, saved).region == "us"  # no override: the state's
    assert check._target(_args(base_url=US), flex, None).region == "us"
    with pytest.raises(GoliveError, match="--base-url: missing"):
        check._target(_args(), flex, None)
    # Metronome keeps its single default host and no region.
    metro = check._target(_args(), checklists.load("metronome"), None)
    assert (metro.base_url, metro.region) == ("https://api.metronome.com", "")


# --- the canary -----------------------------------------------------------------------------


def test_a_canary_key_appears_nowhere(tmp_path: Path) -> None:
    canary = "sk_CANARY" + secrets.token_hex(12).upper()
    for box in _sandbox(token=canary):
        state = box.write_state(tmp_path / "s.toml")
        outputs: list[str] = []
        for fmt in ("text", "json", "junit"):
            proc = box.golive("check", *box.state_flags(state), "--format", fmt, cwd=tmp_path)
            assert proc.returncode == 0, proc.stderr
            outputs += [proc.stdout, proc.stderr]
        for fmt, name in (("junit", "j.xml"), ("json", "c.json")):
            proc = box.golive("check", *box.state_flags(state), "--format", fmt,
                              "-o", str(tmp_path / name), cwd=tmp_path)  # fmt: skip
            outputs += [proc.stdout, proc.stderr]
        # A rejected key and a production run: their messages must not echo the key either.
        proc = golive("check", *box.flags(), "--only", "auth", cwd=tmp_path,
                      env={TOKEN_ENV: canary + "X", HOOK_ENV: box.webhook_secret})  # fmt: skip
        assert proc.returncode == 3 and "401" in proc.stdout, proc.stdout
        outputs += [proc.stdout, proc.stderr]
        proc = box.golive("check", *box.flags(), "--environment", "production", cwd=tmp_path)
        outputs += [proc.stdout, proc.stderr]
        for fmt in ("md", "json"):
            proc = golive("export", "--state", str(state), "--format", fmt,
                          "-o", str(tmp_path / f"export.{fmt}"), cwd=tmp_path)  # fmt: skip
            assert proc.returncode == 0, proc.stderr
            outputs += [proc.stdout, proc.stderr]
        # The sandbox really saw the canary (so the check is not vacuous) …
        assert any(r.headers.get("x-api-key") == canary for r in box.sb.log)
        saved = S.read(state)
        assert saved.items and any(st.probe_results for st in saved.items.values())
        secret = box.webhook_secret
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"s.toml", "j.xml", "c.json", "export.md", "export.json"}
    assert "Meter event names match what your app sends" in (tmp_path / "export.md").read_text()
    for p in files:
        text = p.read_text(encoding="utf-8", errors="replace")
        assert canary not in text, p
        assert secret not in text, p
    for text in outputs:
        assert canary not in text
        assert secret not in text


# --- demo -----------------------------------------------------------------------------------


def _where(proc: subprocess.CompletedProcess[str], what: str) -> Path:
    return Path(
        next(
            line.split(":", 1)[1].strip()
            for line in (proc.stdout + proc.stderr).splitlines()
            if line.startswith(f"{what}:")
        )
    )


def test_demo_headless_flexprice_passes_and_writes_the_review(tmp_path: Path) -> None:
    proc = golive("demo", "--provider", "flexprice", "--headless", "--format", "json", "--keep",
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    data = json.loads(proc.stdout)  # stdout stays pure JSON; where things are goes to stderr
    _validate(data)
    assert data["checklist"] == "flexprice"
    assert set(_statuses(data)) == set(_automatable())
    assert set(_statuses(data).values()) == {"pass"}
    target = S.read(_where(proc, "state")).target
    assert target.provider == "flexprice" and target.region == ""
    assert target.base_url.startswith("http://127.0.0.1:")
    assert target.settings["event_names"] and target.settings["sample_events"]
    review = _where(proc, "review").read_text(encoding="utf-8")
    assert "Flexprice go-live" in review
    assert "Meter event names match what your app sends" in review


def test_demo_flexprice_fault_exits_3_and_faults_are_per_provider(tmp_path: Path) -> None:
    proc = golive("demo", "--provider", "flexprice", "--headless", "--fault", "no-subscription",
                  "--format", "json", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert _statuses(json.loads(proc.stdout))["customer-subscription"] == "fail"
    # Metronome's fault is no Flexprice fault, and the other way round: one line, exit 2.
    proc = golive("demo", "--provider", "flexprice", "--fault", "no-contract", cwd=tmp_path)
    assert proc.returncode == 2
    [line] = proc.stderr.splitlines()
    assert "no-contract" in line and "event-name-typo" in line and "flexprice" in line
    proc = golive("demo", "--fault", "event-name-typo", cwd=tmp_path)
    assert proc.returncode == 2
    assert "no-contract" in proc.stderr and "metronome" in proc.stderr


def test_new_sandbox_and_demo_target_per_provider() -> None:
    from golive_tui.core import providers
    from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox

    assert providers.get("flexprice").faults == FAULTS
    sb, token = demo.new_sandbox(("event-name-typo",), "flexprice")
    assert isinstance(sb, FlexpriceSandbox)
    assert sb.token == token.reveal() and token.reveal().startswith("sk_")
    assert sb.webhook_secret.startswith("whsec_") and sb.faults == {"event-name-typo"}
    target = demo.demo_target(sb, "http://127.0.0.1:1234")
    expected = sb.target_settings("http://127.0.0.1:1234")
    assert sb.demo is not None
    assert (target.provider, target.environment, target.region) == ("flexprice", "sandbox", "")
    assert target.customer_id == expected.pop("customer_id") == sb.demo.customer_external_id
    assert expected.pop("region") == ""
    assert target.settings == expected
    assert "LLM.tokens" in target.settings["event_names"]  # the fault's typo, as the app sends

    # Metronome is unchanged: the ingest alias, its settings minus the customer, no region.
    msb, mtoken = demo.new_sandbox()
    assert isinstance(msb, MetronomeSandbox) and mtoken.reveal().startswith("mt_demo_")
    mt = demo.demo_target(msb, "http://127.0.0.1:1234")
    assert msb.demo is not None
    assert (mt.provider, mt.customer_id, mt.region) == ("metronome", msb.demo.customer_alias, "")
    assert "customer_id" not in mt.settings
    with pytest.raises(GoliveError, match="not a flexprice sandbox fault"):
        demo.new_sandbox(("no-contract",), "flexprice")
