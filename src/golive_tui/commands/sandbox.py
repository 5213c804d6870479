"""`golive sandbox --provider metronome|flexprice`: a local, stateful API sandbox.

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
from typing import TYPE_CHECKING, Any

from golive_tui.core.errors import GoliveError

if TYPE_CHECKING:
    from golive_tui.core.sandbox.flexprice import FlexpriceSandbox
    from golive_tui.core.sandbox.metronome import MetronomeSandbox

TOKEN_VAR = "GOLIVE_SANDBOX_TOKEN"
SECRET_VAR = "GOLIVE_SANDBOX_WEBHOOK_SECRET"


def _token(args: argparse.Namespace, default: str) -> str:
    var = getattr(args, "token_env", None)
    if not var:
        return default
    value = os.environ.get(var, "").strip()
    if not value:
        raise GoliveError(f"--token-env {var}: the environment variable is not set or is empty")
    return value


def _faults(provider: str, known: tuple[str, ...], given: list[str] | None) -> list[str]:
    faults = list(dict.fromkeys(given or []))
    unknown = [f for f in faults if f not in known]
    if unknown:
        raise GoliveError(
            f"--fault {', '.join(unknown)}: not a {provider} sandbox fault;"
            f" {provider} has: {', '.join(known)}"
        )
    return faults


def _app(args: argparse.Namespace) -> tuple[Any, str]:
    """The sandbox app for --provider, and its token."""
    if args.provider == "flexprice":
        from golive_tui.core.sandbox import flexprice
        from golive_tui.core.sandbox.flexprice_state import ulid

        faults = _faults("flexprice", flexprice.FAULTS, args.fault)
        token = _token(args, ulid("sk"))  # shaped like a real private key: sk_<ULID>
        return flexprice.FlexpriceSandbox(token, faults=faults), token
    from golive_tui.core.sandbox import metronome

    faults = _faults("metronome", metronome.FAULTS, args.fault)
    token = _token(args, "sandbox_" + secrets.token_urlsafe(24))
    app = metronome.MetronomeSandbox(token, faults=faults, webhook_secret=secrets.token_hex(24))
    return app, token


def run(args: argparse.Namespace) -> int:
    from golive_tui.core.sandbox.server import SandboxServer

    if args.port < 0 or args.port > 65535:
        raise GoliveError(f"--port {args.port}: must be between 0 and 65535")
    app, token = _app(args)
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
        if args.provider == "flexprice":
            _flexprice_banner(app, server.base_url, token, faults, args.token_env)
        else:
            _metronome_banner(app, server.base_url, token, faults, args.token_env)
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


def _metronome_banner(
    app: MetronomeSandbox, url: str, token: str, faults: list[str], token_env: str | None
) -> None:
    demo = app.demo
    assert demo is not None
    settings = app.target_settings(url)
    lines = [
        f"Metronome sandbox listening on {url}",
        f"token:            {token}" if not token_env else f"token:            from ${token_env}",
        f"demo customer:    {demo.customer_name} ({demo.customer_id})",
        f"ingest alias:     {demo.customer_alias}",
        f"rate card:        {demo.rate_card_id}",
        f"webhook receiver: {settings['webhook_url']}",
        f"webhook secret:   {app.webhook_secret}",
        f"faults:           {', '.join(faults) if faults else 'none'}",
    ]
    lines += _how_to(url, token, app.webhook_secret, token_env, "", demo.customer_alias)
    print("\n".join(lines), flush=True)


def _flexprice_banner(
    app: FlexpriceSandbox, url: str, token: str, faults: list[str], token_env: str | None
) -> None:
    demo = app.demo
    assert demo is not None
    settings = app.target_settings(url)
    lines = [
        f"Flexprice sandbox listening on {url} (API routes under /v1)",
        f"API key:          {token}" if not token_env else f"API key:          from ${token_env}",
        f"demo customer:    {demo.customer_name} (external id {demo.customer_external_id})",
        f"plan:             {demo.plan_name} ({demo.plan_id})",
        f"subscription:     {demo.subscription_id}",
        f"app event names:  {', '.join(settings['event_names'])}",
        f"webhook receiver: {settings['webhook_url']} (Svix signatures)",
        f"webhook secret:   {app.webhook_secret}",
        f"faults:           {', '.join(faults) if faults else 'none'}",
    ]
    lines += _how_to(
        url, token, app.webhook_secret, token_env, " --checklist flexprice",
        demo.customer_external_id,
    )  # fmt: skip
    print("\n".join(lines), flush=True)
