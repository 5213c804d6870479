"""The header bar: provider, environment badge, base URL, progress and the save indicator."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from golive_tui.core.progress import Counts
from golive_tui.core.state import Target

WIDE = 120
"""From this width on the brand is shown."""
MIN_URL = 12
"""Fewer columns left than this for the base URL: leave it out rather than show a stub."""
MUTED = "$foreground-muted"  # not $text-muted: "auto 60%" is not resolved in Content (white)


class TargetHeader(Widget):
    """One line, one widget, rendered as a single `Content`.

    `golive  PROVIDER  ⚠ PRODUCTION  8/39 done ✗ 2 failing  saved 3 s ago · re-read: …  https://…`

    Production is a reverse-video `⚠ PRODUCTION` badge: hard to miss, even without
    colour. The base URL comes last and is the first to go on a narrow terminal (cut
    with an ellipsis, then left out); the brand is left out below 120 columns. Every
    change is a repaint of this one line, never a layout pass, and only when the text
    changes (the save indicator is set every second).
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._target: Target | None = None
        self._progress = ""
        self._saved = ""
        self._recheck = ""

    @property
    def production(self) -> bool:
        return self._target is not None and self._target.environment == "production"

    def show_target(self, target: Target) -> None:
        self._target = target
        self.refresh()

    def show_progress(self, counts: Counts) -> None:
        failing = f" ✗ {counts.failing} failing" if counts.failing else ""
        overridden = f" ⚑ {counts.overridden} overridden" if counts.overridden else ""
        stale = f" △ {counts.stale} stale" if counts.stale else ""
        text = f"{counts.done}/{counts.total} done{failing}{stale}{overridden}"
        if text != self._progress:
            self._progress = text
            self.refresh()

    def show_saved(self, text: str) -> None:
        text = f"saved {text}"
        if text != self._saved:
            self._saved = text
            self.refresh()

    def show_recheck(self, text: str) -> None:
        """What the latest re-read of the configuration found, in a few words."""
        if text != self._recheck:
            self._recheck = text
            self.refresh()

    def render(self) -> Content:
        width = self.size.width
        target = self._target
        parts: list[tuple[str, str] | str] = []
        if width >= WIDE:
            parts.append((" golive", "b $text-primary"))
        if target is not None:
            parts.append(" " + (target.provider or "no provider") + " ")
            if self.production:
                parts.append((" ⚠ PRODUCTION ", "b reverse $error"))
            else:
                parts.append((" sandbox ", "b $text-success"))
        if self._progress:
            parts.append(" " + self._progress)
        if self._saved:
            parts.append((" " + self._saved, MUTED))
        if self._recheck:
            parts.append((" · " + self._recheck, MUTED))
        line = Content.assemble(*parts)
        if target is not None:
            room = width - line.cell_length - 2  # a space either side
            url = target.base_url or "no base URL"
            if room >= min(MIN_URL, len(url)):
                line += Content.styled(" " + url, MUTED).truncate(room + 1, ellipsis=True)
        return line
