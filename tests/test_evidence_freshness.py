"""Evidence that stays true (issue #11), over real HTTP on loopback against both sandboxes:
production items are not applicable to a sandbox target, a production verdict never
counts a sandbox result, and a pass goes stale when the target changes, when the webhook
signing secret rotates, and after the TTL (a fixed clock)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from golive_tui.commands.demo import demo_target
from golive_tui.core import checklist as checklists
from golive_tui.core import export, providers
from golive_tui.core.checklist import Checklist
from golive_tui.core.checkrun import CheckReport, run_check
from golive_tui.core.freshness import NOT_FOR_SANDBOX
from golive_tui.core.recheck import recheck
from golive_tui.core.redact import Secret
from golive_tui.core.review import NO_GO, Standing, review
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.state import State, StateFile

PROVIDERS = ["metronome", "flexprice"]


@dataclass
class Box:
    provider: str
    app: Any
    server: SandboxServer
    token: str
    checklist: Checklist
    path: Path

    @property
    def hook(self) -> str:
        return str(self.app.webhook_secret)

    def check(self, only: list[str] | None = None, hook: str | None = None) -> CheckReport:
        """`golive check` into the state file, as the CLI runs it."""
        with StateFile.open(self.path) as sf:
            return asyncio.run(
                run_check(
                    self.checklist,
                    sf.state.target,
                    Secret(self.token),
                    webhook_secret=Secret(hook or self.hook),
                    only=only,
                    state_file=sf,
                )
            )

    def state(self) -> State:
        with StateFile.open(self.path) as sf:
            return sf.state


@pytest.fixture(params=PROVIDERS)
def box(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Box]:
    kit = providers.get(request.param).sandbox()
    app, token = kit.demo(())
    checklist = checklists.load(request.param)
    with SandboxServer(app) as server:
        path = tmp_path / "state.toml"
        target = demo_target(app, server.base_url)
        with StateFile.open(
            path, checklist=checklist, source=request.param, target=target, create=True
        ):
            pass
        yield Box(request.param, app, server, token, checklist, path)


def _production_items(checklist: Checklist) -> set[str]:
    return {i.id for i in checklist.items() if i.production}


def test_production_items_are_skipped_against_a_sandbox_with_the_reason(box: Box) -> None:
    report = box.check()
    production = _production_items(box.checklist)
    assert production, "the checklist marks its production token/URL/environment items"
    rows = {r.item: r for r in report.results}
    for item_id in production:
        row = rows[item_id]
        assert (row.status, row.not_applicable) == ("skipped", True), row
        assert row.summary.startswith(NOT_FOR_SANDBOX)
    # Everything else ran and passed on the healthy demo account; the n/a rows do not
    # make the run's outcome "skipped".
    assert report.outcome == "pass", [(r.item, r.summary) for r in report.results]

    state = box.state()
    judged = review(box.checklist, state)
    for item_id in production:
        r = judged.of(item_id)
        assert state.item(item_id).latest is None  # nothing recorded for them
        assert r.standing is Standing.SANDBOX_ONLY and not r.verified
        assert NOT_FOR_SANDBOX in r.not_here
    # They are production blockers: a sandbox session never reaches GO on them.
    assert judged.verdict.facts == NO_GO
    assert any(NOT_FOR_SANDBOX in line for line in judged.verdict.reasons)
    ran = [r for r in judged.items if r.item.probe and r.item.id not in production]
    assert ran and all(r.standing is Standing.VERIFIED for r in ran), [
        (r.item.id, r.standing, r.stale) for r in ran if r.standing is not Standing.VERIFIED
    ]


def test_a_production_verdict_never_counts_a_sandbox_result(box: Box) -> None:
    box.check()
    with StateFile.open(box.path) as sf:
        before = review(box.checklist, sf.state)
        verified = [r.item.id for r in before.items if r.verified]
        assert verified
        sf.state.target = dataclasses.replace(sf.state.target, environment="production")
        sf.save()
    state = box.state()
    judged = review(box.checklist, state)
    assert not [r.item.id for r in judged.items if r.verified]
    for item_id in verified:
        r = judged.of(item_id)
        assert r.standing is Standing.STALE
        assert "sandbox result" in r.stale and "production" in r.stale
        assert state.item(item_id).probe_results, "kept as history"
    # On a production target the production items are applicable again (open, not n/a).
    for item_id in _production_items(box.checklist):
        assert not judged.of(item_id).not_here
    assert judged.verdict.decision == NO_GO
    # The export says where every result it shows ran.
    data = export.to_dict(box.checklist, state)
    shown = [i["latest_probe"] for s in data["sections"] for i in s["items"] if i["latest_probe"]]
    assert shown and {p["environment"] for p in shown} == {"sandbox"}
    assert data["summary"]["verified"] == 0
    assert data["summary"]["stale_results"] == len(verified)


def test_a_pass_goes_stale_when_the_target_changes(box: Box) -> None:
    box.check(only=["webhook-signature"])
    with StateFile.open(box.path) as sf:
        item = next(i for i in box.checklist.items() if i.probe == "webhook-signature")
        assert review(box.checklist, sf.state).of(item.id).verified
        sf.state.target = dataclasses.replace(sf.state.target, customer_id="someone-else")
        sf.save()
        r = review(box.checklist, sf.state).of(item.id)
    assert r.standing is Standing.STALE and not r.verified
    assert "ran against another target" in r.stale and box.server.base_url in r.stale


def test_a_webhook_pass_goes_stale_when_the_signing_secret_rotates(box: Box) -> None:
    box.check(only=["webhook-signature"])
    item = next(i for i in box.checklist.items() if i.probe == "webhook-signature")
    old = box.hook
    state = box.state()
    same = asyncio.run(recheck(box.checklist, state, Secret(box.token), Secret(old)))
    assert same.drift == {} and same.read >= 1

    # The platform rotates the endpoint's secret; the team stores the new one in golive.
    new = providers.get(box.provider).sandbox().demo_webhook_secret()
    box.app.webhook_secret = new
    found = asyncio.run(recheck(box.checklist, state, Secret(box.token), Secret(new)))
    why = found.drift[item.id]
    assert why.startswith("webhook endpoint") and "signing secret" in why
    r = review(box.checklist, state, drift=found.drift).of(item.id)
    assert r.standing is Standing.STALE and why in r.stale and not r.verified

    # Re-run with the new secret: it passes again and the re-read finds nothing.
    report = box.check(only=["webhook-signature"], hook=new)
    assert report.outcome == "pass", [r.summary for r in report.results]
    state = box.state()
    again = asyncio.run(recheck(box.checklist, state, Secret(box.token), Secret(new)))
    assert again.drift == {}
    assert review(box.checklist, state, drift=again.drift).of(item.id).verified
    # Neither secret is in the state file: only a keyed fingerprint is.
    text = box.path.read_text(encoding="utf-8")
    assert old not in text and new not in text and "fingerprint" in text


def test_a_rotated_secret_that_is_not_in_the_keyring_is_not_called_changed(box: Box) -> None:
    box.check(only=["webhook-signature"])
    found = asyncio.run(recheck(box.checklist, box.state(), Secret(box.token), None))
    assert found.drift == {}
    assert any("webhook signing secret not in the keyring" in n for n in found.notes)


def _ttl_checklist(tmp_path: Path, name: str, checklist_days: int, item_probe: str) -> Checklist:
    """The built-in checklist with `[evidence] ttl_days` set, and 30 days on the items
    of `item_probe`: loaded through the schema like a user's own file."""
    text = checklists.resolve(name).read_text(encoding="utf-8")
    text = text.replace(f'probe = "{item_probe}"\n', f'probe = "{item_probe}"\nttl_days = 30\n')
    head, sep, rest = text.partition("[[sections]]")
    path = tmp_path / f"{name}-ttl.toml"
    path.write_text(f"{head}[evidence]\nttl_days = {checklist_days}\n\n{sep}{rest}", "utf-8")
    return checklists.load(str(path))


