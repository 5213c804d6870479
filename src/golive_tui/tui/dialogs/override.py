"""Ask why, before a status that goes against the evidence is saved (an override).

Shown when marking done an item whose latest probe did not pass, or setting a blocker
aside. The reason is required: Enter or ctrl+s records it, esc leaves the item as it was.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Static


class OverrideScreen(ModalScreen[str | None]):
    """The reason (stripped, never empty), or None when cancelled."""

    DEFAULT_CSS = """
    OverrideScreen {
        align: center middle;
        background: $background 70%;
    }
    OverrideScreen > #override-box {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        background: $surface;
        border: thick $warning;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
    }
    OverrideScreen #override-against {
        margin: 1 0;
        color: $text-warning;
    }
    OverrideScreen #override-error {
        color: $text-error;
        height: auto;
    }
    OverrideScreen #override-buttons {
        height: auto;
        align-horizontal: right;
    }
    OverrideScreen #override-buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Record", tooltip="Record the override.", id="override.save"),
        Binding(
            "escape", "cancel", "Cancel", tooltip="Leave the item as it was.", id="override.cancel"
        ),
    ]

    def __init__(self, item_title: str, status: str, against: str) -> None:
        super().__init__()
        self.item_title = item_title
        self.status = status
        self.against = against

    def compose(self) -> ComposeResult:
        with Vertical(id="override-box") as box:
            box.border_title = f"Override: mark {self.status}?"
            box.border_subtitle = "enter record · esc cancel"
            yield Static(Content(self.item_title), id="override-item")
            yield Static(
                Content(
                    f"This goes against the evidence: {self.against}. It is recorded as an"
                    " override with your reason, shown in the review, and never counted"
                    " as done."
                ),
                id="override-against",
            )
            yield Input(placeholder="why (required)", id="override-reason")
            yield Static("", id="override-error")
            with Horizontal(id="override-buttons"):
                yield Button("Cancel", id="override-cancel")
                yield Button("Record override", variant="warning", id="override-save")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#override-reason", Input).focus()

    @on(Input.Submitted, "#override-reason")
    @on(Button.Pressed, "#override-save")
    def action_save(self) -> None:
        reason = self.query_one("#override-reason", Input).value.strip()
        if not reason:
            self.query_one("#override-error", Static).update(
                "✗ give a reason: it goes in the review"
            )
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#override-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
