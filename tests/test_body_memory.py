"""Peak memory of a real `golive check` against a server whose bodies never end.

Every probe gets an endless 200 body; the HTTP layer must stop at its 8 MB cap, so the
whole run (all probes, six at a time) stays far below 200 MB. Measured as the child's
own peak RSS (os.wait4), not this test process's. See also benchmarks/body_memory.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hostile_server import HostileServer

LIMIT_MB = 200


def _peak_rss_mb(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Run `args` to the end; its own peak RSS in MB, and its exit code."""
    proc = subprocess.Popen(
        args, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
    return usage.ru_maxrss / 1024, proc.returncode  # Linux reports KiB


@pytest.mark.slow
def test_check_against_endless_bodies_stays_under_200_mb(tmp_path: Path) -> None:
    with HostileServer("endless") as srv:
        env = {**os.environ, "GOLIVE_TEST_TOKEN": "tok-endless"}
        peak, code = _peak_rss_mb(
            [sys.executable, "-m", "golive_tui", "check", "--checklist", "metronome",
             "--base-url", srv.base_url, "--customer-id", "c-1",
             "--token-env", "GOLIVE_TEST_TOKEN", "--format", "json", "-o", "report.json"],
            tmp_path, env,
        )  # fmt: skip
    assert code == 3
    assert peak < LIMIT_MB, f"peak RSS {peak:.0f} MB"
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    capped = [r for r in report["results"] if "over the 8 MB cap" in r["summary"]]
    assert capped, [r["summary"] for r in report["results"]]
    assert all(r["status"] != "pass" for r in report["results"])
