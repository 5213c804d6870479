"""How long a full `golive check` takes against the local sandboxes (Metronome, Flexprice).

Run: .venv/bin/python benchmarks/check_speed.py [--runs N] [--provider metronome|flexprice]

For each provider (both by default): starts its sandbox on a free loopback port (its
default simulated processing delays included, as `golive demo` does), then runs every
probe of the provider's built-in checklist N times concurrently (the default, as
`golive check` does) and N times sequentially (concurrency 1), each run on a fresh
sandbox. Prints the median and best wall time of each and the ratio, and the target
line (≤ 2 s, concurrent). For Flexprice, also a full check against `--variant
staggered`, whose events settle in S = delay + spread + billing lag seconds: with the
usage batch the probes wait once, together, so it should take about S + 1 s.
Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from golive_tui.commands.demo import PROVIDERS, demo_target, new_sandbox
from golive_tui.core import checklist as checklists
from golive_tui.core.checkrun import CheckReport, run_check
from golive_tui.core.redact import Secret
from golive_tui.core.sandbox.server import SandboxServer

TARGET_S = 2.0
NAMES = {"metronome": "Metronome", "flexprice": "Flexprice"}


def one_run(
    provider: str, concurrency: int, variants: tuple[str, ...] = ()
) -> tuple[float, CheckReport]:
    checklist = checklists.load(provider)
    sb, token = new_sandbox((), provider, variants)
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


def measure(
    provider: str, concurrency: int, runs: int, variants: tuple[str, ...] = ()
) -> list[float]:
    times = []
    for _ in range(runs):
        wall, report = one_run(provider, concurrency, variants)
        not_pass = [f"{r.probe}={r.status}" for r in report.results if r.status != "pass"]
        if not_pass:
            print(f"  note: concurrency {concurrency}: not all passed: {sorted(set(not_pass))}")
        times.append(wall)
    return times


def bench(provider: str, runs: int) -> None:
    name = NAMES.get(provider, provider)
    one_run(provider, 6)  # warm-up: imports, first connections
    concurrent = measure(provider, 6, runs)
    sequential = measure(provider, 1, runs)
    c_med, s_med = statistics.median(concurrent), statistics.median(sequential)
    print(
        f"full {name} check, concurrent (6): median {c_med:.2f} s,"
        f" best {min(concurrent):.2f} s ({runs} runs)"
    )
    print(
        f"full {name} check, sequential (1): median {s_med:.2f} s,"
        f" best {min(sequential):.2f} s ({runs} runs)"
    )
    print(f"{name} sequential / concurrent: {s_med / c_med:.1f}x")
    verdict = "OK" if c_med <= TARGET_S else "OVER"
    print(f"{name} target: concurrent median ≤ {TARGET_S:.0f} s: {verdict} ({c_med:.2f} s)")
    if provider == "flexprice":
        staggered(runs)


def staggered(runs: int) -> None:
    """A full Flexprice check on `--variant staggered`: the usage batch waits once."""
    from golive_tui.providers.flexprice.sandbox.app import STAGGERED

    settle = STAGGERED.settles_in
    times = measure("flexprice", 6, runs, ("staggered",))
    med = statistics.median(times)
    target = settle + 1.0
    verdict = "OK" if med <= target + 0.5 else "OVER"
    print(
        f"full Flexprice check, --variant staggered (S = {settle:.1f} s): median {med:.2f} s,"
        f" best {min(times):.2f} s ({runs} runs); expected about S + 1 s = {target:.1f} s:"
        f" {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--provider", choices=PROVIDERS, action="append", help="default: every provider"
    )
    args = parser.parse_args()
    for provider in args.provider or PROVIDERS:
        bench(provider, args.runs)


if __name__ == "__main__":
    main()
