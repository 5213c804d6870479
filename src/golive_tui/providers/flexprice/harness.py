"""Flexprice's ingest API for `golive harness serve`: `POST /v1/events` (one event)
and `POST /v1/events/bulk` (`{"events": [...]}`), both 202.

The rules are the sandbox's (sandbox/routes_events.py, from the server's
internal/api/v1/events.go and IngestEventRequest's `binding:"required"` tags; see
docs/research/flexprice-server-facts.md): `event_name` and `external_customer_id`
required, `event_id` optional (the server makes one: a retry without it is a new
record), an RFC 3339 `timestamp` if given, `properties` an object; bulk holds 1–1000.
Errors are `{"code", "message", "http_status_code"[, "details"]}`
(internal/errors/errors.go); auth is `x-api-key`. The docs promise 429 with
`X-RateLimit-Limit/Remaining/Reset` and no Retry-After (the server itself has no
limiter; the header formats are unconfirmed), so a retry sooner than 250 ms counts
as ignoring it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from golive_tui.core.harness.dialect import IngestDialect, Reply, Template, json_reply
from golive_tui.core.harness.records import epoch_of

MAX_BULK = 1000
_BIND = "Invalid request payload"  # gin's bind error, as the sandbox answers it
_BULK_OK = json_reply(202, {"message": "Events accepted for processing"})


def _error(status: int, code: str, message: str, details: Any = None) -> Reply:
    body: dict[str, Any] = {"code": code, "message": message, "http_status_code": status}
    if details:
        body["details"] = details
    return json_reply(status, body)


def _bind() -> Reply:
    return _error(400, "validation_error", _BIND)


def _required(missing: list[str]) -> Reply:
    return _error(
        400,
        "validation_error",
        "Request validation failed",
        {
            f: f"Key: 'IngestEventRequest.{f}' Error:Field validation for '{f}' failed on the"
            " 'required' tag"
            for f in missing
        },
    )


_STRINGS = ("event_name", "external_customer_id", "event_id", "source", "customer_id")
_FIELDS = (("event_name", "EventName"), ("external_customer_id", "ExternalCustomerID"))


def _bind_event(e: Any) -> Reply | None:
    """gin's JSON binding: a wrong type fails the whole request before anything."""
    if type(e) is not dict:
        return _bind()
    for name in _STRINGS:
        v = e.get(name)
        if v is not None and type(v) is not str:
            return _bind()
    props = e.get("properties")
    if props is not None and type(props) is not dict:
        return _bind()
    ts = e.get("timestamp")
    if ts is not None and epoch_of(ts) is None:
        return _bind()  # Go's time.Time wants RFC 3339
    return None


def _missing(e: dict[str, Any]) -> list[str]:
    return [go for name, go in _FIELDS if not e.get(name)]


class FlexpriceIngest(IngestDialect):
    name = "flexprice"
    title = "Flexprice"
    id_field = "event_id"
    customer_field = "external_customer_id"
    type_field = "event_name"
    routes = MappingProxyType({"/v1/events": "single", "/v1/events/bulk": "bulk"})
    batch_limit = MAX_BULK
    # The sandbox demo account (sandbox/demo_catalog.py): the test customer and the
    # meters' events with the properties they aggregate.
    default_customer = "quill-test"
    templates = (
        Template("llm.tokens", {"model": "quill-pro", "tokens": "1200", "project": "insights"}),
        Template("api.call", {"endpoint": "/v2/query", "method": "POST"}),
        Template("storage.usage", {"gb_hours": "12.5", "bucket": "warehouse"}),
    )

    def token(self, headers: Mapping[bytes, bytes]) -> str | None:
        return headers.get(b"x-api-key", b"").decode("latin-1").strip() or None

    def credential(self, token: str) -> dict[str, str]:
        return {"x-api-key": token}

    def unauthorized(self) -> Reply:
        return json_reply(401, {"error": "Unauthorized"})  # the auth middleware's own shape

    def not_found(self, method: str, path: str) -> Reply:
        return _error(404, "not_found", f"no route for {method} {path}")

    def parse(self, route: str, body: bytes, now: float) -> list[dict[str, Any]] | Reply:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _bind()
        if route == "single":
            problem = _bind_event(data)
            if problem is None and _missing(data):
                problem = _bind()  # the single route binds with `required` tags: a bind error
            return problem or [data]
        if type(data) is not dict:
            return _bind()
        events = data.get("events")
        if events is not None and type(events) is not list:
            return _bind()
        events = events or []
        for e in events:
            problem = _bind_event(e)
            if problem is not None:
                return problem
        if not 1 <= len(events) <= MAX_BULK:
            return _error(
                400,
                "validation_error",
                "Request validation failed",
                {"Events": f"must hold 1 to {MAX_BULK} events, got {len(events)}"},
            )
        for i, e in enumerate(events):
            # Published one by one: a bad event k leaves 0…k-1 taken (sandbox ingest_bulk).
            missing = _missing(e)
            if missing:
                reply = _required(missing)
                return Reply(reply.status, reply.body, reply.headers, tuple(events[:i]))
        return events

    def accepted(self, route: str, records: list[dict[str, Any]]) -> Reply:
        if route == "bulk":
            return _BULK_OK
        event_id = records[0].get("event_id") or f"event_{time.time_ns():x}"
        return json_reply(202, {"message": "Event accepted for processing", "event_id": event_id})

    def server_error(self) -> Reply:
        return _error(503, "service_unavailable", "Service temporarily unavailable")

    def retry_after(self, wait: float) -> int | None:
        return None

    def too_many(self, wait: float) -> Reply:
        reply = _error(429, "too_many_requests", "Too many requests")
        headers = (
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", str(int(time.time() + max(wait, 1.0)))),
        )
        return Reply(reply.status, reply.body, headers)


INGEST = FlexpriceIngest()