def test_a_pass_goes_stale_after_the_ttl_on_a_fixed_clock(box: Box, tmp_path: Path) -> None:
    box.check(
        only=[
            "webhook-signature",
            "metrics-active" if box.provider == "metronome" else "event-names",
        ]
    )
    state = box.state()
    hook_item = next(i for i in box.checklist.items() if i.probe == "webhook-signature")
    ran = state.item(hook_item.id).latest
    assert ran is not None
    t0 = ran.at
    # Default: 7 days.
    assert review(box.checklist, state, at=t0 + timedelta(days=6)).of(hook_item.id).verified
    late = review(box.checklist, state, at=t0 + timedelta(days=7, seconds=1)).of(hook_item.id)
    assert late.standing is Standing.STALE and "older than 7 days" in late.stale
    assert f"{t0:%Y-%m-%d}" in late.stale and "re-run" in late.stale

    # Per checklist (2 days) and per item (30 days for the webhook items).
    other = "metrics-active" if box.provider == "metronome" else "event-names"
    custom = _ttl_checklist(tmp_path, box.provider, 2, "webhook-signature")
    other_item = next(i for i in custom.items() if i.probe == other)
    three = review(custom, state, at=t0 + timedelta(days=3))
    assert "older than 2 days" in three.of(other_item.id).stale
    assert three.of(hook_item.id).verified  # its own 30 days
    month = review(custom, state, at=t0 + timedelta(days=31)).of(hook_item.id)
    assert "older than 30 days" in month.stale


