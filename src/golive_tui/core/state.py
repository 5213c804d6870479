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
import copy
import dataclasses
import itertools
import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from golive_tui.core import safefile
from golive_tui.core.checklist import Checklist, Item
from golive_tui.core.errors import StateError, StateLockedError
from golive_tui.core.fields import Invalid, Loc, Table, check_depth, shown, text_item
from golive_tui.core.net import strip_userinfo
from golive_tui.core.safefile import atomic_write as atomic_write  # re-exported for callers

SCHEMA_VERSION = 1
DEFAULT_STATE_FILE = "golive-state.toml"
# Probe results kept per item (setting `history_limit`); only the latest keeps its
# evidence and details, so a state stays small however many runs it has seen.
HISTORY_LIMIT = 5
HISTORY_MAX = 100
EVIDENCE_LIMIT = 4096  # characters per evidence excerpt
MAX_SETTING_DEPTH = 30  # inside [target.settings], which is itself 2 deep in the file
# Setting names that hold a credential, matched per word so that `input_tokens`
# (a usage property) passes and `api_token` / `webhook-secret` do not.
_SECRET_WORDS = {"token", "secret", "password", "passwd", "apikey", "authorization", "bearer"}
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")


def looks_secret(key: str) -> bool:
    words = [w for w in _WORD_SPLIT.split(key.lower()) if w]
    joined = {a + b for a, b in itertools.pairwise(words)}  # "api_key" -> "apikey"
    return bool(_SECRET_WORDS & (set(words) | joined))


