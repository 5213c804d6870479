"""Dates as both emulated APIs write and read them: RFC 3339 in UTC, calendar months.

Shared by every provider sandbox (the emulated platforms all bill by calendar month
and speak RFC 3339), so no provider's sandbox imports another's.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 date-time with a 4-digit year, as UTC; None when malformed."""
    if not isinstance(value, str):
        return None
    m = _RFC3339.match(value)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        t = datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(s), int((frac or "0").ljust(6, "0")[:6])
        )
    except ValueError:
        return None
    if tz in ("Z", "z"):
        return t.replace(tzinfo=UTC)
    sign = 1 if tz[0] == "+" else -1
    offset = timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])) * sign
    return (t - offset).replace(tzinfo=UTC)


def iso(t: datetime) -> str:
    t = t.astimezone(UTC)
    if t.microsecond:
        return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{t.microsecond // 1000:03d}Z"
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def month_start(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(t: datetime, n: int) -> datetime:
    total = t.year * 12 + (t.month - 1) + n
    return t.replace(year=total // 12, month=total % 12 + 1)
