"""The main screen: sections, items, and the selected item's detail with its probe panel.

Every change goes through the `StateFile` methods, which save atomically; the cursor is
saved half a second after it stops moving (and at once on quit). Probes run in async
workers: the UI keeps working, several runs can overlap, and esc cancels them. httpx is
imported only when the first probe runs (inside the worker), never on first paint.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker

from golive_tui.core import providers
from golive_tui.core.checklist import Checklist, Item, Section
from golive_tui.core.state import StateFile
from golive_tui.tui.screens.items_pane import ItemFilter, ItemsPane
from golive_tui.tui.screens.marking import Marking
from golive_tui.tui.screens.probe_runs import ProbeRuns
from golive_tui.tui.screens.rechecks import Rechecks
from golive_tui.tui.widgets.detail import ItemDetail
from golive_tui.tui.widgets.format import ago, plural, section_row
from golive_tui.tui.widgets.header import TargetHeader
from golive_tui.tui.widgets.keybar import KeyBar
from golive_tui.tui.widgets.lists import ItemList, SectionList

if TYPE_CHECKING:
    from golive_tui.tui.app import GoliveApp

CURSOR_SAVE_DELAY = 0.5  # seconds without movement before the cursor is saved


RESUME_RECHECK_DELAY = 1.0  # seconds after a resume before the re-read starts


class MainScreen(ItemsPane, Rechecks, ProbeRuns, Marking, Screen[None]):
    """Sections | items | detail; two panes (lists stacked) below 140 columns."""

    AUTO_FOCUS = "#items"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [
        (0, "-narrow"),
        (140, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_done", "Done", tooltip="Toggle done / to do", id="toggle-done"),
        Binding("s", "mark('skipped')", "Skip", tooltip="Mark skipped (again: to do)", id="skip"),
        Binding(
            "x",
            "mark('not-applicable')",
            "N/A",
            show=False,  # the detail pane's links show it, with Note: the bar has no room
            tooltip="Mark not applicable (again: to do)",
            id="not-applicable",
        ),
        Binding(
            "f",
            "mark('failed')",
            "Failed",
            show=False,
            tooltip="Mark failed (again: to do)",
            id="failed",
        ),
        Binding("n", "note", "Note", show=False, tooltip="Edit the item's note", id="note"),
        Binding("r", "run_probe", "Run", tooltip="Run the item's probe", id="run-probe"),
        Binding(
            "R",
            "run_all",
            "Run all",
            tooltip="Run every probe of the checklist",
            id="run-all",
        ),
        Binding(
            "S",
            "rerun_stale",
            "Re-run stale",
            show=False,  # the detail pane of a stale item and the re-read's notice show it
            tooltip="Re-run the probes of every stale result",
            id="rerun-stale",
        ),
        Binding(
            "ctrl+r",
            "run_section",
            "Run section",
            show=False,
            tooltip="Run every probe of the selected section",
            id="run-section",
        ),
        Binding(
            "v",
            "cycle_filter",
            "Filter",
            tooltip="Items shown: all, failing, open blockers (cycles)",
            id="filter",
        ),
        Binding(
            "H",
            "harness",
            "Harness",
            show=False,  # the detail pane of the items it serves shows it
            tooltip="Load- and fault-test your pipeline (for the ingestion items)",
            id="harness",
        ),
        Binding("o", "overview", "Overview", tooltip="The launch at a glance", id="overview"),
        Binding("e", "export", "Export", tooltip="Write the Markdown review", id="export"),
        Binding(
            "escape",
            "cancel_probes",
            "Cancel",
            show=False,
            tooltip="Cancel running probes",
            id="cancel-probes",
        ),
        Binding(
            "left,h",
            "focus_sections",
            "Sections",
            show=False,
            tooltip="Focus the sections list",
            id="focus-sections",
        ),
        Binding(
            "right,l",
            "focus_items",
            "Items",
            show=False,
            tooltip="Focus the items list",
            id="focus-items",
        ),
    ]

    def __init__(self, checklist: Checklist, state_file: StateFile, *, resumed: bool) -> None:
        super().__init__()
        self.checklist = checklist
        self.state_file = state_file
        self.resumed = resumed
        self.section_id = ""
        self.item_id = ""
        self.running: dict[str, float] = {}
        """Probe id → when its run started (monotonic)."""
        self.transient: dict[str, tuple[str, str]] = {}
        """Item id → an outcome shown but never saved: cancelled, skipped, error."""
        self._worker_probes: dict[Worker[None], list[str]] = {}
        self._recheck_after: set[Worker[None]] = set()  # run-all workers: then re-read
        self._cursor_timer: Timer | None = None
        self._ticker: Timer | None = None
        self._confirm_lock = asyncio.Lock()
        provider = providers.find(checklist.provider)
        # Item id → what a harness run proves for it ("load" or "faults").
        self.harness_items = dict(provider.harness_items) if provider else {}

    @property
    def golive(self) -> GoliveApp:
        return self.app  # type: ignore[return-value]

    # --- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The breakpoint class the first Resize would set, set now: a class change after
        # the first layout restyles, lays out and repaints the whole screen again.
        breakpoints = sorted(self.HORIZONTAL_BREAKPOINTS or [], reverse=True)
        current = next((n for w, n in breakpoints if self.app.size.width >= w), None)
        self.update_classes({name: name == current for _w, name in breakpoints}, update=False)
        yield TargetHeader(id="header")  # docked: top
        yield KeyBar(id="keys")  # docked: bottom
        with Horizontal(id="nav"):  # the screen lays out these two side by side
            yield SectionList(id="sections")
            yield ItemList(id="items")
        yield ItemDetail(id="detail")

    def on_mount(self) -> None:
        state = self.state_file.state
        section, item = self._initial_cursor()
        self.section_id, self.item_id = section.id, item.id
        sections = self.query_one(SectionList)
        sections.border_title = "Sections"
        self.query_one(ItemList).border_title = "Items"
        self.query_one(ItemDetail).border_title = "Detail"
        prog = self.judge()
        sections.add_options(
            Option(section_row(sp.section, sp.counts), id=sp.section.id) for sp in prog.sections
        )
        sections.highlighted = sections.get_option_index(section.id)
        self._fill_items(item.id)
        header = self.query_one(TargetHeader)
        header.show_target(state.target)
        header.show_progress(prog.overall)
        self._show_saved()
        self.set_interval(1.0, self._show_saved)
        if self.resumed and not state.items:
            self.golive.notify(
                f"{self.checklist.title}: {prog.overall.total} items in"
                f" {len(self.checklist.sections)} sections; ? shows every key",
                title="golive",
            )
        elif self.resumed:
            o = prog.overall
            text = (
                f"resumed: {o.done}/{o.total} done ({o.basis}), {o.failing} failing,"
                f" last saved {ago(state.updated_at, self.golive.now())}"
            )
            if self._changed:
                text += f"; {len(self._changed)} changed since checked ({STALE_HINT})"
            if o.stale:
                text += f"; {plural(o.stale, 'result')} stale (△; S re-runs them)"
            self.golive.notify(text, title="golive")
            # Is what the passes saw still there? In a worker, after start-up settles.
            self.start_recheck(delay=RESUME_RECHECK_DELAY)

    def _initial_cursor(self) -> tuple[Section, Item]:
        cursor = self.state_file.state.cursor
        by_id = self.checklist.by_id
        if cursor.item in by_id:
            item = by_id[cursor.item]
            return self.checklist.section_of(item.id), item
        for section in self.checklist.sections:
            if section.id == cursor.section:
                return section, section.items[0]
        first = self.checklist.sections[0]
        return first, first.items[0]

    def _show_saved(self) -> None:
        sf = self.state_file
        self.query_one(TargetHeader).show_saved(
            ago(sf.saved_at or sf.state.updated_at, self.golive.now())
        )

    # --- navigation -----------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#sections")
    def _section_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_id is None or event.option_id == self.section_id:
            return
        self.section_id = event.option_id
        self._fill_items(self._first_shown_in(event.option_id))
        self._cursor_moved()

    @on(OptionList.OptionSelected, "#sections")
    def _section_selected(self) -> None:
        self.query_one(ItemList).focus()

    @on(OptionList.OptionHighlighted, "#items")
    def _item_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_id is None or event.option_id == self.item_id:
            return
        if event.option_id not in {i.id for i in self.visible_items()}:
            return  # a late event from before the list was refilled
        self.item_id = event.option_id
        self._follow_section()
        self._show_detail()
        self._cursor_moved()

    def jump_to(self, item_id: str) -> None:
        """Select `item_id` (from the command palette and the overview)."""
        if item_id not in {i.id for i in self.visible_items()}:
            self.item_filter = ItemFilter.ALL
        section = self.checklist.section_of(item_id)
        self.section_id = section.id
        sections = self.query_one(SectionList)
        sections.highlighted = sections.get_option_index(section.id)
        self._fill_items(item_id)
        self.query_one(ItemList).focus()
        self._cursor_moved()

    def _cursor_moved(self) -> None:
        if self._cursor_timer is not None:
            self._cursor_timer.stop()
        self._cursor_timer = self.set_timer(CURSOR_SAVE_DELAY, self.flush_cursor)

    def flush_cursor(self) -> None:
        """Save the cursor now if it moved (the debounce timer, and quitting, call this)."""
        if self._cursor_timer is not None:
            self._cursor_timer.stop()
            self._cursor_timer = None
        state = self.state_file.state
        if (state.cursor.section, state.cursor.item) == (self.section_id, self.item_id):
            return
        state.move_cursor(self.section_id, self.item_id)
        self._save(self.state_file.save)

    def action_overview(self) -> None:
        from golive_tui.tui.screens.overview import OverviewScreen

        self.flush_cursor()
        self.app.push_screen(OverviewScreen(self))

    def action_harness(self) -> None:
        if self.nothing_shown():
            return
        role = self.harness_items.get(self.item.id)
        if role is None:
            covered = ", ".join(self.harness_items) or "none in this checklist"
            self.golive.notify(f"H: the harness is evidence for {covered}", timeout=6)
            return
        from golive_tui.tui.screens.harness import HarnessScreen

        self.flush_cursor()
        self.app.push_screen(HarnessScreen(self, self.item, role))

    def action_focus_sections(self) -> None:
        self.query_one(SectionList).focus()

    def action_focus_items(self) -> None:
        self.query_one(ItemList).focus()


STALE_HINT = "marked △"
