"""Ask before a probe writes to an account: the user types the environment's name.

Used for every probe that writes against production. A yes/no button is too easy
to hit by reflex, so the Confirm button stays disabled until the input matches the
environment name exactly (`production`), as GitHub does for deleting a repository.
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


class ConfirmWriteScreen(ModalScreen[bool]):
    """Confirm a write: True only when the environment name was typed exactly."""

    DEFAULT_CSS = """
    ConfirmWriteScreen {
        align: center middle;
        background: $background 70%;
    }
    ConfirmWriteScreen > #confirm-box {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 2;
        background: $surface;
        border: thick $error;
        border-title-color: $text-error;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
    }
    ConfirmWriteScreen #confirm-heading {
        text-style: bold;
        margin-top: 1;
    }
    ConfirmWriteScreen #confirm-body {
        margin-top: 1;
    }
    ConfirmWriteScreen #confirm-what {
        margin-top: 1;
    }
    ConfirmWriteScreen #confirm-prompt {
        margin-top: 1;
    }
    ConfirmWriteScreen #confirm-input {
        width: 1fr;
    }
    ConfirmWriteScreen #confirm-buttons {
        height: auto;
        align-horizontal: right;
        margin-bottom: 1;
    }
    ConfirmWriteScreen #confirm-buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Do not run the probe.", id="confirm.cancel"),
    ]

    def __init__(
        self, probe_title: str, environment: str, base_url: str, description: str | None = None
    ) -> None:
        """Args:
        probe_title: what the probe does, e.g. "Send a test usage event".
        environment: the environment the user has to type ("production").
        base_url: the account's API host, shown so the user sees where the write goes.
        description: exactly what will be written and what it costs, when the probe
            says ("3 usage events for customer acme, $19.90"); None when it does not.
        """
        super().__init__()
        self.probe_title = probe_title
        self.environment = environment
        self.base_url = base_url
        self.description = description

    def compose(self) -> ComposeResult:
        env = self.environment
        with Vertical(id="confirm-box") as box:
            box.border_title = f"⚠ Write to {env.upper()}"
            box.border_subtitle = "esc cancels"
            yield Static(
                Content.from_markup("[b]$title[/b]", title=self.probe_title), id="confirm-heading"
            )
            yield Static(
                Content.from_markup(
                    "This probe [b]writes[/b] to the [b reverse] $ENV [/] account at [b]$url[/b]:"
                    " it creates or changes real data there, which cannot always be undone.",
                    ENV=env.upper(),
                    url=self.base_url,
                ),
                id="confirm-body",
            )
            if self.description:
                yield Static(
                    Content.from_markup("It will write: [b]$what[/b]", what=self.description),
                    id="confirm-what",
                )
            yield Static(
                Content.from_markup("Type [b]$env[/b] to confirm:", env=env), id="confirm-prompt"
            )
            yield Input(placeholder=env, id="confirm-input")
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="confirm-cancel")
                yield Button("Confirm write", variant="error", id="confirm-ok", disabled=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#confirm-input", Input).focus()

    @property
    def _matches(self) -> bool:
        return self.query_one("#confirm-input", Input).value == self.environment

    @on(Input.Changed, "#confirm-input")
    def _typed(self) -> None:
        self.query_one("#confirm-ok", Button).disabled = not self._matches

    @on(Input.Submitted, "#confirm-input")
    def _submitted(self) -> None:
        if self._matches:
            self.dismiss(True)
        else:
            self.app.bell()

    @on(Button.Pressed, "#confirm-ok")
    def _confirmed(self) -> None:
        if self._matches:
            self.dismiss(True)

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
