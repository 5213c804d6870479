"""The Flexprice sandbox's event routes (ref §3): ingest and bulk ingest (202,
processed asynchronously), the event debugger lookup, and the events query."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.core.sandbox.dates import parse_time
from golive_tui.providers.flexprice.sandbox.records import Event
from golive_tui.providers.flexprice.sandbox.routes_common import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    FlexpriceRoutes,
    bind_error,
    not_found,
)
from golive_tui.providers.flexprice.sandbox.values import go_v, ulid

MAX_BULK = 1000
QUERY_WINDOW = timedelta(days=7)  # ref §3c: /events/query defaults to the last 7 days


class EventRoutes(FlexpriceRoutes):
    # --- events (ref §3) ---

    def _bind_event(self, e: Any) -> tuple[dict[str, Any], list[str]]:
        """One IngestEventRequest: JSON-type errors raise; missing required fields are
        returned (gin's `binding:"required"`, or the validator's, depending on the route)."""
        if not isinstance(e, dict):
            raise bind_error()
        for name in ("event_name", "external_customer_id", "event_id", "source", "customer_id"):
            self._string(e, name)
        props = e.get("properties")
        if props is not None and not isinstance(props, dict):
            raise bind_error()
        ts = e.get("timestamp")
        if ts is not None and parse_time(ts) is None:
            raise bind_error()  # Go's time.Time wants RFC 3339; "" and epochs fail
        fields = (("event_name", "EventName"), ("external_customer_id", "ExternalCustomerID"))
        missing = [go for name, go in fields if not e.get(name)]
        return e, missing

    def _store(
        self, e: dict[str, Any], now: datetime, i: int = 0, n: int = 1, arrived: Any = None
    ) -> str:
        event_id = e.get("event_id") or ulid("event", now)
        ts = parse_time(e["timestamp"]) if e.get("timestamp") is not None else None
        name = str(e["event_name"]).strip()
        if name:  # an all-blank name fails ClickHouse's CHECK: accepted, never stored
            self.account.events.append(
                Event(
                    id=str(event_id),
                    external_customer_id=str(e["external_customer_id"]),
                    event_name=name,
                    timestamp=ts or now,
                    properties=dict(e.get("properties") or {}),
                    ingested_at=now,
                    **self._visibility(arrived or self._arrival(now), i, n),
                    customer_id=str(e.get("customer_id") or ""),
                    source=str(e.get("source") or ""),
                )
            )
        return str(event_id)

    def _arrival(self, now: datetime) -> datetime:
        """When the consumer starts on a request that arrived `now`.

        The consumers work through one queue (meter_usage_tracking.go, throttled): under
        a spread, a request arriving while earlier events are pending waits behind them.
        """
        st = self.stagger
        if st.spread and self._queue_end > now:
            gap = st.spread / 4
            return max(now, self._queue_end + timedelta(seconds=gap - st.delay))
        return now

    def _visibility(self, arrived: datetime, i: int, n: int) -> dict[str, datetime]:
        """When event i of a request of n is searchable, then billed (core Stagger)."""
        visible = self.stagger.visible_at(arrived, i, n)
        self._queue_end = max(self._queue_end, visible)
        return {
            "visible_at": visible,
            "billed_at": visible + timedelta(seconds=self.stagger.billing_lag),
        }

    def ingest(self, request: Request) -> Response:
        e, missing = self._bind_event(self._body(request))
        if missing:
            raise bind_error()
        event_id = self._store(e, self.now())
        return Response(202, {"message": "Event accepted for processing", "event_id": event_id})

    def ingest_bulk(self, request: Request) -> Response:
        body = self._body(request)
        events = body.get("events")
        if events is not None and not isinstance(events, list):
            raise bind_error()
        events = events or []
        bound = [self._bind_event(e) for e in events]
        if not 1 <= len(bound) <= MAX_BULK:
            raise HttpError(
                400,
                "Request validation failed",
                details={"Events": f"must hold 1 to {MAX_BULK} events, got {len(bound)}"},
            )
        now = self.now()
        arrived = self._arrival(now)
        for i, (e, missing) in enumerate(bound):  # a bad event k leaves 0..k-1 published
            if missing:
                raise HttpError(
                    400,
                    "Request validation failed",
                    details={
                        field: f"Key: 'IngestEventRequest.{field}' Error:Field validation for"
                        f" '{field}' failed on the 'required' tag"
                        for field in missing
                    },
                )
            self._store(e, now, i, len(bound), arrived)
        return Response(202, {"message": "Events accepted for processing"})

    def lookup_event(self, request: Request) -> Response:
        event_id = request.query.get("id", "")
        if not event_id:
            raise HttpError(400, "event id is required")
        now = self.now()
        rows = [e for e in self.account.stored_events(now) if e.id == event_id]
        if not rows:
            # ref §3c: the error carries both not_found and database_error marks and the
            # server picks one at random; the sandbox answers 500 on every third try
            self._lookups[event_id] += 1
            if self._lookups[event_id] % 3 == 0:
                raise HttpError(500, "Event not found in events table", code="database_error")
            raise not_found("Event not found in events table")
        latest = max(rows, key=lambda r: r.ingested_at)
        return Response(200, self.account.debug(latest, now))

    def query_events(self, request: Request) -> Response:
        body = self._body(request, optional=True)
        now = self.now()
        end = self._time(body, "end_time") or now
        start = self._time(body, "start_time") or end - QUERY_WINDOW
        if end < start:
            raise HttpError(400, "end_time must be after start_time")
        ext = self._string(body, "external_customer_id")
        name = self._string(body, "event_name")
        event_id = self._string(body, "event_id")
        source = self._string(body, "source")
        filters = body.get("property_filters") or {}
        if not isinstance(filters, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in filters.values()
        ):
            raise bind_error()
        size = self._int(body.get("page_size"), DEFAULT_LIMIT)
        size = DEFAULT_LIMIT if size <= 0 else min(size, MAX_LIMIT)
        offset = max(self._int(body.get("offset"), 0), 0)
        sort = self._string(body, "sort") or "timestamp"
        order = self._string(body, "order") or "desc"
        if sort not in ("timestamp", "event_name") or order not in ("asc", "desc"):
            raise HttpError(400, "sort must be timestamp or event_name; order asc or desc")
        rows = [
            e
            for e in self.account.stored_events(now)
            if start <= e.timestamp <= end
            and (not ext or e.external_customer_id == ext)
            and (not name or e.event_name == name)
            and (not event_id or e.id == event_id)
            and (not source or e.source == source)
            and all(k in e.properties and go_v(e.properties[k]) in v for k, v in filters.items())
        ]
        if sort == "timestamp":
            rows.sort(key=lambda e: (e.timestamp, e.id), reverse=order == "desc")
        else:
            rows.sort(key=lambda e: (e.event_name, e.timestamp), reverse=order == "desc")
        page = rows[offset : offset + size]
        out: dict[str, Any] = {
            "events": [e.to_api(self.account) for e in page],
            "has_more": offset + len(page) < len(rows),
            "total_count": len(rows),
            "offset": offset + len(page),
        }
        if page:
            out["iter_first_key"] = _iter_key(page[0])
            out["iter_last_key"] = _iter_key(page[-1])
        return Response(200, out)


def _iter_key(e: Event) -> str:
    """ref §3c: the events cursor, `<unixnano>::<id>`."""
    nanos = int(e.timestamp.timestamp()) * 1_000_000_000 + e.timestamp.microsecond * 1000
    return f"{nanos}::{e.id}"
