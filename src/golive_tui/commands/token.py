"""`golive token set|status|delete`: the API token (or webhook secret) in the OS keyring.

The target comes from `--provider/--environment/--base-url`, each falling back to
the state file's target. `set` reads the token from a hidden prompt, or from stdin
when piped; there is no flag that takes a token. Nothing derived from the token
is printed except its length.

Exit codes: 0 done (for `status`: a token is stored); 3 `status` found none stored
(so scripts can test `golive token status && …`); 2 usage or keyring error; 1 a bug.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from golive_tui.core import providers, secrets
from golive_tui.core.errors import GoliveError, SecretStoreError

EXIT_NOT_STORED = 3
_COUNT = {2: "two", 3: "three", 4: "four"}


def key_from_args(args: argparse.Namespace) -> secrets.SecretKey:
    """The keyring entry the flags (or the state file's target) point at."""
    provider = getattr(args, "provider", None)
    environment = getattr(args, "environment", None)
    base_url = getattr(args, "base_url", None)
    state_path = Path(args.state) if getattr(args, "state", None) else None
    if (
        state_path is not None
        and state_path.exists()
        and not (provider and environment and base_url)
    ):
        from golive_tui.core import state as states

        target = states.read(state_path).target
        if not provider and target.provider:
            provider = target.provider
            # The state's environment and base URL belong to its provider only.
            environment = environment or target.environment
            base_url = base_url or target.base_url or None
        elif provider == target.provider:
            environment = environment or target.environment
            base_url = base_url or target.base_url or None
    if not provider:
        known = " or ".join(providers.names())
        raise GoliveError(f"--provider: missing; pass --provider {known}")
    if not environment:
        raise GoliveError("--environment: missing; pass --environment sandbox or production")
    if not base_url:
        found = providers.find(provider)
        if found is not None and found.regions:
            raise GoliveError(
                f"--base-url: missing; {found.title} has"
                f" {_COUNT.get(len(found.regions), 'several')} regions,"
                f" pass {providers.hosts_hint(found)}"
            )
        base_url = found.default_base_url if found is not None else None
        if not base_url:
            raise GoliveError(f"--base-url: missing; pass the {provider} API base URL")
    kind: secrets.Kind = "webhook-secret" if getattr(args, "webhook_secret", False) else "api-token"
    return secrets.SecretKey(provider, environment, base_url, kind)


def _read_secret(key: secrets.SecretKey) -> str:
    label = secrets.KIND_LABEL[key.kind]
    if sys.stdin is None:
        raise GoliveError(f"no stdin to read the {label} from; pipe it in: … | {key.set_command()}")
    if sys.stdin.isatty():
        try:
            value = getpass.getpass(
                f"{label} for {key.provider} {key.environment} ({key.base_url}): "
            )
        except EOFError:
            value = ""
    else:
        value = sys.stdin.read()
    value = value.strip()
    if not value:
        raise GoliveError(f"empty {label}; nothing stored (type or pipe the {label})")
    if any(c in value for c in "\r\n"):
        raise GoliveError(f"stdin held more than one line; pipe just the {label}, nothing stored")
    return value


def run(args: argparse.Namespace) -> int:
    key = key_from_args(args)
    action = args.token_command
    if action == "set":
        # Touch the keyring before asking, so a missing or locked keyring is reported
        # before the user types a token for nothing.
        existing = secrets.load(key)
        value = _read_secret(key)
        secrets.store(key, value)
        verb = "replaced" if existing is not None else "stored"
        print(f"{verb} the {key.label} in the keyring ({secrets.backend_name()})")
        return 0
    if action == "status":
        found = secrets.load(key)
        if found is None:
            print(f"{key.label}: not stored; store it: {key.set_command()}")
        else:
            print(f"{key.label}: stored ({len(found)} characters)")
        entry = f"service {secrets.SERVICE!r}, username {key.username!r}"
        print(f"keyring: {secrets.backend_name()}; {entry}")
        return 0 if found is not None else EXIT_NOT_STORED
    if action == "delete":
        if secrets.delete(key):
            print(f"removed the {key.label} from the keyring")
        else:
            print(f"no {key.label} in the keyring; nothing removed")
        return 0
    raise SecretStoreError(f"unknown token action {action!r}; use set, status or delete")
