"""Time to the first interactive frame: golive resuming a session vs a minimal Textual app.

Run: .venv/bin/python benchmarks/startup.py [--runs N]

What is measured. Each run is a fresh interpreter (`python -c DRIVER`, warm bytecode
cache) whose first statement reads `time.perf_counter()`; the driver builds the app
and runs it headless at 120×40 (`app.run(headless=True)`). The clock stops in a
`call_after_refresh` scheduled from the app's `on_ready` handler: Textual sends
`Ready` once the first screen is mounted, laid out and its first frame composited,
and the callback runs when the message queue is idle after that frame. The
interpreter's own start-up (`python -c pass`, ≈ 10–20 ms) is *not* included in the
ratio; it is measured and printed separately.

- golive: the real `golive --state FILE` path (`golive_tui.cli.main`: argument
  parsing, `commands/tui.py`, `make_app`, resume on the main screen), with one
  change: the app runs headless at a fixed size. The state file is real: the full
  built-in Metronome checklist, several items marked, every probe's result with its
  evidence from a real `golive check` against the local sandbox. The checklist was
  validated once before (the warm-up run), so it comes from the validated-checklist
  cache, as on every start but the first after a checklist changes; a cold start
  (pydantic validating the checklist) is measured too and printed apart.
- minimal: an `App` composing `Header`, `Static`, `Footer`.

Runs alternate golive / minimal so both share the machine's noise. Also reports
whether `keyring` or `httpx` had been imported when the first frame was ready
(they must not be: both are loaded only when a probe first needs them).
Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_RATIO = 1.3
SIZE = (120, 40)

_HOOK = """
PHASES = {}
def _first_frame(self):
    PHASES["ready"] = time.perf_counter() - T0
    def done():
        t = time.perf_counter() - T0
        mods = {m: m in sys.modules for m in ("keyring", "httpx", "pydantic", "textual")}
        out = {"t": t, "modules": mods, "phases": PHASES}
        print("BENCH " + json.dumps(out), file=sys.__stderr__, flush=True)
        self.exit()
    self.call_after_refresh(done)
"""

GOLIVE_DRIVER = (
    "import time; T0 = time.perf_counter()\n"
    "import json, sys\n"
    + _HOOK
    + """
import golive_tui.commands.tui as tui_command

def headless_run_app(app):
    # The one change to the real path: run headless at a fixed size.
    PHASES["app_built"] = time.perf_counter() - T0
    app.__class__ = type("BenchGolive", (type(app),), {"on_ready": _first_frame})
    try:
        app.run(headless=True, size=__SIZE__)
    finally:
        app.shutdown_state()
    return 0

tui_command.run_app = headless_run_app
from golive_tui.cli import main
main(["--state", sys.argv[1]])
""".replace("__SIZE__", repr(SIZE))
)

MINIMAL_DRIVER = (
    "import time; T0 = time.perf_counter()\n"
    "import json, sys\n"
    + _HOOK
    + """
from textual.app import App
from textual.widgets import Footer, Header, Static
PHASES["imports"] = time.perf_counter() - T0

class Minimal(App):
    def compose(self):
        yield Header()
        yield Static("Hello")
        yield Footer()

    on_ready = _first_frame

Minimal().run(headless=True, size=__SIZE__)
""".replace("__SIZE__", repr(SIZE))
)


def make_state(folder: Path) -> Path:
    """A resumed session: full Metronome checklist, marks and a real check's results."""
    from golive_tui.commands.demo import demo_target, new_sandbox
    from golive_tui.core import checklist as checklists
    from golive_tui.core.checkrun import run_check
    from golive_tui.core.redact import Secret
    from golive_tui.core.sandbox.server import SandboxServer
    from golive_tui.core.state import ItemStatus, StateFile

    path = folder / "golive-state.toml"
    checklist = checklists.load("metronome")
    sb, token = new_sandbox()
    with SandboxServer(sb) as server:
        target = demo_target(sb, server.base_url)
        with StateFile.open(
            path, checklist=checklist, source="metronome", target=target, create=True
        ) as sf:
            asyncio.run(
                run_check(
                    checklist,
                    target,
                    token,
                    webhook_secret=Secret(sb.webhook_secret),
                    state_file=sf,
                )
            )
            items = checklist.items()
            for item in items[:8]:
                sf.mark(item, ItemStatus.DONE, note="checked in staging")
            sf.mark(items[8], ItemStatus.SKIPPED)
            sf.state.move_cursor(checklist.section_of(items[12].id).id, items[12].id)
            sf.save()
    return path


