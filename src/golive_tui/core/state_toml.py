"""The state file's text: parsing it into checked plain data (with the errors a
person can act on) and writing plain data back as TOML.

Refuses, and never overwrites, a file that cannot be parsed, is nested too deeply,
or comes from a newer golive (a higher schema version).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from golive_tui.core.errors import StateError
from golive_tui.core.fields import Invalid, check_depth

SCHEMA_VERSION = 1
DEFAULT_STATE_FILE = "golive-state.toml"


def dumps(data: dict[str, Any]) -> str:
    from golive_tui.core import tomlwrite  # not needed to show a session, only to save it

    return tomlwrite.dumps(data)


def parse(text: str, path: Path | str = DEFAULT_STATE_FILE) -> dict[str, Any]:
    """The parsed TOML of a state file golive can read; raises `StateError` naming `path`."""
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
    return data
