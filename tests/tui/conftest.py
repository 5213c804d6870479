"""Fixtures for the app's Pilot tests: an in-memory keyring, a sandbox, state files.

Real HTTP on loopback against golive's Metronome sandbox; the keyring is a dict
installed with `keyring.set_keyring()` (restored after each test); the config file
is pointed at a missing file so the developer's own keymap never leaks in; the
clock is fixed so "saved … ago" is stable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from golive_tui.core import checklist as checklists
from golive_tui.core.redact import Secret
from golive_tui.core.state import StateFile, Target
from memory_keyring import MemoryKeyring

FIXED_NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return FIXED_NOW


@pytest.fixture(autouse=True)
def memory_keyring(memory_keyring: MemoryKeyring) -> MemoryKeyring:
    """Every app test gets the in-memory keyring of tests/conftest.py."""
    return memory_keyring


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_CONFIG", str(tmp_path / "no-such-config.toml"))
    monkeypatch.delenv("NO_COLOR", raising=False)


@dataclass
class Sandbox:
    app: Any  # MetronomeSandbox
    token: Secret
    webhook_secret: Secret
    base_url: str

    def target(self, **changes: Any) -> Target:
        from golive_tui.commands.demo import demo_target

        return dataclasses.replace(demo_target(self.app, self.base_url), **changes)

    def requests(self, path: str) -> list[Any]:
        return [rec for rec in self.app.log if rec.path == path]


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    from golive_tui.commands.demo import new_sandbox
    from golive_tui.core.sandbox.server import SandboxServer

    servers: list[SandboxServer] = []

    def start(*faults: str, slow_seconds: float | None = None) -> Sandbox:
        sb, token = new_sandbox(faults)
        if slow_seconds is not None:
            sb.slow_seconds = slow_seconds
        server = SandboxServer(sb).start()
        servers.append(server)
        return Sandbox(sb, token, Secret(sb.webhook_secret), server.base_url)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory()


def make_state(path: Path, target: Target, checklist: str = "metronome") -> Path:
    """A fresh state file for `target` (closed again, so the app can open it)."""
    cl = checklists.load(checklist)
    with StateFile.open(path, checklist=cl, source=checklist, target=target, create=True):
        pass
    return path


def screen_text(app: Any) -> str:
    """What the terminal shows, as plain text (colour and style dropped)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def widget_text(app: Any, selector: str) -> str:
    """The plain text a Static (or any widget) currently renders."""
    content = app.screen.query_one(selector).content
    return str(getattr(content, "plain", content))


async def wait_for_screen(pilot: Any, screen_type: type, *, seconds: float = 2.0) -> Any:
    """Let the app run until a `screen_type` is on top (a worker pushes it); return it."""
    app = pilot.app
    for _ in range(int(seconds / 0.05)):
        if isinstance(app.screen, screen_type):
            break
        await pilot.pause(0.05)
    assert isinstance(app.screen, screen_type), f"{screen_type.__name__} never showed"
    return app.screen


async def give_override_reason(pilot: Any, reason: str = "handled elsewhere") -> None:
    """Answer the override dialog a blocker set aside (or a done over a failing probe)
    brings up: the app records nothing until a reason is given."""
    from golive_tui.tui.dialogs.override import OverrideScreen

    await wait_for_screen(pilot, OverrideScreen)
    await pilot.press(*reason, "enter")
    await pilot.pause()
