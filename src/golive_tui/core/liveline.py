"""One updating status line on a terminal while probes run (`golive check`, `golive demo`).

Fed by the probe engine's start and finish events, it shows which probes are running
and for how long: `⏳ running ingest-dedup 12.3 s, auth 0.4 s · 3 done`. It draws with a
carriage return and pads over the previous text with spaces (no escape codes, so any
terminal copes), at most 10 times a second, cut to the terminal's width so it never
wraps, and wipes itself at the end. On anything but a TTY it writes nothing at all:
logs and piped output stay clean, and results only ever go to stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from golive_tui.core.probes.engine import ProbeResult, ProbeSpec

INTERVAL = 0.1  # seconds between redraws: 10 Hz at most


class LiveLine:
    def __init__(
        self,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = INTERVAL,
        width: int | None = None,
    ) -> None:
        isatty = getattr(stream, "isatty", None)
        self.enabled = bool(isatty and isatty())
        self.stream = stream
        self.clock = clock
        self.interval = interval
        self.width = width
        self.running: dict[str, float] = {}  # probe id → when it started
        self.done = 0
        self._shown = 0  # length of the text on screen now
        self._last = float("-inf")

    # --- events (the engine's callbacks) ------------------------------------------

    def started(self, spec: ProbeSpec) -> None:
        self.running[spec.id] = self.clock()
        self.draw()

    def finished(self, result: ProbeResult, items: object = None) -> None:
        if self.running.pop(result.probe, None) is not None:
            self.done += 1
        self.draw()

    # --- drawing ---------------------------------------------------------------------

    def text(self) -> str:
        t = self.clock()
        parts = [f"{probe} {t - since:.1f} s" for probe, since in self.running.items()]
        line = "⏳ running " + ", ".join(parts) if parts else "⏳ waiting"
        if self.done:
            line += f" · {self.done} done"
        return line

    def draw(self, *, force: bool = False) -> None:
        """Redraw unless the last redraw was under `interval` ago."""
        if not self.enabled:
            return
        t = self.clock()
        if not force and t - self._last < self.interval:
            return
        self._last = t
        width = self.width or shutil.get_terminal_size().columns
        text = self.text()[: max(1, width - 1)]  # the last column would wrap on some terms
        self._write("\r" + text.ljust(self._shown))
        self._shown = len(text)

    def clear(self) -> None:
        if self.enabled and self._shown:
            self._write("\r" + " " * self._shown + "\r")
            self._shown = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed terminal must not end the run
            self.enabled = False

    async def tick(self) -> None:
        """Redraw every `interval` so the elapsed time moves between events."""
        while True:
            await asyncio.sleep(self.interval)
            self.draw()


@contextlib.asynccontextmanager
async def live_line(stream: TextIO) -> AsyncIterator[LiveLine]:
    """A `LiveLine` on `stream`, redrawn while the block runs and wiped after it."""
    line = LiveLine(stream)
    ticker = asyncio.create_task(line.tick()) if line.enabled else None
    try:
        yield line
    finally:
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        line.clear()
