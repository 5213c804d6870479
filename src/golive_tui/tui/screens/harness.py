"""The harness screen: the ingest sink of `golive harness serve`, run inside the app for
one of the items a harness report is evidence for.

Start serves the platform's ingest routes on 127.0.0.1 (on the app's loop: the sink is
asyncio, and fast enough not to need a thread); the screen shows the address to point
the pipeline at, live counters and a sparkline of records/s. Stop ends the run, shows
the verdict and saves it as the item's result, as `golive harness record` would.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Sparkline, Static

from golive_tui.core.checklist import Item
from golive_tui.core.errors import GoliveError

if TYPE_CHECKING:
    from golive_tui.core.harness.server import Sink
    from golive_tui.core.state import ProbeRecord
    from golive_tui.tui.screens.main import MainScreen

POLL = 0.5  # seconds between counter refreshes
DEFAULT_FAULTS = {"faults": "5xx=0.1 timeout=0.05 429=0.1", "load": ""}
ROLE_TEXT = {
    "load": "Send your expected peak plus headroom; the item passes when every record"
    " arrived exactly once and the peak reached what you expect.",
    "faults": "The sink fails some requests on purpose; the item passes when every record"
    " still arrived exactly once, unchanged, and every 429 was honoured.",
}


class HarnessScreen(Screen[None]):
    """Start, watch, stop: the harness for `item`, saved as its result."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+g", "start", "Start", id="harness-start"),
        Binding("ctrl+t", "stop", "Stop", id="harness-stop"),
        Binding("escape", "close", "Back", id="harness-close"),
    ]
    DEFAULT_CSS = """
    HarnessScreen { padding: 1 2; }
    HarnessScreen Input { width: 1fr; }
    HarnessScreen .harness-form Label { width: 14; padding: 1 0 0 0; }
    HarnessScreen .harness-form { height: auto; }
    HarnessScreen #harness-buttons { height: auto; }
    HarnessScreen Sparkline { height: 4; margin: 1 0; }
    HarnessScreen #harness-address { text-style: bold; margin: 1 0 0 0; }
    """

    def __init__(self, main: MainScreen, item: Item, role: str) -> None:
        super().__init__()
        self.main, self.item, self.role = main, item, role
        self.sink: Sink | None = None
        self.run_task: asyncio.Task[None] | None = None
        self.url = ""
        self.saved: ProbeRecord | None = None
        self.report: dict[str, Any] | None = None
        self._peak: float | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        folder = self.main.state_file.path.parent
        with VerticalScroll():
            title = f" — {self.item.title} ({self.item.id})"
            yield Static(Content.assemble(("Ingestion harness", "b"), title))
            yield Static(ROLE_TEXT.get(self.role, ""))
            for label, wid, value, hint in (
                ("Records", "expect", str(folder / "events.jsonl"), "golive harness generate -o"),
                ("Faults", "faults", DEFAULT_FAULTS.get(self.role, ""), "e.g. 5xx=0.1 429=0.1"),
                ("Peak /s", "peak", "", "your expected peak records/s"),
                ("Port", "port", "0", "0: a free one"),
            ):
                with Horizontal(classes="harness-form"):
                    yield Label(label)
                    yield Input(value, placeholder=hint, id=f"harness-{wid}")
            with Horizontal(id="harness-buttons"):
                yield Button("Start ^g", id="harness-start-button", variant="primary")
                yield Button("Stop ^t", id="harness-stop-button", disabled=True)
            yield Static("Not running.", id="harness-address", markup=False)
            yield Static("", id="harness-counters", markup=False)
            yield Sparkline([0], id="harness-rate")
            yield Static("", id="harness-verdict")

    def _value(self, wid: str) -> str:
        return self.query_one(f"#harness-{wid}", Input).value.strip()

    # --- start and stop ----------------------------------------------------------------

    @on(Button.Pressed, "#harness-start-button")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#harness-stop-button")
    async def _stop_pressed(self) -> None:
        await self.action_stop()

    def action_start(self) -> None:
        if self.run_task is not None:
            return
        try:
            sink, port, self._peak = self._open()
        except GoliveError as exc:
            self.app.notify(exc.message, severity="error", timeout=10)
            return
        from golive_tui.core.harness.server import serve

        self.sink, self.report, self.saved = sink, None, None
        self.query_one("#harness-verdict", Static).update("")
        self.run_task = asyncio.create_task(serve(sink, port, 0.0, self._ready))
        self.run_task.add_done_callback(self._ended)
        self.query_one("#harness-start-button", Button).disabled = True
        self.query_one("#harness-stop-button", Button).disabled = False
        self._timer = self.set_interval(POLL, self._poll)

    def _open(self) -> tuple[Sink, int, float | None]:
        from golive_tui.core import providers
        from golive_tui.core.harness.live import open_sink

        dialect = providers.get(self.main.checklist.provider).harness()
        try:
            faults = shlex.split(self._value("faults").replace(",", " "))
        except ValueError:
            raise GoliveError("Faults: give KIND=FRACTION pairs, e.g. 5xx=0.1 429=0.1") from None
        try:
            port = int(self._value("port") or 0)
            peak = float(self._value("peak")) if self._value("peak") else None
        except ValueError:
            raise GoliveError("Port and Peak /s: give numbers (Port 0: a free one)") from None
        if not 0 <= port <= 65535 or (peak is not None and not peak > 0):
            raise GoliveError("Port: 0 to 65535; Peak /s: more than 0, or empty")
        expect = Path(self._value("expect")).expanduser()
        return open_sink(dialect, expect, faults), port, peak

    def _ready(self, url: str) -> None:
        self.url = url
        assert self.sink is not None
        routes = ", ".join(f"POST {url}{p}" for p in self.sink.d.routes)
        self.query_one("#harness-address", Static).update(
            f"Point your pipeline at {url}  ({routes}; any token)"
        )

    def _ended(self, task: asyncio.Task[None]) -> None:
        # The sink stopped on its own (it could not listen, or a signal): finish up.
        if self.run_task is task:
            self.call_later(self.action_stop)

    async def action_stop(self) -> None:
        task, self.run_task = self.run_task, None
        if task is None or self.sink is None:
            return
        if self._timer is not None:
            self._timer.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            error = await asyncio.gather(task, return_exceptions=True)
        self.query_one("#harness-start-button", Button).disabled = False
        self.query_one("#harness-stop-button", Button).disabled = True
        self.query_one("#harness-address", Static).update("Stopped.")
        if error and isinstance(error[0], OSError):
            self.app.notify(f"cannot listen on 127.0.0.1 ({error[0]})", severity="error")
            return
        self._poll()
        self._finish(self.sink)

    def _finish(self, sink: Sink) -> None:
        from golive_tui.core.harness import evidence
        from golive_tui.core.harness import report as R

        self.report = R.build(sink)
        rec = evidence.record(self.report, self.role, peak=self._peak)
        sf = self.main.state_file
        if self.main._save(sf.add_probe_result, self.item.id, rec):
            self.saved = rec
            self.main.refresh_items([self.item.id])
        verdict = f"{rec.status.value.upper()}  {rec.summary}"
        saved = "saved as the item's result" if self.saved else "NOT saved (see the notice)"
        self.query_one("#harness-verdict", Static).update(
            Content.assemble((verdict, "b"), f"\n{saved}\n\n", R.table(self.report))
        )

    def _poll(self) -> None:
        from golive_tui.core.harness.live import counters, rates

        if self.sink is None:
            return
        c = counters(self.sink)
        self.query_one("#harness-counters", Static).update(
            f"received {c.received:,}  unique {c.unique:,} of {c.expected:,}"
            f"  lost so far {c.lost:,}  double-billed {c.double_billed:,}"
            f"  altered {c.altered:,}  faults {c.faults:,}  requests {c.requests:,}"
        )
        self.query_one(Sparkline).data = rates(self.sink) or [0]

    async def action_close(self) -> None:
        await self.action_stop()  # a run in progress ends with its verdict saved
        self.app.pop_screen()
