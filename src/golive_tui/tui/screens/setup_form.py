"""The setup screen's form: its widgets and their initial values (a mixin of `SetupScreen`,
which holds the behaviour: checklist loading, validation, the keyring, submitting)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Select,
    Static,
)

from golive_tui.core import checklist as checklists
from golive_tui.core import providers
from golive_tui.core.errors import ChecklistError
from golive_tui.core.target_input import provider_hosts

OWN_FILE = "<own-file>"
"""The checklist choice that reveals the path input."""
CUSTOM = "<custom>"
"""The base-URL choice that reveals the URL input."""


def _has_field(name: str, field: str) -> bool:
    found = providers.find(name)
    return found is not None and field in found.setup_fields


class SetupForm:
    """The form half of `SetupScreen`."""

    # --- composition ------------------------------------------------------------------

    def _initial_checklist(self, spec: str | None) -> tuple[str, str]:
        if spec and spec in self._builtins:
            return spec, ""
        if spec:
            return OWN_FILE, spec
        for candidate in (self.defaults.provider, providers.names()[0]):
            if candidate in self._builtins:
                return candidate, ""
        return (self._builtins[0], "") if self._builtins else (OWN_FILE, "")

    def _base_url_options(self, provider: str) -> list[tuple[str, str]]:
        options = [(f"{p.label}  {p.url}", p.url) for p in provider_hosts(provider)]
        return [*options, ("Custom…", CUSTOM)]

    def _initial_base_url(self, provider: str) -> tuple[str, str]:
        """(Select value, custom URL) for the provider, from the defaults when they fit."""
        presets = provider_hosts(provider)
        wanted = self.defaults.base_url.strip().rstrip("/").lower()
        if wanted and self.defaults.provider in ("", provider):
            for p in presets:
                if p.url == wanted:
                    return p.url, ""
            return CUSTOM, self.defaults.base_url
        return (presets[0].url, "") if presets else (CUSTOM, "")

    def compose(self) -> ComposeResult:
        d = self.defaults
        options = [(self._builtin_label(i), i) for i in self._builtins]
        options.append(("Own file…", OWN_FILE))
        # Load the first choice now, so the base-URL presets match its provider.
        self._load_choice(self._first_choice, self._first_path, update=False)
        url_value, custom_url = self._initial_base_url(self._provider)
        webhook_url = d.settings.get("webhook_url")
        event_names = d.settings.get("event_names")
        if isinstance(event_names, str):
            event_names = [event_names]

        yield Static(id="setup-banner")
        with VerticalScroll(id="setup-form", can_focus=False):
            with Horizontal(classes="row"):
                yield Label("Checklist", classes="field-label")
                with Vertical(classes="field"):
                    yield Select(
                        options, value=self._first_choice, allow_blank=False, id="checklist"
                    )
                    yield Input(
                        self._first_path,
                        placeholder="path/to/checklist.toml",
                        id="checklist-path",
                        classes="" if self._first_choice == OWN_FILE else "-hidden",
                    )
                    yield Static("", id="checklist-info", classes="hint")
            with Horizontal(classes="row"):
                yield Label("Environment", classes="field-label")
                with Vertical(classes="field"), RadioSet(id="environment"):
                    yield RadioButton(
                        "sandbox", value=d.environment != "production", id="env-sandbox"
                    )
                    yield RadioButton(
                        "production", value=d.environment == "production", id="env-production"
                    )
            yield Static(
                "⚠ PRODUCTION: writes to a live account will ask for confirmation",
                id="env-warning",
                classes="-hidden",
            )
            with Horizontal(classes="row"):
                yield Label("Base URL", classes="field-label")
                with Vertical(classes="field"):
                    yield Select(
                        self._base_url_options(self._provider),
                        value=url_value,
                        allow_blank=False,
                        id="base-url",
                    )
                    yield Input(
                        custom_url,
                        placeholder="https://… (host only)",
                        id="base-url-custom",
                        classes="" if url_value == CUSTOM else "-hidden",
                    )
                    yield Static("", id="base-url-hint", classes="hint")
                    yield Static("", id="base-url-error", classes="error -hidden")
            with Horizontal(classes="row"):
                yield Label("Test customer", classes="field-label")
                with Vertical(classes="field"):
                    yield Input(
                        d.customer_id, placeholder="customer id for the probes", id="customer"
                    )
            with Horizontal(classes="row"):
                yield Label("Operator", classes="field-label")
                with Vertical(classes="field"):
                    yield Input(
                        d.operator or self._operator_default(),
                        placeholder="who runs this go-live",
                        id="operator",
                    )
            with Horizontal(
                id="event-names-row",
                classes="row" if _has_field(self._provider, "event_names") else "row -hidden",
            ):
                yield Label("Event names\nyour app sends", classes="field-label")
                with Vertical(classes="field"):
                    yield Input(
                        ", ".join(str(n) for n in event_names)
                        if isinstance(event_names, list)
                        else "",
                        placeholder="comma-separated, e.g. api_call, tokens_used",
                        id="event-names",
                    )
                    yield Static(
                        "exact and case-sensitive; compared with your meters", classes="hint"
                    )
            with Horizontal(classes="row"):
                yield Label("API token", classes="field-label")
                with Vertical(classes="field"):
                    yield Input(password=True, placeholder="hidden as you type", id="token")
                    yield Static("", id="token-error", classes="error -hidden")
                    yield Static("Keyring: checking keyring…", id="keyring-status", classes="hint")
                    yield Checkbox("Use for this run only (not saved)", id="run-only")
                    yield Static("", id="keyring-error", classes="error -hidden")
            with Horizontal(classes="row"):
                yield Label("Webhook URL", classes="field-label")
                with Vertical(classes="field"):
                    yield Input(
                        webhook_url if isinstance(webhook_url, str) else "",
                        placeholder="optional: your webhook endpoint, https://…",
                        id="webhook-url",
                    )
                    yield Static("", id="webhook-url-error", classes="error -hidden")
            with Horizontal(classes="row"):
                yield Label("Webhook secret", classes="field-label")
                with Vertical(classes="field"):
                    yield Input(password=True, placeholder="optional", id="webhook")
        # Below the form, outside its scroll: always in sight, whatever the height.
        with Horizontal(id="setup-buttons"):
            yield Button("Start", variant="primary", id="start")
            yield Button("Quit", id="quit")
        yield Footer()

    def _builtin_label(self, builtin: str) -> str:
        try:
            return f"{checklists.load(builtin).title} ({builtin})"
        except ChecklistError:
            return builtin
