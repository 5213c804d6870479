"""The command palette (ctrl+p): jump to an item, run a probe, export, switch theme, help."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from golive_tui.tui.app import GoliveApp
    from golive_tui.tui.screens.main import MainScreen

Command = tuple[str, Callable[[], object], str]


class GoliveCommands(Provider):
    """golive's commands; items and probes come from the open checklist."""

    def _commands(self) -> list[Command]:
        app: GoliveApp = self.app  # type: ignore[assignment]
        main: MainScreen | None = app.main_screen
        commands: list[Command] = [
            ("Switch theme: dark", partial(app.set_theme_choice, "textual-dark"), "Dark theme"),
            ("Switch theme: light", partial(app.set_theme_choice, "textual-light"), "Light theme"),
            ("Help: keys and how-to", app.action_help, "Every binding, as remapped"),
        ]
        if main is None:
            return commands
        commands.insert(0, ("Export Markdown", main.action_export, "Write the review file"))
        commands.insert(
            1, ("Re-run stale results", main.action_rerun_stale, "The probes of every △ STALE item")
        )
        for item in main.checklist.items():
            commands.append((f"Jump to: {item.title}", partial(main.jump_to, item.id), item.id))
        probes = dict.fromkeys(i.probe for i in main.checklist.items() if i.probe)
        for probe in probes:
            commands.append(
                (f"Run probe: {probe}", partial(main.run_probes, [probe]), "Run it now")
            )
        return commands

    async def discover(self) -> Hits:
        for text, callback, help_text in self._commands():
            if text.startswith(("Jump to", "Run probe")):
                continue  # too many to list unasked; they show up when typing
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)
