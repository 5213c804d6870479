"""How fast `golive harness serve`'s sink takes usage records, measured by an independent
load tool, and how much memory its ledger needs per expected record.

Run: .venv/bin/python benchmarks/harness_throughput.py [--duration S] [--connections N]
     [--threads T] [--provider metronome|flexprice] [--memory-records N]

Throughput: starts the sink (a child process: its CPU is measured apart from the load
tool's) with full accounting on and `--expected` records (default 3 million) expected,
then drives it with `wrk` (Debian package `wrk`) running a Lua script that POSTs
batches of 100 records with unique ids and `golive_seq`s to the provider's batch
route. Prints records/s, the sink's CPU per 10,000 records, wrk's latency percentiles
and the sink's own accounting (every record must be unique: nothing lost to the sink).
Target: ≥ 110,000 records/s in batches of 100 (Metronome's platform ceiling).

Memory: builds a ledger for `--memory-records` (default 10 million) expected records,
streamed as `serve --expect` streams them, and prints tracemalloc's current and peak
bytes per record. Target: ≤ 200.

Not a test: figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc

from golive_tui.core import providers
from golive_tui.core.harness import report as R
from golive_tui.core.harness.faults import FaultPlan
from golive_tui.core.harness.ledger import Ledger
from golive_tui.core.harness.records import exact, fingerprint, id_hash, iso
from golive_tui.core.harness.server import Sink, serve

BATCH = 100
TARGET_EPS = 110_000
TARGET_BYTES = 200
ROUTE = {"metronome": ("/v1/ingest", "", ""), "flexprice": ("/v1/events/bulk", '{"events":', "}")}

# One record; Lua fills the seq in twice. Both sides build it from this template so the
# ledger's expected fingerprints match what wrk sends (full accounting, nothing faked).
LUA = r"""
local counter, tid, threads = 0, 0, @threads@
local prefix, suffix, template = @prefix@, @suffix@, @template@
local created = {}
function setup(thread)
  table.insert(created, thread)
  thread:set("tid", #created - 1)
end
function init(args)
  tid = tonumber(wrk.thread:get("tid")) or 0
end
function request()
  local base = (counter * threads + tid) * @batch@
  counter = counter + 1
  if base + @batch@ > @expected@ then
    base = 0  -- ran past the expected records: duplicates from here on
  end
  local parts = {}
  for i = 0, @batch@ - 1 do
    local seq = base + i
    parts[#parts + 1] = string.format(template, seq, seq)
  end
  return wrk.format("POST", @path@, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer bench",
    ["x-api-key"] = "bench",
  }, prefix .. "[" .. table.concat(parts, ",") .. "]" .. suffix)
end
function done(summary, latency, requests)
  io.write(string.format(
    "WRK {\"requests\": %d, \"errors\": %d, \"non2xx\": %d, \"duration_us\": %d," ..
    " \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f}\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.errors.status, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def _template(provider: str, stamp: str) -> tuple[str, dict[str, object]]:
    """The record as a Lua format string (%d twice: id and seq) and as a dict for seq 0."""
    d = providers.get(provider).harness()
    rec = d.record(0, "bench-0", d.default_customer, d.templates[-1], stamp)
    text = json.dumps(rec, separators=(",", ":"))
    text = text.replace('"bench-0"', '"bench-%d"').replace('"golive_seq":0', '"golive_seq":%d')
    return text, rec


def _ledger(provider: str, n: int, stamp: str) -> Ledger:
    d = providers.get(provider).harness()
    _, rec = _template(provider, stamp)
    ledger = Ledger.of_size(d, n)
    props = rec[d.props_field]
    assert isinstance(props, dict)
    for seq in range(n):
        props["golive_seq"] = seq
        ledger.exp_id[seq] = id_hash(f"bench-{seq}")
        ledger.exp_fp[seq] = fingerprint(d, rec)
        ledger.exp_exact[seq] = exact(d, rec) or 0
    return ledger


def child(provider: str, n: int, stamp: str) -> None:
    """The sink, in its own process: prints its URL, then its figures as JSON."""
    d = providers.get(provider).harness()
    sink = Sink(d, _ledger(provider, n, stamp), FaultPlan({}))
    cpu: list[float] = []

    def ready(url: str) -> None:
        u = resource.getrusage(resource.RUSAGE_SELF)
        cpu.append(u.ru_utime + u.ru_stime)
        print(url, flush=True)

    asyncio.run(serve(sink, 0, 1.0, ready))
    u = resource.getrusage(resource.RUSAGE_SELF)
    report = R.build(sink)
    report["cpu_s"] = u.ru_utime + u.ru_stime - cpu[0]
    report["accepted"] = sink.accepted
    print("SINK " + json.dumps(report), flush=True)


def find_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit(
            "wrk not found: install it (Debian/Ubuntu: sudo apt-get install -y wrk;"
            " macOS: brew install wrk), then run this again"
        )
    return wrk


def throughput(args: argparse.Namespace) -> None:
    wrk = find_wrk()
    stamp = iso(time.time())
    text, _ = _template(args.provider, stamp)
    path, prefix, suffix = ROUTE[args.provider]
    lua = LUA
    for name, value in {
        "threads": args.threads, "prefix": prefix, "suffix": suffix, "template": text,
        "batch": BATCH, "expected": args.expected, "path": path,
    }.items():  # fmt: skip
        # JSON string literals are valid Lua string literals.
        lua = lua.replace(f"@{name}@", json.dumps(value) if isinstance(value, str) else str(value))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
    print(f"building the ledger for {args.expected:,} expected records …", flush=True)
    sink = subprocess.Popen(
        [sys.executable, __file__, "--child", args.provider, str(args.expected), stamp],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert sink.stdout is not None
    url = sink.stdout.readline().strip()
    version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split()[1]
    cmd = f"-t{args.threads} -c{args.connections} -d{args.duration}s {url}{path}"
    print(f"{wrk} {version} {cmd}", flush=True)
    out = subprocess.run(
        [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "-s", fh.name,
         url + path],
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    os.unlink(fh.name)
    w = json.loads(next(line for line in out.splitlines() if line.startswith("WRK "))[4:])
    s = json.loads(next(line for line in sink.stdout if line.startswith("SINK "))[5:])
    sink.wait(30)
    eps = s["accepted"] / (w["duration_us"] / 1e6)
    print(
        f"records/s: {eps:,.0f} ({w['requests']:,} requests of {BATCH};"
        f" target ≥ {TARGET_EPS:,}: {'met' if eps >= TARGET_EPS else 'NOT met'})"
    )
    print(
        f"sink CPU per 10,000 records: {s['cpu_s'] / max(s['accepted'], 1) * 1e4 * 1000:.1f} ms"
        f" ({s['cpu_s']:.1f} s CPU for {s['accepted']:,} records)"
    )
    print(
        f"latency (wrk): p50 {w['p50_ms']} ms, p90 {w['p90_ms']} ms, p99 {w['p99_ms']} ms,"
        f" max {w['max_ms']} ms; socket errors {w['errors']}, non-2xx {w['non2xx']}"
    )
    print(
        f"accounting: unique {s['unique']:,}, duplicates {s['duplicates']:,},"
        f" altered {s['altered']}, unexpected {s['unexpected']}, not sent {s['lost']:,}"
    )


def memory(n: int) -> None:
    d = providers.get("metronome").harness()
    tracemalloc.start()
    t = time.monotonic()
    ledger = Ledger(d, ((seq, id_hash(f"r-{seq}"), seq, -seq) for seq in range(n)))
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"ledger memory for {ledger.n:,} expected records: {current / n:.1f} bytes/record"
          f" (peak while loading {peak / n:.1f}; target ≤ {TARGET_BYTES}); built in"
          f" {time.monotonic() - t:.1f} s")  # fmt: skip


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--provider", choices=tuple(ROUTE), default="metronome")
    p.add_argument("--duration", type=int, default=10, help="seconds of load (default 10)")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--expected", type=int, default=3_000_000)
    p.add_argument("--memory-records", type=int, default=10_000_000)
    p.add_argument("--skip-memory", action="store_true")
    args = p.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (shared)")
    throughput(args)
    if not args.skip_memory:
        memory(args.memory_records)


if __name__ == "__main__":
    main()
