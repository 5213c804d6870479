"""`golive sandbox --provider metronome`: a local, stateful API sandbox in the foreground.

Prints the base URL, a throwaway token (it guards nothing but this process's
demo data), the demo customer and how to point golive at it without putting the
token in argv. Ctrl-C stops it cleanly (exit 0).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import signal
from typing import TYPE_CHECKING

from golive_tui.core.errors import GoliveError

if TYPE_CHECKING:
    from golive_tui.core.sandbox.metronome import MetronomeSandbox

TOKEN_VAR = "GOLIVE_SANDBOX_TOKEN"
SECRET_VAR = "GOLIVE_SANDBOX_WEBHOOK_SECRET"


def _token(args: argparse.Namespace) -> str:
    var = getattr(args, "token_env", None)
    if not var:
        return "sandbox_" + secrets.token_urlsafe(24)
    value = os.environ.get(var, "").strip()
    if not value:
        raise GoliveError(f"--token-env {var}: the environment variable is not set or is empty")
    return value


def run(args: argparse.Namespace) -> int:
    from golive_tui.core.sandbox.metronome import MetronomeSandbox
    from golive_tui.core.sandbox.server import SandboxServer

    if args.port < 0 or args.port > 65535:
        raise GoliveError(f"--port {args.port}: must be between 0 and 65535")
    token = _token(args)
    webhook_secret = secrets.token_hex(24)
    faults = list(dict.fromkeys(args.fault or []))
    app = MetronomeSandbox(token, faults=faults, webhook_secret=webhook_secret)
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
        _banner(app, server.base_url, token, webhook_secret, faults, args.token_env)
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
    print("sandbox stopped", flush=True)
    return 0


def _banner(
    app: MetronomeSandbox,
    url: str,
    token: str,
    webhook_secret: str,
    faults: list[str],
    token_env: str | None,
) -> None:
    demo = app.demo
    assert demo is not None
    settings = app.target_settings(url)
    q = shlex.quote
    lines = [
        f"Metronome sandbox listening on {url}",
        f"token:            {token}" if not token_env else f"token:            from ${token_env}",
        f"demo customer:    {demo.customer_name} ({demo.customer_id})",
        f"ingest alias:     {demo.customer_alias}",
        f"rate card:        {demo.rate_card_id}",
        f"webhook receiver: {settings['webhook_url']}",
        f"webhook secret:   {webhook_secret}",
        f"faults:           {', '.join(faults) if faults else 'none'}",
        "",
        "Point golive at it (the token stays out of argv):",
    ]
    if not token_env:
        lines.append(f"  export {TOKEN_VAR}={q(token)}")
    lines += [
        f"  export {SECRET_VAR}={q(webhook_secret)}",
        f"  golive check --environment sandbox --base-url {q(url)}"
        f" --customer-id {q(demo.customer_alias)} --token-env {token_env or TOKEN_VAR}"
        f" --webhook-secret-env {SECRET_VAR}",
        "",
        "Ctrl-C stops the sandbox; its data lives only in this process.",
    ]
    print("\n".join(lines), flush=True)
