"""Reading typed fields out of untrusted tables (a parsed state file, a JSON target).

The state file is read on every start-up, so this is plain Python: a few
microseconds per table instead of the ~50 ms it costs to import pydantic before the
first frame (benchmarks/startup.py). Checklist files, which people write by hand,
are validated by the pydantic schema in `checklist_schema`.

Every problem is an `Invalid` carrying the field's location, e.g.
`("items", "usage.dedup", "status")`; callers turn it into a one-line error.
Unknown fields are errors, as a typo must not be silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

Loc = tuple[str | int, ...]
T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


class Invalid(ValueError):
    """A field that is missing, unknown or of the wrong type; `loc` says which."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message

    @property
    def field(self) -> str:
        text = ".".join(str(p) for p in self.loc) or "(top level)"
        return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


_MISSING: Any = object()
MAX_DEPTH = 32  # tables and arrays inside each other; real files use 4 or 5
SHOWN_CHARS = 80  # of a bad value quoted in a message


def shown(value: object) -> str:
    """`repr(value)` cut to a readable length, for messages."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def check_depth(data: object, loc: Loc = (), limit: int = MAX_DEPTH) -> None:
    """Raise `Invalid` at the first table or array nested deeper than `limit`.

    Iterative on purpose: the recursive code that reads, copies and writes these
    values would hit Python's recursion limit (a crash) long before this does. Runs
    on every start-up (the state file), so the walk keeps no paths: only a failure
    looks for where it is.
    """
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        for child in value.values() if isinstance(value, dict) else value:
            if isinstance(child, dict | list):
                if depth + 1 >= limit:
                    raise Invalid(
                        (*loc, *_path_to(data, limit)),
                        f"nested more than {limit} tables or arrays deep; flatten it",
                    )
                stack.append((child, depth + 1))


def _path_to(data: Any, depth: int) -> Loc:
    """The keys down to the first table or array `depth` levels in (there is one)."""
    stack: list[tuple[Any, Loc]] = [(data, ())]
    while stack:
        value, where = stack.pop()
        if len(where) == depth:
            return where
        items = value.items() if isinstance(value, dict) else enumerate(value)
        stack.extend((v, (*where, k)) for k, v in items if isinstance(v, dict | list))
    return ()


def _kind(value: object) -> str:
    return {
        str: "text",
        int: "an integer",
        float: "a number",
        bool: "true/false",
        dict: "a table",
        list: "an array",
        datetime: "a date-time",
    }.get(type(value), type(value).__name__)


class Table:
    """One table of untrusted data. Read every field, then call `done()`."""

    def __init__(self, data: object, loc: Loc = ()) -> None:
        if not isinstance(data, dict):
            raise Invalid(loc, f"must be a table, not {_kind(data)}")
        self.data: dict[str, Any] = data
        self.loc = loc
        self._seen: set[str] = set()

    def _get(self, key: str, default: Any) -> Any:
        self._seen.add(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise Invalid((*self.loc, key), "required field is missing; add it")
        return default

    def _wrong(self, key: str, want: str, value: object) -> Invalid:
        return Invalid((*self.loc, key), f"must be {want}, not {_kind(value)}")

    def text(self, key: str, default: Any = _MISSING, *, nonempty: bool = False) -> Any:
        value = self._get(key, default)
        if value is not default and not isinstance(value, str):
            raise self._wrong(key, "text", value)
        if nonempty and not value:
            raise Invalid((*self.loc, key), "must not be empty")
        return value

    def integer(self, key: str, default: Any = _MISSING, *, minimum: int | None = None) -> Any:
        value = self._get(key, default)
        if value is default:
            return value
        if type(value) is not int:  # bool is an int subclass, and is not a count
            raise self._wrong(key, "an integer", value)
        if minimum is not None and value < minimum:
            raise Invalid((*self.loc, key), f"must be at least {minimum}, not {value}")
        return value

    def timestamp(self, key: str, default: Any = _MISSING) -> Any:
        value = self._get(key, default)
        if value is default or isinstance(value, datetime):
            return value
        if isinstance(value, str):  # JSON has no date-time type
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        raise self._wrong(key, "a date-time such as 2026-11-21T10:00:00Z", value)

    def enum(self, key: str, enum: type[E], default: Any = _MISSING) -> E:
        value = self._get(key, default)
        if value is default:
            return value  # type: ignore[no-any-return]
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in enum)
            raise Invalid(
                (*self.loc, key), f"must be one of {allowed} (got {shown(value)})"
            ) from None

    def choice(self, key: str, allowed: tuple[str, ...], default: Any = _MISSING) -> Any:
        value = self._get(key, default)
        if value is not default and value not in allowed:
            names = ", ".join(repr(a) for a in allowed)
            raise Invalid((*self.loc, key), f"must be one of {names} (got {shown(value)})")
        return value

    def list_of(self, key: str, build: Callable[[Any, Loc], T]) -> list[T]:
        value = self._get(key, [])
        if not isinstance(value, list):
            raise self._wrong(key, "an array", value)
        return [build(v, (*self.loc, key, i)) for i, v in enumerate(value)]

    def table(self, key: str) -> Table:
        return Table(self._get(key, {}), (*self.loc, key))

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        return self._get(key, default)

    def done(self) -> None:
        for key in self.data:
            if key not in self._seen:
                raise Invalid((*self.loc, key), "unknown field; check the spelling or remove it")


def text_item(value: object, loc: Loc) -> str:
    """`Table.list_of` builder for an array of text."""
    if not isinstance(value, str):
        raise Invalid(loc, f"must be text, not {_kind(value)}")
    return value
