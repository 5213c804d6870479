"""The launch review's judgement (core/review.py): verified vs attested, overrides that
need a reason, sign-offs and the GO / GO WITH OVERRIDES / NO-GO verdict; and the same
through `golive mark`, `golive signoff`, `status` and the export, as a user runs them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from tests.test_cli_basic import golive

from golive_tui.core import export
from golive_tui.core.checklist import Checklist, Severity
from golive_tui.core.checklist import load as load_checklist
from golive_tui.core.progress import progress
from golive_tui.core.review import GO, GO_WITH_OVERRIDES, NO_GO, facts_basis, review
from golive_tui.core.state import ItemStatus, ProbeRecord, ProbeStatus, State, Target, now


@pytest.fixture
def checklist() -> Checklist:
    return load_checklist("metronome")


def _state(checklist: Checklist) -> State:
    target = Target(provider="metronome", base_url="http://127.0.0.1:9", customer_id="acme")
    return State.new(checklist, "metronome", target)


def _probe(state: State, item_id: str, status: ProbeStatus, summary: str = "ok") -> None:
    record = ProbeRecord(probe="auth", status=status, summary=summary, at=now(), duration_ms=5)
    state.add_probe_result(item_id, record)


def _all_blockers_done(checklist: Checklist, state: State) -> None:
    for item in checklist.items():
        if item.severity is Severity.BLOCKER:
            state.mark(item, ItemStatus.DONE, by="dana")


def _probed_blocker(checklist: Checklist) -> str:
    return next(i.id for i in checklist.items() if i.probe and i.severity is Severity.BLOCKER)


def _manual(checklist: Checklist) -> str:
    return next(i.id for i in checklist.items() if i.manual)


def test_a_pass_verifies_and_a_mark_attests(checklist: Checklist) -> None:
    state = _state(checklist)
    probed, manual = _probed_blocker(checklist), _manual(checklist)
    _probe(state, probed, ProbeStatus.PASS)
    state.mark(checklist.by_id[manual], ItemStatus.DONE, by="dana")
    prog = progress(checklist, state)
    r = prog.review
    assert (r.of(probed).verified, r.of(probed).attested) == (True, False)
    assert (r.of(manual).verified, r.of(manual).attested) == (False, True)
    assert (prog.overall.done, prog.overall.verified, prog.overall.attested) == (2, 1, 1)
    # The pass was recorded for this target; pointed elsewhere, it verifies nothing.
    assert state.item(probed).latest.target == state.target.identity  # type: ignore[union-attr]
    state.target.base_url = "https://api.metronome.com"
    assert not review(checklist, state).of(probed).verified


def test_marking_a_failing_blocker_done_is_an_override_and_never_green(
    checklist: Checklist,
) -> None:
    state = _state(checklist)
    _all_blockers_done(checklist, state)
    probed = _probed_blocker(checklist)
    _probe(state, probed, ProbeStatus.FAIL, "401 Unauthorized")
    r = review(checklist, state)
    assert r.of(probed).failing and not r.of(probed).done  # the attestation is contradicted
    assert r.verdict.decision == NO_GO
    assert any("401 Unauthorized" in line for line in r.verdict.reasons)

    state.mark(checklist.by_id[probed], ItemStatus.DONE, override=("known outage", "probe auth"))
    prog = progress(checklist, state)
    judged = prog.review.of(probed)
    assert judged.override is not None and not judged.done and not judged.failing
    assert prog.overall.overridden == 1
    # The checklist's required roles have not signed: NO-GO, whatever the facts.
    assert prog.review.verdict.decision == NO_GO
    for role in checklist.signoff_roles:
        state.sign_off("dana", role, facts_basis(checklist, state))
    assert review(checklist, state).verdict.decision == GO_WITH_OVERRIDES


def test_signoffs_count_only_while_the_verdict_they_saw_stands(checklist: Checklist) -> None:
    state = _state(checklist)
    _all_blockers_done(checklist, state)
    assert review(checklist, state).verdict.missing_roles == ("engineering", "finance")
    state.sign_off("dana", "engineering", facts_basis(checklist, state))
    v = review(checklist, state).verdict
    assert v.decision == NO_GO and v.missing_roles == ("finance",)
    assert v.reasons == ["no current sign-off from finance"]
    state.sign_off("sam", "finance", facts_basis(checklist, state), note="budget ok")
    assert review(checklist, state).verdict.decision == GO

    # A probe then fails: NO-GO, and both approvals are of a verdict that no longer stands.
    _probe(state, _probed_blocker(checklist), ProbeStatus.FAIL, "boom")
    v = review(checklist, state).verdict
    assert v.decision == NO_GO and len(v.outdated) == 2 and not v.signoffs


def test_override_needed_names_what_it_goes_against(checklist: Checklist) -> None:
    from golive_tui.core.review import override_needed

    state = _state(checklist)
    probed = checklist.by_id[_probed_blocker(checklist)]
    ident = state.target
    assert override_needed(probed, state.item(probed.id), ItemStatus.DONE, ident) is None
    assert override_needed(probed, state.item(probed.id), ItemStatus.SKIPPED, ident) == (
        "blocker marked skipped"
    )
    _probe(state, probed.id, ProbeStatus.WARN, "not settled after 30 s")
    why = override_needed(probed, state.item(probed.id), ItemStatus.DONE, ident)
    assert why == "probe auth warn: not settled after 30 s"
    # A later pass makes the override moot: the item is verified, not overridden.
    state.mark(probed, ItemStatus.DONE, override=("pipeline is slow", why))
    _probe(state, probed.id, ProbeStatus.PASS)
    judged = review(checklist, state).of(probed.id)
    assert judged.verified and judged.override is None


def test_state_keeps_overrides_and_signoffs_across_a_save(checklist: Checklist) -> None:
    state = _state(checklist)
    probed = checklist.by_id[_probed_blocker(checklist)]
    _probe(state, probed.id, ProbeStatus.FAIL, "401")
    state.mark(probed, ItemStatus.DONE, by="dana", override=("rotating keys", "probe auth fail"))
    state.sign_off("dana", "engineering", facts_basis(checklist, state), note="ok")
    again = State.from_toml(state.to_toml())
    st = again.item(probed.id)
    assert st.override is not None and st.override.reason == "rotating keys"
    assert st.latest is not None and st.latest.target == state.target.identity
    (signoff,) = again.signoffs
    assert (signoff.name, signoff.role, signoff.verdict, signoff.note) == (
        "dana",
        "engineering",
        NO_GO,
        "ok",
    )
    assert signoff.at - state.signoffs[0].at < timedelta(seconds=1)


# --- the command line -------------------------------------------------------------------


def _cli_state(tmp_path: Path, checklist: Checklist) -> Path:
    state = _state(checklist)
    _probe(state, _probed_blocker(checklist), ProbeStatus.FAIL, "401 Unauthorized")
    path = tmp_path / "golive-state.toml"
    path.write_text(state.to_toml(), encoding="utf-8")
    return path


def test_cli_mark_done_over_a_failing_probe_needs_a_reason(
    tmp_path: Path, checklist: Checklist
) -> None:
    _cli_state(tmp_path, checklist)
    item = _probed_blocker(checklist)
    proc = golive("mark", item, "--status", "done", cwd=tmp_path)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert "probe auth fail: 401 Unauthorized" in line and "--reason" in line
    assert 'status = "done"' not in (tmp_path / "golive-state.toml").read_text(encoding="utf-8")

    proc = golive(
        "mark", item, "--status", "done", "--reason", "token rotates Monday", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "override recorded" in proc.stdout
    md = golive("export", cwd=tmp_path).stdout
    assert "## Verdict: **NO-GO**" in md and "GO WITH OVERRIDES" not in md.split("\n")[2]
    assert "token rotates Monday" in md and "### Overrides" in md
    status = golive("status", cwd=tmp_path).stdout
    assert "1 overridden" in status and "verdict: NO-GO" in status


def test_cli_signoff_records_the_approval_and_shows_the_verdict(
    tmp_path: Path, checklist: Checklist
) -> None:
    state = _state(checklist)
    _all_blockers_done(checklist, state)
    (tmp_path / "golive-state.toml").write_text(state.to_toml(), encoding="utf-8")
    proc = golive("signoff", "--as", "Dana Reyes", "--role", "engineering", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "verdict now: NO-GO — no current sign-off from finance" in proc.stdout
    proc = golive("signoff", "--as", "Sam", "--role", "finance", "--note", "ok", cwd=tmp_path)
    assert "verdict now: GO" in proc.stdout
    doc = export.to_dict(checklist, State.from_toml((tmp_path / "golive-state.toml").read_text()))
    assert doc["verdict"]["decision"] == GO
    assert [s["role"] for s in doc["verdict"]["signoffs"]] == ["engineering", "finance"]

    bad = golive("signoff", "--as", "x", "--role", "Fin Ance", cwd=tmp_path)
    assert bad.returncode == 2 and "--role" in bad.stderr and len(bad.stderr.splitlines()) == 1
