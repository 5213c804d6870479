"""A small, fast TOML 1.0 writer for the value types the session state uses.

`dumps(doc)` renders a mapping of str keys to: str, int, float (nan/inf included),
bool, datetime (naive or tz-aware), date, time (naive), lists (inline arrays, nested
arrays allowed), dicts (tables; empty ones too) and lists of dicts (arrays of
tables). A list that mixes dicts with other values becomes an inline array holding
inline tables.

Why not `tomli_w`: it escapes strings one character at a time in Python, which was
~90% of an autosave. Here no string is escaped character by character in Python, and
strings are written so that they read back fast too: `tomllib` finds the end of a
literal string (`'...'`, `'''...'''`) with one `str.index` but walks a basic string
(`"..."`) one character at a time in Python (a 130 KB state full of JSON evidence
parses in ~11 ms with basic strings, ~3 ms with literal ones). So every string is a
literal string when that reads back exactly:

- `'...'` when it holds no `'`, no newline and no control character but tab;
- `'''...'''` when it holds no `'''`, does not end with `'` (which would touch the
  closing delimiter) and holds no control character but tab and newline;
- otherwise a basic string, made by the C JSON string encoder: a JSON string is a
  valid TOML basic string except for a raw DEL (U+007F), which is replaced by
  `\\u007f` in one pass over the finished document (literal strings never hold one).
  `\\r` is always escaped there, so CRLF round-trips exactly.

Strings holding a newline are written as multi-line strings (the opening delimiter,
then a newline that TOML trims), one line of text per line, so notes and evidence stay
readable in the file. Inside inline arrays and tables strings stay on one line. Keys
are bare when they can be, basic strings otherwise.

Errors: None or an unsupported type is a `TypeError` naming the key path; text that
cannot be encoded as UTF-8 (a lone surrogate) is a `UnicodeEncodeError` whose
`object[start:end]` is the offending character and whose reason names the key path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from json.encoder import encode_basestring as _json_str
from typing import Any

__all__ = ["dumps"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# Literal strings (TOML 1.0): `'...'` holds no `'`, newline or control character but
# tab; `'''...'''` holds no `'''` and no control character but tab and newline (so no
# `\r`). The checks run in C: `_NOT_LITERAL` finds what `'...'` cannot hold when
# `str.isprintable` is not enough (tab, non-ASCII spaces); the bytes tables list the
# UTF-8 bytes a `'''...'''` may hold on one or on many lines (every byte of a non-ASCII
# character: control characters are ASCII), so `.translate(None, table)` keeps only
# the forbidden ones.
_NOT_LITERAL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f']")
_ML_LITERAL_LINE = bytes([0x09, *range(0x20, 0x7F), *range(0x80, 0x100)])
_ML_LITERAL_LINES = bytes([0x09, 0x0A, *range(0x20, 0x7F), *range(0x80, 0x100)])
_Path = tuple[str | int, ...]


def dumps(doc: Mapping[str, Any]) -> str:
    """The TOML text for `doc`; `tomllib.loads(dumps(doc)) == doc` for supported values."""
    if not isinstance(doc, Mapping):
        raise TypeError(f"a TOML document must be a mapping, not {type(doc).__name__}")
    out: list[str] = []
    _table(doc, (), "", out)
    text = "".join(out).lstrip("\n")
    if "\x7f" in text:  # only ever inside an escaped string: JSON leaves DEL raw, TOML forbids it
        text = text.replace("\x7f", "\\u007f")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        _raise_unencodable(doc, ())
        raise  # not reached: the walk above finds the string and raises
    return text


# --- tables ------------------------------------------------------------------------


def _table(table: Mapping[str, Any], path: _Path, prefix: str, out: list[str]) -> None:
    """Key/value lines of `table`, then its sub-tables (each after its own header)."""
    later: list[tuple[str, Any, bool]] = []
    for k, v in table.items():
        if type(k) is not str and not isinstance(k, str):
            raise TypeError(f"TOML keys must be strings; got {k!r} at {_where(path)}")
        t = type(v)
        if t is str:
            out.append(f"{_key(k)} = {_str_value(v)}\n")
        elif t is dict or (t is not list and isinstance(v, Mapping)):
            later.append((k, v, False))
        elif (t is list or t is tuple) and v and all(_is_mapping(e) for e in v):
            later.append((k, v, True))
        else:
            out.append(f"{_key(k)} = {_inline(v, path, k)}\n")
    for k, v, is_array in later:
        header = prefix + _key(k)
        sub = (*path, k)
        if is_array:
            for i, elem in enumerate(v):
                out.append(f"\n[[{header}]]\n")
                _table(elem, (*sub, i), header + ".", out)
        else:
            out.append(f"\n[{header}]\n")
            _table(v, sub, header + ".", out)


def _is_mapping(v: Any) -> bool:
    return type(v) is dict or isinstance(v, Mapping)


@lru_cache(maxsize=4096)
def _key(k: str) -> str:
    return k if _BARE_KEY.fullmatch(k) else _json_str(k)


# --- values ------------------------------------------------------------------------


def _str_value(v: str) -> str:
    """A string in a `key = value` line: multi-line (one line of text per line) if it has
    a newline. Inside inline arrays and tables strings always stay on one line."""
    if "\n" in v:
        if _ml_literal_ok(v, _ML_LITERAL_LINES):
            return "'''\n" + v + "'''"  # the newline after the opening ''' is trimmed
        return '"""\n' + "\n".join([_json_str(line)[1:-1] for line in v.split("\n")]) + '"""'
    return _str_line(v)


def _str_line(v: str) -> str:
    """A string on one line: `'...'`, else `'''...'''`, else a basic string."""
    if "'" not in v and (v.isprintable() or _NOT_LITERAL.search(v) is None):
        return "'" + v + "'"
    if _ml_literal_ok(v, _ML_LITERAL_LINE):
        return "'''" + v + "'''"
    return _json_str(v)


def _ml_literal_ok(v: str, allowed: bytes) -> bool:
    """Whether `'''v'''` reads back as `v`: no `'''` inside and only `allowed` bytes. A
    final `'` would touch the closing `'''`; TOML allows that but a basic string is
    simpler. A lone surrogate passes here and fails in `dumps`, naming its key path."""
    return (
        "'''" not in v
        and not v.endswith("'")
        and not v.encode("utf-8", "surrogatepass").translate(None, allowed)
    )


def _inline(v: Any, path: _Path, k: str | int) -> str:
    t = type(v)
    if t is str:
        return _str_line(v)
    if t is int:
        return str(v)
    if t is bool:
        return "true" if v else "false"
    if t is float:
        return _float(v)
    if t is datetime:
        return _datetime(v)
    if t is list or t is tuple:
        sub = (*path, k)
        return "[" + ", ".join([_inline(e, sub, i) for i, e in enumerate(v)]) + "]"
    if isinstance(v, Mapping):
        if not v:
            return "{}"
        sub = (*path, k)
        items = []
        for kk, vv in v.items():
            if not isinstance(kk, str):
                raise TypeError(f"TOML keys must be strings; got {kk!r} at {_where(sub)}")
            items.append(f"{_key(kk)} = {_inline(vv, sub, kk)}")
        return "{ " + ", ".join(items) + " }"
    # Subclasses (StrEnum, IntEnum, …) and the rarer types.
    if isinstance(v, str):
        return _str_line(str.__str__(v))
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return int.__repr__(v)
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, datetime):
        return _datetime(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, time):
        if v.tzinfo is not None and v.utcoffset() is not None:
            raise TypeError(
                f"TOML has no time of day with an offset: {v!r} at {_where((*path, k))}"
            )
        return v.isoformat()
    if isinstance(v, Sequence) and not isinstance(v, bytes | bytearray):
        sub = (*path, k)
        return "[" + ", ".join([_inline(e, sub, i) for i, e in enumerate(v)]) + "]"
    if v is None:
        raise TypeError(f"TOML has no null: None at {_where((*path, k))}")
    raise TypeError(f"cannot write {type(v).__name__} to TOML at {_where((*path, k))}")


def _float(f: float) -> str:
    if math.isnan(f):
        return "nan"
    return float.__repr__(f)  # 1.5, -0.0, 1e+16, 1e-05, inf, -inf: all valid TOML


def _datetime(d: datetime) -> str:
    offset = d.utcoffset()
    if offset is not None and offset % timedelta(minutes=1):
        # TOML offsets are whole minutes; keep the instant, in UTC.
        d = d.astimezone(UTC)
    return d.isoformat()


# --- errors ------------------------------------------------------------------------


def _where(path: _Path) -> str:
    if not path:
        return "the top level"
    parts = [f"[{p}]" if isinstance(p, int) else _key(p) for p in path]
    return "".join(p if p.startswith("[") else f".{p}" for p in parts).lstrip(".")


def _raise_unencodable(v: Any, path: _Path) -> None:
    """Find the first key or string that is not valid UTF-8 and raise for it."""
    if isinstance(v, str):
        try:
            v.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise UnicodeEncodeError(
                exc.encoding, v, exc.start, exc.end, f"{exc.reason} (at {_where(path)})"
            ) from None
    elif isinstance(v, Mapping):
        for k, vv in v.items():
            _raise_unencodable(k, path)
            _raise_unencodable(vv, (*path, k))
    elif isinstance(v, list | tuple):
        for i, e in enumerate(v):
            _raise_unencodable(e, (*path, i))
