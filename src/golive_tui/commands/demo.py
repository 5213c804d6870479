"""`golive demo`: golive against a local Metronome sandbox, no account needed.

Starts the sandbox (golive's Metronome emulator, seeded with a demo account) on a
free loopback port, makes a throwaway session in a temporary folder pointed at it,
runs every probe, prints the results and writes the launch-review Markdown next to
the session. The token and webhook secret are random, made here and handed over in
memory: never through the environment, argv or the keyring.

`--fault NAME` makes the sandbox misbehave (e.g. `no-contract`, `dedup-off`) to see
how golive reports a broken integration. Without `--headless` it opens the app on
that throwaway session instead (the token and webhook secret handed over in memory).
Exit codes as for `golive check` (headless) or the app.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from golive_tui.commands.check import exit_code, render
from golive_tui.core import checklist as checklists
from golive_tui.core.checkrun import CheckReport, run_check
from golive_tui.core.errors import GoliveError
from golive_tui.core.export import to_markdown
from golive_tui.core.redact import Redactor, Secret
from golive_tui.core.state import StateFile, Target, atomic_write

if TYPE_CHECKING:
    from golive_tui.core.sandbox.metronome import MetronomeSandbox


def demo_target(sb: MetronomeSandbox, base_url: str) -> Target:
    """The target a session needs to probe `sb`'s seeded demo account."""
    if sb.demo is None:
        raise GoliveError("the sandbox has no demo account (seed=False); nothing to check")
    settings = sb.target_settings(base_url)
    settings.pop("customer_id", None)  # the target's own field says it
    return Target(
        provider="metronome",
        environment="sandbox",
        base_url=base_url,
        # The ingest alias, not the id, so that probes exercise alias lookup.
        customer_id=sb.demo.customer_alias,
        operator="demo",
        settings=settings,
    )


def new_sandbox(faults: list[str] | tuple[str, ...] = ()) -> tuple[MetronomeSandbox, Secret]:
    """A seeded sandbox with a random token and webhook secret (both in memory)."""
    from golive_tui.core.sandbox.metronome import FAULTS, MetronomeSandbox

    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        raise GoliveError(
            f"--fault {', '.join(unknown)}: no such sandbox fault; known: {', '.join(FAULTS)}"
        )
    token = Secret("mt_demo_" + secrets.token_hex(20))
    hook = secrets.token_urlsafe(32)
    return MetronomeSandbox(token.reveal(), faults=tuple(faults), webhook_secret=hook), token


def run(args: argparse.Namespace) -> int:
    from golive_tui.core.sandbox.server import SandboxServer

    sb, token = new_sandbox(args.fault)
    webhook_secret = Secret(sb.webhook_secret)
    if not args.headless:
        return _interactive(sb, token, webhook_secret)
    folder = Path(tempfile.mkdtemp(prefix="golive-demo-"))
    state_path = folder / "golive-state.toml"
    review_path = folder / "launch-review.md"
    checklist = checklists.load("metronome")
    with SandboxServer(sb) as server:
        target = demo_target(sb, server.base_url)
        with StateFile.open(
            state_path, checklist=checklist, source="metronome", target=target, create=True
        ) as sf:
            report: CheckReport = asyncio.run(
                run_check(checklist, target, token, webhook_secret=webhook_secret, state_file=sf)
            )
            state = sf.state
    markdown = to_markdown(checklist, state, redactor=Redactor([token, webhook_secret]))
    atomic_write(review_path, markdown.encode("utf-8"))

    text = render(report, args.format)
    buffer = getattr(sys.stdout, "buffer", None)
    sys.stdout.flush()
    if buffer is None:
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8"))
        buffer.flush()
    where = f"\nstate:  {state_path}\nreview: {review_path}\n"
    # Keep stdout parseable for --format json/junit.
    print(where, end="", file=sys.stdout if args.format == "text" else sys.stderr, flush=True)
    return exit_code(report)


def _interactive(sb: MetronomeSandbox, token: Secret, webhook_secret: Secret) -> int:
    """Open the app on a throwaway session pointed at the running sandbox."""
    from golive_tui.commands.tui import run_app
    from golive_tui.core.sandbox.server import SandboxServer
    from golive_tui.tui.app import make_app

    folder = Path(tempfile.mkdtemp(prefix="golive-demo-"))
    state_path = folder / "golive-state.toml"
    checklist = checklists.load("metronome")
    with SandboxServer(sb) as server:
        target = demo_target(sb, server.base_url)
        with StateFile.open(
            state_path, checklist=checklist, source="metronome", target=target, create=True
        ):
            pass  # created; the app opens it (and holds the lock) itself
        app = make_app(state_path, token=token, webhook_secret=webhook_secret)
        code = run_app(app)
    print(f"state:  {state_path}", file=sys.stderr)
    return code
