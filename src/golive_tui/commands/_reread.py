"""The re-read `status`, `export` and `check --only-stale` do before judging results:
is the configuration each pass rests on still what it saw (core/recheck.py)?

Read-only and bounded (one request per piece, 10 s in all). A missing token or an
unreachable API never fails the command: the re-read is skipped or partial, and the
one-line note says so; results then go stale by target and age only.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from golive_tui.core.checklist import Checklist
from golive_tui.core.errors import GoliveError
from golive_tui.core.recheck import NO_TOKEN, Recheck, needs_reading, recheck
from golive_tui.core.state import State

if TYPE_CHECKING:
    from golive_tui.core.redact import Secret


def _secrets(args: argparse.Namespace, state: State) -> tuple[Secret | None, Secret | None, str]:
    """The token and webhook secret, and why the token is missing ("" when found)."""
    from golive_tui.core import secrets  # the keyring: only when there is something to read

    t = state.target
    token_env = getattr(args, "token_env", None)
    hook_env = getattr(args, "webhook_secret_env", None)
    key = secrets.SecretKey(t.provider, t.environment, t.base_url)
    hook_key = secrets.SecretKey(t.provider, t.environment, t.base_url, "webhook-secret")
    try:
        token: Secret | None = secrets.resolve_token(key, token_env)
        why = ""
    except GoliveError as exc:
        token, why = None, str(exc)
    hook: Secret | None = None
    try:
        if hook_env is not None:
            hook = secrets.resolve_token(hook_key, hook_env, "--webhook-secret-env")
        elif token_env is None:  # CI passes env vars: do not wake a keyring for the rest
            hook = secrets.load(hook_key)
    except GoliveError:
        hook = None
    return token, hook, why


def reread(args: argparse.Namespace, checklist: Checklist, state: State) -> Recheck | None:
    """What changed since each pass, or None with `--offline` or nothing to re-read."""
    if getattr(args, "offline", False) or not state.target.provider or not state.target.base_url:
        return None
    if not needs_reading(checklist, state):
        return None
    token, hook, why = _secrets(args, state)
    no_token = f"configuration not re-read: {why}" if why else NO_TOKEN
    return asyncio.run(recheck(checklist, state, token, hook, no_token=no_token))
