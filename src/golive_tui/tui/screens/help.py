"""The help screen (?): every binding from the live keymap, and a short how-to."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from golive_tui.tui.app import GoliveApp

HOW_TO = """\
[b]How it works[/]
Pick a section on the left, an item in the middle; the right pane says why the item
matters and how to verify it. Mark it [b]done[/], [b]skipped[/] or [b]not applicable[/];
add a note for the launch review. Items with a probe can be checked against the API
with [b]r[/] (the section's with [b]ctrl+r[/], every probe with [b]R[/]); results are saved
with their evidence. [b]v[/] filters the items: failing, open blockers, all. [b]o[/] shows
the launch at a glance: the verdict, what blocks it, and sign-off ([b]g[/]).
Everything saves as you go; quit at any time and golive resumes at the same item.
[b]e[/] writes a Markdown review beside the state file.
Remap keys in the config file's [b]\\[keymap][/] table: binding-id = "keys".
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help-close"),
    ]

    def compose(self) -> ComposeResult:
        app: GoliveApp = self.app  # type: ignore[assignment]
        rows = app.binding_rows()
        width = max(len(keys) for _, keys, _ in rows)
        lines = [Content.from_markup("[b]Keys[/]  (binding id in brackets, for the keymap)")]
        for binding_id, keys, text in rows:
            lines.append(
                Content.from_markup(
                    "  [b]$keys[/]  $text [$foreground-muted]\\[$id][/]",
                    keys=keys.ljust(width),
                    text=text,
                    id=binding_id,
                )
            )
        with VerticalScroll(id="help-body"):
            yield Static(Content("\n").join(lines), id="help-keys")
            yield Static(Content.from_markup(HOW_TO), id="help-howto")
            yield Static("esc closes", id="help-close-hint")

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "golive help"
