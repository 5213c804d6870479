"""Edit an item's note: ctrl+s saves, esc cancels."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, TextArea


class NoteScreen(ModalScreen[str | None]):
    """The edited note (stripped; "" clears it), or None when cancelled."""

    DEFAULT_CSS = """
    NoteScreen {
        align: center middle;
        background: $background 70%;
    }
    NoteScreen > #note-box {
        width: 76;
        max-width: 100%;
        height: 18;
        max-height: 100%;
        padding: 0 1;
        background: $surface;
        border: thick $primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
    }
    NoteScreen #note-text {
        height: 1fr;
    }
    NoteScreen #note-buttons {
        height: auto;
        align-horizontal: right;
    }
    NoteScreen #note-buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save note", tooltip="Save the note.", id="note.save"),
        Binding("escape", "cancel", "Cancel", tooltip="Discard the changes.", id="note.cancel"),
    ]

    def __init__(self, item_title: str, note: str) -> None:
        super().__init__()
        self.item_title = item_title
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box") as box:
            box.border_title = f"Note: {self.item_title}"
            box.border_subtitle = "ctrl+s save · esc cancel"
            yield TextArea(self.note, id="note-text", soft_wrap=True, show_line_numbers=False)
            with Horizontal(id="note-buttons"):
                yield Button("Cancel", id="note-cancel")
                yield Button("Save", variant="primary", id="note-save")
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one("#note-text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @on(Button.Pressed, "#note-save")
    def action_save(self) -> None:
        self.dismiss(self.query_one("#note-text", TextArea).text.strip())

    @on(Button.Pressed, "#note-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
