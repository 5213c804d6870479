"""Regenerate the README's SVG screenshots from the demo sandbox.

Run: .venv/bin/python scripts/screenshots.py [--out screenshots]

Each screenshot drives the real app headless (`App.run_test`, 120×36) against
golive's Metronome sandbox on loopback, with a random token held in memory (as
`golive demo` does), and saves `App.export_screenshot()` under a fixed name:

- setup.svg          the setup screen of a new session, filled in
- main.svg           a section whose probes were all run and passed
- failing-probe.svg  a failing probe (sandbox fault `wrong-tier-math`)
- confirm-write.svg  the typed confirmation before a probe writes to production
- help.svg           the help screen
- overview.svg       the launch overview (o) after every probe ran (R), one fault
- override.svg       done over a failing probe: the override dialog asks why
- signoff.svg        the sign-off dialog (g on the overview)

The sandbox listens on a fixed port when it is free, so the header's URL stays the
same between runs; timings, run ids and dates still change. The script fails if the
token or the webhook secret appears in any SVG. Your own keymap/theme config is
ignored, and the OS keyring is never written to.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import html
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from golive_tui.commands.demo import demo_target, new_sandbox
from golive_tui.core import checklist as checklists
from golive_tui.core.redact import Secret
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.state import StateFile

ROOT = Path(__file__).resolve().parent.parent
SIZE = (120, 36)
PORT = 47_811  # fixed when free, so the URL in the header is stable

Scene = Callable[[Any], Awaitable[None]]


@contextmanager
def sandbox(*faults: str) -> Iterator[tuple[SandboxServer, Secret, Secret]]:
    sb, token = new_sandbox(faults)
    try:
        server = SandboxServer(sb, port=PORT).start()
    except OSError:
        server = SandboxServer(sb).start()
    try:
        yield server, token, Secret(sb.webhook_secret)
    finally:
        server.stop()


def new_state(folder: Path, server: SandboxServer, **target_changes: Any) -> Path:
    path = folder / "golive-state.toml"
    path.unlink(missing_ok=True)
    target = dataclasses.replace(demo_target(server.app, server.base_url), **target_changes)
    checklist = checklists.load("metronome")
    with StateFile.open(path, checklist=checklist, source="metronome", target=target, create=True):
        pass
    return path


async def settle(pilot: Any, *, keep_notices: bool = False) -> None:
    """Workers done, cursors steady (no blink), toasts cleared unless they are the point."""
    from textual.widgets import Input, TextArea

    app = pilot.app
    for _ in range(2):
        await app.workers.wait_for_complete()
        await pilot.pause()
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False
    if not keep_notices:
        app.clear_notifications()
    await pilot.pause()


async def wait_for_screen(pilot: Any, screen_type: type, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if isinstance(pilot.app.screen, screen_type):
            return
        await pilot.pause(0.05)
    raise SystemExit(f"screenshots: {screen_type.__name__} did not appear")


async def shoot(app: Any, scene: Scene, out: Path) -> str:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await scene(pilot)
        svg: str = app.export_screenshot(title="golive")
        app.shutdown_state()
        app.exit()
    out.write_text(svg, encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return svg


async def main_async(out_dir: Path, work: Path) -> dict[Path, str]:
    from golive_tui.tui.app import make_app
    from golive_tui.tui.dialogs.confirm_write import ConfirmWriteScreen
    from golive_tui.tui.screens.main import MainScreen
    from golive_tui.tui.screens.setup import SetupScreen

    shots: dict[Path, str] = {}
    secrets: list[str] = []

    with sandbox() as (server, token, hook):
        secrets += [token.reveal(), hook.reveal()]

        # 1. Setup: a new session (no state file yet), the form filled in.
        async def setup(pilot: Any) -> None:
            from textual.widgets import Input

            assert isinstance(pilot.app.screen, SetupScreen)
            screen = pilot.app.screen
            screen.query_one("#customer", Input).value = server.app.demo.customer_alias
            screen.query_one("#operator", Input).value = "dana"
            screen.query_one("#token", Input).value = "x" * 24  # masked; not the token
            await settle(pilot)

        state = work / "golive-state.toml"
        state.unlink(missing_ok=True)
        path = out_dir / "setup.svg"
        shots[path] = await shoot(make_app(state), setup, path)

        # 2. Main: the first section's probes, all passing; two items marked.
        async def main_screen(pilot: Any) -> None:
            main = pilot.app.screen
            assert isinstance(main, MainScreen)
            await pilot.press("ctrl+r")
            await settle(pilot)
            await pilot.press("space", "j", "space", "j")
            await settle(pilot)

        state = new_state(work, server)
        app = make_app(state, token=token, webhook_secret=hook)
        path = out_dir / "main.svg"
        shots[path] = await shoot(app, main_screen, path)

        # 4. Production: the typed confirmation before a probe writes (then refused).
        async def confirm(pilot: Any) -> None:
            main = pilot.app.screen
            assert isinstance(main, MainScreen)
            assert main.item_id == "usage.required-fields"  # probe ingest-dedup writes
            await pilot.press("r")
            await wait_for_screen(pilot, ConfirmWriteScreen)
            await pilot.press(*"prod")
            await pilot.pause()
            from textual.widgets import Input

            for widget in pilot.app.screen.query(Input):
                widget.cursor_blink = False
            pilot.app.clear_notifications()
            await pilot.pause()

        state = new_state(work, server, environment="production")
        app = make_app(state, token=token, webhook_secret=hook)
        path = out_dir / "confirm-write.svg"
        shots[path] = await shoot(app, confirm, path)

        # 5. Help.
        async def help_screen(pilot: Any) -> None:
            await pilot.press("question_mark")
            await settle(pilot)

        state = new_state(work, server)
        path = out_dir / "help.svg"
        shots[path] = await shoot(make_app(state, token=token), help_screen, path)

    # 3. A failing probe: the sandbox bills a tier at the wrong price.
    with sandbox("wrong-tier-math") as (server, token, hook):
        secrets += [token.reveal(), hook.reveal()]

        async def failing(pilot: Any) -> None:
            main = pilot.app.screen
            assert isinstance(main, MainScreen)
            main.jump_to("pricing.tier-boundaries")
            await pilot.pause()
            await pilot.press("ctrl+r")
            await settle(pilot, keep_notices=True)

        state = new_state(work, server)
        app = make_app(state, token=token, webhook_secret=hook)
        path = out_dir / "failing-probe.svg"
        shots[path] = await shoot(app, failing, path)

        # 6. Every probe run (R), a few items attested, then the overview (o).
        async def run_all(pilot: Any) -> None:
            main = pilot.app.screen
            assert isinstance(main, MainScreen)
            await pilot.press("R")
            await settle(pilot)
            main.jump_to("usage.idempotency")
            await pilot.pause()
            await pilot.press("space")
            await settle(pilot)

        async def overview(pilot: Any) -> None:
            await run_all(pilot)
            await pilot.press("o")
            await settle(pilot)

        state = new_state(work, server)
        app = make_app(state, token=token, webhook_secret=hook)
        path = out_dir / "overview.svg"
        shots[path] = await shoot(app, overview, path)

        # 7. Done over a failing probe: the override dialog asks why.
        async def override(pilot: Any) -> None:
            from golive_tui.tui.dialogs.override import OverrideScreen

            await run_all(pilot)
            pilot.app.screen.jump_to("pricing.tier-boundaries")
            await pilot.pause()
            await pilot.press("space")
            await wait_for_screen(pilot, OverrideScreen)
            await pilot.press(*"tier fix ships Monday")
            await settle(pilot)

        state = new_state(work, server)
        app = make_app(state, token=token, webhook_secret=hook)
        path = out_dir / "override.svg"
        shots[path] = await shoot(app, override, path)

        # 8. Sign-off from the overview (g).
        async def signoff(pilot: Any) -> None:
            from golive_tui.tui.dialogs.signoff import SignoffScreen

            await overview(pilot)
            await pilot.press("g")
            await wait_for_screen(pilot, SignoffScreen)
            await settle(pilot)

        state = new_state(work, server)
        app = make_app(state, token=token, webhook_secret=hook)
        path = out_dir / "signoff.svg"
        shots[path] = await shoot(app, signoff, path)

    leaks = sorted(
        {
            path
            for path, svg in shots.items()
            for secret in secrets
            if secret in svg or secret in html.unescape(svg)
        }
    )
    for path in leaks:
        path.unlink(missing_ok=True)
    if leaks:
        names = ", ".join(path.name for path in leaks)
        raise SystemExit(f"screenshots: a secret appears in {names}; those files were removed")
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    args = parser.parse_args()
    out_dir: Path = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="golive-shots-") as tmp:
        work = Path(tmp)
        # Never the developer's keymap or theme; never the real keyring.
        os.environ["GOLIVE_CONFIG"] = str(work / "no-config.toml")
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        shots = asyncio.run(main_async(out_dir, work))
    print(f"{len(shots)} screenshots, no secret in any of them")


if __name__ == "__main__":
    sys.exit(main())
