"""The state file on disk: opening it for writing (`StateFile`, which holds the
lock and saves atomically) and reading it without the lock (`read`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from golive_tui.core import safefile
from golive_tui.core.checklist import Checklist, Item
from golive_tui.core.errors import StateError
from golive_tui.core.fields import Invalid
from golive_tui.core.safefile import atomic_write
from golive_tui.core.state_document import State
from golive_tui.core.state_lock import StateLock
from golive_tui.core.state_records import ItemStatus, ProbeRecord, now
from golive_tui.core.state_target import Target


class StateFile:
    """A state file opened for writing: holds the lock, saves atomically."""

    def __init__(
        self, path: Path, state: State, lock: StateLock | None, real_path: Path | None = None
    ) -> None:
        self.path = path  # as the user gave it, for messages
        self.real_path = real_path or path  # what is read, locked and replaced
        self.state = state
        self._lock = lock
        self.saved_at: datetime | None = None

    # --- opening -----------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        checklist: Checklist | None = None,
        source: str | None = None,
        target: Target | None = None,
        create: bool = False,
    ) -> StateFile:
        """Open for writing. With `create`, a missing file is made from `checklist`."""
        path = Path(path)
        if not path.parent.is_dir():
            raise StateError(f"{path}: folder {path.parent} does not exist; create it first")
        # Resolved once: a symlinked state is written where it points, and every alias
        # takes the same lock (next to the real file).
        try:
            real = path.resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
            raise StateError(f"{path}: cannot follow its symlinks ({exc}); fix the link") from None
        lock = StateLock(real)
        lock.acquire(path)
        try:
            safefile.remove_stale_temps(real)
            if os.path.lexists(real):
                state = read(real)
                sf = cls(path, state, lock, real)
                sf._refuse_unsafe_target()
            elif create and checklist is not None:
                state = State.new(checklist, source or checklist.id, target)
                sf = cls(path, state, lock, real)
                sf.save()
            else:
                raise StateError(
                    f"{path}: no state file here; pass --checklist to start one"
                    " (built-in: golive checklists)"
                )
        except BaseException:
            lock.release()
            raise
        return sf

    def save(self) -> None:
        try:
            self.state.target.check()
        except Invalid as exc:
            raise StateError(
                f"{self.path}: not saved: {exc.message}; the file was left as it is"
            ) from None
        self.state.compact()  # an older golive's state shrinks on its first save
        self.state.updated_at = now()
        try:
            data = self.state.to_toml().encode("utf-8")
        except UnicodeEncodeError as exc:
            # e.g. `--note` with bytes that are not UTF-8 (argv arrives surrogate-escaped).
            raise StateError(
                f"{self.path}: not saved: some text is not valid UTF-8"
                f" ({exc.object[exc.start : exc.end]!r}); the file was left as it is"
            ) from None
        self._refuse_unsafe_target()
        try:
            atomic_write(self.real_path, data, new_mode=0o600)
        except OSError as exc:
            raise StateError(
                f"{self.path}: not saved ({exc.strerror}); the file was left as it is —"
                " check the folder's permissions and free space"
            ) from None
        self.saved_at = self.state.updated_at

    def _refuse_unsafe_target(self) -> None:
        try:
            safefile.check_target(self.real_path)
            safefile.refuse_hard_links(self.real_path)
        except OSError as exc:
            raise StateError(f"{self.path}: {exc.strerror}") from None

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> StateFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- changes that save at once --------------------------------------------------

    def mark(
        self,
        item: Item,
        status: ItemStatus,
        *,
        note: str | None = None,
        override: tuple[str, str] | None = None,
    ) -> None:
        self.state.mark(item, status, note=note, override=override)
        self.save()

    def set_note(self, item: Item, note: str) -> None:
        self.state.set_note(item, note)
        self.save()

    def add_probe_result(self, item_id: str, record: ProbeRecord) -> None:
        self.state.add_probe_result(item_id, record)
        self.save()


def read(path: Path | str) -> State:
    """Read a state file without locking it (for status and export)."""
    path = Path(path)
    raw = safefile.read_or_explain(
        path,
        "state file",
        missing="no state file here; check --state",
        unsafe_fix="pass --state with a regular file",
        error=StateError,
    )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StateError(
            f"{path}: not UTF-8 text (byte {exc.start}); the file was left as it is —"
            " pass --state for a new file"
        ) from None
    return State.from_toml(text, path)


@contextlib.contextmanager
def opened(path: Path | str, **kwargs: Any) -> Iterator[StateFile]:
    sf = StateFile.open(path, **kwargs)
    try:
        yield sf
    finally:
        sf.close()