def test_export_json_states_the_environment_and_what_each_pass_rests_on(box: Box) -> None:
    box.check(only=["webhook-signature"])
    state = box.state()
    found = asyncio.run(recheck(box.checklist, state, Secret(box.token), Secret(box.hook)))
    data = export.to_dict(box.checklist, state, reread=found)
    export_schema = export.load_schema()
    import jsonschema

    jsonschema.validate(data, export_schema)
    item = next(
        i for s in data["sections"] for i in s["items"] if i["probe"] == "webhook-signature"
    )
    latest = item["latest_probe"]
    assert latest["environment"] == "sandbox" and box.server.base_url in latest["target"]
    assert [v["kind"] for v in latest["verified"]] == ["webhook endpoint"]
    assert data["recheck"]["changed"] == {}
    assert box.hook not in json.dumps(data)


def test_status_lists_stale_results_and_check_only_stale_reruns_just_those(
    box: Box, tmp_path: Path
) -> None:
    from test_check_cli import golive

    other = "metrics-active" if box.provider == "metronome" else "event-names"
    box.check(only=["webhook-signature", other])
    with StateFile.open(box.path) as sf:
        aged = [i.id for i in box.checklist.items() if i.probe == other]
        for item_id in aged:
            rec = sf.state.items[item_id].probe_results[-1]
            rec.at -= timedelta(days=8)
        sf.save()
    env = {"T_TOKEN": box.token, "T_HOOK": box.hook}

    status = golive("status", "--state", str(box.path), "--offline", cwd=tmp_path, env=env)
    assert status.returncode == 0, status.stderr
    assert f"stale ({len(aged)};" in status.stdout
    for item_id in aged:
        assert f"△ {item_id}: older than 7 days" in status.stdout

    flags = ["--state", str(box.path), "--token-env", "T_TOKEN", "--webhook-secret-env", "T_HOOK"]
    proc = golive("check", *flags, "--only-stale", cwd=tmp_path, env=env)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert f"golive: re-running {other}" in proc.stderr
    assert all(f"golive: stale {i}: older than 7 days" in proc.stderr for i in aged)
    assert other in proc.stdout and "webhook-signature" not in proc.stdout
    state = box.state()
    assert all(review(box.checklist, state).of(i).verified for i in aged)

    again = golive("check", *flags, "--only-stale", cwd=tmp_path, env=env)
    assert again.returncode == 0 and again.stdout == ""
    assert "nothing is stale" in again.stderr

    both = golive("check", *flags, "--only-stale", "--only", other, cwd=tmp_path, env=env)
    assert both.returncode == 2
    assert both.stderr.count("\n") == 1 and "--only-stale" in both.stderr
