"""How long a full `golive check` takes against the local sandboxes (Metronome, Flexprice).

Run: .venv/bin/python benchmarks/check_speed.py [--runs N] [--provider metronome|flexprice]
     [--variant NAME]

For each provider (both by default): starts its sandbox on a free loopback port (its
default simulated processing delays included, as `golive demo` does), then runs every
probe of the provider's built-in checklist N times concurrently (the default, as
`golive check` does) and N times sequentially (concurrency 1), each run on a fresh
sandbox. Prints the median and best wall time of each and the ratio, and the target
line (≤ 2 s, concurrent). Not a test: timings depend on the machine.

`--variant staggered` measures the concurrent check against the sandbox
whose events settle one by one (S = delay + spread + billing lag; Metronome ≈ 4.1 s,
Flexprice ≈ 3.7 s): the usage probes send once and wait together, so it should take
about S + 1 s.
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


def bench_variant(provider: str, variant: str, runs: int) -> None:
    """The concurrent check against one sandbox variant, against its settle time."""
    name = NAMES.get(provider, provider)
    one_run(provider, 6)  # warm-up
    times = measure(provider, 6, runs, (variant,))
    med = statistics.median(times)
    settle = _settle_seconds(provider, variant)
    line = f"full {name} check, --variant {variant}: median {med:.2f} s, best {min(times):.2f} s"
    print(f"{line} ({runs} runs)")
    if settle is not None:
        verdict = "OK" if med <= settle + 1.5 else "OVER"
        print(
            f"{name} {variant} target: about S + 1 s = {settle + 1:.1f} s"
            f" (S = {settle:.1f} s settle): {verdict} ({med:.2f} s, S + {med - settle:.2f} s)"
        )


def _settle_seconds(provider: str, variant: str) -> float | None:
    if variant != "staggered":
        return None
    if provider == "metronome":
        from golive_tui.providers.metronome.sandbox.app import STAGGERED
    else:
        from golive_tui.providers.flexprice.sandbox.app import STAGGERED
    return STAGGERED.settles_in


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--provider", choices=PROVIDERS, action="append", help="default: every provider"
    )
    parser.add_argument(
        "--variant", help="a healthy sandbox variant to time instead, e.g. staggered"
    )
    args = parser.parse_args()
    for provider in args.provider or PROVIDERS:
        if args.variant:
            bench_variant(provider, args.variant, args.runs)
        else:
            bench(provider, args.runs)


if __name__ == "__main__":
    main()
