"""The Metronome sandbox's fixed values and small maths: deterministic ids, RFC 3339
times, month arithmetic, decimals, and the account's documented limits."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from golive_tui.core.sandbox.dates import add_months as add_months
from golive_tui.core.sandbox.dates import iso as iso
from golive_tui.core.sandbox.dates import month_start as month_start
from golive_tui.core.sandbox.dates import parse_time as parse_time

NAMESPACE = uuid.UUID("6f1d6c3e-5b0a-4c1e-9d55-6a7c0e3b9a10")  # the sandbox's uuid5 namespace
USD_CENTS_ID = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
USD_CENTS = {"id": USD_CENTS_ID, "name": "USD (cents)"}
DEDUP_WINDOW = timedelta(days=34)
BACKDATE_LIMIT = timedelta(days=34)
FUTURE_LIMIT = timedelta(hours=24)
GRACE_PERIOD = timedelta(hours=24)  # draft → finalized after the period ends
CREATED_BY = "golive sandbox seed"
WEBHOOK_IPS = (
    "52.39.198.29",
    "44.241.254.184",
    "52.42.224.184",
    "52.89.217.131",
    "44.231.139.128",
    "54.245.125.92",
    "3.134.178.31",
    "3.12.62.53",
    "3.140.90.67",
    "3.142.231.113",
    "3.131.206.70",
    "3.132.225.181",
)

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def sid(*parts: str) -> str:
    """A deterministic uuid for a named sandbox object."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def decimal_or_none(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def windows(start: datetime, end: datetime, size: str) -> Iterable[tuple[datetime, datetime]]:
    step = {"hour": timedelta(hours=1), "day": timedelta(days=1)}.get(size)
    if step is None:
        yield start, end
        return
    t = start
    while t < end:
        yield t, min(t + step, end)
        t += step
