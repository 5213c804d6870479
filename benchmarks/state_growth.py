"""How big the state file gets over many `golive check` runs against the local sandbox.

Run: .venv/bin/python benchmarks/state_growth.py [--runs 50] [--provider metronome|flexprice]

Starts the provider's sandbox on a free loopback port, makes a session pointed at its
demo account (as `golive demo` does), then runs the real `golive check` command
(`cli.main`, the token and webhook secret from the environment) again and again into
that one state file, printing its size after 1, 10 and 50 runs (and the last run).
Target: under 300 KB after 50 runs. Not a test: sizes depend on what the probes saw.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
from pathlib import Path

from golive_tui import cli
from golive_tui.commands.demo import PROVIDERS, demo_target, new_sandbox
from golive_tui.core import checklist as checklists
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.state import StateFile, read

TARGET_KB = 300
REPORT_AT = (1, 10, 50)
TOKEN_VAR, SECRET_VAR = "GOLIVE_BENCH_TOKEN", "GOLIVE_BENCH_WEBHOOK_SECRET"


def grow(provider: str, runs: int) -> list[tuple[int, int, int]]:
    """(run, file size in bytes, results kept) after each reported run."""
    sb, token = new_sandbox((), provider)
    os.environ[TOKEN_VAR] = token.reveal()
    os.environ[SECRET_VAR] = sb.webhook_secret
    rows = []
    with SandboxServer(sb) as server, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "golive-state.toml"
        target = demo_target(sb, server.base_url)
        checklist = checklists.load(provider)
        with StateFile.open(path, checklist=checklist, source=provider, target=target, create=True):
            pass
        argv = ["check", "--state", str(path), "--format", "json"]
        argv += ["--token-env", TOKEN_VAR, "--webhook-secret-env", SECRET_VAR]
        for n in range(1, runs + 1):
            with contextlib.redirect_stdout(io.StringIO()):
                code = cli.main(argv)
            if code not in (0, 4):
                print(f"  note: run {n} exited {code} (not all probes passed)")
            if n in REPORT_AT or n == runs:
                kept = sum(len(st.probe_results) for st in read(path).items.values())
                rows.append((n, path.stat().st_size, kept))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--provider", choices=PROVIDERS, default="metronome")
    args = parser.parse_args()
    rows = grow(args.provider, args.runs)
    for n, size, kept in rows:
        print(f"{args.provider}: after {n:>3} check run(s): {size / 1024:7.1f} KB ({kept} results)")
    last = rows[-1][1] / 1024
    verdict = "OK" if last < TARGET_KB else "OVER"
    print(f"target: under {TARGET_KB} KB after {rows[-1][0]} runs: {verdict} ({last:.1f} KB)")


if __name__ == "__main__":
    main()
