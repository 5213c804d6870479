"""An API client for the commands that talk to the platform outside a probe run
(`golive cleanup`, `golive test-customer`): the state's target, its token, and the
environment writes are gated as (core/probes/environment.py, as for `golive check`)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TextIO

from golive_tui.core import providers, secrets
from golive_tui.core.errors import GoliveError
from golive_tui.core.probes.http import ApiClient
from golive_tui.core.provider import Provider
from golive_tui.core.redact import Redactor, Secret
from golive_tui.core.state import Target

TIMEOUT = 60.0  # seconds for the whole command


def provider_of(target: Target) -> Provider:
    found = providers.find(target.provider)
    if found is None:
        raise GoliveError(
            f"target provider {target.provider or '(none)'}: golive has no API client for it;"
            " set the state's provider (golive status --checklist …)"
        )
    if not target.base_url:
        raise GoliveError("base_url: not set in the state; run golive set base_url URL first")
    return found


def token_for(target: Target, token_env: str | None) -> Secret:
    key = secrets.SecretKey(target.provider, target.environment, target.base_url)
    return secrets.resolve_token(key, token_env)


@dataclass
class Live:
    api: ApiClient
    environment: str  # "production" or "sandbox", as writes are gated
    why: str  # why that differs from the target's own, or ""
    redactor: Redactor


@contextlib.asynccontextmanager
async def live(target: Target, token: Secret, timeout: float = TIMEOUT) -> AsyncIterator[Live]:
    from golive_tui.core.probes.environment import write_environment
    from golive_tui.core.probes.session import api_session

    found = provider_of(target)
    async with api_session(target, token, found.dialect(), timeout=timeout) as api:
        redactor = api.redactor
        env, why = await write_environment(found.name, target, api)
        yield Live(api=api, environment=env, why=redactor(why), redactor=redactor)


def approve_production(
    command: str, writes: list[str], allow_writes: bool, why: str, stdin: TextIO | None = None
) -> bool:
    """Whether the writes may go to a PRODUCTION account: `--allow-writes`, or the user
    typing 'production' on a terminal. Prints what would be written either way."""
    because = f" ({why})" if why else ""
    print(f"golive {command}: this is a PRODUCTION account{because}; it would write:")
    for line in writes:
        print(f"  - {line}")
    if allow_writes:
        return True
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        print(
            f"golive {command}: nothing was written: production needs --allow-writes"
            " (or run it on a terminal and confirm)"
        )
        return False
    print("  Type 'production' to go on: ", end="", flush=True)
    if stdin.readline().strip() != "production":
        print(f"golive {command}: not confirmed; nothing was written")
        return False
    return True
