"""What both export formats share: the scrubbing of every string, the target, times.

Split from `export` (JSON) and `export_md` (Markdown); nothing here is public API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from golive_tui.core.checklist import Checklist
from golive_tui.core.redact import Redactor, scrub_credentials
from golive_tui.core.state import State, Target
from golive_tui.core.textsafe import valid

RedactFn = Callable[[str], str]

_SHAPES_ONLY = Redactor()


def scrubber(redactor: RedactFn | None) -> RedactFn:
    """The function every exported string goes through, whatever the caller passed.

    Always scrubs credential shapes and lone surrogates, on top of `redactor`
    (which knows the stored secrets): an export is never written unscrubbed.
    """
    if redactor is None:
        return _SHAPES_ONLY.text

    def scrub(value: str) -> str:
        return scrub_credentials(redactor(valid(value)))

    return scrub


def _target(checklist: Checklist, state: State | None) -> Target:
    if state is None:
        return Target(provider=checklist.provider)
    return state.target


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _iso(dt: datetime) -> str:
    d = _utc(dt)
    spec = "seconds" if d.microsecond == 0 else "milliseconds"
    return d.isoformat(timespec=spec).replace("+00:00", "Z")


def _human(dt: datetime) -> str:
    return _utc(dt).strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(ms: int) -> str:
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"
