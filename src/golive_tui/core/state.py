"""Session state: what the user has checked, noted and probed, saved as TOML.

Guarantees, each tested:
- every save is atomic (temp file in the same folder, fsync, `os.replace`, fsync of
  the folder), so a crash leaves the old file or the new one, never a torn one;
- one writer at a time: a second golive on the same file gets "in use by PID …";
- a file that cannot be parsed, or comes from a newer golive, is never overwritten;
- no secret is ever part of the state (the model has no field for one, and target
  settings with secret-looking names are refused).
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from golive_tui.core import safefile
from golive_tui.core.checklist import Checklist, Item
from golive_tui.core.errors import StateError, StateLockedError
from golive_tui.core.fields import Invalid, Table, check_depth
from golive_tui.core.safefile import atomic_write
from golive_tui.core.state_records import (
    EVIDENCE_LIMIT,
    CreatedObject,
    Cursor,
    Evidence,
    ItemState,
    ItemStatus,
    ProbeRecord,
    ProbeStatus,
    now,
    trimmed,
)
from golive_tui.core.state_target import (
    ENVIRONMENTS,
    HISTORY_LIMIT,
    HISTORY_MAX,
    MAX_SETTING_DEPTH,
    Environment,
    Target,
    looks_secret,
)

__all__ = [
    "DEFAULT_STATE_FILE",
    "ENVIRONMENTS",
    "EVIDENCE_LIMIT",
    "HISTORY_LIMIT",
    "HISTORY_MAX",
    "MAX_SETTING_DEPTH",
    "SCHEMA_VERSION",
    "CreatedObject",
    "Cursor",
    "Environment",
    "Evidence",
    "ItemState",
    "ItemStatus",
    "ProbeRecord",
    "ProbeStatus",
    "State",
    "StateFile",
    "Target",
    "atomic_write",
    "looks_secret",
    "now",
    "opened",
    "read",
    "trimmed",
]

SCHEMA_VERSION = 1
DEFAULT_STATE_FILE = "golive-state.toml"


@dataclass(slots=True, kw_only=True)
class State:
    schema_version: int = SCHEMA_VERSION
    checklist_id: str
    checklist_source: str
    checklist_fingerprint: str
    created_at: datetime
    updated_at: datetime
    target: Target = field(default_factory=Target)
    cursor: Cursor = field(default_factory=Cursor)
    items: dict[str, ItemState] = field(default_factory=dict)
    created_objects: list[CreatedObject] = field(default_factory=list)

    @classmethod
    def new(cls, checklist: Checklist, source: str, target: Target | None = None) -> State:
        t = now()
        first = checklist.sections[0]
        return cls(
            checklist_id=checklist.id,
            checklist_source=source,
            checklist_fingerprint=checklist.fingerprint,
            created_at=t,
            updated_at=t,
            target=target or Target(provider=checklist.provider),
            cursor=Cursor(section=first.id, item=first.items[0].id),
        )

    # --- queries ---------------------------------------------------------------

    def item(self, item_id: str) -> ItemState:
        return self.items.get(item_id) or ItemState()

    def stale_items(self, checklist: Checklist) -> list[str]:
        """Items the user acted on whose definition has changed since."""
        stale = []
        for item in checklist.items():
            st = self.items.get(item.id)
            if st and st.fingerprint and st.fingerprint != item.fingerprint:
                stale.append(item.id)
        return stale

    # --- changes (pure; the caller saves) --------------------------------------

    def mark(
        self,
        item: Item,
        status: ItemStatus,
        *,
        note: str | None = None,
        by: str = "",
    ) -> None:
        st = self.items.setdefault(item.id, ItemState())
        st.status = ItemStatus(status)
        if note is not None:
            st.note = note
        st.by = by or self.target.operator
        st.at = now()
        st.fingerprint = item.fingerprint
        self.updated_at = st.at

    def set_note(self, item: Item, note: str, *, by: str = "") -> None:
        st = self.items.setdefault(item.id, ItemState())
        st.note = note
        st.by = by or self.target.operator
        st.at = now()
        self.updated_at = st.at

    def add_probe_result(self, item_id: str, record: ProbeRecord) -> None:
        st = self.items.setdefault(item_id, ItemState())
        st.probe_results = trimmed([*st.probe_results, record], self.target.history_limit)
        self.updated_at = now()

    def compact(self) -> None:
        """Trim every item's history to the limit (a state from an older golive kept 20
        results per item, each with its evidence: ~120 KB a run)."""
        limit = self.target.history_limit
        for st in self.items.values():
            st.probe_results = trimmed(st.probe_results, limit)

    def add_created(self, obj: CreatedObject) -> None:
        self.created_objects = [*self.created_objects, obj]
        self.updated_at = now()

    def move_cursor(self, section: str, item: str) -> None:
        self.cursor = Cursor(section=section, item=item)

    # --- data and TOML ------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        """Plain values in file order (TOML has no null: absent optional fields are left out)."""
        return {
            "schema_version": self.schema_version,
            "checklist_id": self.checklist_id,
            "checklist_source": self.checklist_source,
            "checklist_fingerprint": self.checklist_fingerprint,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "target": self.target.to_data(),
            "cursor": {"section": self.cursor.section, "item": self.cursor.item},
            "items": {k: v.to_data() for k, v in self.items.items()},
            "created_objects": [o.to_data() for o in self.created_objects],
        }

    @classmethod
    def from_data(cls, data: object) -> State:
        """Check every field of a parsed state file; raises `Invalid` naming the first bad one."""
        t = Table(data)
        items = t.table("items")
        state = cls(
            schema_version=t.integer("schema_version", SCHEMA_VERSION, minimum=1),
            checklist_id=t.text("checklist_id", nonempty=True),
            checklist_source=t.text("checklist_source"),
            checklist_fingerprint=t.text("checklist_fingerprint"),
            created_at=t.timestamp("created_at"),
            updated_at=t.timestamp("updated_at"),
            target=Target.from_data(t.raw("target", {}), ("target",)),
            cursor=Cursor.from_data(t.raw("cursor", {}), ("cursor",)),
            items={k: ItemState.from_data(v, ("items", k)) for k, v in items.data.items()},
            created_objects=t.list_of("created_objects", CreatedObject.from_data),
        )
        t.done()
        return state

    def to_toml(self) -> str:
        from golive_tui.core import tomlwrite  # not needed to show a session, only to save it

        return tomlwrite.dumps(self.to_data())

    @classmethod
    def from_toml(cls, text: str, path: Path | str = DEFAULT_STATE_FILE) -> State:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            why = str(exc)
            if why.endswith("(at end of document)"):  # a truncated file: still name the line
                why = f"{why[:-1]}, line {text.count(chr(10)) + 1})"
            raise StateError(
                f"{path}: not a valid golive state file ({why}); the file was left as it is —"
                " fix or move it, or pass --state for a new one"
            ) from None
        except RecursionError:
            raise StateError(
                f"{path}: not a valid golive state file (values nested too deeply);"
                " the file was left as it is — fix or move it, or pass --state for a new one"
            ) from None
        try:
            check_depth(data)
        except Invalid as exc:
            raise StateError(
                f"{path}: field {exc.field!r}: {exc.message}; the file was left as it is"
            ) from None
        version = data.get("schema_version")
        if isinstance(version, int) and version > SCHEMA_VERSION:
            raise StateError(
                f"{path}: written by a newer golive (state schema {version}, this golive reads"
                f" up to {SCHEMA_VERSION}); upgrade golive — the file was left as it is"
            )
        try:
            return cls.from_data(data)
        except Invalid as exc:
            raise StateError(
                f"{path}: field {exc.field!r}: {exc.message}; the file was left as it is —"
                " fix that field or pass --state for a new file"
            ) from None


# --- the file on disk -----------------------------------------------------------


class _Lock:
    """An advisory lock on `<state>.lock` that also records the holder's PID."""

    def __init__(self, state_path: Path) -> None:
        self.path = state_path.with_name(state_path.name + ".lock")
        self._fd: int | None = None

    def acquire(self, state_path: Path) -> None:
        import fcntl

        try:
            fd = safefile.open_lock(self.path)
        except OSError as exc:
            raise StateError(
                f"{state_path}: cannot open its lock file {self.path} ({exc.strerror});"
                " golive needs to write in that folder — fix its permissions or pass --state"
                " for a file elsewhere"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StateLockedError(
                f"{state_path}: in use by PID {holder} (another golive is open on it);"
                " close that one first, or pass --state to use another file"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class StateFile:
    """A state file opened for writing: holds the lock, saves atomically."""

    def __init__(
        self, path: Path, state: State, lock: _Lock | None, real_path: Path | None = None
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
        lock = _Lock(real)
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

    def mark(self, item: Item, status: ItemStatus, *, note: str | None = None) -> None:
        self.state.mark(item, status, note=note)
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
    try:
        raw = safefile.read_bounded(path)
    except FileNotFoundError:
        raise StateError(f"{path}: no state file here; check --state") from None
    except safefile.UnsafeFileError as exc:
        raise StateError(
            f"{path}: cannot read state file ({exc.strerror}); pass --state with a regular file"
        ) from None
    except OSError as exc:
        raise StateError(f"{path}: cannot read state file ({exc.strerror})") from None
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
