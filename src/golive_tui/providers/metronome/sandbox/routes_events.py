"""The Metronome sandbox's event routes: ingest (validation, 34-day dedup,
processing delay) and the event search that shows how each event was matched.

Visibility follows `self.stagger`: event i of a request is searchable at
`visible_at`, and processed (on invoices, with `processed_at` in search) at
`billed_at`; until then search shows it without `processed_at`, as the spec allows
(searchEvents-v1; the SDK's v1/usage_search_response.py: `processed_at: Optional`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.providers.metronome.sandbox.records import Event
from golive_tui.providers.metronome.sandbox.routes_common import MetronomeRoutes
from golive_tui.providers.metronome.sandbox.values import (
    BACKDATE_LIMIT,
    DEDUP_WINDOW,
    FUTURE_LIMIT,
    iso,
    parse_time,
    sid,
)


class EventRoutes(MetronomeRoutes):
    def ingest(self, request: Request) -> Response:
        batch = request.json()
        if not isinstance(batch, list):
            raise HttpError(400, "request body must be a JSON array of events")
        if not 1 <= len(batch) <= 100:
            raise HttpError(400, f"a batch must hold 1 to 100 events, got {len(batch)}")
        now = self.now()
        parsed: list[tuple[dict[str, Any], datetime]] = []
        for i, e in enumerate(batch):
            where = f"events[{i}]"
            if not isinstance(e, dict):
                raise HttpError(400, f"{where}: each event must be a JSON object")
            for name in ("transaction_id", "customer_id", "event_type", "timestamp"):
                if not isinstance(e.get(name), str) or not e[name]:
                    raise HttpError(400, f"{where}.{name}: required, a non-empty string")
            if len(e["transaction_id"]) > 128:
                raise HttpError(400, f"{where}.transaction_id: longer than 128 characters")
            ts = parse_time(e["timestamp"])
            if ts is None:
                raise HttpError(
                    400,
                    f"{where}.timestamp: {e['timestamp']!r} is not an RFC 3339 date-time with a"
                    " 4-digit year",
                )
            if ts < now - BACKDATE_LIMIT:
                raise HttpError(
                    400, f"{where}.timestamp: {e['timestamp']} is more than 34 days in the past"
                )
            if ts > now + FUTURE_LIMIT:
                raise HttpError(
                    400, f"{where}.timestamp: {e['timestamp']} is more than 24 hours in the future"
                )
            props = e.get("properties", {})
            if props is not None and not isinstance(props, dict):
                raise HttpError(400, f"{where}.properties: must be a JSON object")
            parsed.append((e, ts))
        for n, (e, ts) in enumerate(parsed):
            tid = e["transaction_id"]
            first = self.account.first_seen.get(tid)
            duplicate = first is not None and now - first < DEDUP_WINDOW
            if not duplicate:
                self.account.first_seen[tid] = now
            if "dedup-off" in self.faults:
                duplicate = False
            self.account.events.append(
                Event(
                    id=sid("event", tid, iso(now), str(n), str(len(self.account.events))),
                    transaction_id=tid,
                    customer_id=e["customer_id"],
                    event_type=e["event_type"],
                    timestamp=ts,
                    properties=dict(e.get("properties") or {}),
                    accepted_at=now,
                    processed_at=self.stagger.billed_at(now, n, len(parsed)),
                    is_duplicate=duplicate,
                    searchable_at=self.stagger.visible_at(now, n, len(parsed)),
                )
            )
        return Response(200, None)

    def search_events(self, request: Request) -> Response:
        body = self._body(request)
        ids = body.get("transactionIds")
        if ids is None and "transaction_ids" in body:
            raise HttpError(400, "transactionIds: required (the key is camelCase)")
        if not isinstance(ids, list) or not all(isinstance(t, str) for t in ids):
            raise HttpError(400, "transactionIds: required, an array of strings")
        now = self.now()
        wanted = set(ids)
        order = {t: i for i, t in enumerate(ids)}
        found = [
            e
            for e in self.account.events
            if e.transaction_id in wanted
            and e.searchable(now)
            and e.timestamp >= now - BACKDATE_LIMIT
        ]
        found.sort(key=lambda e: order[e.transaction_id])
        out = []
        for e in found:
            rec: dict[str, Any] = {
                "id": e.id,
                "transaction_id": e.transaction_id,
                "customer_id": e.customer_id,
                "event_type": e.event_type,
                "timestamp": iso(e.timestamp),
                "properties": e.properties,
                "is_duplicate": e.is_duplicate,
            }
            if e.processed_at <= now:
                rec["processed_at"] = iso(e.processed_at)
            customer = self.account.customer_for(e.customer_id)
            if customer is not None:
                rec["matched_customer"] = {"id": customer.id, "name": customer.name}
            rec["matched_billable_metrics"] = [
                m.to_api() for m in self.account.metrics.values() if m.matches(e)
            ]
            out.append(rec)
        return Response(200, out)
