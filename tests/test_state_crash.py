"""Atomic saves under SIGKILL: the file is always the last completed save or the one
in flight, never a torn mix, and the next golive opens and saves it fine.

A child process opens a StateFile and saves in a loop. Before each save it writes
`B<n>` ("begin n") to its stdout pipe and after it `E<n>` ("end n"), each with one
`os.write` (a pipe write under PIPE_BUF is atomic, and the bytes survive the kill).
Save n sets the note to `seq=n` and appends probe record n whose evidence is a
deterministic ~4 KB function of n, so the parent can check the whole file: if the
last line seen is `E<n>` the file must be exactly save n; if it is `B<n>` the file
is save n-1 or save n.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from golive_tui.core import state as S

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and flock are POSIX")

ROUNDS = 30
CHILD = r"""
import hashlib, os, sys
from datetime import UTC, datetime
from golive_tui.core import checklist, state as S

def evidence(n):
    seed = hashlib.sha256(str(n).encode()).hexdigest()
    return (seed * 64)[:4000]

cl = checklist.load(sys.argv[1])
path, limit = sys.argv[2], int(sys.argv[3])
sf = S.StateFile.open(path, checklist=cl, source="mini", create=True)
item = cl.by_id["launch.rollback"]
note = sf.state.item(item.id).note
n = int(note.removeprefix("seq=")) + 1 if note else 1
out = sys.stdout.fileno()
os.write(out, b"R\n")
while n <= limit:
    sf.state.mark(item, S.ItemStatus.DONE, note=f"seq={n}")
    sf.state.add_probe_result("usage.token", S.ProbeRecord(
        probe="auth", status="pass", summary=f"seq={n}", at=datetime.now(UTC), duration_ms=n,
        evidence=[S.Evidence(label="response", text=evidence(n))],
    ))
    os.write(out, f"B{n}\n".encode())
    sf.save()
    os.write(out, f"E{n}\n".encode())
    n += 1
sf.close()
"""


def _evidence(n: int) -> str:
    import hashlib

    return (hashlib.sha256(str(n).encode()).hexdigest() * 64)[:4000]


def _check_file(path: Path) -> int:
    """The file parses and is internally exactly one save; returns its sequence number."""
    state = S.read(path)
    note = state.items["launch.rollback"].note
    seq = int(note.removeprefix("seq="))
    records = state.items["usage.token"].probe_results
    assert len(records) == min(seq, S.HISTORY_LIMIT)
    expected = list(range(seq - len(records) + 1, seq + 1))
    assert [r.summary for r in records] == [f"seq={n}" for n in expected]
    assert [r.duration_ms for r in records] == expected
    # Only the latest keeps its evidence (older ones: status, summary, time).
    assert [r.evidence[0].text for r in records[-1:]] == [_evidence(seq)]
    assert not any(r.evidence for r in records[:-1])
    return seq


def _last(lines: list[str], tag: str) -> int | None:
    nums = [int(line[1:]) for line in lines if line.startswith(tag)]
    return nums[-1] if nums else None


def _temps(directory: Path) -> set[str]:
    return {p.name for p in directory.glob(".*.golive-tmp")}


def test_sigkill_during_saves_never_tears_the_file(mini_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "golive-state.toml"
    rng = random.Random(os.environ.get("GOLIVE_CRASH_SEED", "golive"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-c", CHILD, str(mini_path), str(path)]
    saves_done = 0
    completed = 0  # the last save the parent knows completed
    torn_window_hits = 0  # kills that landed between B<n> and E<n>
    temps_left = 0

    for round_ in range(ROUNDS):
        leftover = _temps(tmp_path)
        proc = subprocess.Popen(
            [*argv, "1000000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        try:
            assert proc.stdout is not None
            ready = proc.stdout.readline()
            assert ready == b"R\n", proc.stderr.read() if proc.stderr else ""
            # Opened (lock taken, stale temps cleaned): the dead writer's temp is gone.
            assert not (leftover & _temps(tmp_path)), f"round {round_}: {leftover}"
            time.sleep(rng.uniform(0.0, 0.12))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        out = proc.stdout.read().decode()
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
        assert "Traceback" not in err, err
        lines = out.split()
        begun, ended = _last(lines, "B"), _last(lines, "E")
        seq = _check_file(path)
        if begun is None:  # killed before its first save began
            assert seq == completed
            continue
        assert ended in (begun, begun - 1) or (ended is None and begun == completed + 1)
        if ended == begun:
            assert seq == ended, f"round {round_}: save {ended} completed, file has {seq}"
        else:
            torn_window_hits += 1
            assert seq in (begun - 1, begun), f"round {round_}: in flight {begun}, file {seq}"
        saves_done += begun - completed
        completed = seq
        temps_left += bool(_temps(tmp_path))

    # A clean final run: hundreds more saves, then a normal exit.
    final = completed + 300
    proc = subprocess.run([*argv, str(final)], capture_output=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    assert _check_file(path) == final
    assert _temps(tmp_path) == set()  # the dead writers' temp files were cleaned up
    assert saves_done >= ROUNDS, f"only {saves_done} saves were interrupted"
    # Not a correctness condition, but proves the test exercises the interesting window.
    print(f"{ROUNDS} kills, {saves_done} saves, {torn_window_hits} mid-save, {temps_left} temps")
    assert torn_window_hits > 0
