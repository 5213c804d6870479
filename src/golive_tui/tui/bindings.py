"""Every binding with an id, by where it is active: for the config's keymap (known ids,
conflicts) and the help screen's table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import Binding

if TYPE_CHECKING:
    from golive_tui.tui.app import GoliveApp


def _owners() -> dict[str, Any]:
    from golive_tui.tui.app import GoliveApp
    from golive_tui.tui.screens.main import MainScreen
    from golive_tui.tui.screens.overview import OverviewScreen
    from golive_tui.tui.widgets.detail import ItemDetail
    from golive_tui.tui.widgets.lists import NavList

    return {
        "app": GoliveApp,
        "main": MainScreen,
        "list": NavList,
        "detail": ItemDetail,
        "overview": OverviewScreen,
    }


def _ids(*owners: Any) -> dict[str, str]:
    """Binding id → default keys, for the bindings of `owners`."""
    return {
        b.id: b.key
        for owner in owners
        for b in owner.BINDINGS
        if isinstance(b, Binding) and b.id is not None
    }


def scopes() -> list[dict[str, str]]:
    """The bindings active together: with a list focused, with the detail, on the overview."""
    o = _owners()
    return [
        _ids(o["app"], o["main"], o["list"]),
        _ids(o["app"], o["main"], o["detail"]),
        _ids(o["app"], o["overview"], o["list"]),
    ]


def ids() -> set[str]:
    return {binding_id for scope in scopes() for binding_id in scope}


def help_rows(app: GoliveApp, keymap: dict[str, str]) -> list[tuple[str, str, str]]:
    """(binding id, keys as shown, description), as remapped by `keymap`."""
    o = _owners()
    rows = []
    seen: set[str] = set()
    for owner in (o["main"], o["list"], o["detail"], o["overview"], o["app"]):
        for binding in owner.BINDINGS:
            if not isinstance(binding, Binding) or binding.id is None or binding.id in seen:
                continue
            seen.add(binding.id)
            keys = keymap.get(binding.id, binding.key)
            shown = ", ".join(
                app.get_key_display(binding.with_key(k.strip())) for k in keys.split(",")
            )
            rows.append((binding.id, shown, binding.tooltip or binding.description))
    return rows
