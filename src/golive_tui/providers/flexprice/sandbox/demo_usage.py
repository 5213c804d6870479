"""The Flexprice demo's usage: the events each customer's app sent this period
and last, and (under `duplicates-counted`) the retries re-stamped with a new time."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from golive_tui.providers.flexprice.sandbox.account import Account
from golive_tui.providers.flexprice.sandbox.demo_catalog import (
    API_EVENT,
    EXPORT_EVENT,
    STORAGE_EVENT,
    TOKENS_EVENT,
)
from golive_tui.providers.flexprice.sandbox.records import Event
from golive_tui.providers.flexprice.sandbox.values import fid

RESTAMPED_RETRIES = 2  # under `duplicates-counted`: app retries sent with a new timestamp
D = Decimal

# (event name, properties) per seeded event, this period and last, per customer
_QUILL_THIS: list[tuple[str, dict[str, Any]]] = [
    (TOKENS_EVENT, {"model": "quill-pro", "tokens": "180000", "project": "insights"}),
    (TOKENS_EVENT, {"model": "quill-mini", "tokens": "240000", "project": "insights"}),
    (TOKENS_EVENT, {"model": "quill-embed", "tokens": "95500", "project": "search"}),
    (TOKENS_EVENT, {"model": "quill-pro", "tokens": "310000", "project": "reports"}),
    (TOKENS_EVENT, {"model": "quill-mini", "tokens": "125000", "project": "search"}),
    (TOKENS_EVENT, {"model": "quill-pro", "tokens": "299500", "project": "insights"}),
    *[(API_EVENT, {"endpoint": "/v2/query", "method": "POST"}) for _ in range(28)],
    *[(API_EVENT, {"endpoint": "/v2/datasets", "method": "GET"}) for _ in range(12)],
    (STORAGE_EVENT, {"gb_hours": "120.5", "bucket": "warehouse"}),
    (STORAGE_EVENT, {"gb_hours": "96", "bucket": "warehouse"}),
    (STORAGE_EVENT, {"gb_hours": "88.25", "bucket": "exports"}),
    (EXPORT_EVENT, {"format": "pdf"}),
]
QUILL_THIS_TOKENS = D(1_250_000)
QUILL_THIS_CALLS = D(40)
QUILL_THIS_GB_HOURS = D("304.75")
_QUILL_LAST: list[tuple[str, dict[str, Any]]] = [
    (TOKENS_EVENT, {"model": "quill-pro", "tokens": "2100000", "project": "insights"}),
    (TOKENS_EVENT, {"model": "quill-mini", "tokens": "1650000", "project": "reports"}),
    (TOKENS_EVENT, {"model": "quill-embed", "tokens": "450000", "project": "search"}),
    *[(API_EVENT, {"endpoint": "/v2/query", "method": "POST"}) for _ in range(25)],
    (STORAGE_EVENT, {"gb_hours": "260", "bucket": "warehouse"}),
    (STORAGE_EVENT, {"gb_hours": "150", "bucket": "exports"}),
]
_LUMEN_THIS: list[tuple[str, dict[str, Any]]] = [
    (TOKENS_EVENT, {"model": "quill-pro", "tokens": "3200000", "project": "triage"}),
    (TOKENS_EVENT, {"model": "quill-pro", "tokens": "2600000", "project": "triage"}),
    (TOKENS_EVENT, {"model": "quill-mini", "tokens": "1600000", "project": "notes"}),
    *[(API_EVENT, {"endpoint": "/v2/query", "method": "POST"}) for _ in range(12)],
]
LUMEN_THIS_TOKENS = D(7_400_000)
_ORBIT_THIS: list[tuple[str, dict[str, Any]]] = [
    (TOKENS_EVENT, {"model": "quill-mini", "tokens": "84000", "project": "catalog"}),
    *[(API_EVENT, {"endpoint": "/v2/datasets", "method": "GET"}) for _ in range(6)],
]


def seed_usage(
    account: Account,
    now: datetime,
    this_month: datetime,
    last_month: datetime,
    faults: frozenset[str],
) -> None:
    def spread(start: datetime, end: datetime, n: int) -> list[datetime]:
        span = end - start
        return [(start + span * (i + 0.5) / n).replace(microsecond=0) for i in range(n)]

    elapsed_end = max(now - timedelta(seconds=5), this_month + timedelta(seconds=1))
    batches = [
        ("quill-test", "this", this_month, elapsed_end, _QUILL_THIS),
        ("quill-test", "last", last_month, this_month, _QUILL_LAST),
        ("lumen-health", "this", this_month, elapsed_end, _LUMEN_THIS),
        ("orbit-retail", "this", this_month, elapsed_end, _ORBIT_THIS),
    ]
    for ext, label, start, end, rows in batches:
        for i, ((name, props), at) in enumerate(
            zip(rows, spread(start, end, len(rows)), strict=True)
        ):
            account.events.append(
                Event(
                    fid("event", ext, label, str(i)),
                    ext,
                    name,
                    at,
                    dict(props),
                    at,
                    at,
                    source="quill-api",
                )
            )

    if "duplicates-counted" in faults:
        # The app's retries re-stamp events: the same event_id with a new timestamp is a
        # new row to ClickHouse, so each copy is billed for good (ref §3d).
        for i in range(RESTAMPED_RETRIES):
            first = max(now - timedelta(hours=2, minutes=17 * i), this_month).replace(microsecond=0)
            for attempt in range(2):
                at = first + timedelta(seconds=3 * attempt)
                props = {"endpoint": "/v2/query", "method": "POST"}
                account.events.append(
                    Event(
                        fid("event", "quill-test", "retry", str(i)),
                        "quill-test",
                        API_EVENT,
                        at,
                        props,
                        at,
                        at,
                        source="quill-api",
                    )
                )
