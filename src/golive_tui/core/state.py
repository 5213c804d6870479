"""Session state: what the user has checked, noted and probed, saved as TOML.

This module is the public face; callers import from here. The parts:
- `state_records`: item status, probe results and their evidence, created objects;
- `state_target`: where probes point, and the checks on its settings;
- `state_document`: the whole `State` and its changes (pure; the caller saves);
- `state_toml`: the file's text, parsed with actionable errors or written back;
- `state_lock`, `state_file`: the file on disk, one writer at a time, atomic saves.

Guarantees, each tested:
- every save is atomic (temp file in the same folder, fsync, `os.replace`, fsync of
  the folder), so a crash leaves the old file or the new one, never a torn one;
- one writer at a time: a second golive on the same file gets "in use by PID …";
- a file that cannot be parsed, or comes from a newer golive, is never overwritten;
- no secret is ever part of the state (the model has no field for one, and target
  settings with secret-looking names are refused).
"""

from __future__ import annotations

from golive_tui.core.safefile import atomic_write
from golive_tui.core.state_document import State
from golive_tui.core.state_file import StateFile, opened, read
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
from golive_tui.core.state_toml import DEFAULT_STATE_FILE, SCHEMA_VERSION

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
