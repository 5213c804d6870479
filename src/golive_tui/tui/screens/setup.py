"""The setup screen: which checklist, which account, and the token that reaches it.

It also asks for the probe parameters a real account cannot tell golive: the app's
webhook endpoint (every provider) and, where the provider asks for it
(`Provider.setup_fields`), the event names the app sends. They go into
`Target.settings` ("webhook_url", "event_names"); other settings given in the
defaults are kept.

A single scrolling form (its widgets: `setup_form.py`) that fits 80×24, its buttons
below it. Every field is reachable with Tab, Enter
moves to the next field (and starts from the last one), ctrl+s starts from
anywhere, esc quits.

Secrets: the API token and the webhook secret are typed into masked inputs and
saved to the OS keyring (`core.secrets`) in a thread worker. When no keyring is
usable the screen says which backend it found and why it is refused, and the
token is used for this run only: kept in memory as a `Secret`, never written to a
file. The keyring is probed in a thread worker too, because importing `keyring`
costs about 100 ms and must not delay the first paint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    RadioButton,
    RadioSet,
    Select,
    Static,
)

from golive_tui.core import checklist as checklists
from golive_tui.core import providers
from golive_tui.core.checklist import Checklist
from golive_tui.core.errors import ChecklistError
from golive_tui.core.provider import Provider
from golive_tui.core.redact import Secret
from golive_tui.core.state import Target
from golive_tui.core.target_input import (
    check_base_url,
    check_webhook_url,
    parse_event_names,
    provider_hosts,
)
from golive_tui.core.target_input import default_operator as _default_operator
from golive_tui.tui.screens.setup_form import CUSTOM, OWN_FILE, SetupForm, _has_field
from golive_tui.tui.screens.setup_keyring import KeyringSetup, SetupResult

__all__ = [
    "CUSTOM",
    "OWN_FILE",
    "SetupResult",
    "SetupScreen",
    "check_base_url",
    "check_webhook_url",
    "parse_event_names",
]


def _provider(name: str) -> Provider | None:
    return providers.find(name)


_NO_PATH = "give the path to your checklist .toml file"


class SetupScreen(SetupForm, KeyringSetup):
    """Collects a `SetupResult`; dismissed with None when the user quits."""

    CSS_PATH = "setup.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "submit",
            "Start",
            tooltip="Save the token and start the checklist.",
            id="setup.submit",
        ),
        Binding("escape", "quit_setup", "Quit", tooltip="Leave without starting.", id="setup.quit"),
    ]

    def __init__(self, defaults: Target | None = None, checklist_spec: str | None = None) -> None:
        """Args:
        defaults: a target to pre-fill (e.g. from the state file).
        checklist_spec: a built-in id or a path to pre-select.
        """
        super().__init__()
        self.defaults = defaults or Target()
        self._builtins = checklists.builtin_ids()
        self._checklist: Checklist | None = None
        self._spec = ""
        self._provider = ""
        self._keyring = None  # None while checking
        self._busy = False
        self._checklist_error = ""
        self._has_token: bool | None = None  # for the current target; None: not known
        self._first_choice, self._first_path = self._initial_checklist(checklist_spec)

    def _operator_default(self) -> str:
        return _default_operator()

    def on_mount(self) -> None:
        # One line per field, no borders: the whole form fits 80×24 with its buttons.
        for widget in self.query("Input, Select, RadioSet, Checkbox, Button"):
            widget.compact = True  # type: ignore[attr-defined]
        self._show_checklist_info()
        self._apply_environment()
        self._apply_base_url()
        self._check_keyring()

    # --- checklist ----------------------------------------------------------------------

    def _load_choice(self, choice: str, path: str, *, update: bool = True) -> bool:
        """Load the chosen checklist; on error keep the message for the info line."""
        self._checklist_error = ""
        if choice == OWN_FILE:
            if not path.strip():
                self._checklist, self._spec = None, ""
                self._checklist_error = _NO_PATH
                return False
            spec = str(Path(path.strip()).expanduser().absolute())
        else:
            spec = choice
        try:
            loaded = checklists.load(spec)
        except ChecklistError as exc:
            self._checklist, self._spec = None, ""
            self._checklist_error = exc.message
            return False
        self._checklist, self._spec = loaded, spec
        if loaded.provider != self._provider:
            self._provider = loaded.provider
            if update:
                self._set_provider_presets()
                self.query_one("#event-names-row").set_class(
                    not _has_field(self._provider, "event_names"), "-hidden"
                )
        return True

    def _show_checklist_info(self) -> None:
        info = self.query_one("#checklist-info", Static)
        if self._checklist is not None:
            cl = self._checklist
            info.update(f"{len(cl.items())} items · provider: {cl.provider}")
            info.set_classes("hint")
        elif self._checklist_error == _NO_PATH:
            info.update(_NO_PATH.capitalize() + ", then press Enter.")
            info.set_classes("hint")
        elif self._checklist_error:
            info.update(Content.from_markup("✗ $msg", msg=self._checklist_error))
            info.set_classes("error")

    def _reload_checklist(self) -> bool:
        choice = self.query_one("#checklist", Select).value
        path = self.query_one("#checklist-path", Input)
        path.set_class(choice != OWN_FILE, "-hidden")
        ok = self._load_choice(str(choice), path.value)
        self._show_checklist_info()
        return ok

    @on(Select.Changed, "#checklist")
    def _checklist_changed(self) -> None:
        self._reload_checklist()
        if self.query_one("#checklist", Select).value == OWN_FILE:
            self.query_one("#checklist-path", Input).focus()

    @on(Input.Blurred, "#checklist-path")
    def _path_blurred(self) -> None:
        if self.query_one("#checklist", Select).value == OWN_FILE:
            self._reload_checklist()

    # --- environment and base URL -------------------------------------------------------

    @property
    def environment(self) -> str:
        return "production" if self.query_one("#env-production", RadioButton).value else "sandbox"

    @on(RadioSet.Changed, "#environment")
    def _apply_environment(self) -> None:
        production = self.environment == "production"
        self.set_class(production, "-production")
        self.query_one("#env-warning").set_class(not production, "-hidden")
        banner = self.query_one("#setup-banner", Static)
        if production:
            banner.update("⚠ PRODUCTION · golive setup · a live account: writes ask first")
        else:
            banner.update("golive setup · environment: sandbox")
        self._apply_base_url()

    def _set_provider_presets(self) -> None:
        select = self.query_one("#base-url", Select)
        select.set_options(self._base_url_options(self._provider))
        self._apply_base_url()

    def _raw_base_url(self) -> str:
        value = self.query_one("#base-url", Select).value
        if value == CUSTOM:
            return self.query_one("#base-url-custom", Input).value.strip()
        return str(value)

    @on(Select.Changed, "#base-url")
    def _apply_base_url(self) -> None:
        custom = self.query_one("#base-url", Select).value == CUSTOM
        self.query_one("#base-url-custom").set_class(not custom, "-hidden")
        hints = []
        found = _provider(self._provider)
        if found is not None and found.base_url_hint:
            hints.append(found.base_url_hint)
        if custom:
            hints.append(
                "https only; plain http just for a loopback sandbox (localhost)."
                if self.environment == "sandbox"
                else "Production needs https."
            )
        hint = self.query_one("#base-url-hint", Static)
        hint.update(" ".join(hints))
        hint.set_class(not hints, "-hidden")
        self._show_error("base-url-error", "")
        self._check_stored()

    @on(Input.Blurred, "#base-url-custom")
    def _custom_url_blurred(self) -> None:
        self._check_stored()

    # --- probe settings -----------------------------------------------------------------

    def _checked_webhook_url(self) -> str | None:
        """The URL ("" when not given), or None after showing why it is refused."""
        try:
            url = check_webhook_url(self.query_one("#webhook-url", Input).value, self.environment)
        except ValueError as exc:
            self._show_error("webhook-url-error", str(exc))
            return None
        self._show_error("webhook-url-error", "")
        return url

    @on(Input.Blurred, "#webhook-url")
    def _webhook_url_blurred(self) -> None:
        self._checked_webhook_url()

    @on(Input.Changed, "#webhook-url")
    def _webhook_url_changed(self) -> None:
        self._show_error("webhook-url-error", "")

    def _settings(self, provider: str, webhook_url: str) -> dict[str, Any]:
        """The defaults' settings (same provider only), with the form's fields on top."""
        d = self.defaults
        settings = dict(d.settings) if d.provider in ("", provider) else {}
        settings.pop("webhook_url", None)
        if webhook_url:
            settings["webhook_url"] = webhook_url
        if _has_field(provider, "event_names"):
            settings.pop("event_names", None)
            names = parse_event_names(self.query_one("#event-names", Input).value)
            if names:
                settings["event_names"] = names
        return settings

    # --- submit -------------------------------------------------------------------------

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "webhook":
            self.action_submit()
            return
        if event.input.id == "checklist-path" and not self._reload_checklist():
            return
        self.focus_next()

    @on(Button.Pressed, "#start")
    def action_submit(self) -> None:
        if self._busy:
            return
        first_bad: str | None = None
        if not self._reload_checklist():
            first_bad = "checklist-path" if self._own_file_chosen() else "checklist"
        environment = self.environment
        url = ""
        try:
            url = check_base_url(self._raw_base_url(), environment, self._provider)
            self._show_error("base-url-error", "")
        except ValueError as exc:
            self._show_error("base-url-error", str(exc))
            if first_bad is None:
                custom = self.query_one("#base-url", Select).value == CUSTOM
                first_bad = "base-url-custom" if custom else "base-url"
        token = self.query_one("#token", Input).value.strip()
        webhook = self.query_one("#webhook", Input).value.strip()
        run_only = self.query_one("#run-only", Checkbox).value
        self._show_error("token-error", "")
        if run_only and not token:
            self._show_error("token-error", "paste the API token: it is used for this run only")
            first_bad = first_bad or "token"
        webhook_url = self._checked_webhook_url()
        if webhook_url is None:
            first_bad = first_bad or "webhook-url"
        if first_bad is not None:
            self.query_one(f"#{first_bad}").focus()
            return
        assert self._checklist is not None and webhook_url is not None
        region = next(
            (p.region for p in provider_hosts(self._provider) if p.url == url),
            self.defaults.region if url == self.defaults.base_url.rstrip("/") else "",
        )
        target = Target(
            provider=self._checklist.provider,
            environment="production" if environment == "production" else "sandbox",
            base_url=url,
            customer_id=self.query_one("#customer", Input).value.strip(),
            operator=self.query_one("#operator", Input).value.strip(),
            region=region,
            settings=self._settings(self._checklist.provider, webhook_url),
        )
        self._busy = True
        self.query_one("#start", Button).disabled = True
        self._show_error("keyring-error", "")
        self._save(
            self._spec,
            target,
            Secret(token) if token else None,
            Secret(webhook) if webhook else None,
            run_only,
        )

    def _own_file_chosen(self) -> bool:
        return self.query_one("#checklist", Select).value == OWN_FILE

    @on(Button.Pressed, "#quit")
    def action_quit_setup(self) -> None:
        self.query_one("#token", Input).value = ""
        self.query_one("#webhook", Input).value = ""
        self.dismiss(None)
