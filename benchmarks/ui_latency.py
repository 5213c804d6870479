"""Key-press-to-repaint latency while a section's probes run.

Run: .venv/bin/python benchmarks/ui_latency.py [--presses N] [--slow SECONDS]

Setup. The Metronome sandbox runs in a child process (so its HTTP handling does not
share the app's interpreter lock, as a real API would not), with the `slow` fault:
every response is delayed `--slow` seconds, which keeps the probes busy. The app
runs headless in this process (`App.run_test`, 120×36) on a fresh state pointed at
the sandbox, the token handed over in memory (read from the child's stdout pipe).
`ctrl+r` starts every probe of the first section (Usage and metering: four probes, three
of them in one serial group); when they finish, `ctrl+r` is pressed again, so every
measured key press happens while probe workers run, results arrive and the state
file is saved after each result.

What is measured, per key press (`j`/`k`, moving the item cursor down and up the
section). The clock starts just before the key event is handed to the app the way
a terminal's key arrives (`driver.send_message(events.Key)`), and stops in a
`call_after_refresh` callback scheduled when the main screen has re-rendered the
detail pane for the newly highlighted item: that callback runs after the next
screen refresh (the compositor repaint that shows the new cursor and detail). It
includes the wait for Textual's refresh timer. Presses are 20 ms apart (a held
key repeats every 30–50 ms). Alongside, a ticker task sleeps 5 ms in a loop and
records how late it wakes: the event loop's lag.

Prints p50/p99/max latency and the loop lag, and the target line (p99 ≤ 50 ms).
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
import time
from pathlib import Path
from typing import Any

TARGET_P99_MS = 50.0
SIZE = (120, 36)
GAP_S = 0.02
TICK_S = 0.005

SANDBOX_CHILD = """
import json, sys, time
from golive_tui.commands.demo import demo_target, new_sandbox
from golive_tui.core.sandbox.server import SandboxServer
sb, token = new_sandbox(("slow",))
sb.slow_seconds = float(sys.argv[1])
server = SandboxServer(sb).start()
target = demo_target(sb, server.base_url)
print(json.dumps({
    "target": target.to_data(),
    "token": token.reveal(),
    "webhook_secret": sb.webhook_secret,
}), flush=True)
sys.stdin.read()  # until the parent closes the pipe
server.stop()
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


async def measure(
    state: Path, token: str, webhook: str, presses: int, *, probes: bool = True
) -> dict[str, Any]:
    from textual import events

    from golive_tui.core.redact import Secret
    from golive_tui.tui.app import make_app
    from golive_tui.tui.screens.main import MainScreen

    app = make_app(state, token=Secret(token), webhook_secret=Secret(webhook))
    latencies: list[float] = []
    lags: list[float] = []
    while_running = 0
    reruns = 0
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen), main
        loop = asyncio.get_running_loop()
        pending: dict[str, Any] = {}

        show_detail = main._show_detail

        def show_detail_hook() -> None:
            show_detail()
            if pending and main.item_id != pending["from"] and "scheduled" not in pending:
                pending["scheduled"] = True
                fut = pending["future"]
                main.call_after_refresh(lambda: fut.done() or fut.set_result(time.perf_counter()))

        main._show_detail = show_detail_hook  # type: ignore[method-assign]

        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                t = time.perf_counter()
                await asyncio.sleep(TICK_S)
                lags.append(time.perf_counter() - t - TICK_S)

        tick_task = asyncio.create_task(ticker())
        if probes:
            await pilot.press("ctrl+r")
            await asyncio.sleep(0.2)
        driver = app._driver
        assert driver is not None
        n_items = len(main.section.items)
        for i in range(presses):
            if probes and not main.running:
                reruns += 1
                await pilot.press("ctrl+r")
                await asyncio.sleep(0.2)
            # Down to the last item, then up to the first, and again.
            phase = i % (2 * (n_items - 1))
            key = "j" if phase < n_items - 1 else "k"
            was_running = bool(main.running)
            fut: asyncio.Future[float] = loop.create_future()
            pending.clear()
            pending.update({"from": main.item_id, "future": fut})
            event = events.Key(key, key)
            event.set_sender(app)
            t0 = time.perf_counter()
            driver.send_message(event)
            t1 = await asyncio.wait_for(fut, timeout=5)
            pending.clear()
            latencies.append(t1 - t0)
            while_running += was_running and bool(main.running)
            await asyncio.sleep(GAP_S)
        stop.set()
        await tick_task
        main.action_cancel_probes()
        await pilot.pause()
        app.shutdown_state()
    return {
        "latencies": latencies,
        "lags": lags,
        "while_running": while_running,
        "reruns": reruns,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--slow", type=float, default=0.3, help="sandbox response delay, seconds")
    parser.add_argument(
        "--idle", action="store_true", help="baseline: no probes running while keys are pressed"
    )
    args = parser.parse_args()

    from golive_tui.core import checklist as checklists
    from golive_tui.core.state import StateFile, Target

    child = subprocess.Popen(
        [sys.executable, "-c", SANDBOX_CHILD, str(args.slow)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        info = json.loads(child.stdout.readline())
        with tempfile.TemporaryDirectory(prefix="golive-latency-") as tmp:
            os.environ["GOLIVE_CONFIG"] = str(Path(tmp) / "no-config.toml")
            state = Path(tmp) / "golive-state.toml"
            checklist = checklists.load("metronome")
            target = Target.from_data(info["target"])
            with StateFile.open(
                state, checklist=checklist, source="metronome", target=target, create=True
            ):
                pass
            result = asyncio.run(
                measure(
                    state,
                    info["token"],
                    info["webhook_secret"],
                    args.presses,
                    probes=not args.idle,
                )
            )
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=10)

    ms = [1000 * t for t in result["latencies"]]
    lags = [1000 * t for t in result["lags"]]
    p50, p99 = statistics.median(ms), percentile(ms, 99)
    print(
        f"{len(ms)} key presses (j/k, {1000 * GAP_S:.0f} ms apart), {result['while_running']}"
        f" with probes running (sandbox delay {args.slow} s per response;"
        f" section re-run {result['reruns']}×)"
    )
    print(
        f"key → repaint: p50 {p50:.1f} ms, p90 {percentile(ms, 90):.1f} ms,"
        f" p99 {p99:.1f} ms, max {max(ms):.1f} ms"
    )
    print(
        f"event-loop lag ({1000 * TICK_S:.0f} ms ticker, {len(lags)} ticks):"
        f" p50 {statistics.median(lags):.1f} ms, p99 {percentile(lags, 99):.1f} ms,"
        f" max {max(lags):.1f} ms"
    )
    verdict = "OK" if p99 <= TARGET_P99_MS else "OVER"
    print(f"target: key → repaint p99 ≤ {TARGET_P99_MS:.0f} ms: {verdict} ({p99:.1f} ms)")


if __name__ == "__main__":
    main()
