"""The setup screen's keyring side: is a keyring usable, is a token already stored for
the target, and saving the token and webhook secret there in a thread worker.

Importing `keyring` costs about 100 ms, so every keyring call runs in a worker and
reports back with a message; the form paints first.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from textual import on, work
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Static

from golive_tui.core import secrets
from golive_tui.core.errors import SecretStoreError
from golive_tui.core.redact import Redactor, Secret
from golive_tui.core.secrets import SecretKey
from golive_tui.core.state import Target
from golive_tui.core.target_input import check_base_url

# A throwaway entry, only ever read: proves the keyring answers without writing to it.
_PROBE_KEY = ("golive", "sandbox", "https://keyring-check.invalid")


@dataclass(frozen=True)
class SetupResult:
    checklist_spec: str
    """A built-in checklist id or an absolute path to a .toml file."""
    target: Target
    """Provider (from the checklist), environment, base URL, customer, operator, region."""
    token: Secret | None
    """Set only for "use for this run only": the token is then nowhere but here."""
    webhook_secret: Secret | None
    """Likewise; None when it is in the keyring or was not given."""
    stored_in_keyring: bool
    """True when the API token is in the OS keyring (saved now, or already there)."""


# --- messages from the thread workers ------------------------------------------------


@dataclass
class _KeyringChecked(Message):
    backend: str
    usable: bool
    reason: str


@dataclass
class _StoredChecked(Message):
    username: str
    has_token: bool


@dataclass
class _Saved(Message):
    result: SetupResult


@dataclass
class _SaveFailed(Message):
    field: str  # "token" or "keyring"
    message: str


class KeyringSetup(Screen[SetupResult | None]):
    """The keyring half of `SetupScreen`; the form (fields, submit) is the subclass."""

    _keyring: _KeyringChecked | None
    _has_token: bool | None
    _busy: bool
    _provider: str

    @property
    def environment(self) -> str:
        raise NotImplementedError

    def _raw_base_url(self) -> str:
        raise NotImplementedError

    def _show_error(self, widget_id: str, message: str) -> None:
        widget = self.query_one(f"#{widget_id}", Static)
        widget.update(Content.from_markup("✗ $msg", msg=message) if message else "")
        widget.set_class(not message, "-hidden")

    # --- the keyring --------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="setup-keyring", exit_on_error=False)
    def _check_keyring(self) -> None:
        """Which backend, and does it answer? (reads one throwaway entry, writes nothing)"""
        backend = secrets.backend_name()
        try:
            secrets.load(SecretKey(*_PROBE_KEY))
        except SecretStoreError as exc:
            self.post_message(_KeyringChecked(backend, False, exc.message))
            return
        except Exception as exc:  # a broken backend: one line, never a traceback
            self.post_message(_KeyringChecked(backend, False, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(_KeyringChecked(backend, True, ""))

    @on(_KeyringChecked)
    def _keyring_checked(self, event: _KeyringChecked) -> None:
        self._keyring = event
        run_only = self.query_one("#run-only", Checkbox)
        self.query_one("#keyring-status").set_class(not event.usable, "-unusable")
        if event.usable:
            run_only.disabled = False
            self._check_stored()
        else:
            run_only.value = True
            run_only.disabled = True  # nothing to save to: run-only is the only way
        self._show_keyring_status()

    @on(Checkbox.Changed, "#run-only")
    def _show_keyring_status(self) -> None:
        """Say in words where the token goes (the checkbox alone is colour under NO_COLOR)."""
        kr = self._keyring
        run_only = self.query_one("#run-only", Checkbox).value
        if kr is None:
            text = "Keyring: checking keyring…"
        elif not kr.usable:
            reason = (
                kr.reason if kr.backend in kr.reason else f"{kr.reason} (backend: {kr.backend})"
            )
            text = f"⚠ Keyring not usable: {reason}"
        else:
            text = f"Keyring: {kr.backend}"
            if self._has_token and not run_only:
                text += " · a token for this target is stored: leave blank to keep it"
            elif not run_only:
                text += " · the token is saved there when you start"
        if run_only:
            text += "\nThe token is used for this run only: kept in memory, never saved."
        self.query_one("#keyring-status", Static).update(Content(text))

    def _current_key(self) -> SecretKey | None:
        try:
            url = check_base_url(self._raw_base_url(), self.environment, self._provider)
            return SecretKey(self._provider or "other", self.environment, url)
        except (ValueError, SecretStoreError):
            return None

    def _check_stored(self) -> None:
        if self._keyring is None or not self._keyring.usable:
            return
        key = self._current_key()
        self._has_token = None
        self._show_keyring_status()
        if key is not None:
            self._load_stored(key)

    @work(thread=True, exclusive=True, group="setup-stored", exit_on_error=False)
    def _load_stored(self, key: SecretKey) -> None:
        try:
            found = secrets.load(key) is not None
        except Exception:  # reported when the user starts; a hint is not worth an error
            return
        self.post_message(_StoredChecked(key.username, found))

    @on(_StoredChecked)
    def _stored_checked(self, event: _StoredChecked) -> None:
        key = self._current_key()
        if key is not None and key.username == event.username:
            self._has_token = event.has_token
            self._show_keyring_status()

    # --- saving ---------------------------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        group="setup-save",
        exit_on_error=False,
        description="saving the token in the keyring",
    )
    def _save(
        self,
        spec: str,
        target: Target,
        token: Secret | None,
        webhook: Secret | None,
        run_only: bool,
    ) -> None:
        if run_only:
            self.post_message(_Saved(SetupResult(spec, target, token, webhook, False)))
            return
        key = SecretKey(target.provider, target.environment, target.base_url)
        try:
            if token:
                secrets.store(key, token)
            elif secrets.load(key) is None:
                self.post_message(
                    _SaveFailed("token", f"paste the API token: there is none for {key.label}")
                )
                return
            if webhook:
                secrets.store(dataclasses.replace(key, kind="webhook-secret"), webhook)
        except SecretStoreError as exc:
            self.post_message(_SaveFailed("keyring", exc.message))
            return
        except Exception as exc:  # a keyring bug: one line, scrubbed, never a traceback
            line = Redactor([s for s in (token, webhook) if s]).text(f"{type(exc).__name__}: {exc}")
            self.post_message(_SaveFailed("keyring", f"keyring error ({line})"))
            return
        self.post_message(_Saved(SetupResult(spec, target, None, None, True)))

    @on(_SaveFailed)
    def _save_failed(self, event: _SaveFailed) -> None:
        self._busy = False
        self.query_one("#start", Button).disabled = False
        if event.field == "token":
            self._show_error("token-error", event.message)
            self.query_one("#token", Input).focus()
            return
        self._show_error(
            "keyring-error",
            f"not saved: {event.message}. “Use for this run only” is now ticked:"
            " start again to go on without saving, or untick it to retry.",
        )
        self.query_one("#run-only", Checkbox).value = True
        self.query_one("#start", Button).focus()

    @on(_Saved)
    def _saved(self, event: _Saved) -> None:
        # The result holds the only copies now (or none, when they went to the keyring).
        self.query_one("#token", Input).value = ""
        self.query_one("#webhook", Input).value = ""
        self.dismiss(event.result)
