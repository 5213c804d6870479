"""The items list and the detail pane of the main screen, and the items filter.

A mixin of `MainScreen`. With the filter at "all" the list shows the selected section;
"failing" and "open blockers" show the matching items of the whole checklist (what
is wanted is "everything that fails", not "what fails in this section"), and the
section list follows the highlighted item.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from enum import StrEnum

from textual.widgets.option_list import Option

from golive_tui.core.checklist import Item, Section, Severity
from golive_tui.core.progress import Progress, progress
from golive_tui.core.review import ItemReview
from golive_tui.tui.widgets.detail import ItemDetail, ProbeView
from golive_tui.tui.widgets.format import item_row, section_row
from golive_tui.tui.widgets.header import TargetHeader
from golive_tui.tui.widgets.lists import ItemList, SectionList


class ItemFilter(StrEnum):
    ALL = "all"
    FAILING = "failing"
    BLOCKERS = "open blockers"

    def next(self) -> ItemFilter:
        order = list(ItemFilter)
        return order[(order.index(self) + 1) % len(order)]


EMPTY_ID = "-nothing-"  # the disabled row a filter that matches nothing shows


def filtered(prog: Progress, item_filter: ItemFilter) -> list[Item]:
    """The items a filter keeps, in checklist order."""
    items = prog.review.items
    if item_filter is ItemFilter.FAILING:
        return [r.item for r in items if r.failing]
    return [r.item for r in items if r.blocks_launch and r.item.severity is Severity.BLOCKER]


class ItemsPane:
    """The items half of `MainScreen`."""

    item_filter: ItemFilter = ItemFilter.ALL
    # What a re-read of the configuration found changed: item id → what (core/recheck.py).
    drift: dict[str, str] = {}  # noqa: RUF012 (replaced, never mutated)
    # The judgement of every item, made once per refresh (`judge`), read by every row.
    _prog: Progress | None = None
    _changed: frozenset[str] = frozenset()  # marked items whose checklist text changed

    def judge(self) -> Progress:
        """Judge every item now (the app's clock for TTLs, the re-read's drift)."""
        state = self.state_file.state
        self._prog = progress(self.checklist, state, at=self.golive.now(), drift=self.drift)
        self._changed = frozenset(state.stale_items(self.checklist))
        return self._prog

    @property
    def judged(self) -> Progress:
        return self._prog or self.judge()

    # --- lookups --------------------------------------------------------------------

    @property
    def section(self) -> Section:
        return next(s for s in self.checklist.sections if s.id == self.section_id)

    @property
    def item(self) -> Item:
        return self.checklist.by_id[self.item_id]

    def _is_running(self, item: Item) -> bool:
        return item.probe is not None and item.probe in self.running

    def _review(self, item: Item) -> ItemReview:
        return self.judged.review.of(item.id)

    def text_changed(self, item: Item) -> bool:
        """Marked before its checklist text changed (a result's staleness is `review`'s)."""
        return item.id in self._changed

    def _row(self, item: Item) -> object:
        r = self._review(item)
        # △ beside the title when the standing column does not already say STALE.
        marked = self.text_changed(item) or (bool(r.stale) and r.done)
        return item_row(item, r.state, r.standing, running=self._is_running(item), stale=marked)

    def visible_items(self, prog: Progress | None = None) -> list[Item]:
        if self.item_filter is ItemFilter.ALL:
            return list(self.section.items)
        return filtered(prog or self.judged, self.item_filter)

    def nothing_shown(self) -> bool:
        """A filter that matches nothing shows no item: keys that act on one say so."""
        if getattr(self, "_shown_ids", None) == []:
            self.golive.notify(f"no item shown ({self.item_filter.value}); v shows all")
            return True
        return False

    def _first_shown_in(self, section_id: str) -> str | None:
        """In a filtered list, the first item shown of `section_id` (None: keep the item)."""
        if self.item_filter is ItemFilter.ALL:
            return None
        ids = {i.id for s in self.checklist.sections if s.id == section_id for i in s.items}
        return next((i.id for i in self.visible_items() if i.id in ids), self.item_id)

    def _follow_section(self) -> None:
        """A filtered list spans sections: highlight the highlighted item's section."""
        section = self.checklist.section_of(self.item_id)
        if section.id != self.section_id:
            self.section_id = section.id
            sections = self.query_one(SectionList)
            sections.highlighted = sections.get_option_index(section.id)

    # --- filling and refreshing -------------------------------------------------------

    def _items_title(self, shown: int) -> str:
        if self.item_filter is ItemFilter.ALL:
            return "Items"
        return f"Items · {self.item_filter.value} ({shown})"

    def _fill_items(self, highlight: str | None = None, prog: Progress | None = None) -> None:
        items = self.query_one(ItemList)
        shown = self.visible_items(prog)
        self._shown_ids = [i.id for i in shown]
        items.border_title = self._items_title(len(shown))
        items.clear_options()
        if not shown:
            items.add_option(
                Option(f"nothing {self.item_filter.value}: v shows all", id=EMPTY_ID, disabled=True)
            )
            self._show_detail()
            return
        items.add_options(Option(self._row(i), id=i.id) for i in shown)
        ids = {i.id for i in shown}
        target = highlight if highlight in ids else None
        target = target or (self.item_id if self.item_id in ids else shown[0].id)
        items.highlighted = items.get_option_index(target)
        self.item_id = target
        if self.item_filter is not ItemFilter.ALL:
            self._follow_section()
        self._show_detail()

    def action_cycle_filter(self) -> None:
        self.item_filter = self.item_filter.next()
        self._fill_items(self.item_id)

    def _show_detail(self) -> None:
        item = self.item
        r = self._review(item)
        running_for = None
        if item.probe and item.probe in self.running:
            running_for = time.monotonic() - self.running[item.probe]
        view = ProbeView(running_for=running_for, transient=self.transient.get(item.id))
        self.query_one(ItemDetail).show(
            item,
            r,
            text_changed=self.text_changed(item),
            view=view,
            harness=item.id in self.harness_items,  # type: ignore[attr-defined]
            redact=self.golive.redact,
        )

    def refresh_items(self, item_ids: Iterable[str] | None = None) -> None:
        """Re-render rows, section counts, header and the detail after a change."""
        prog = self.judge()
        if self.item_filter is not ItemFilter.ALL and [
            i.id for i in self.visible_items(prog)
        ] != getattr(self, "_shown_ids", None):
            self._fill_items(self.item_id, prog)  # an item left or joined the filter
        else:
            items = self.query_one(ItemList)
            wanted = set(item_ids) if item_ids is not None else None
            for item in self.visible_items(prog):
                if wanted is None or item.id in wanted:
                    items.replace_option_prompt(item.id, self._row(item))  # type: ignore[arg-type]
        sections = self.query_one(SectionList)
        for sp in prog.sections:
            sections.replace_option_prompt(sp.section.id, section_row(sp.section, sp.counts))
        self.query_one(TargetHeader).show_progress(prog.overall)
        self._show_saved()
        self._show_detail()
