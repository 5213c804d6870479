"""How long a full Metronome `golive check` takes against the local sandbox.

Run: .venv/bin/python benchmarks/check_speed.py [--runs N]

Starts the Metronome sandbox on a free loopback port (its default simulated
processing delay included), then runs every probe of the built-in Metronome
checklist N times concurrently (the default, as `golive check` does) and N times
sequentially (concurrency 1), each run on a fresh sandbox. Prints the median and
best wall time of each and the ratio, and the target line (≤ 2 s, concurrent).
Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from golive_tui.commands.demo import demo_target, new_sandbox
from golive_tui.core import checklist as checklists
from golive_tui.core.checkrun import CheckReport, run_check
from golive_tui.core.redact import Secret
from golive_tui.core.sandbox.server import SandboxServer

TARGET_S = 2.0


def one_run(concurrency: int) -> tuple[float, CheckReport]:
    checklist = checklists.load("metronome")
    sb, token = new_sandbox()
    with SandboxServer(sb) as server:
        target = demo_target(sb, server.base_url)
        t0 = time.perf_counter()
        report = asyncio.run(
            run_check(
                checklist,
                target,
                token,
                webhook_secret=Secret(sb.webhook_secret),
                concurrency=concurrency,
            )
        )
        return time.perf_counter() - t0, report


def measure(concurrency: int, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        wall, report = one_run(concurrency)
        not_pass = [f"{r.probe}={r.status}" for r in report.results if r.status != "pass"]
        if not_pass:
            print(f"  note: concurrency {concurrency}: not all passed: {sorted(set(not_pass))}")
        times.append(wall)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    one_run(6)  # warm-up: imports, first connections
    concurrent = measure(6, args.runs)
    sequential = measure(1, args.runs)
    c_med, s_med = statistics.median(concurrent), statistics.median(sequential)
    print(
        f"full Metronome check, concurrent (6): median {c_med:.2f} s,"
        f" best {min(concurrent):.2f} s ({args.runs} runs)"
    )
    print(
        f"full Metronome check, sequential (1): median {s_med:.2f} s,"
        f" best {min(sequential):.2f} s ({args.runs} runs)"
    )
    print(f"sequential / concurrent: {s_med / c_med:.1f}x")
    verdict = "OK" if c_med <= TARGET_S else "OVER"
    print(f"target: concurrent median ≤ {TARGET_S:.0f} s: {verdict} ({c_med:.2f} s)")


if __name__ == "__main__":
    main()
