"""Marking items, notes and the export, from the main screen (a mixin of `MainScreen`).

Every change goes through the `StateFile` methods, which save atomically; a failed save
is a notice, never a crash. A status that goes against the evidence asks for a reason
first (`OverrideScreen`).
"""

from __future__ import annotations

import functools

from golive_tui.core.checklist import Item
from golive_tui.core.errors import GoliveError
from golive_tui.core.review import override_needed
from golive_tui.core.state import ItemStatus, atomic_write
from golive_tui.tui.widgets.lists import ItemList


class Marking:
    """The marking half of `MainScreen`."""

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
        if self.nothing_shown():
            return
        item = self.item
        state = self.state_file.state
        current = state.item(item.id).status
        new = ItemStatus.TODO if current is status else status
        against = override_needed(item, state.item(item.id), new, state.target)
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
            self.refresh_items([item.id])

    def action_toggle_done(self) -> None:
        self._set_status(ItemStatus.DONE)

    def action_mark(self, status: str) -> None:
        self._set_status(ItemStatus(status))

    def action_note(self) -> None:
        if self.nothing_shown():
            return
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
            "run-all": self.action_run_all,
            "harness": self.action_harness,  # type: ignore[attr-defined]
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
        markdown = to_markdown(
            self.checklist,
            sf.state,
            redactor=self.golive.redact,
            reread=self.recheck_result,  # type: ignore[attr-defined]
        )
        try:
            atomic_write(path, markdown.encode("utf-8"))
        except OSError as exc:
            self.golive.notify(f"{path}: cannot write ({exc.strerror})", severity="error")
            return
        self.golive.last_export = path
        self.golive.notify(f"exported: {path}", title="Markdown review", timeout=8)
