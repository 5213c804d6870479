"""The golive app: resume a session or set one up, then the main screen.

`make_app` is the one way to build it (the CLI, `golive demo`, the tests and the
screenshot scripts all use it). It opens the state file before Textual runs, so a
state held by another golive or a broken file is a one-line `GoliveError` (exit 2)
and the file is left untouched.

Kept off the first paint: keyring (loaded in a thread the first time a probe needs
the token) and httpx (imported by the probe engine inside the probe worker).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from golive_tui.core import checklist as checklists
from golive_tui.core.checklist import Checklist
from golive_tui.core.errors import GoliveError, SecretStoreError, StateError
from golive_tui.core.redact import Redactor, Secret
from golive_tui.core.state import StateFile
from golive_tui.tui import bindings, keymap
from golive_tui.tui.keymap import Config
from golive_tui.tui.palette import GoliveCommands
from golive_tui.tui.screens.main import MainScreen

if TYPE_CHECKING:
    from golive_tui.tui.screens.setup import SetupResult

Clock = Callable[[], datetime]


class GoliveApp(App[int]):
    """Returns the exit code: 0 normally, 2 when the session could not be opened."""

    CSS_PATH = "golive.tcss"
    TITLE = "golive"
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {GoliveCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", tooltip="Save and quit", id="quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit-now"),
        Binding("question_mark", "help", "Help", tooltip="Keys and how-to", id="help"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Palette",
            show=False,
            tooltip="Jump to an item, run a probe, export, switch theme",
            priority=True,
            id="command-palette",
        ),
    ]

    def __init__(
        self,
        state_path: Path,
        *,
        checklist: Checklist | None,
        state_file: StateFile | None,
        checklist_spec: str | None = None,
        token: Secret | None = None,
        webhook_secret: Secret | None = None,
        config: Config | None = None,
        clock: Clock | None = None,
        use_keyring: bool = True,
    ) -> None:
        super().__init__()
        self.use_keyring = use_keyring
        """False: secrets are asked for (run-only) instead of read from the keyring."""
        self.state_path = state_path
        self.checklist = checklist
        self.state_file = state_file
        self.checklist_spec = checklist_spec
        self.token = token
        self.webhook_secret = webhook_secret
        self._webhook_looked_up = webhook_secret is not None
        self.config = config or Config()
        self.clock = clock
        self.error: str | None = None
        """A one-line error for the CLI to print after the app exits (exit code 2)."""
        self.notices: list[str] = []
        """Every notification shown, in order (tests and scripts read it)."""
        self.last_export: Path | None = None
        self._redactor = Redactor(s for s in (token, webhook_secret) if s)
        self._token_lock = asyncio.Lock()

    # --- helpers ---------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock() if self.clock else datetime.now(UTC)

    def redact(self, text: str) -> str:
        """Blank the session's token and webhook secret wherever they appear."""
        return self._redactor(text)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        self.notices.append(message)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    @property
    def main_screen(self) -> MainScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    # --- start-up ---------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        if self.state_file is not None and self.checklist is not None:
            return MainScreen(self.checklist, self.state_file, resumed=True)
        return super().get_default_screen()

    def on_mount(self) -> None:
        if self.config.theme:
            self.theme = self.config.theme
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        for warning in self.config.warnings:
            self.notify(warning, title="config", severity="warning", timeout=10)
        if self.state_file is None:
            from golive_tui.tui.screens.setup import SetupScreen

            self.push_screen(
                SetupScreen(defaults=None, checklist_spec=self.checklist_spec), self._setup_done
            )

    def on_ready(self) -> None:
        # A second after the first frame, not before it: the collection is a pause.
        self.set_timer(1.0, freeze_long_lived, name="gc freeze")

    def _setup_done(self, result: SetupResult | None) -> None:
        if result is None:
            self.exit(0)
            return
        from golive_tui.commands._session import checklist_source

        try:
            checklist = checklists.load(result.checklist_spec)
            state_file = StateFile.open(
                self.state_path,
                checklist=checklist,
                source=checklist_source(result.checklist_spec),
                target=result.target,
                create=True,
            )
        except GoliveError as exc:
            self.error = exc.message
            self.exit(exc.exit_code)
            return
        if result.token is not None:
            self.token = result.token
        if result.webhook_secret is not None:
            self.webhook_secret = result.webhook_secret
            self._webhook_looked_up = True
        self._redactor = Redactor(s for s in (self.token, self.webhook_secret) if s)
        self.checklist, self.state_file = checklist, state_file
        self.push_screen(MainScreen(checklist, state_file, resumed=False))

    # --- secrets (called from probe workers) ---------------------------------------------

    async def acquire_token(self) -> Secret | None:
        """The API token: in memory, else the keyring (in a thread), else ask for it."""
        async with self._token_lock:
            if self.token is not None:
                return self.token
            assert self.state_file is not None
            from golive_tui.core import secrets

            target = self.state_file.state.target
            try:
                key = secrets.SecretKey(target.provider, target.environment, target.base_url)
            except GoliveError as exc:
                self.notify(exc.message, severity="error", timeout=10)
                return None
            usable = self.use_keyring
            found = None
            try:
                if usable:
                    found = await asyncio.to_thread(secrets.load, key)
            except SecretStoreError as exc:
                usable = self.use_keyring = False  # the webhook secret is asked for too
                self.notify(exc.message, title="keyring", severity="warning", timeout=10)
            if found is None:
                from golive_tui.tui.dialogs.token import TokenScreen

                backend = await asyncio.to_thread(secrets.backend_name)
                answer = await self.push_screen_wait(TokenScreen(key.label, backend, usable))
                if answer is None:
                    return None
                found = answer.token
                if answer.remember and usable:
                    try:
                        await asyncio.to_thread(secrets.store, key, found)
                        self.notify(f"stored the {key.label} in the keyring ({backend})")
                    except SecretStoreError as exc:
                        self.notify(exc.message, title="keyring", severity="warning", timeout=10)
            self.token = found
            self._redactor = Redactor(s for s in (self.token, self.webhook_secret) if s)
            return found

    async def stored_token(self) -> Secret | None:
        """The API token in memory or in the keyring, never asking (background re-reads:
        a dialog nobody asked for must not pop up). The same key as `acquire_token`."""
        async with self._token_lock:
            if self.token is not None or not self.use_keyring:
                return self.token
            assert self.state_file is not None
            from golive_tui.core import secrets

            target = self.state_file.state.target
            try:
                key = secrets.SecretKey(target.provider, target.environment, target.base_url)
                found = await asyncio.to_thread(secrets.load, key)
            except GoliveError:  # no usable key or keyring: the probe run will say why
                return None
            if found is not None:
                self.token = found
                self._redactor = Redactor(s for s in (self.token, self.webhook_secret) if s)
            return found

    async def acquire_webhook_secret(self, *, ask: bool = False) -> Secret | None:
        """The webhook secret: in memory, else the keyring. Without a usable keyring it is
        asked for (run-only, never saved) when `ask` (a probe needs it); otherwise None
        and the probe warns."""
        async with self._token_lock:  # one question at a time, asked once
            return await self._webhook_secret(ask)

    async def _webhook_secret(self, ask: bool) -> Secret | None:
        if self._webhook_looked_up:
            return self.webhook_secret
        assert self.state_file is not None
        from golive_tui.core import secrets

        target = self.state_file.state.target
        try:
            key = secrets.SecretKey(
                target.provider, target.environment, target.base_url, kind="webhook-secret"
            )
        except GoliveError:
            self._webhook_looked_up = True
            return None
        if self.use_keyring:
            try:
                self.webhook_secret = await asyncio.to_thread(secrets.load, key)
                self._webhook_looked_up = True
            except SecretStoreError:
                self.use_keyring = False
        if not self.use_keyring and ask:
            # `golive token set` cannot work here: ask, once, for this run only.
            from golive_tui.tui.dialogs.token import TokenScreen

            self._webhook_looked_up = True
            answer = await self.push_screen_wait(TokenScreen(key.label, "none", False))
            self.webhook_secret = answer.token if answer is not None else None
        self._redactor = Redactor(s for s in (self.token, self.webhook_secret) if s)
        return self.webhook_secret

    # --- actions ----------------------------------------------------------------------------

    def action_help(self) -> None:
        from golive_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_help_quit(self) -> None:
        """ctrl+c: say how to quit, in plain words (Textual's hint is markup, and this
        app's notices are plain text, so it showed "[b]ctrl+q[/b]")."""
        keys = [
            self.get_key_display(active.binding)
            for active in self.active_bindings.values()
            if active.binding.action in ("quit", "app.quit")
        ]
        shown = " or ".join(dict.fromkeys(keys)) or "ctrl+q"
        self.notify(f"press {shown} to quit", title="Do you want to quit?")

    async def action_quit(self) -> None:
        self.shutdown_state()
        self.exit(0)

    def shutdown_state(self) -> None:
        """Save the cursor and release the state file (idempotent; quitting calls it)."""
        main = self.main_screen
        if main is not None:
            main.flush_cursor()
        for worker in list(self.workers):
            worker.cancel()
        if self.state_file is not None:
            self.state_file.close()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's, less its "Theme": the palette's "Switch theme: light/dark" are
        golive's (the same names as `theme = "light"` in the config), listed once."""
        for command in super().get_system_commands(screen):
            if command.title != "Theme":
                yield command

    def binding_rows(self) -> list[tuple[str, str, str]]:
        """(binding id, keys as shown, description) from the live keymap, for the help."""
        from golive_tui.tui.bindings import help_rows

        return help_rows(self, self._keymap)

    def set_theme_choice(self, theme: str) -> None:
        self.theme = theme
        self.notify(f"theme: {theme}")


