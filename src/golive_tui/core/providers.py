"""The provider registry: the built-in platforms plus third-party ones.

Built-ins are the packages `golive_tui.providers` lists in `BUILTIN` (in its order,
which is the order of every list people see); third-party providers register a
`Provider` object in the `golive.providers` entry-point group. Nothing is imported
until a provider is asked for, and then only its stdlib-only `__init__`; a built-in
name always wins over an entry point of the same name.

Standard library only at import.
"""

from __future__ import annotations

import importlib
import sys

from golive_tui.core.errors import GoliveError
from golive_tui.core.provider import Provider

BUILTIN_PACKAGE = "golive_tui.providers"
ENTRY_POINT_GROUP = "golive.providers"

_registry: dict[str, Provider] | None = None


def _discover() -> dict[str, Provider]:
    found: dict[str, Provider] = {}
    package = importlib.import_module(BUILTIN_PACKAGE)
    for name in package.BUILTIN:
        provider = importlib.import_module(f"{BUILTIN_PACKAGE}.{name}").PROVIDER
        found[provider.name] = provider
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in found:
            continue
        try:
            provider = ep.load()
        except Exception as exc:  # a broken plug-in must not stop golive
            print(
                f"golive: provider {ep.name!r} ({ep.value}) failed to load: {exc}", file=sys.stderr
            )
            continue
        if isinstance(provider, Provider):
            found.setdefault(provider.name, provider)
    return found


def all_providers() -> dict[str, Provider]:
    global _registry
    if _registry is None:
        _registry = _discover()
    return _registry


def names() -> tuple[str, ...]:
    return tuple(all_providers())


def find(name: str) -> Provider | None:
    return all_providers().get(name)


def get(name: str, flag: str = "--provider") -> Provider:
    """The provider called `name`, or a one-line error naming `flag` and the known ones."""
    provider = find(name)
    if provider is None:
        raise GoliveError(f"{flag} {name}: no such provider; known: {', '.join(names())}")
    return provider


def register(provider: Provider) -> None:
    """Add (or replace) a provider at run time: for tests and embedding."""
    all_providers()[provider.name] = provider


def builtin_checklists() -> str:
    """For error messages: `first (or second, or a path)`: the built-in checklist ids."""
    ids = [p.checklist for p in all_providers().values()]
    return f"{ids[0]} (or {', or '.join([*ids[1:], 'a path'])})"


def hosts_hint(provider: Provider) -> str:
    """`https://us… (US) or https://… (India)`: a provider's regional hosts, for errors."""
    return " or ".join(f"{h.url} ({_label(h.region)})" for h in provider.hosts)


def _label(region: str) -> str:
    """`us` → `US`, `india` → `India`."""
    return region.upper() if len(region) <= 2 else region.capitalize()