def run_driver(code: str, *args: str, env: dict[str, str]) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    for line in proc.stderr.splitlines():
        if line.startswith("BENCH "):
            result: dict[str, object] = json.loads(line[6:])
            return result
    raise SystemExit(f"driver failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")


def bare_interpreter(runs: int, env: dict[str, str]) -> float:
    import time

    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="golive-startup-") as tmp:
        folder = Path(tmp)
        # Not the user's validated-checklist cache: this run's own, empty at first.
        os.environ["GOLIVE_CACHE_DIR"] = str(folder / "cache")
        state = make_state(folder)
        state_kb = state.stat().st_size / 1024
        env = dict(os.environ)
        env["GOLIVE_CONFIG"] = str(folder / "no-config.toml")  # not the user's keymap
        # An installed golive has its bytecode compiled (pip does it at install time);
        # with PYTHONDONTWRITEBYTECODE set, every run would compile golive from source.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("TEXTUAL", None)
        env.pop("TEXTUAL_DEBUG", None)
        # Warm-up: compile bytecode for everything both drivers import.
        run_driver(GOLIVE_DRIVER, str(state), env=env)
        run_driver(MINIMAL_DRIVER, env=env)
        golive, minimal = [], []
        phases: dict[str, dict[str, list[float]]] = {"golive": {}, "minimal": {}}
        imported: dict[str, bool] = {}
        for _ in range(args.runs):
            g = run_driver(GOLIVE_DRIVER, str(state), env=env)
            m = run_driver(MINIMAL_DRIVER, env=env)
            golive.append(float(g["t"]))  # type: ignore[arg-type]
            minimal.append(float(m["t"]))  # type: ignore[arg-type]
            for label, result in (("golive", g), ("minimal", m)):
                for phase, t in result["phases"].items():  # type: ignore[attr-defined]
                    phases[label].setdefault(phase, []).append(t)
            for name, loaded in g["modules"].items():  # type: ignore[attr-defined]
                imported[name] = imported.get(name, False) or bool(loaded)
        bare = bare_interpreter(args.runs, env)
        # Cold: the first start after a checklist changed (or golive was upgraded),
        # with pydantic validating the checklist. A fresh, empty cache each run.
        cold = []
        for i in range(max(3, args.runs // 3)):
            cold_env = dict(env, GOLIVE_CACHE_DIR=str(folder / f"cold-cache-{i}"))
            cold.append(float(run_driver(GOLIVE_DRIVER, str(state), env=cold_env)["t"]))  # type: ignore[arg-type]

    g_med, m_med = statistics.median(golive), statistics.median(minimal)
    ratio = g_med / m_med
    print(
        f"state: full Metronome checklist, 9 items marked, every probe's result"
        f" with evidence ({state_kb:.0f} KB)"
    )
    print(
        f"golive first frame: median {g_med:.3f} s, best {min(golive):.3f} s;"
        f" minimal: median {m_med:.3f} s, best {min(minimal):.3f} s"
        f" ({args.runs} runs each, {SIZE[0]}×{SIZE[1]}, headless; interpreter start excluded)"
    )
    print(
        f"interpreter start (python -c pass): median {bare:.3f} s;"
        f" with it: golive {g_med + bare:.3f} s, minimal {m_med + bare:.3f} s,"
        f" ratio {(g_med + bare) / (m_med + bare):.2f}×"
    )
    for label, total in (("golive", g_med), ("minimal", m_med)):
        marks = {k: statistics.median(v) for k, v in phases[label].items()}
        steps, last = [], 0.0
        for phase in ("imports", "app_built", "ready"):
            if phase in marks:
                steps.append(f"{phase} {1000 * (marks[phase] - last):.0f}")
                last = marks[phase]
        steps.append(f"ready→idle {1000 * (total - last):.0f}")
        print(f"  {label} phases (median ms): {', '.join(steps)}")
    print(
        f"golive cold start (checklist not validated before: pydantic runs):"
        f" median {statistics.median(cold):.3f} s, ratio {statistics.median(cold) / m_med:.2f}×"
    )
    for name in ("keyring", "httpx", "pydantic"):
        loaded = "YES (should not be)" if imported[name] else "no"
        print(f"{name} imported at first frame: {loaded}")
    verdict = "OK" if ratio <= TARGET_RATIO else "OVER"
    print(
        f"golive first frame median {g_med:.2f} s, minimal {m_med:.2f} s"
        f" → ratio {ratio:.2f}× (target ≤ {TARGET_RATIO}×) {verdict}"
    )


if __name__ == "__main__":
    main()
