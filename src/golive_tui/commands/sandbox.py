"""`golive sandbox --provider NAME`: a local, stateful emulator of a provider's API.

Prints the base URL, a throwaway token (it guards nothing but this process's
demo data), the demo customer and how to point golive at it without putting the
token in argv. Ctrl-C stops it cleanly (exit 0).
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from golive_tui.core import providers
from golive_tui.core.errors import GoliveError

if TYPE_CHECKING:
    from golive_tui.core.sandbox.kit import Banner

TOKEN_VAR = "GOLIVE_SANDBOX_TOKEN"
SECRET_VAR = "GOLIVE_SANDBOX_WEBHOOK_SECRET"


def _token(args: argparse.Namespace) -> str:
    var = args.token_env
    value = os.environ.get(var, "").strip()
    if not value:
        raise GoliveError(f"--token-env {var}: the environment variable is not set or is empty")
    return value


def _app(args: argparse.Namespace) -> tuple[Any, str, Banner]:
    """The sandbox app for --provider, its token, and its banner's maker."""
    provider = providers.get(args.provider)
    kit = provider.sandbox()
    faults = provider.sandbox_options("--fault", args.fault)
    variants = provider.sandbox_options("--variant", getattr(args, "variant", None))
    var = getattr(args, "token_env", None)
    app, token = kit.served(faults, _token(args) if var else None, variants)
    return app, token, kit.banner


def run(args: argparse.Namespace) -> int:
    from golive_tui.core.sandbox.server import SandboxServer

    if args.port < 0 or args.port > 65535:
        raise GoliveError(f"--port {args.port}: must be between 0 and 65535")
    app, token, banner = _app(args)
    server = SandboxServer(app, port=args.port)
    # Ctrl-C must stop the sandbox even when a shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        server.start()
    except OSError as exc:
        raise GoliveError(
            f"--port {args.port}: cannot listen on 127.0.0.1:{args.port} ({exc.strerror or exc});"
            " pick another port or leave --port out for a free one"
        ) from None
    try:
        faults = sorted(app.faults)
        _print_banner(banner, app, server.base_url, token, faults, args.token_env)
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
    print("sandbox stopped", flush=True)
    return 0


def _how_to(
    url: str,
    token: str,
    webhook_secret: str,
    token_env: str | None,
    checklist: str,
    customer: str,
) -> list[str]:
    q = shlex.quote
    lines = ["", "Point golive at it (the token stays out of argv):"]
    if not token_env:
        lines.append(f"  export {TOKEN_VAR}={q(token)}")
    lines += [
        f"  export {SECRET_VAR}={q(webhook_secret)}",
        f"  golive check{checklist} --environment sandbox --base-url {q(url)}"
        f" --customer-id {q(customer)} --token-env {token_env or TOKEN_VAR}"
        f" --webhook-secret-env {SECRET_VAR}",
        "",
        "Ctrl-C stops the sandbox; its data lives only in this process.",
    ]
    return lines


def _print_banner(
    banner: Callable[[Any, str, str], Banner],
    app: Any,
    url: str,
    token: str,
    faults: list[str],
    token_env: str | None,
) -> None:
    shown = banner(app, url, token if not token_env else f"from ${token_env}")
    variants = sorted(getattr(app, "variants", ()))
    lines = [*shown.lines, f"faults:           {', '.join(faults) if faults else 'none'}"]
    lines.append(f"variants:         {', '.join(variants) if variants else 'none'}")
    lines += _how_to(url, token, app.webhook_secret, token_env, shown.check_flags, shown.customer)
    print("\n".join(lines), flush=True)
