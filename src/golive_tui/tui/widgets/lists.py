"""The sections list and the items list: option lists with vim keys as well as arrows."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import OptionList


class NavList(OptionList):
    """An OptionList that also moves with j/k."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="cursor-down"),
        Binding("k", "cursor_up", "Up", show=False, id="cursor-up"),
    ]


class SectionList(NavList):
    """Sections with progress (done / total, failures)."""


class ItemList(NavList):
    """Items of the selected section: status glyph and word, probe result, markers."""