def _check_setting(path: str, value: Any) -> None:
    if value is None:
        raise ValueError(f"setting {shown(path)} is empty (None); remove it or give it a value")
    if isinstance(value, dict):
        for k, v in value.items():
            sub = f"{path}.{k}"
            if looks_secret(str(k)):
                raise ValueError(
                    f"setting {shown(sub)} looks like a secret; secrets belong in the keyring"
                    " (golive token set), never in the state file"
                )
            _check_setting(sub, v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_setting(f"{path}[{i}]", v)
    elif not isinstance(value, str | int | float | bool | datetime):
        raise ValueError(
            f"setting {shown(path)} has a {type(value).__name__}, which TOML cannot hold"
        )


def now() -> datetime:
    # Millisecond precision: enough for ordering, shorter for people reading the file.
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


class ItemStatus(StrEnum):
    TODO = "todo"
    DONE = "done"
    SKIPPED = "skipped"
    NOT_APPLICABLE = "not-applicable"
    FAILED = "failed"


class ProbeStatus(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """A redacted excerpt of what a probe saw (a request, a response, a finding).

    Frozen: the text is capped once, here, and can never grow past the cap later.
    """

    label: str
    text: str

    def __post_init__(self) -> None:
        if len(self.text) > EVIDENCE_LIMIT:
            capped = self.text[: EVIDENCE_LIMIT - 20] + "\n… (truncated)"
            object.__setattr__(self, "text", capped)

    def to_data(self) -> dict[str, Any]:
        return {"label": self.label, "text": self.text}

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> Evidence:
        t = Table(data, loc)
        evidence = cls(label=t.text("label"), text=t.text("text"))
        t.done()
        return evidence


@dataclass(slots=True, kw_only=True)
class ProbeRecord:
    probe: str
    status: ProbeStatus
    summary: str
    details: list[str] = field(default_factory=list)
    at: datetime
    duration_ms: int
    evidence: list[Evidence] = field(default_factory=list)
    run_id: str | None = None

    def __post_init__(self) -> None:
        self.status = ProbeStatus(self.status)
        if self.duration_ms < 0:
            raise Invalid(("duration_ms",), f"must be at least 0, not {self.duration_ms}")

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "probe": self.probe,
            "status": self.status.value,
            "summary": self.summary,
            "details": list(self.details),
            "at": self.at,
            "duration_ms": self.duration_ms,
            "evidence": [e.to_data() for e in self.evidence],
        }
        if self.run_id is not None:
            data["run_id"] = self.run_id
        return data

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> ProbeRecord:
        t = Table(data, loc)
        record = cls(
            probe=t.text("probe"),
            status=t.enum("status", ProbeStatus),
            summary=t.text("summary"),
            details=t.list_of("details", text_item),
            at=t.timestamp("at"),
            duration_ms=t.integer("duration_ms", minimum=0),
            evidence=t.list_of("evidence", Evidence.from_data),
            run_id=t.text("run_id", None),
        )
        t.done()
        return record


def trimmed(records: list[ProbeRecord], limit: int) -> list[ProbeRecord]:
    """The last `limit` records; all but the latest keep only status, summary and time."""
    kept = records[-limit:]
    older = [
        dataclasses.replace(r, details=[], evidence=[]) if r.details or r.evidence else r
        for r in kept[:-1]
    ]
    return older + kept[-1:]


@dataclass(slots=True, kw_only=True)
class ItemState:
    status: ItemStatus = ItemStatus.TODO
    note: str = ""
    by: str = ""
    at: datetime | None = None
    # The item's definition fingerprint when the user last acted on it; a different
    # current fingerprint means the checklist changed since and the item is stale.
    fingerprint: str = ""
    probe_results: list[ProbeRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.status = ItemStatus(self.status)

    @property
    def latest(self) -> ProbeRecord | None:
        return self.probe_results[-1] if self.probe_results else None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status.value, "note": self.note, "by": self.by}
        if self.at is not None:
            data["at"] = self.at
        data["fingerprint"] = self.fingerprint
        data["probe_results"] = [r.to_data() for r in self.probe_results]
        return data

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> ItemState:
        t = Table(data, loc)
        st = cls(
            status=t.enum("status", ItemStatus, ItemStatus.TODO),
            note=t.text("note", ""),
            by=t.text("by", ""),
            at=t.timestamp("at", None),
            fingerprint=t.text("fingerprint", ""),
            probe_results=t.list_of("probe_results", ProbeRecord.from_data),
        )
        t.done()
        return st


Environment = Literal["sandbox", "production"]
ENVIRONMENTS: tuple[Environment, ...] = ("sandbox", "production")


@dataclass(slots=True, kw_only=True)
class Target:
    """Where probes point. Never holds a secret: tokens live in the OS keyring."""

    provider: str = ""
    environment: Environment = "sandbox"
    base_url: str = ""
    customer_id: str = ""
    operator: str = ""
    region: str = ""
    # Probe parameters (event names the app sends, a sample event, …).
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise `Invalid` for an unknown environment or a setting TOML or policy refuses.

        Also called before every save: in-place edits (`settings["x"] = …`) skip
        `__post_init__`, and a secret or a None must never be written.
        """
        if self.environment not in ENVIRONMENTS:
            raise Invalid(
                ("environment",),
                f"must be one of 'sandbox', 'production' (got {shown(self.environment)})",
            )
        # Before the recursive checks below, which a deep value would crash.
        check_depth(self.settings, ("settings",), limit=MAX_SETTING_DEPTH)
        for key, value in self.settings.items():
            if looks_secret(str(key)):
                raise Invalid(
                    ("settings", key),
                    f"setting {shown(key)} looks like a secret; secrets belong in the keyring"
                    " (golive token set), never in the state file",
                )
            try:
                _check_setting(str(key), value)
            except ValueError as exc:
                raise Invalid(("settings", key), str(exc)) from None
        limit = self.settings.get("history_limit", HISTORY_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= HISTORY_MAX:
            raise Invalid(
                ("settings", "history_limit"),
                f"must be a whole number from 1 to {HISTORY_MAX} (got {shown(limit)});"
                f" e.g. golive set history_limit {HISTORY_LIMIT}",
            )

    @property
    def history_limit(self) -> int:
        """Probe results kept per item (checked by `check`)."""
        return int(self.settings.get("history_limit", HISTORY_LIMIT))

    def to_data(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "environment": self.environment,
            "base_url": self.base_url,
            "customer_id": self.customer_id,
            "operator": self.operator,
            "region": self.region,
            "settings": copy.deepcopy(self.settings),
        }

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> Target:
        t = Table(data, loc)
        fields = {
            "provider": t.text("provider", ""),
            "environment": t.choice("environment", ENVIRONMENTS, "sandbox"),
            # User info in a URL (saved before golive refused it) is dropped on load.
            "base_url": strip_userinfo(t.text("base_url", "")),
            "customer_id": t.text("customer_id", ""),
            "operator": t.text("operator", ""),
            "region": t.text("region", ""),
            "settings": t.table("settings").data,
        }
        t.done()
        hook = fields["settings"].get("webhook_url")
        if isinstance(hook, str):
            fields["settings"]["webhook_url"] = strip_userinfo(hook)
        try:
            return cls(**fields)
        except Invalid as exc:
            raise Invalid((*loc, *exc.loc), exc.message) from None


@dataclass(slots=True, kw_only=True)
class Cursor:
    section: str = ""
    item: str = ""

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> Cursor:
        t = Table(data, loc)
        cursor = cls(section=t.text("section", ""), item=t.text("item", ""))
        t.done()
        return cursor


@dataclass(slots=True, kw_only=True)
class CreatedObject:
    """Something a probe created in the billing account, listed for clean-up."""

    run_id: str
    probe: str
    kind: str
    id: str
    at: datetime

    def to_data(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "probe": self.probe,
            "kind": self.kind,
            "id": self.id,
            "at": self.at,
        }

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> CreatedObject:
        t = Table(data, loc)
        obj = cls(
            run_id=t.text("run_id"),
            probe=t.text("probe"),
            kind=t.text("kind"),
            id=t.text("id"),
            at=t.timestamp("at"),
        )
        t.done()
        return obj


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
