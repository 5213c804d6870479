"""A cache of checklists the pydantic schema has already accepted, keyed by their bytes.

Why: importing pydantic and validating takes about 55 ms, a third of golive's
start-up budget, and a checklist rarely changes between runs. A file whose exact
bytes were validated before, by the same schema, loads from here as JSON.

Safety: the key is a SHA-256 over the file's bytes *and* the source of the schema
and model modules, so editing the checklist or upgrading golive misses the cache.
Each entry also stores a SHA-256 of its own checklist, checked on every lookup, so
an entry edited or corrupted after it was written is not trusted. An entry that
cannot be read or does not match is ignored (the file is validated again).
Entries hold checklist text only (never state, never secrets) and live in
`$GOLIVE_CACHE_DIR`, else `$XDG_CACHE_HOME/golive`, else `~/.cache/golive`. Any
problem writing the cache is ignored: it only costs speed.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from golive_tui.core import safefile

CACHE_FORMAT = 2  # 2: entries carry a digest of their checklist
MAX_ENTRY_BYTES = 4 * 1024 * 1024
# The modules whose code decides what a validated checklist looks like.
_SCHEMA_SOURCES = ("checklist_schema.py", "checklist.py")


def cache_dir() -> Path:
    explicit = os.environ.get("GOLIVE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "golive"


@cache
def _schema_stamp() -> bytes | None:
    """A digest of the schema's source; None (no caching) if it cannot be read."""
    from golive_tui import __version__

    h = hashlib.sha256(f"{CACHE_FORMAT}:{__version__}:".encode())
    here = Path(__file__).parent
    for name in _SCHEMA_SOURCES:
        try:
            h.update((here / name).read_bytes())
        except OSError:
            return None
    return h.digest()


def _entry(raw: bytes) -> tuple[Path, str] | None:
    stamp = _schema_stamp()
    if stamp is None:
        return None
    key = hashlib.sha256(stamp + raw).hexdigest()
    return cache_dir() / f"checklist-{key[:40]}.json", key


def lookup(raw: bytes) -> dict[str, Any] | None:
    """The validated checklist for these bytes, if the cache holds it."""
    entry = _entry(raw)
    if entry is None:
        return None
    path, key = entry
    try:
        doc = json.loads(safefile.read_bounded(path, MAX_ENTRY_BYTES))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("key") != key:
        return None
    data = doc.get("checklist")
    if not isinstance(data, dict) or doc.get("digest") != _digest(key, data):
        return None
    return data


def _digest(key: str, checklist: dict[str, Any]) -> str:
    blob = json.dumps(checklist, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{key}:{blob}".encode()).hexdigest()


def store(raw: bytes, validated: dict[str, Any]) -> None:
    """Remember that these bytes validated to `validated` (best effort)."""
    entry = _entry(raw)
    if entry is None:
        return
    path, key = entry
    doc = {"key": key, "digest": _digest(key, validated), "checklist": validated}
    blob = json.dumps(doc, ensure_ascii=False).encode()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        safefile.atomic_write(path, blob, new_mode=0o600)
    except OSError:
        pass
