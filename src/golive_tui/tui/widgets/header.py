"""The header bar: provider, environment badge, base URL, progress and the save indicator."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from golive_tui.core.progress import Counts
from golive_tui.core.state import Target


class TargetHeader(Horizontal):
    """One line. Production is a reverse-video `⚠ PRODUCTION` badge: hard to miss, even in mono."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static("golive", id="hdr-brand")
        yield Static(id="hdr-provider")
        yield Static(id="hdr-env")
        yield Static(id="hdr-progress")
        yield Static(id="hdr-saved")
        # Last, so that a narrow terminal cuts the URL rather than the save indicator.
        yield Static(id="hdr-url")

    def show_target(self, target: Target) -> None:
        self.query_one("#hdr-provider", Static).update(target.provider or "no provider")
        env = self.query_one("#hdr-env", Static)
        production = target.environment == "production"
        env.update(" ⚠ PRODUCTION " if production else " sandbox ")
        env.set_class(production, "-production")
        env.set_class(not production, "-sandbox")
        self.query_one("#hdr-url", Static).update(target.base_url or "no base URL")

    def show_progress(self, counts: Counts) -> None:
        failing = f" ✗ {counts.failing} failing" if counts.failing else ""
        self._set("#hdr-progress", f"{counts.done}/{counts.total} done{failing}")

    def show_saved(self, text: str) -> None:
        self._set("#hdr-saved", f"saved {text}")

    def _set(self, selector: str, text: str) -> None:
        # Called every second and after every change: an unchanged text is not
        # re-set, since each update costs a layout pass of the whole screen.
        if self._shown.get(selector) != text:
            self._shown[selector] = text
            self.query_one(selector, Static).update(text)
