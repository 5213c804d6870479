"""What every Metronome sandbox route shares: the account it serves, query-string
cursor pagination, and the body, id, time and flag checks with Metronome's 400s."""

from __future__ import annotations

from base64 import urlsafe_b64decode, urlsafe_b64encode
from datetime import datetime
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request
from golive_tui.core.sandbox.emulator import Emulator
from golive_tui.core.sandbox.stagger import Stagger
from golive_tui.providers.metronome.sandbox.account import Account
from golive_tui.providers.metronome.sandbox.catalog import Metric
from golive_tui.providers.metronome.sandbox.values import is_uuid, parse_time

MAX_PAGE = 100
ALERTS_PAGE = 25


class MetronomeRoutes(Emulator):
    """The base of the route mixins; `MetronomeSandbox` sets these up."""

    account: Account
    processing_delay: float
    stagger: Stagger

    def _page(self, request: Request, items: list[Any], *, limit: bool = True) -> dict[str, Any]:
        size = MAX_PAGE if limit else ALERTS_PAGE
        if limit and "limit" in request.query:
            raw = request.query["limit"]
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
                raise HttpError(400, f"limit must be an integer between 1 and {MAX_PAGE}")
            size = int(raw)
        offset = 0
        cursor = request.query.get("next_page")
        if cursor:
            offset = _decode_cursor(cursor, request.path)
        data = items[offset : offset + size]
        more = offset + size < len(items)
        return {
            "data": data,
            "next_page": _encode_cursor(request.path, offset + size) if more else None,
        }

    def _body(self, request: Request, *, optional: bool = False) -> dict[str, Any]:
        if optional and not request.raw_body.strip():
            return {}
        body = request.json()
        if not isinstance(body, dict):
            raise HttpError(400, "request body must be a JSON object")
        return body

    def _customer(self, customer_id: Any, field: str = "customer_id") -> Any:
        if not is_uuid(customer_id):
            raise HttpError(400, f"{field} must be a uuid")
        c = self.account.customers.get(customer_id)
        if c is None:
            raise HttpError(404, f"customer {customer_id} not found")
        return c

    def _metric(self, metric_id: Any, field: str = "billable_metric_id") -> Metric:
        if not is_uuid(metric_id):
            raise HttpError(400, f"{field} must be a uuid")
        m = self.account.metrics.get(metric_id)
        if m is None:
            raise HttpError(404, f"billable metric {metric_id} not found")
        return m

    def _time(self, value: Any, field: str, *, required: bool = True) -> datetime | None:
        if value is None and not required:
            return None
        t = parse_time(value)
        if t is None:
            raise HttpError(400, f"{field} must be an RFC 3339 date-time, got {value!r}")
        return t

    def _flag(self, request: Request, name: str) -> bool:
        raw = request.query.get(name, "false").lower()
        if raw not in ("true", "false"):
            raise HttpError(400, f"{name} must be true or false")
        return raw == "true"

    def _window(self, body: dict[str, Any]) -> str:
        size = body.get("window_size")
        if not isinstance(size, str) or size.lower() not in ("hour", "day", "none"):
            raise HttpError(400, "window_size: required, one of hour, day, none")
        return size.lower()


def _encode_cursor(path: str, offset: int) -> str:
    return urlsafe_b64encode(f"{path}|{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, path: str) -> int:
    try:
        raw = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        where, _, offset = raw.rpartition("|")
        if where == path and offset.isdigit():
            return int(offset)
    except (ValueError, UnicodeDecodeError):
        pass
    raise HttpError(400, "next_page is not a cursor this endpoint issued")
