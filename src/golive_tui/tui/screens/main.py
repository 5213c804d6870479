"""The main screen: sections, items, and the selected item's detail with its probe panel.

Every change goes through the `StateFile` methods, which save atomically; the cursor is
saved half a second after it stops moving (and at once on quit). Probes run in async
workers: the UI keeps working, several runs can overlap, and esc cancels them. httpx is
imported only when the first probe runs (inside the worker), never on first paint.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import sys
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from golive_tui.core.checklist import Checklist, Item, Section
from golive_tui.core.errors import GoliveError
from golive_tui.core.progress import progress
from golive_tui.core.review import override_needed
from golive_tui.core.state import ItemStatus, StateFile, atomic_write
from golive_tui.tui.widgets.detail import ItemDetail, ProbeView
from golive_tui.tui.widgets.format import ago, item_row, section_row
from golive_tui.tui.widgets.header import TargetHeader
from golive_tui.tui.widgets.keybar import KeyBar
from golive_tui.tui.widgets.lists import ItemList, SectionList

if TYPE_CHECKING:
    from golive_tui.core.probes.engine import ProbeResult, ProbeSpec
    from golive_tui.tui.app import GoliveApp

CURSOR_SAVE_DELAY = 0.5  # seconds without movement before the cursor is saved
WEBHOOK_PROBES = frozenset({"webhook-signature"})  # the probes that sign with the secret


class ProbeFinished(Message):
    """A probe finished (pass, warn, fail, error, or skipped) and its result was saved."""

    def __init__(self, result: ProbeResult, item_ids: list[str]) -> None:
        super().__init__()
        self.result = result
        self.item_ids = item_ids


class ProbesNotRun(Message):
    """A run ended before any probe started (no token, a configuration problem)."""

    def __init__(self, probe_ids: list[str], reason: str) -> None:
        super().__init__()
        self.probe_ids = probe_ids
        self.reason = reason


class MainScreen(Screen[None]):
    """Sections | items | detail; two panes (lists stacked) below 120 columns."""

    AUTO_FOCUS = "#items"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [
        (0, "-narrow"),
        (120, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_done", "Done", tooltip="Toggle done / to do", id="toggle-done"),
        Binding("s", "mark('skipped')", "Skip", tooltip="Mark skipped (again: to do)", id="skip"),
        Binding(
            "x",
            "mark('not-applicable')",
            "N/A",
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
        Binding("n", "note", "Note", tooltip="Edit the item's note", id="note"),
        Binding("r", "run_probe", "Run", tooltip="Run the item's probe", id="run-probe"),
        Binding(
            "R",
            "run_section",
            "Run all",
            tooltip="Run every probe of the section",
            id="run-section",
        ),
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
        self._cursor_timer: Timer | None = None
        self._ticker: Timer | None = None
        self._stale: set[str] = set(state_file.state.stale_items(checklist))
        self._confirm_lock = asyncio.Lock()

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
        prog = progress(self.checklist, state)
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
            if prog.stale:
                text += f"; {len(prog.stale)} changed since checked ({STALE_HINT})"
            self.golive.notify(text, title="golive")

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

    # --- lookups --------------------------------------------------------------------

    @property
    def section(self) -> Section:
        return next(s for s in self.checklist.sections if s.id == self.section_id)

    @property
    def item(self) -> Item:
        return self.checklist.by_id[self.item_id]

    def _is_running(self, item: Item) -> bool:
        return item.probe is not None and item.probe in self.running

    def _row(self, item: Item) -> object:
        st = self.state_file.state.item(item.id)
        return item_row(item, st, running=self._is_running(item), stale=item.id in self._stale)

    # --- filling and refreshing -------------------------------------------------------

    def _fill_items(self, highlight: str | None = None) -> None:
        items = self.query_one(ItemList)
        items.clear_options()
        items.add_options(Option(self._row(i), id=i.id) for i in self.section.items)
        target = highlight if highlight in {i.id for i in self.section.items} else None
        target = target or self.section.items[0].id
        items.highlighted = items.get_option_index(target)
        self.item_id = target
        self._show_detail()

    def _show_detail(self) -> None:
        item = self.item
        st = self.state_file.state.item(item.id)
        running_for = None
        if item.probe and item.probe in self.running:
            running_for = time.monotonic() - self.running[item.probe]
        view = ProbeView(running_for=running_for, transient=self.transient.get(item.id))
        self.query_one(ItemDetail).show(
            item, st, stale=item.id in self._stale, view=view, redact=self.golive.redact
        )

    def refresh_items(self, item_ids: Iterable[str] | None = None) -> None:
        """Re-render rows, section counts, header and the detail after a change."""
        items = self.query_one(ItemList)
        wanted = set(item_ids) if item_ids is not None else None
        for item in self.section.items:
            if wanted is None or item.id in wanted:
                items.replace_option_prompt(item.id, self._row(item))  # type: ignore[arg-type]
        prog = progress(self.checklist, self.state_file.state)
        sections = self.query_one(SectionList)
        for sp in prog.sections:
            sections.replace_option_prompt(sp.section.id, section_row(sp.section, sp.counts))
        self.query_one(TargetHeader).show_progress(prog.overall)
        self._show_saved()
        self._show_detail()

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
        self._fill_items()
        self._cursor_moved()

    @on(OptionList.OptionSelected, "#sections")
    def _section_selected(self) -> None:
        self.query_one(ItemList).focus()

    @on(OptionList.OptionHighlighted, "#items")
    def _item_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_id is None or event.option_id == self.item_id:
            return
        if event.option_id not in {i.id for i in self.section.items}:
            return  # a late event from before the list was refilled
        self.item_id = event.option_id
        self._show_detail()
        self._cursor_moved()

    def jump_to(self, item_id: str) -> None:
        """Select `item_id` (from the command palette)."""
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

    def action_focus_sections(self) -> None:
        self.query_one(SectionList).focus()

    def action_focus_items(self) -> None:
        self.query_one(ItemList).focus()

    # --- marking and notes -------------------------------------------------------------

    def _save(self, change: object, *args: object) -> bool:
        """Run a saving change; a failed save is a notice, never a crash."""
        try:
            change(*args)  # type: ignore[operator]
        except (GoliveError, OSError) as exc:
            message = exc.message if isinstance(exc, GoliveError) else str(exc)
            self.golive.notify(f"not saved: {message}", severity="error", timeout=10)
            return False
        return True

    def _set_status(self, status: ItemStatus) -> None:
        item = self.item
        state = self.state_file.state
        current = state.item(item.id).status
        new = ItemStatus.TODO if current is status else status
        against = override_needed(item, state.item(item.id), new, state.target.identity)
        if against is None:
            self._apply_status(item, new, None)
            return
        from golive_tui.tui.dialogs.override import OverrideScreen

        def decided(reason: str | None) -> None:
            if reason:
                self._apply_status(item, new, (reason, against))

        self.app.push_screen(OverrideScreen(item.title, new.value, against), decided)

    def _apply_status(
        self, item: Item, status: ItemStatus, override: tuple[str, str] | None
    ) -> None:
        if self._save(functools.partial(self.state_file.mark, override=override), item, status):
            self._stale.discard(item.id)
            self.refresh_items([item.id])

    def action_toggle_done(self) -> None:
        self._set_status(ItemStatus.DONE)

    def action_mark(self, status: str) -> None:
        self._set_status(ItemStatus(status))

    def action_note(self) -> None:
        from golive_tui.tui.dialogs.note import NoteScreen

        item = self.item
        st = self.state_file.state.item(item.id)

        def done(note: str | None) -> None:
            if note is None or note == st.note:
                return
            if self._save(self.state_file.set_note, item, note):
                self.refresh_items([item.id])

        self.app.push_screen(NoteScreen(item.title, st.note), done)

    def action_link(self, what: str) -> None:
        """A link in the detail pane was clicked: do what its key does."""
        actions = {
            "done": self.action_toggle_done,
            "skip": lambda: self.action_mark("skipped"),
            "na": lambda: self.action_mark("not-applicable"),
            "note": self.action_note,
            "run": self.action_run_probe,
            "run-section": self.action_run_section,
        }
        action = actions.get(what)
        if action is not None:
            self.query_one(ItemList).focus()  # a click focused the pane: back to the list
            action()

    # --- export -------------------------------------------------------------------------

    def action_export(self) -> None:
        from golive_tui.core.export import to_markdown

        sf = self.state_file
        path = sf.path.with_name(f"{sf.path.stem}-review.md")
        markdown = to_markdown(self.checklist, sf.state, redactor=self.golive.redact)
        try:
            atomic_write(path, markdown.encode("utf-8"))
        except OSError as exc:
            self.golive.notify(f"{path}: cannot write ({exc.strerror})", severity="error")
            return
        self.golive.last_export = path
        self.golive.notify(f"exported: {path}", title="Markdown review", timeout=8)

    # --- probes ---------------------------------------------------------------------------

    def action_run_probe(self) -> None:
        item = self.item
        if not item.probe:
            self.golive.notify(
                "a manual item: no probe to run; verify it by hand and mark it", severity="warning"
            )
            return
        self.run_probes([item.probe])

    def action_run_section(self) -> None:
        probes = list(dict.fromkeys(i.probe for i in self.section.items if i.probe))
        if not probes:
            self.golive.notify("no probes in this section; its items are manual")
            return
        self.run_probes(probes)

    def run_probes(self, probe_ids: list[str]) -> None:
        """Start one worker running `probe_ids` (those not already running)."""
        probe_ids = [p for p in probe_ids if p not in self.running]
        if not probe_ids:
            self.golive.notify("already running; esc cancels")
            return
        started = time.monotonic()
        for probe_id in probe_ids:
            self.running[probe_id] = started
        for item in self.checklist.items():
            if item.probe in probe_ids:
                self.transient.pop(item.id, None)
        worker = self.run_worker(
            self._run(probe_ids),
            name=f"probe {', '.join(probe_ids)}",
            group="probe-" + "+".join(probe_ids),
            description=f"Running {', '.join(probe_ids)}",
            exclusive=True,
            exit_on_error=False,
        )
        self._worker_probes[worker] = probe_ids
        if self._ticker is None:
            self._ticker = self.set_interval(0.1, self._tick)
        self.refresh_items()

    def _tick(self) -> None:
        if not self.running:
            if self._ticker is not None:
                self._ticker.stop()
                self._ticker = None
            return
        probe = self.item.probe
        if probe in self.running:
            # Only the elapsed time changes: re-rendering the whole pane (and a layout
            # pass) ten times a second would delay key presses while probes run.
            self.query_one(ItemDetail).show_running(time.monotonic() - self.running[probe])

    async def _run(self, probe_ids: list[str]) -> None:
        # Imported here: httpx comes with the probe engine and is not needed before.
        # The first import takes ~100 ms: in a thread, so the UI keeps answering keys.
        await _import_probe_engine()
        from golive_tui.core.checkrun import run_check

        token = await self.golive.acquire_token()
        if token is None:
            self.post_message(ProbesNotRun(probe_ids, "no API token given; nothing was run"))
            return
        webhook_secret = await self.golive.acquire_webhook_secret(ask=self._needs_secret(probe_ids))
        finished: set[str] = set()

        def on_result(result: ProbeResult, items: list[Item]) -> None:
            finished.add(result.probe)
            self.post_message(ProbeFinished(result, [i.id for i in items]))

        try:
            report = await run_check(
                self.checklist,
                self.state_file.state.target,
                token,
                webhook_secret=webhook_secret,
                only=probe_ids,
                confirm_write=self._confirm_write,
                state_file=self.state_file,
                on_result=on_result,
            )
        except GoliveError as exc:  # e.g. a base URL the token must not be sent to
            self.post_message(ProbesNotRun(probe_ids, exc.message))
            return
        # Probes this golive does not have yet come back as skipped rows only.
        for row in report.results:
            if row.probe not in finished:
                self.transient[row.item] = (row.status, row.summary)

    def _needs_secret(self, probe_ids: list[str]) -> bool:
        """A webhook probe with an endpoint to send to signs with the webhook secret."""
        settings = self.state_file.state.target.settings
        return bool(settings.get("webhook_url")) and any(p in WEBHOOK_PROBES for p in probe_ids)

    async def _confirm_write(self, spec: ProbeSpec, description: str | None) -> bool:
        """Ask before `spec` writes; `description` says exactly what (None: not described)."""
        from golive_tui.tui.dialogs.confirm_write import ConfirmWriteScreen

        target = self.state_file.state.target
        async with self._confirm_lock:  # one confirmation at a time
            answer = await self.app.push_screen_wait(
                ConfirmWriteScreen(spec.title, "production", target.base_url, description)
            )
        return bool(answer)

    def on_probe_finished(self, message: ProbeFinished) -> None:
        result = message.result
        self.running.pop(result.probe, None)
        for item_id in message.item_ids:
            if result.status == "skipped":
                self.transient[item_id] = ("skipped", result.summary)
            else:
                self.transient.pop(item_id, None)
        if result.status in ("fail", "error"):
            self.golive.notify(
                f"{result.probe}: {result.status.upper()} — {self.golive.redact(result.summary)}",
                severity="error",
                timeout=6,
            )
        self.refresh_items()

    def on_probes_not_run(self, message: ProbesNotRun) -> None:
        for probe_id in message.probe_ids:
            self.running.pop(probe_id, None)
            for item in self.checklist.items():
                if item.probe == probe_id:
                    self.transient[item.id] = ("skipped", message.reason)
        self.refresh_items()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker not in self._worker_probes or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        probe_ids = self._worker_probes.pop(worker)
        left = [p for p in probe_ids if p in self.running]
        for probe_id in left:
            self.running.pop(probe_id, None)
        if event.state is WorkerState.CANCELLED:
            outcome = ("cancelled", "cancelled before it finished; nothing was recorded")
        elif event.state is WorkerState.ERROR:
            error = worker.error
            text = error.message if isinstance(error, GoliveError) else f"{error!r}"
            outcome = ("error", self.golive.redact(text))
            self.golive.notify(outcome[1], title="probe run failed", severity="error", timeout=10)
        else:
            outcome = None
        if outcome is not None:
            for item in self.checklist.items():
                if item.probe in left:
                    self.transient[item.id] = outcome
        self.refresh_items()

    def action_cancel_probes(self) -> None:
        workers = [w for w in self._worker_probes if w.is_running]
        if not workers:
            return
        for worker in workers:
            worker.cancel()
        self.golive.notify(f"cancelled {len(workers)} probe run(s)")


STALE_HINT = "marked △"


async def _import_probe_engine() -> None:
    if "golive_tui.core.checkrun" in sys.modules:
        return
    await asyncio.to_thread(importlib.import_module, "golive_tui.core.checkrun")
    from golive_tui.tui.app import freeze_long_lived

    freeze_long_lived(collect=False)  # the engine and httpx live as long as the app
