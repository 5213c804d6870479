"""How fast the state saves, the export renders and `golive --help` starts.

Run: .venv/bin/python benchmarks/state_save.py [--saves N] [--help-runs N]

Prints one line per figure against its target. Not a test: timings depend on the
machine and its disk (each autosave is the real atomic path, fsync included).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from golive_tui.core import checklist as checklists
from golive_tui.core import state as S

AUTOSAVE_P99_MS = 10.0
EXPORT_MS = 100.0
HELP_MS = 150.0
EVIDENCE_BYTES = 50_000


def _synthetic_checklist(n_items: int = 42) -> checklists.Checklist:
    sections = []
    for s in range(7):
        items = [
            {
                "id": f"s{s}.item-{i}",
                "title": f"Synthetic item {s}.{i}",
                "why": "Because a benchmark needs something to save.",
                "verify": "Look at it.",
                "docs": "https://example.com/docs",
                "severity": "blocker" if i % 2 else "recommended",
                **({"probe": "auth"} if i % 3 == 0 else {"manual": True}),
            }
            for i in range(n_items // 7)
        ]
        sections.append({"id": f"s{s}", "title": f"Section {s}", "items": items})
    return checklists.validate_data(
        {
            "id": "synthetic",
            "title": "Synthetic",
            "provider": "other",
            "source": "https://example.com",
            "sections": sections,
        },
        "synthetic checklist",
    )


def _checklist() -> tuple[checklists.Checklist, str]:
    try:
        cl = checklists.load("metronome")
    except checklists.ChecklistError as exc:
        return _synthetic_checklist(), f"synthetic 42-item checklist (metronome: {exc.message})"
    return cl, f"metronome checklist, {len(cl.items())} items"


def _state(cl: checklists.Checklist) -> S.State:
    """Every item acted on, with probe history holding ~50 KB of evidence in all."""
    state = S.State.new(cl, cl.id, S.Target(operator="bench", base_url="https://api.example"))
    items = cl.items()
    per_record = 1000
    records = EVIDENCE_BYTES // per_record
    for n, item in enumerate(items):
        state.mark(item, S.ItemStatus.DONE, note=f"checked by the benchmark\nline two of {n}")
    for n in range(records):
        item = items[n % len(items)]
        text = f'{{"id": "evt_{n:05d}", "value": 42, "customer": "c_1"}}\n' * 20
        state.add_probe_result(
            item.id,
            S.ProbeRecord(
                probe=item.probe or "manual",
                status=S.ProbeStatus.PASS,
                summary=f"run {n}: all good",
                details=["request ok", "response ok"],
                at=datetime.now(UTC),
                duration_ms=120 + n,
                evidence=[S.Evidence(label="response", text=text[:per_record])],
                run_id=f"run-{n}",
            ),
        )
    return state


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _verdict(value: float, target: float) -> str:
    return "OK" if value <= target else "OVER TARGET"


def bench_autosave(state: S.State, saves: int, checklist: checklists.Checklist) -> None:
    items = checklist.items()
    with tempfile.TemporaryDirectory(prefix="golive-bench-", dir=Path.cwd()) as d:
        path = Path(d) / "golive-state.toml"
        sf = S.StateFile.open(path, checklist=checklist, create=True)
        sf.state = state
        sf.save()
        size = path.stat().st_size
        times, encode = [], []
        for n in range(saves):
            # What the TUI does per keystroke-ish change: edit, then save.
            state.set_note(items[n % len(items)], f"note {n}")
            t0 = time.perf_counter()
            sf.save()
            times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            state.to_toml().encode("utf-8")
            encode.append(time.perf_counter() - t0)
        sf.close()
    times.sort()
    p50, p99 = _ms(times[len(times) // 2]), _ms(times[int(len(times) * 0.99) - 1])
    print(
        f"autosave p50 {p50:.1f} ms  p99 {p99:.1f} ms  max {_ms(times[-1]):.1f} ms"
        f"  (target p99 <= {AUTOSAVE_P99_MS:.0f} ms)  {_verdict(p99, AUTOSAVE_P99_MS)}"
        f"  [{saves} saves, file {size / 1024:.0f} KB]"
    )
    print(
        f"  of which serialise (to_toml) p50 {_ms(statistics.median(encode)):.1f} ms;"
        " the rest is write + fsync + rename + dir fsync"
    )


def bench_export(state: S.State, checklist: checklists.Checklist) -> None:
    try:
        from golive_tui.core.export import to_markdown
    except ImportError:
        print("export: not available yet")
        return
    to_markdown(checklist, state)  # warm up (imports, regexes)
    runs = []
    for _ in range(20):
        t0 = time.perf_counter()
        text = to_markdown(checklist, state)
        runs.append(time.perf_counter() - t0)
    worst = _ms(max(runs))
    print(
        f"export markdown median {_ms(statistics.median(runs)):.1f} ms  max {worst:.1f} ms"
        f"  (target <= {EXPORT_MS:.0f} ms)  {_verdict(worst, EXPORT_MS)}"
        f"  [{len(text) / 1024:.0f} KB of Markdown]"
    )


def bench_help(runs: int) -> None:
    exe = Path(sys.executable).parent / "golive"
    cmd = [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "golive_tui", "--help"]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    best, median = _ms(min(times)), _ms(statistics.median(times))
    print(
        f"golive --help best {best:.0f} ms  median {median:.0f} ms"
        f"  (target <= {HELP_MS:.0f} ms)  {_verdict(median, HELP_MS)}  [{' '.join(cmd[:1])}]"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--help-runs", type=int, default=15)
    args = parser.parse_args()
    checklist, what = _checklist()
    state = _state(checklist)
    evidence = sum(
        len(e.text) for st in state.items.values() for r in st.probe_results for e in r.evidence
    )
    print(f"state: {what}; {evidence / 1000:.0f} KB of evidence")
    bench_autosave(state, args.saves, checklist)
    bench_export(state, checklist)
    bench_help(args.help_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
