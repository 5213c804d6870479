"""Ask for a token that is not stored: masked input, optionally remembered in the keyring.

The dialog never stores anything itself; `TokenResult.remember` tells the caller to
save the token with `secrets.store`. When no keyring is usable the checkbox is off
and disabled: the token then lives in memory for this run only, never on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Static

from golive_tui.core.redact import Secret


@dataclass(frozen=True)
class TokenResult:
    token: Secret
    remember: bool
    """True: the caller stores the token in the keyring."""


class TokenScreen(ModalScreen[TokenResult | None]):
    """A token typed by the user, or None when cancelled."""

    DEFAULT_CSS = """
    TokenScreen {
        align: center middle;
        background: $background 70%;
    }
    TokenScreen > #token-box {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 2;
        background: $surface;
        border: thick $primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
    }
    TokenScreen #token-label {
        margin-top: 1;
    }
    TokenScreen #token-input {
        width: 1fr;
    }
    TokenScreen .-hidden {
        display: none;
    }
    TokenScreen #token-error {
        color: $text-error;
    }
    TokenScreen #token-keyring {
        color: $text-warning;
    }
    TokenScreen #token-buttons {
        height: auto;
        align-horizontal: right;
        margin-bottom: 1;
    }
    TokenScreen #token-buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", tooltip="Skip; the probe will not run.", id="token.cancel"
        ),
    ]

    def __init__(self, label: str, backend: str, keyring_usable: bool) -> None:
        """Args:
        label: which token, e.g. "API token for PROVIDER production (https://…)".
        backend: the keyring backend's name, shown next to "Remember".
        keyring_usable: False when no keyring can store it (the checkbox is disabled).
        """
        super().__init__()
        self.label = label
        self.backend = backend
        self.keyring_usable = keyring_usable

    def compose(self) -> ComposeResult:
        with Vertical(id="token-box") as box:
            box.border_title = "Token needed"
            box.border_subtitle = "enter OK · esc cancel"
            yield Static(
                Content.from_markup("Paste the [b]$label[/b]:", label=self.label), id="token-label"
            )
            yield Input(password=True, placeholder="token (hidden as you type)", id="token-input")
            yield Static("", id="token-error", classes="-hidden")
            yield Checkbox(
                f"Remember in keyring ({self.backend})",
                value=self.keyring_usable,
                disabled=not self.keyring_usable,
                id="token-remember",
            )
            if not self.keyring_usable:
                yield Static(
                    Content.from_markup(
                        "⚠ No usable keyring ($backend): the token is used for this run only,"
                        " kept in memory and never written to disk.",
                        backend=self.backend,
                    ),
                    id="token-keyring",
                )
            with Horizontal(id="token-buttons"):
                yield Button("Cancel", id="token-cancel")
                yield Button("OK", variant="primary", id="token-ok")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#token-input", Input).focus()

    @on(Input.Submitted, "#token-input")
    @on(Button.Pressed, "#token-ok")
    def _submit(self) -> None:
        field = self.query_one("#token-input", Input)
        value = field.value.strip()
        if not value:
            error = self.query_one("#token-error", Static)
            error.update("✗ The token is empty; paste it, or press esc to cancel.")
            error.remove_class("-hidden")
            field.focus()
            return
        remember = self.keyring_usable and self.query_one("#token-remember", Checkbox).value
        field.value = ""  # the Secret is the only copy from here on
        self.dismiss(TokenResult(Secret(value), remember))

    @on(Button.Pressed, "#token-cancel")
    def action_cancel(self) -> None:
        self.query_one("#token-input", Input).value = ""
        self.dismiss(None)
