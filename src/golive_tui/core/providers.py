"""The provider registry: the built-in platforms plus third-party ones.

Built-ins are the packages `golive_tui.providers` lists in `BUILTIN` (in its order,
which is the order of every list people see); third-party providers register a
`Provider` object in the `golive.providers` entry-point group. Nothing is imported
until a provider is asked for, and then only its stdlib-only `__init__`. An entry
point that cannot be used (it fails to import, is not a `Provider`, or takes a name
already registered, a built-in's included) is left out with a one-line warning.

Standard library only at import.
"""

from __future__ import annotations

import importlib
import re
import sys
from typing import TYPE_CHECKING

from golive_tui.core.errors import GoliveError
from golive_tui.core.provider import Provider

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

BUILTIN_PACKAGE = "golive_tui.providers"
ENTRY_POINT_GROUP = "golive.providers"
NAME = re.compile(r"[a-z][a-z0-9_-]*")  # it names state files' targets, keyring entries, flags
RESERVED = frozenset({"other"})  # a checklist's provider "other" means: no probes

_registry: dict[str, Provider] | None = None


def _discover() -> dict[str, Provider]:
    found: dict[str, Provider] = {}
    package = importlib.import_module(BUILTIN_PACKAGE)
    for name in package.BUILTIN:
        provider = importlib.import_module(f"{BUILTIN_PACKAGE}.{name}").PROVIDER
        found[provider.name] = provider
    from importlib.metadata import entry_points

    builtin = set(found)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        provider = _plugin(ep, found, builtin)
        if isinstance(provider, Provider):
            found[provider.name] = provider
        else:
            print(
                f"golive: warning: entry point {ep.name} = {ep.value!r} ({ENTRY_POINT_GROUP})"
                f" ignored: {provider}",
                file=sys.stderr,
            )
    return found


def _plugin(ep: EntryPoint, found: dict[str, Provider], builtin: set[str]) -> Provider | str:
    """The entry point's provider, or why it cannot be used (one line, with the fix).

    A broken plug-in must neither stop golive nor pass unnoticed, and it may never
    replace a provider already registered (a built-in, or an earlier plug-in).
    """
    if ep.name in builtin:
        return f"{ep.name!r} is a built-in provider; rename the entry point"
    if ep.name in found:
        return f"another package already registers {ep.name!r}; uninstall one"
    if not NAME.fullmatch(ep.name) or ep.name in RESERVED:
        return "the name must be lower-case letters, digits, - or _ (not 'other')"
    try:
        provider = ep.load()
    except Exception as exc:  # whatever the plug-in's import raises
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        return f"it failed to import ({reason}); fix or uninstall its package"
    if not isinstance(provider, Provider):
        return f"it is a {type(provider).__name__}, not a golive_tui.core.provider.Provider"
    if provider.name != ep.name:
        return f"its Provider is named {provider.name!r}; the entry point must use that name"
    if provider.checklist in {p.checklist for p in found.values()}:
        return f"its checklist id {provider.checklist!r} is taken; give the Provider another"
    return provider


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
