"""A harness report as checklist evidence: `golive harness record REPORT --state FILE`
saves it as the result of the items it covers (a real run over loopback HTTP with the
example producer), the review counts a pass as verified, and the export shows it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.harness_kit import Running, producer, write_records
from tests.test_cli_basic import golive

from golive_tui.core import export
from golive_tui.core.checklist import load as load_checklist
from golive_tui.core.harness import evidence
from golive_tui.core.review import Standing, review
from golive_tui.core.state import ProbeStatus, State, Target
from golive_tui.core.state import read as read_state

METRONOME_ITEMS = ("usage.load-test", "usage.fault-injection")


def _run(tmp: Path, provider: str, *, faults: dict[str, float], bug: str | None = None) -> Path:
    expect = write_records(tmp, provider, 100)
    with Running(provider, expect, faults=faults, hold=0.4) as run:
        producer().main(
            ["--provider", provider, "--url", run.url, "--input", str(expect), "--batch", "20",
             "--timeout", "0.2", "--dead-letter", str(tmp / "dead"),
             *(["--bug", bug] if bug else [])]
        )  # fmt: skip
    path = tmp / f"{provider}-report.json"
    path.write_text(json.dumps(run.report))
    return path


def _state(tmp: Path, provider: str) -> Path:
    checklist = load_checklist(provider)
    target = Target(provider=provider, base_url="http://127.0.0.1:9", customer_id="acme")
    path = tmp / "golive-state.toml"
    path.write_text(State.new(checklist, provider, target).to_toml())
    return path


def _latest(state_path: Path, item: str) -> Any:
    latest = read_state(state_path).item(item).latest
    assert latest is not None
    return latest


def test_a_clean_run_with_faults_verifies_both_metronome_items(tmp_path: Path) -> None:
    report = _run(tmp_path, "metronome", faults={"5xx": 0.3, "timeout": 0.2})
    state = _state(tmp_path, "metronome")
    proc = golive("harness", "record", str(report), "--peak", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "usage.load-test: PASS 100 records, 0 lost, 0 double-billed, 0 altered" in proc.stdout
    for item in METRONOME_ITEMS:
        rec = _latest(state, item)
        assert rec.probe == "harness" and rec.status is ProbeStatus.PASS, rec.summary
        assert "429s honoured" in rec.summary and "/s peak" in rec.summary
        assert json.loads(rec.evidence[0].text)["unique"] == 100  # the report is the evidence
    loaded = read_state(state)
    checklist = load_checklist("metronome")
    rev = review(checklist, loaded)
    # Manual items, verified by what golive saw rather than attested by a person.
    assert all(rev.of(i).standing is Standing.VERIFIED for i in METRONOME_ITEMS)
    md = export.to_markdown(checklist, loaded)
    assert "### Probe harness" in md and "`usage.load-test`, `usage.fault-injection`" in md
    assert "manual · probe [" in md  # the item links to the run that verified it
    data = json.loads(export.to_json(checklist, loaded))
    items = {i["id"]: i for s in data["sections"] for i in s["items"]}
    assert items["usage.fault-injection"]["latest_probe"]["probe"] == "harness"
    assert "Probe harness" in export.to_html(checklist, loaded)


def test_without_the_peak_or_a_fault_the_items_warn_and_say_what_to_run(
    tmp_path: Path,
) -> None:
    report = _run(tmp_path, "metronome", faults={})
    state = _state(tmp_path, "metronome")
    assert golive("harness", "record", str(report), cwd=tmp_path).returncode == 0
    load, faults = (_latest(state, i) for i in METRONOME_ITEMS)
    assert load.status is ProbeStatus.WARN and "--peak" in load.summary
    assert faults.status is ProbeStatus.WARN and "no fault was injected" in faults.summary
    golive("harness", "record", str(report), "--peak", "1000000", cwd=tmp_path)
    assert "below your expected 1,000,000/s" in _latest(state, "usage.load-test").summary


def test_a_buggy_producer_fails_the_items_with_the_cause(tmp_path: Path) -> None:
    report = _run(tmp_path, "flexprice", faults={"timeout": 0.3}, bug="new-id-on-retry")
    state = tmp_path / "golive-state.toml"  # none yet: --checklist starts it, as mark does
    proc = golive("harness", "record", str(report), "--checklist", "flexprice", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rec = _latest(state, "post-launch.ingestion")  # Flexprice's retries-unchanged item
    assert rec.status is ProbeStatus.FAIL
    assert "double_billed" in rec.summary and "keep the record's id" in rec.summary
    assert read_state(state).item("smoke-test.send-events").latest is None
    rev = review(load_checklist("flexprice"), read_state(state))
    assert rev.of("post-launch.ingestion").standing is Standing.FAILING


def test_a_locked_invalid_or_other_provider_state_is_left_alone(tmp_path: Path) -> None:
    report = _run(tmp_path, "metronome", faults={"5xx": 0.3})
    state = _state(tmp_path, "flexprice")
    before = state.read_bytes()
    proc = golive("harness", "record", str(report), cwd=tmp_path)
    assert proc.returncode == 2 and "a metronome report" in proc.stderr
    state.write_text("schema_version = [")
    proc = golive("harness", "record", str(report), cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert state.read_text() == "schema_version = ["
    state.write_bytes(before)
    from golive_tui.core.state_lock import StateLock

    lock = StateLock(state.resolve())
    lock.acquire(state)
    try:
        proc = golive("harness", "record", str(report), cwd=tmp_path)
    finally:
        lock.release()
    assert proc.returncode == 2 and "in use" in proc.stderr, proc.stderr
    assert state.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "said"),
    [("{", "not a golive harness report"), ('{"schema": "golive-harness-report",'
     ' "schema_version": 2}', "version 2"), ("[]", "not a golive harness report")],
)  # fmt: skip
def test_a_file_that_is_not_a_report_is_a_one_line_error(
    tmp_path: Path, content: str, said: str
) -> None:
    _state(tmp_path, "metronome")
    (tmp_path / "r.json").write_text(content)
    proc = golive("harness", "record", "r.json", cwd=tmp_path)
    assert proc.returncode == 2 and said in proc.stderr


def test_figures_name_an_ignored_429() -> None:
    r = {"expected": 12000, "lost": 0, "double_billed": 0, "altered": 0,
         "ignored_retry_after": 3, "events_per_s": {"peak": 196000, "sustained": 1.0}}  # fmt: skip
    assert evidence.figures(r) == (
        "12,000 records, 0 lost, 0 double-billed, 0 altered, 3 retries ignored a 429;"
        " 196,000/s peak"
    )
