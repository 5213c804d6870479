"""`golive demo`: golive against a provider's local sandbox, no account needed.

Starts the `--provider`'s sandbox (golive's emulator of that API, seeded with a demo
account) on a free loopback port, makes a throwaway session in a temporary folder
pointed at it (the provider's built-in checklist, the sandbox's `target_settings`),
runs every probe, prints the results and writes the launch-review Markdown next to
the session. The token and webhook secret are random, made here and handed over in
memory: never through the environment, argv or the keyring.

`--fault NAME` makes the sandbox misbehave (each provider lists its own faults) to
see how golive reports a broken integration; only the chosen provider's faults are
accepted. Without `--headless` it opens the app on that
throwaway session instead (the token and webhook secret handed over in memory).
The temporary folder is removed on exit unless `--keep` is given; then where the
session and the review are is printed. Exit codes as for `golive check` (headless)
or the app.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, TypeAlias

from golive_tui.commands.check import exit_code, render, with_progress
from golive_tui.core import checklist as checklists
from golive_tui.core import providers
from golive_tui.core.checkrun import CheckReport, run_check
from golive_tui.core.errors import GoliveError
from golive_tui.core.export import to_markdown
from golive_tui.core.redact import Redactor, Secret
from golive_tui.core.state import StateFile, Target, atomic_write

# Any provider's emulator (a `core.sandbox.emulator.Emulator` with a seeded `demo`).
DemoSandbox: TypeAlias = Any
PROVIDERS = providers.names()


def provider_of(sb: DemoSandbox) -> str:
    """Which provider's API `sb` emulates (its class says)."""
    provider = str(getattr(type(sb), "provider", ""))
    if providers.find(provider) is None:
        raise GoliveError(f"{type(sb).__name__}: not a golive demo sandbox")
    return provider


def demo_target(sb: DemoSandbox, base_url: str) -> Target:
    """The target a session needs to probe `sb`'s seeded demo account.

    Whatever the provider, the sandbox says what the user's app sends
    (`target_settings`); the customer and the region move to the target's own fields.
    """
    if sb.demo is None:
        raise GoliveError("the sandbox has no demo account (seed=False); nothing to check")
    settings = sb.target_settings(base_url)
    # The customer as the app's events name it (e.g. an ingest alias, an external id).
    customer_id = str(settings.pop("customer_id", ""))
    region = str(settings.pop("region", ""))  # "" on loopback: no regional cloud host
    return Target(
        provider=provider_of(sb),
        environment="sandbox",
        base_url=base_url,
        customer_id=customer_id,
        operator="demo",
        region=region,
        settings=settings,
    )


def new_sandbox(
    faults: list[str] | tuple[str, ...] = (),
    provider: str = PROVIDERS[0],
    variants: list[str] | tuple[str, ...] = (),
) -> tuple[DemoSandbox, Secret]:
    """A seeded `provider` sandbox with a random token and webhook secret (both in memory)."""
    found = providers.find(provider)
    if found is None:
        raise GoliveError(f"--provider {provider}: no such sandbox; known: {', '.join(PROVIDERS)}")
    faults = found.sandbox_options("--fault", faults)
    variants = found.sandbox_options("--variant", variants)
    app, token = found.sandbox().demo(faults, variants)
    return app, Secret(token)


def _throwaway_state(sb: DemoSandbox, base_url: str, folders: list[Path]) -> Path:
    """A fresh session in a new temporary folder (added to `folders`), pointed at `sb`."""
    provider = provider_of(sb)
    folder = Path(tempfile.mkdtemp(prefix="golive-demo-"))
    folders.append(folder)  # before anything can fail: the caller removes it
    state_path = folder / "golive-state.toml"
    with StateFile.open(
        state_path,
        checklist=checklists.load(providers.get(provider).checklist),
        source=providers.get(provider).checklist,
        target=demo_target(sb, base_url),
        create=True,
    ):
        pass
    return state_path


def run(args: argparse.Namespace) -> int:
    provider = getattr(args, "provider", None) or PROVIDERS[0]
    keep = bool(getattr(args, "keep", False))
    sb, token = new_sandbox(args.fault, provider, getattr(args, "variant", None) or ())
    webhook_secret = Secret(sb.webhook_secret)
    folders: list[Path] = []
    try:
        if not args.headless:
            config = getattr(args, "config", None)
            return _interactive(sb, token, webhook_secret, folders, keep=keep, config=config)
        return _headless(sb, token, webhook_secret, folders, args.format, keep=keep)
    finally:
        if not keep:
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)


def _headless(
    sb: DemoSandbox,
    token: Secret,
    webhook_secret: Secret,
    folders: list[Path],
    fmt: str,
    *,
    keep: bool,
) -> int:
    from golive_tui.core.sandbox.server import SandboxServer

    checklist = checklists.load(provider_of(sb))
    with SandboxServer(sb) as server:
        state_path = _throwaway_state(sb, server.base_url, folders)
        with StateFile.open(state_path) as sf:
            report: CheckReport = asyncio.run(
                with_progress(
                    run_check,
                    checklist,
                    sf.state.target,
                    token,
                    webhook_secret=webhook_secret,
                    state_file=sf,
                )
            )
            state = sf.state
    review_path = state_path.parent / "launch-review.md"
    if keep:
        markdown = to_markdown(checklist, state, redactor=Redactor([token, webhook_secret]))
        atomic_write(review_path, markdown.encode("utf-8"))

    text = render(report, fmt)
    buffer = getattr(sys.stdout, "buffer", None)
    sys.stdout.flush()
    if buffer is None:
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8"))
        buffer.flush()
    if keep:
        where = f"\nstate:  {state_path}\nreview: {review_path}\n"
    else:
        where = "\n(throwaway session removed; pass --keep to keep it and the launch review)\n"
    # Keep stdout parseable for --format json/junit.
    print(where, end="", file=sys.stdout if fmt == "text" else sys.stderr, flush=True)
    return exit_code(report)


def _interactive(
    sb: DemoSandbox,
    token: Secret,
    webhook_secret: Secret,
    folders: list[Path],
    *,
    keep: bool,
    config: str | None,
) -> int:
    """Open the app on a throwaway session pointed at the running sandbox."""
    from golive_tui.commands.tui import run_app
    from golive_tui.core.sandbox.server import SandboxServer
    from golive_tui.tui.app import make_app

    with SandboxServer(sb) as server:
        # Created and closed again: the app opens it (and holds the lock) itself.
        state_path = _throwaway_state(sb, server.base_url, folders)
        app = make_app(state_path, token=token, webhook_secret=webhook_secret, config_path=config)
        code = run_app(app)
    if keep:
        print(f"state:  {state_path}", file=sys.stderr)
        review = app.last_export
        print(
            f"review: {review}" if review else "review: none exported",
            file=sys.stderr,
        )
    else:
        print(
            "throwaway session removed; pass --keep to keep it (and any review you export)",
            file=sys.stderr,
        )
    return code
