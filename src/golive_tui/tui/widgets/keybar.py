"""The key bar at the bottom of the main screen: Textual's Footer, drawn as one line."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.style import Style
from textual.widget import Widget

COMPACT_BELOW = 100
"""Below this width: compact spacing, and no ^p key (the help screen lists it)."""
DESCRIPTION = "$footer-description-foreground"


class KeyBar(Widget):
    """What Textual's `Footer` shows and does, in one widget instead of one per key.

    The screen's active bindings with `show=True` (as remapped by the keymap), one per
    action, dimmed while the action is disabled; a click presses the key; the key under
    the mouse is highlighted and its tooltip shown; `^p Palette` sits at the right edge.
    The Footer mounts, styles and lays out a widget per key, and again whenever the
    bindings change (twice on start-up): ~25 ms of golive's first frame. This renders
    one `Content` and repaints it when the bindings, the size or the hovered key change.

    Below 100 columns the full bar would cut off "q Quit ? Help", the two keys a
    newcomer needs most: it goes compact and leaves ^p to the help screen.
    """

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        pointer: pointer;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._hover: str | None = None
        self._tooltips: dict[str, str] = {}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        self.refresh()

    @property
    def compact(self) -> bool:
        return self.size.width < COMPACT_BELOW

    def render(self) -> Content:
        compact = self.compact
        app = self.app
        active = self.screen.active_bindings
        self._tooltips = {}
        keys: list[Content] = []
        actions: set[str] = set()
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                keys.append(self._key(binding, enabled, tooltip, compact=compact))
        line = Content(" " if compact else "").join(keys)
        palette = active.get(app.COMMAND_PALETTE_BINDING)
        if compact or palette is None or not app.ENABLE_COMMAND_PALETTE:
            return line
        _node, binding, enabled, _tooltip = palette
        right = Content.assemble(
            ("▏", "$foreground 20%"),
            self._key(binding, enabled, binding.tooltip or binding.description, compact=True),
            " ",
        )
        return line.truncate(self.size.width - right.cell_length, pad=True) + right

    def _key(self, binding: Binding, enabled: bool, tooltip: str, *, compact: bool) -> Content:
        """`key Description` (` key Description ` unless compact), clickable."""
        display = self.app.get_key_display(binding)
        description = binding.description
        pad = "" if compact else " "
        content = Content.assemble(
            (f"{pad}{display}{pad}", "b $footer-key-foreground"),
            (f"{' ' if compact else ''}{description}{pad}" if description else "", DESCRIPTION),
        )
        if self._hover == binding.key:
            content = content.stylize("$footer-key-foreground on $block-hover-background")
        if not enabled:
            content = content.stylize("dim")
        self._tooltips[binding.key] = tooltip
        return content.stylize(Style.from_meta({"key": binding.key, "enabled": enabled}))

    # --- mouse ------------------------------------------------------------------------

    def on_mouse_down(self, event: events.MouseDown) -> None:
        meta = event.style.meta
        key = meta.get("key")
        if key is None:
            return
        event.stop()
        if meta.get("enabled", True):
            self.app.simulate_key(key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(event.style.meta.get("key"))

    def on_leave(self, _event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, key: str | None) -> None:
        if key != self._hover:
            self._hover = key
            self.tooltip = self._tooltips.get(key) or None if key else None
            self.refresh()
