"""`golive set KEY [VALUE]`: change the target or a probe setting in the state file.

Target fields (provider, environment, base_url, customer_id, operator, region) and
probe settings (webhook_url, event_names, sample_events, backdate_days, rate_card_id,
plan_id, currency, billing_frequency, …) live in the state's `[target]`; never a
secret: names that look like one are refused, as the state itself refuses them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from golive_tui.commands._session import load_for_read, open_for_write
from golive_tui.core import providers
from golive_tui.core.errors import GoliveError
from golive_tui.core.fields import MAX_DEPTH, Invalid
from golive_tui.core.net import credential_url_problem
from golive_tui.core.state import Target
from golive_tui.core.textsafe import terminal as safe

TARGET_FIELDS = ("provider", "environment", "base_url", "customer_id", "operator", "region")
# Settings every provider's probes read; each provider adds its own (`Provider.settings`).
COMMON_SETTINGS = {
    "webhook_url": "https URL of your webhook endpoint (every provider)",
    "webhook_ip_allowlist": "true if that endpoint only admits the platform's webhook IPs"
    " (every provider)",
}
HISTORY_SETTING = {
    "history_limit": "probe results kept per item, 1–100 (default 5; only the latest keeps"
    " its evidence)",
}


def known_settings() -> dict[str, str]:
    """Settings the probes read, with what a value looks like (shown by --list)."""
    out = dict(COMMON_SETTINGS)
    for provider in providers.all_providers().values():
        for key, help_text in provider.settings.items():
            out.setdefault(key, help_text)
    return {**out, **HISTORY_SETTING}


_LIST_SETTINGS = {"event_names"}
# URL → what travels to it (the transport policy's wording).
_URL_FIELDS = {"base_url": "the token", "webhook_url": "signed test deliveries"}


def _check_url(key: str, raw: str) -> None:
    """The transport policy at input: https, or http to loopback; no user info."""
    problem = credential_url_problem(raw, _URL_FIELDS[key])
    if problem:
        raise GoliveError(f"VALUE for {key}: {problem}")


def _value(key: str, raw: str, as_json: bool) -> Any:
    if as_json or key in ("sample_events", "sample_event"):
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise GoliveError(f"VALUE for {key}: not valid JSON ({exc.msg}); quote it") from None
        except RecursionError:
            raise GoliveError(
                f"VALUE for {key}: nested too deeply (more than {MAX_DEPTH} levels); flatten it"
            ) from None
    if key in _LIST_SETTINGS:
        return [part.strip() for part in raw.split(",") if part.strip()]
    if raw.lstrip("-").isdigit():
        return int(raw)
    if raw in ("true", "false"):
        return raw == "true"
    return raw


def _changed(target: Target, args: argparse.Namespace) -> Target:
    """`target` with KEY set to VALUE (or removed), checked."""
    data = target.to_data()
    if not args.unset and args.key in _URL_FIELDS:
        _check_url(args.key, args.value)
    if args.key in TARGET_FIELDS:
        data[args.key] = "" if args.unset else args.value
    elif args.key == "settings":
        raise GoliveError("KEY settings: name one setting, e.g. golive set webhook_url …")
    elif args.unset:
        data["settings"].pop(args.key, None)
    else:
        data["settings"][args.key] = _value(args.key, args.value, args.json)
    try:
        return Target.from_data(data)
    except Invalid as exc:
        raise GoliveError(f"{args.key}: {exc.message}") from None


def run(args: argparse.Namespace) -> int:
    if args.list:
        # Read-only: no lock (saves are atomic renames), so it works while the app is open.
        _, state = load_for_read(args)
        target = state.target if state is not None else Target()
        for name in TARGET_FIELDS:
            print(f"{name:<18} {safe(getattr(target, name)) or '(not set)'}")
        for name, value in sorted(target.settings.items()):
            print(f"{safe(name):<18} {json.dumps(value)}")
        known = known_settings()
        unset = [k for k in known if k not in target.settings]
        if unset:
            print()
            for name in unset:
                print(f"{name:<18} (not set) — {known[name]}")
        return 0
    if not args.key:
        raise GoliveError(
            "KEY missing; e.g. golive set webhook_url https://…, or golive set --list"
        )
    if args.value is None and not args.unset:
        raise GoliveError(f"VALUE missing for {args.key}; or pass --unset to remove it")
    if not Path(args.state).exists():
        _changed(Target(), args)  # a bad KEY or VALUE is refused before a file is started
    # Like `golive status`: with --checklist, a missing state file is started.
    _, sf = open_for_write(args, create=True)
    with sf:
        sf.state.target = _changed(sf.state.target, args)
        sf.save()
    shown = (
        "(removed)"
        if args.unset
        else json.dumps(
            sf.state.target.settings.get(args.key, getattr(sf.state.target, args.key, None))
        )
    )
    print(f"{safe(args.key)} = {shown}")
    return 0
