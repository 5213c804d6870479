"""`golive harness serve --forward`: which platform, with which token, and the gate
before writing to production.

The target is `--base-url` or the state file's (`--state`), as `golive check` finds it;
the token is `--token-env VAR` or the keyring's, never argv. The sink then accepts only
that same token from the producer: a loopback relay that took any token would let any
local process write to the account with the user's credentials.

Production (the state says so, or the host is a vendor's production API) needs
`--allow-writes` and the customer id or "production" typed on a terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from golive_tui.commands._session import checked_base_url
from golive_tui.core import secrets
from golive_tui.core.errors import GoliveError
from golive_tui.core.net import is_production_host


@dataclass(frozen=True)
class Upstream:
    base_url: str
    environment: str
    customer: str
    token: str  # the real token: never printed, never in argv


def resolve(args: argparse.Namespace, dialect: Any, expect: Path) -> Upstream:
    provider = dialect.name
    saved = _saved_target(args, provider)
    base_url = args.base_url or (saved.base_url if saved else "")
    if not base_url:
        raise GoliveError(
            "--forward: give --base-url URL (your sandbox account's API) or --state FILE"
            " (the target `golive check` saved)"
        )
    source = "--base-url" if args.base_url else f"--state {args.forward_state}: base_url"
    base_url = checked_base_url(base_url, source)
    environment = saved.environment if saved and saved.base_url == base_url else ""
    if is_production_host(provider, base_url):
        environment = "production"  # a vendor's production host is, whatever the state says
    environment = environment or "sandbox"
    key = secrets.SecretKey(provider, environment, base_url)
    token = secrets.resolve_token(key, args.token_env).reveal()
    customer = (saved.customer_id if saved else "") or _first_customer(expect, dialect)
    return Upstream(base_url, environment, customer, token)


def _saved_target(args: argparse.Namespace, provider: str) -> Any:
    if not args.forward_state:
        return None
    from golive_tui.core import state as states

    path = Path(args.forward_state)
    if not path.is_file():
        raise GoliveError(f"--state {path}: no such file (or pass --base-url)")
    target = states.read(path).target
    if target.provider and target.provider != provider:
        raise GoliveError(
            f"--state {path}: its target is {target.provider}, not {provider};"
            f" pass --provider {target.provider} or another --state"
        )
    return target


def _first_customer(expect: Path, dialect: Any) -> str:
    try:
        with expect.open(encoding="utf-8") as fh:
            rec = json.loads(fh.readline() or "{}")
    except (OSError, ValueError):
        return ""
    value = rec.get(dialect.customer_field) if isinstance(rec, dict) else None
    return value if isinstance(value, str) else ""


def gate(
    args: argparse.Namespace, up: Upstream, expected: int, stdin: TextIO | None = None
) -> None:
    """Raise (exit 2) unless writing to `up` is allowed: off production always;
    on production only with --allow-writes and the typed confirmation."""
    if up.environment != "production":
        return
    host = urlsplit(up.base_url).netloc
    who = f"customer {up.customer}" if up.customer else "the customers in the expect file"
    what = (
        f"every record your pipeline sends, about {expected:,} from the expect file,"
        f" to {host} for {who}"
    )
    if not args.allow_writes:
        raise GoliveError(
            f"--forward writes to a PRODUCTION account ({what}); pass --allow-writes and"
            " confirm on a terminal, or forward to a sandbox account"
        )
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        raise GoliveError(
            f"--forward to PRODUCTION needs a typed confirmation on a terminal ({what});"
            " run it from a terminal, or forward to a sandbox account"
        )
    answers = {"production", up.customer} - {""}
    ask = f"the customer id ({up.customer}) or " if up.customer else ""
    print(f"golive harness: --forward writes to PRODUCTION: {what}.", file=sys.stderr)
    print(f"  Type {ask}'production' to go on: ", end="", file=sys.stderr, flush=True)
    typed = stdin.readline().strip()
    if typed not in answers:
        raise GoliveError("--forward: not confirmed; nothing was written")
