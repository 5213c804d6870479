"""Sign off on the launch (g on the overview): name, role and an optional note.

The same record as `golive signoff --as NAME --role ROLE --note …`: it approves the
verdict as it stands now, and goes out of date when that verdict changes. The role is
one of the checklist's required roles (suggested as you type) or any other.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Footer, Input, Label, Static

from golive_tui.core.review import ROLE_PATTERN

Answer = tuple[str, str, str]  # name, role, note


class SignoffScreen(ModalScreen[Answer | None]):
    """(name, role, note), or None when cancelled."""

    DEFAULT_CSS = """
    SignoffScreen { align: center middle; background: $background 70%; }
    SignoffScreen > #signoff-box {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        background: $surface;
        border: thick $primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
    }
    SignoffScreen #signoff-what { margin: 0 0 1 0; }
    SignoffScreen #signoff-error { color: $text-error; height: auto; }
    SignoffScreen #signoff-buttons { height: auto; align-horizontal: right; }
    SignoffScreen #signoff-buttons Button { margin-left: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Sign off", tooltip="Record the sign-off.", id="signoff.save"),
        Binding("escape", "cancel", "Cancel", tooltip="Record nothing.", id="signoff.cancel"),
    ]

    def __init__(self, *, decision: str, roles: list[str], role: str, name: str) -> None:
        super().__init__()
        self.decision = decision
        self.roles = roles
        self.signer_role = role
        self.signer = name

    def compose(self) -> ComposeResult:
        with Vertical(id="signoff-box") as box:
            box.border_title = "Sign off on the launch"
            box.border_subtitle = "enter next · ctrl+s sign · esc cancel"
            required = ", ".join(self.roles) if self.roles else "none set for this checklist"
            yield Static(
                Content.assemble(
                    "You approve the verdict as it stands: ",
                    (self.decision, "b"),
                    ". A later change to it makes this sign-off out of date.\n",
                    ("Required roles: ", "b"),
                    required,
                ),
                id="signoff-what",
            )
            yield Label("Name")
            yield Input(self.signer, placeholder="who signs", id="signoff-name")
            yield Label("Role")
            yield Input(
                self.signer_role,
                placeholder="e.g. engineering, finance",
                suggester=SuggestFromList(self.roles, case_sensitive=False),
                id="signoff-role",
            )
            yield Label("Note (optional)")
            yield Input(placeholder="e.g. approved in the launch meeting", id="signoff-note")
            yield Static("", id="signoff-error")
            with Horizontal(id="signoff-buttons"):
                yield Button("Cancel", id="signoff-cancel")
                yield Button("Sign off", variant="primary", id="signoff-save")
        yield Footer()

    def on_mount(self) -> None:
        first = "#signoff-role" if self.signer else "#signoff-name"
        self.query_one(first, Input).focus()

    @on(Input.Submitted, "#signoff-name")
    @on(Input.Submitted, "#signoff-role")
    def _next(self) -> None:
        self.focus_next()

    @on(Input.Submitted, "#signoff-note")
    @on(Button.Pressed, "#signoff-save")
    def action_save(self) -> None:
        name = self.query_one("#signoff-name", Input).value.strip()
        role = self.query_one("#signoff-role", Input).value.strip().lower()
        note = self.query_one("#signoff-note", Input).value.strip()
        error = self.query_one("#signoff-error", Static)
        if not name:
            error.update("✗ give the name of the person signing")
            return
        if not ROLE_PATTERN.match(role):
            error.update("✗ role: lowercase letters, digits, '.', '_' or '-', e.g. engineering")
            return
        self.dismiss((name, role, note))

    @on(Button.Pressed, "#signoff-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
