"""The harness end to end over real loopback HTTP: the example producer (examples/
producer.py) against `golive harness serve`'s sink. A correct producer passes under
every fault kind; each bug is caught, with the right figure non-zero and named."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.harness_kit import Running, producer, write_records

COUNT = 100
BATCH = 20
KINDS = ("5xx", "429", "timeout", "reset", "slow")


def _send(url: str, provider: str, path: Path, *extra: str) -> None:
    producer().main(
        ["--provider", provider, "--url", url, "--input", str(path), "--batch", str(BATCH),
         "--timeout", "0.2", "--dead-letter", str(path.with_suffix(".dead")), *extra]
    )  # fmt: skip


@pytest.mark.parametrize("provider", ["metronome", "flexprice"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_correct_producer_passes_under_every_fault(
    tmp_path: Path, provider: str, kind: str
) -> None:
    expect = write_records(tmp_path, provider, COUNT)
    with Running(provider, expect, faults={kind: 0.3}, hold=0.4) as run:
        _send(run.url, provider, expect)
    r = run.report
    assert r["faults"][kind]["injected"] > 0, r  # the fault really happened
    assert (r["lost"], r["double_billed"], r["altered"], r["ignored_retry_after"]) == (0, 0, 0, 0)
    assert r["unique"] == COUNT and run.exit_code == 0, run.table
    if kind != "slow":  # a slow answer (0.1 s) comes inside the producer's timeout
        assert r["faults"][kind]["retries"] > 0
        assert r["faults"][kind]["new_id"] == 0  # every retry kept its id


@pytest.mark.parametrize(
    ("bug", "kind", "figure"),
    [
        ("drop-on-5xx", "5xx", "lost"),
        ("new-id-on-retry", "timeout", "double_billed"),
        ("ignore-429", "429", "ignored_retry_after"),
        ("lose-on-reset", "reset", "lost"),
    ],
)
@pytest.mark.parametrize("provider", ["metronome", "flexprice"])
def test_each_buggy_producer_is_caught(
    tmp_path: Path, provider: str, bug: str, kind: str, figure: str
) -> None:
    expect = write_records(tmp_path, provider, COUNT)
    with Running(provider, expect, faults={kind: 0.3}, hold=0.4) as run:
        _send(run.url, provider, expect, "--bug", bug)
    r = run.report
    assert r[figure] > 0, run.table
    assert run.exit_code == 3 and r["verdict"] == "fail"
    assert f"✗ {figure}" in run.table  # named in the table, with its cause and fix
    assert any(p.startswith(f"{figure} {r[figure]}:") for p in r["problems"])
    if bug == "new-id-on-retry":
        assert r["faults"]["timeout"]["new_id"] > 0
        assert r["examples"]["double_billed"]


def test_rate_limit_is_honoured_by_a_correct_producer(tmp_path: Path) -> None:
    # Flexprice sends no Retry-After: the producer's 250 ms back-off is what counts.
    expect = write_records(tmp_path, "flexprice", 600)
    with Running("flexprice", expect, rate_limit=300.0) as run:
        _send(run.url, "flexprice", expect, "--batch", "100")
    r = run.report
    assert r["rate_limited"] > 0 and r["faults"]["429"]["retries"] > 0, run.table
    assert r["ignored_retry_after"] == 0 and r["lost"] == 0 and run.exit_code == 0


def test_a_producer_hammering_through_the_rate_limit_is_caught(tmp_path: Path) -> None:
    expect = write_records(tmp_path, "metronome", 300)
    with Running("metronome", expect, rate_limit=200.0) as run:
        _send(run.url, "metronome", expect, "--batch", "100", "--bug", "ignore-429")
    assert run.report["ignored_retry_after"] > 0 and run.exit_code == 3, run.table