def freeze_long_lived(*, collect: bool = True) -> None:
    """Move what exists now (modules, checklist, state, screens) out of the GC's sight.

    Called a second after the first frame (collecting first, so that no garbage is
    kept forever; that collection is a one-off pause of 15–60 ms), and again, without
    collecting, right after the probe engine (httpx) is first imported. Without it every
    full collection walks all of it: a 25–45 ms pause, every few hundred ms while
    probes run, that delays key presses (benchmarks/ui_latency.py). It also turns the
    GC back on: `golive` starts with it off (commands/tui.py) to reach the first frame
    sooner.
    """
    if collect:
        gc.collect()
    gc.freeze()
    gc.enable()


def make_app(
    state_path: str | Path,
    checklist_spec: str | None = None,
    *,
    token: Secret | None = None,
    webhook_secret: Secret | None = None,
    config_path: str | Path | None = None,
    clock: Clock | None = None,
    use_keyring: bool = True,
) -> GoliveApp:
    """Open the session at `state_path` (if it exists) and build the app around it.

    Raises `GoliveError` (one line, exit 2) when the state is held by another golive,
    cannot be read, or tracks another checklist, or when the config's keymap gives two
    actions the same key; nothing is written in that case.
    """
    path = Path(state_path)
    if not path.parent.is_dir():
        raise StateError(f"{path}: folder {path.parent} does not exist; create it first")
    cfg_file = keymap.config_path(config_path)
    config = keymap.load_config(
        cfg_file,
        binding_ids=bindings.ids(),
        themes=None,
        explicit=config_path is not None,
    )
    clash = keymap.conflict(cfg_file, bindings.scopes(), config.keymap)
    if clash is not None:
        raise GoliveError(clash)
    checklist: Checklist | None = None
    state_file: StateFile | None = None
    if path.exists():
        from golive_tui.commands._session import open_existing

        checklist, state_file = open_existing(path, checklist_spec)
    app = GoliveApp(
        path,
        checklist=checklist,
        state_file=state_file,
        checklist_spec=checklist_spec,
        token=token,
        webhook_secret=webhook_secret,
        config=config,
        clock=clock,
        use_keyring=use_keyring,
    )
    if config.theme and config.theme not in app.available_themes:
        config.warnings.append(
            f"{cfg_file}: theme {config.theme!r} is unknown; known themes:"
            f" {', '.join(sorted(app.available_themes))}"
        )
        config.theme = None
    return app
