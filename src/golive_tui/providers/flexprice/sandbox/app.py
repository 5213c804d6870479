"""An embedded, stateful Flexprice API sandbox (ASGI), for tests and demos.

It serves the `/v1` routes golive's Flexprice probes call, with the behaviour
the server code shows (shared/reference/flexprice-api.md, "ref §n" below) and
spec-valid bodies (shared/specs/flexprice-openapi.json): `x-api-key` auth with
the middleware's 401/403 bodies, the `{code, message, http_status_code}` error
envelope, offset pagination, ingest that accepts anything that binds (202),
asynchronous processing with the event debugger, ReplacingMergeTree-style
duplicates, and invoices computed live from attributed usage. Named faults
break exactly one thing each.

`POST /_sandbox/webhook` is not Flexprice's: it stands in for the user's
webhook endpoint and verifies Svix signatures, as Flexprice Cloud sends them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.core.sandbox.emulator import Emulator
from golive_tui.providers.flexprice.sandbox.demo import WEBHOOK_PATH, FlexpriceDemo
from golive_tui.providers.flexprice.sandbox.demo import seed as seed_demo
from golive_tui.providers.flexprice.sandbox.state import (
    DEFAULT_SETTINGS,
    Account,
    Customer,
    Event,
    Invoice,
    Subscription,
    go_v,
    iso,
    parse_time,
    ulid,
)

FAULTS = (
    "event-name-typo",  # the app sends one event name with the wrong case (LLM.tokens)
    "customer-missing",  # the test customer's external id has no customer
    "aggregation-field-missing",  # the app's storage event lacks the meter's `gb_hours`
    "no-subscription",  # the test customer exists but has no subscription
    "duplicates-counted",  # exact repeats never collapse: retries are billed twice
    "wrong-tier-math",  # tiered prices confuse VOLUME and SLAB
    "5xx-burst",  # the first 2 requests to each path answer 503
    "slow",  # every API response is delayed `slow_seconds`
)
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
MAX_BULK = 1000
QUERY_WINDOW = timedelta(days=7)  # ref §3c: /events/query defaults to the last 7 days
WEBHOOK_TOLERANCE = timedelta(minutes=5)
SETTING_KEYS = ("subscription_config", "invoice_config")
_CODES = {
    400: "validation_error",
    401: "permission_denied",
    403: "permission_denied",
    404: "not_found",
    405: "invalid_operation",
    409: "already_exists",
    413: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    501: "not_implemented",
    503: "service_unavailable",
}
_BIND = "Invalid request payload"


def _bind_error() -> HttpError:
    return HttpError(400, _BIND, code="validation_error")


def _not_found(message: str) -> HttpError:
    return HttpError(404, message, code="not_found")


# --- Svix signatures (ref §9) ----------------------------------------------------------


def _svix_key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a Svix secret is 'whsec_' followed by base64") from None


def sign_svix(secret: str, msg_id: str, timestamp: int | str, body: bytes) -> str:
    """The `svix-signature` header value: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_svix_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_svix(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> str | None:
    """Why a delivery must be rejected, or None when it is genuine and fresh.

    `headers` has lower-case names; the white-labelled `webhook-*` names count too.
    """
    msg_id = headers.get("svix-id") or headers.get("webhook-id") or ""
    stamp = headers.get("svix-timestamp") or headers.get("webhook-timestamp") or ""
    signatures = headers.get("svix-signature") or headers.get("webhook-signature") or ""
    if not msg_id or not stamp or not signatures:
        return "missing svix-id, svix-timestamp or svix-signature header"
    try:
        sent = datetime.fromtimestamp(int(stamp), UTC)
    except (ValueError, OverflowError, OSError):
        return "svix-timestamp is not a unix timestamp"
    if abs(now - sent) > WEBHOOK_TOLERANCE:
        return "svix-timestamp is more than 5 minutes from now (replay?)"
    expected = sign_svix(secret, msg_id, stamp, body).encode()
    for entry in signatures.split():
        version, _, _sig = entry.partition(",")
        if version == "v1" and hmac.compare_digest(entry.encode(), expected):
            return None
    return "no v1 signature matches"


@dataclass(frozen=True)
class ReceivedWebhook:
    msg_id: str
    timestamp: str
    signature: str
    body: bytes
    accepted: bool
    reason: str | None


class FlexpriceSandbox(Emulator):
    """`FlexpriceSandbox(token)`: an ASGI app emulating Flexprice's API under `/v1`."""

    provider = "flexprice"

    def __init__(
        self,
        token: str,
        *,
        faults: Iterable[str] = (),
        processing_delay: float = 0.2,
        merge_delay: float = 0.5,
        slow_seconds: float = 3.0,
        webhook_secret: str | None = None,
        seed: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(token, faults, FAULTS, slow_seconds=slow_seconds, clock=clock)
        self.processing_delay = processing_delay
        if webhook_secret is None:
            webhook_secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        _svix_key(webhook_secret)  # fail early on a malformed secret
        self.webhook_secret = webhook_secret
        self.account = Account(
            merge_delay=merge_delay,
            collapse_duplicates="duplicates-counted" not in self.faults,
            swap_tier_modes="wrong-tier-math" in self.faults,
        )
        self.webhooks: list[ReceivedWebhook] = []
        self._lookups: Counter[str] = Counter()
        self.demo: FlexpriceDemo | None = (
            seed_demo(self.account, self.clock(), self.faults) if seed else None
        )
        self._routes()

    # --- configuration for golive ---

    def target_settings(self, base_url: str) -> dict[str, Any]:
        """Probe settings describing the user's app: what golive is told it sends."""
        base = base_url.rstrip("/")
        settings: dict[str, Any] = {}
        if self.demo is not None:
            d = self.demo
            samples: dict[str, dict[str, Any]] = {
                d.tokens_event: {"model": "quill-pro", "tokens": "1200", "project": "insights"},
                d.api_event: {"endpoint": "/v2/query", "method": "POST"},
                d.storage_event: {"gb_hours": "12.5", "bucket": "warehouse"},
            }
            if "aggregation-field-missing" in self.faults:
                # the app reports `gb`, the SUM meter aggregates `gb_hours`: counted as 0
                samples[d.storage_event] = {"gb": "12.5", "bucket": "warehouse"}
            if "event-name-typo" in self.faults:
                # meter matching is exact and case-sensitive: `LLM.tokens` matches nothing
                head, _, tail = d.tokens_event.partition(".")
                typo = f"{head.upper()}.{tail}"
                samples = {(typo if k == d.tokens_event else k): v for k, v in samples.items()}
            settings.update(
                customer_id=d.customer_external_id,
                event_names=list(samples),
                sample_events=samples,
            )
        settings["webhook_url"] = base + WEBHOOK_PATH
        if self.demo is not None:
            settings["plan_id"] = self.demo.plan_id
        settings["region"] = ""
        return settings

    # --- the request pipeline (see Emulator.serve) ---

    def error_body(self, status: int, message: str, extra: Mapping[str, Any]) -> Any:
        if "raw" in extra:  # the auth middleware's own shapes (ref §1)
            return extra["raw"]
        body: dict[str, Any] = {
            "code": extra.get("code") or _CODES.get(status, "internal_error"),
            "message": message,
            "http_status_code": status,
        }
        if extra.get("details"):
            body["details"] = extra["details"]
        return body

    async def handle(self, request: Request) -> Response:
        request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
        try:
            response = await self.serve(request)
        except HttpError as exc:
            exc.headers.setdefault("X-Request-ID", request_id)
            raise
        response.headers.setdefault("X-Request-ID", request_id)
        return response

    def unavailable(self) -> HttpError:
        return HttpError(503, "Service temporarily unavailable", code="service_unavailable")

    def authenticate(self, request: Request) -> None:
        """ref §1: a key is checked first; its environment must resolve."""
        key = request.headers.get("x-api-key", "").strip()
        if key:
            if key.startswith("pk_"):  # a key whose environment does not resolve
                raise HttpError(
                    403,
                    "Access denied",
                    raw={
                        "error": "Access denied",
                        "message": "Invalid or inaccessible environment",
                    },
                )
            if hmac.compare_digest(key.encode(), self.token.encode()):
                return
        auth = request.headers.get("authorization", "")
        if auth and not auth.startswith("Bearer "):
            message = "Invalid authorization header format"
            raise HttpError(401, message, raw={"error": message})
        raise HttpError(401, "Unauthorized", raw={"error": "Unauthorized"})

    # --- helpers ---

    def _body(self, request: Request, *, optional: bool = False) -> dict[str, Any]:
        """The JSON object body; any bind failure is the server's 400 (ref §11)."""
        if optional and not request.raw_body.strip():
            return {}
        try:
            body = request.json()
        except HttpError:
            raise _bind_error() from None
        if not isinstance(body, dict):
            raise _bind_error()
        return body

    @staticmethod
    def _int(value: Any, default: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bind_error()
        return value

    def _window(self, limit: Any, offset: Any) -> tuple[int, int]:
        lim, off = self._int(limit, DEFAULT_LIMIT), self._int(offset, 0)
        if not 1 <= lim <= MAX_LIMIT:
            raise HttpError(400, f"limit must be between 1 and {MAX_LIMIT}")
        if off < 0:
            raise HttpError(400, "offset must be greater than or equal to 0")
        return lim, off

    def _query_window(self, request: Request) -> tuple[int, int]:
        def parse(name: str) -> int | None:
            raw = request.query.get(name)
            if raw is None or raw == "":
                return None
            if not raw.lstrip("-").isdigit():
                raise _bind_error()
            return int(raw)

        return self._window(parse("limit"), parse("offset"))

    @staticmethod
    def _page(items: list[Any], limit: int, offset: int) -> dict[str, Any]:
        """ref §2: `pagination.offset` is already the next offset."""
        return {
            "items": items[offset : offset + limit],
            "pagination": {"total": len(items), "limit": limit, "offset": offset + limit},
        }

    @staticmethod
    def _strings(body: Mapping[str, Any], name: str) -> list[str] | None:
        value = body.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _bind_error()
        return value

    @staticmethod
    def _string(body: Mapping[str, Any], name: str) -> str | None:
        value = body.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise _bind_error()
        return value

    def _time(self, body: Mapping[str, Any], name: str) -> datetime | None:
        value = body.get(name)
        if value is None:
            return None
        t = parse_time(value)
        if t is None:
            raise _bind_error()
        return t

    @staticmethod
    def _expand(raw: Any) -> set[str]:
        if raw is None:
            return set()
        if not isinstance(raw, str):
            raise _bind_error()
        return {part.strip() for part in raw.split(",") if part.strip()}

    def _subscription(self, sub_id: Any) -> Subscription:
        sub = self.account.subscriptions.get(str(sub_id))
        if sub is None:
            raise _not_found(f"Subscription with ID {sub_id} was not found")
        return sub

    def _customer_by_external(self, external_id: str) -> Customer:
        c = self.account.customer_by_external(external_id)
        if c is None:
            raise _not_found(f"Customer with lookup key {external_id} was not found")
        return c

    # --- routes ---

    def _routes(self) -> None:
        r = self.router
        r.add("POST", "/v1/events", self.ingest)
        r.add("POST", "/v1/events/bulk", self.ingest_bulk)
        r.add("GET", "/v1/events/lookup", self.lookup_event)
        r.add("POST", "/v1/events/query", self.query_events)
        r.add("POST", "/v1/features/search", self.search_features)
        r.add("GET", "/v1/features", self.list_features)
        r.add("POST", "/v1/customers/search", self.search_customers)
        r.add("GET", "/v1/customers", self.list_customers)
        r.add("GET", "/v1/customers/external/{external_id}", self.customer_by_external)
        r.add(
            "GET",
            "/v1/customers/external/{external_id}/subscriptions",
            self.customer_subscriptions,
        )
        r.add("GET", "/v1/customers/{id}", self.get_customer)
        r.add("POST", "/v1/plans/search", self.search_plans)
        r.add("GET", "/v1/plans/{id}", self.get_plan)
        r.add("POST", "/v1/subscriptions/search", self.search_subscriptions)
        r.add("GET", "/v1/subscriptions/{id}", self.get_subscription)
        r.add("GET", "/v1/settings/{key}", self.get_setting)
        r.add("POST", "/v1/invoices/preview", self.preview_invoice)
        r.add("POST", "/v1/invoices/search", self.search_invoices)
        r.add("GET", "/v1/invoices/{id}", self.get_invoice)
        r.add("POST", "/v1/invoices/{id}/finalize", self.finalize_invoice)
        r.add("GET", "/v1/users/me", self.me)
        r.add("GET", "/v1/environments/{id}", self.get_environment)
        r.add("POST", WEBHOOK_PATH, self.webhook)

    # --- events (ref §3) ---

    def _bind_event(self, e: Any) -> tuple[dict[str, Any], list[str]]:
        """One IngestEventRequest: JSON-type errors raise; missing required fields are
        returned (gin's `binding:"required"`, or the validator's, depending on the route)."""
        if not isinstance(e, dict):
            raise _bind_error()
        for name in ("event_name", "external_customer_id", "event_id", "source", "customer_id"):
            self._string(e, name)
        props = e.get("properties")
        if props is not None and not isinstance(props, dict):
            raise _bind_error()
        ts = e.get("timestamp")
        if ts is not None and parse_time(ts) is None:
            raise _bind_error()  # Go's time.Time wants RFC 3339; "" and epochs fail
        fields = (("event_name", "EventName"), ("external_customer_id", "ExternalCustomerID"))
        missing = [go for name, go in fields if not e.get(name)]
        return e, missing

    def _store(self, e: dict[str, Any], now: datetime) -> str:
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
                    visible_at=now + timedelta(seconds=self.processing_delay),
                    customer_id=str(e.get("customer_id") or ""),
                    source=str(e.get("source") or ""),
                )
            )
        return str(event_id)

    def ingest(self, request: Request) -> Response:
        e, missing = self._bind_event(self._body(request))
        if missing:
            raise _bind_error()
        event_id = self._store(e, self.now())
        return Response(202, {"message": "Event accepted for processing", "event_id": event_id})

    def ingest_bulk(self, request: Request) -> Response:
        body = self._body(request)
        events = body.get("events")
        if events is not None and not isinstance(events, list):
            raise _bind_error()
        events = events or []
        bound = [self._bind_event(e) for e in events]
        if not 1 <= len(bound) <= MAX_BULK:
            raise HttpError(
                400,
                "Request validation failed",
                details={"Events": f"must hold 1 to {MAX_BULK} events, got {len(bound)}"},
            )
        now = self.now()
        for e, missing in bound:  # one by one: a bad event k leaves 0..k-1 published
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
            self._store(e, now)
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
            raise _not_found("Event not found in events table")
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
            raise _bind_error()
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

    # --- features (ref §4) ---

    def _features(self, body: Mapping[str, Any], expand: set[str]) -> list[dict[str, Any]]:
        ids = self._strings(body, "feature_ids")
        meter_ids = self._strings(body, "meter_ids")
        keys = self._strings(body, "lookup_keys") or []
        if self._string(body, "lookup_key"):
            keys.append(str(body["lookup_key"]))
        contains = (self._string(body, "name_contains") or "").lower()
        with_meters = bool(expand & {"meters", "meter"})
        return [
            f.to_api(self.account, expand_meter=with_meters)
            for f in self.account.features.values()
            if (ids is None or f.id in ids)
            and (meter_ids is None or f.meter_id in meter_ids)
            and (not keys or f.lookup_key in keys)
            and contains in f.name.lower()
        ]

    def search_features(self, request: Request) -> Response:
        body = self._body(request, optional=True)
        limit, offset = self._window(body.get("limit"), body.get("offset"))
        items = self._features(body, self._expand(body.get("expand")))
        return Response(200, self._page(items, limit, offset))

    def list_features(self, request: Request) -> Response:
        limit, offset = self._query_window(request)
        q: dict[str, Any] = {}
        if request.values("feature_ids"):
            q["feature_ids"] = request.values("feature_ids")
        if request.query.get("lookup_key"):
            q["lookup_key"] = request.query["lookup_key"]
        items = self._features(q, self._expand(request.query.get("expand")))
        return Response(200, self._page(items, limit, offset))

    # --- customers (ref §5) ---

    def _customers(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        ext = self._string(body, "external_id")
        exts = self._strings(body, "external_ids")
        ids = self._strings(body, "customer_ids")
        email = self._string(body, "email")
        return [
            c.to_api(self.account)
            for c in self.account.customers.values()
            if c.status == "published"
            and (not ext or c.external_id == ext)
            and (exts is None or c.external_id in exts)
            and (ids is None or c.id in ids)
            and (not email or c.email == email)
        ]

    def search_customers(self, request: Request) -> Response:
        body = self._body(request, optional=True)
        limit, offset = self._window(body.get("limit"), body.get("offset"))
        return Response(200, self._page(self._customers(body), limit, offset))

    def list_customers(self, request: Request) -> Response:
        limit, offset = self._query_window(request)
        q: dict[str, Any] = {}
        if request.query.get("external_id"):
            q["external_id"] = request.query["external_id"]
        return Response(200, self._page(self._customers(q), limit, offset))

    def customer_by_external(self, request: Request) -> Response:
        c = self._customer_by_external(request.path_params["external_id"])
        return Response(200, c.to_api(self.account))

    def get_customer(self, request: Request) -> Response:
        cid = request.path_params["id"]
        c = self.account.customers.get(cid)
        if c is None or c.status != "published":
            raise _not_found(f"Customer with ID {cid} was not found")
        return Response(200, c.to_api(self.account))

    def customer_subscriptions(self, request: Request) -> Response:
        c = self._customer_by_external(request.path_params["external_id"])
        expand = self._expand(request.query.get("expand"))
        items = [
            self._sub_api(s, expand, line_items=False) for s in self.account.subscriptions_of(c.id)
        ]
        pagination = {"total": len(items), "limit": len(items), "offset": 0}
        return Response(200, {"items": items, "pagination": pagination})

    def _sub_api(self, sub: Subscription, expand: set[str], *, line_items: bool) -> dict[str, Any]:
        meters = bool(expand & {"subscription_line_items.meters", "meters"})
        return sub.to_api(
            self.account,
            self.now(),
            line_items=line_items or bool(expand & {"subscription_line_items", "line_items"}),
            meters=meters,
            plan="plan" in expand,
            customer="customer" in expand,
        )

    # --- plans (ref §6) ---

    def search_plans(self, request: Request) -> Response:
        body = self._body(request, optional=True)
        limit, offset = self._window(body.get("limit"), body.get("offset"))
        expand = self._expand(body.get("expand"))
        ids = self._strings(body, "plan_ids")
        key = self._string(body, "lookup_key")
        items = [
            p.to_api(
                self.account,
                with_prices=bool(expand & {"prices", "prices.meters", "meters"}),
                expand_meters=bool(expand & {"prices.meters", "meters"}),
            )
            for p in self.account.plans.values()
            if (ids is None or p.id in ids) and (not key or p.lookup_key == key)
        ]
        return Response(200, self._page(items, limit, offset))

    def get_plan(self, request: Request) -> Response:
        pid = request.path_params["id"]
        plan = self.account.plans.get(pid)
        if plan is None:
            raise _not_found(f"Plan with ID {pid} was not found")
        return Response(200, plan.to_api(self.account, with_prices=True, expand_meters=True))

    # --- subscriptions (ref §7) ---

    def search_subscriptions(self, request: Request) -> Response:
        body = self._body(request, optional=True)
        limit, offset = self._window(body.get("limit"), body.get("offset"))
        expand = self._expand(body.get("expand"))
        statuses = self._strings(body, "subscription_status")
        known = ("active", "paused", "cancelled", "incomplete", "trialing", "draft")
        if statuses and any(s not in known for s in statuses):
            details = {"SubscriptionStatus": f"must be one of {', '.join(known)}"}
            raise HttpError(400, "Request validation failed", details=details)
        customer_ids = set(self._strings(body, "customer_ids") or [])
        if self._string(body, "customer_id"):
            customer_ids.add(str(body["customer_id"]))
        ext = self._string(body, "external_customer_id")
        ext_customer = self.account.customer_by_external(ext) if ext else None
        sub_ids = self._strings(body, "subscription_ids")
        plan_id = self._string(body, "plan_id")
        with_items = body.get("with_line_items") is True
        subs = [
            s
            for s in self.account.subscriptions.values()
            if (not customer_ids or s.customer_id in customer_ids)
            and (not ext or (ext_customer is not None and s.customer_id == ext_customer.id))
            and (sub_ids is None or s.id in sub_ids)
            and (not plan_id or s.plan_id == plan_id)
            and (not statuses or s.subscription_status in statuses)
        ]
        subs.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        items = [self._sub_api(s, expand, line_items=with_items) for s in subs]
        return Response(200, self._page(items, limit, offset))

    def get_subscription(self, request: Request) -> Response:
        sub = self._subscription(request.path_params["id"])
        return Response(200, self._sub_api(sub, set(), line_items=True))

    # --- settings (ref §7; not in the spec) ---

    def get_setting(self, request: Request) -> Response:
        key = request.path_params["key"]
        if key not in SETTING_KEYS:
            raise HttpError(400, f"invalid setting key: {key}")
        base = {
            "key": key,
            "environment_id": self.account.environment_id,
            "tenant_id": self.account.tenant_id,
        }
        stored = self.account.settings.get(key)
        if stored is None:  # nothing stored: the defaults, with no id
            return Response(200, {**base, "value": dict(DEFAULT_SETTINGS[key])})
        setting_id, value, created = stored
        return Response(
            200,
            {
                "id": setting_id,
                **base,
                "value": dict(value),
                "status": "published",
                "created_at": iso(created),
                "updated_at": iso(created),
            },
        )

    # --- invoices (ref §8) ---

    def preview_invoice(self, request: Request) -> Response:
        body = self._body(request)
        sub_id = self._string(body, "subscription_id")
        if not sub_id:
            raise _bind_error()
        hide = body.get("hide_zero_charges_line_items")
        if hide is not None and not isinstance(hide, bool):
            raise _bind_error()
        sub = self._subscription(sub_id)
        now = self.now()
        start, end = sub.period(now)
        start = self._time(body, "period_start") or start
        end = self._time(body, "period_end") or end
        if end <= start:
            raise HttpError(400, "period_end must be after period_start")
        return Response(200, self.account.invoice_body(sub, start, end, now, hide_zero=bool(hide)))

    def _invoice_api(self, inv: Invoice, *, skip_line_items: bool = False) -> dict[str, Any]:
        sub = self.account.subscriptions[inv.subscription_id]
        return self.account.invoice_body(
            sub,
            inv.period_start,
            inv.period_end,
            self.now(),
            invoice=inv,
            skip_line_items=skip_line_items,
        )

    def search_invoices(self, request: Request) -> Response:
        body = self._body(request, optional=True)
        limit, offset = self._window(body.get("limit"), body.get("offset"))
        sub_id = self._string(body, "subscription_id")
        cust_id = self._string(body, "customer_id")
        ext = self._string(body, "external_customer_id")
        ext_customer = self.account.customer_by_external(ext) if ext else None
        statuses = self._strings(body, "invoice_status")
        payments = self._strings(body, "payment_status")
        ids = self._strings(body, "invoice_ids")
        kind = self._string(body, "invoice_type")
        skip = body.get("skip_line_items") is True
        invoices = [
            inv
            for inv in self.account.invoices.values()
            if inv.subscription_id in self.account.subscriptions
            and (not sub_id or inv.subscription_id == sub_id)
            and (ids is None or inv.id in ids)
            and (not statuses or inv.status in statuses)
            and (not payments or inv.payment_status in payments)
            and (not kind or kind == "SUBSCRIPTION")
        ]
        invoices.sort(key=lambda i: (i.period_start, i.id), reverse=True)
        items = []
        for inv in invoices:
            customer_id = self.account.subscriptions[inv.subscription_id].customer_id
            if cust_id and customer_id != cust_id:
                continue
            if ext and (ext_customer is None or customer_id != ext_customer.id):
                continue
            items.append(self._invoice_api(inv, skip_line_items=skip))
        return Response(200, self._page(items, limit, offset))

    def _invoice(self, invoice_id: str) -> Invoice:
        inv = self.account.invoices.get(invoice_id)
        if inv is None or inv.subscription_id not in self.account.subscriptions:
            raise _not_found(f"Invoice with ID {invoice_id} was not found")
        return inv

    def get_invoice(self, request: Request) -> Response:
        return Response(200, self._invoice_api(self._invoice(request.path_params["id"])))

    def finalize_invoice(self, request: Request) -> Response:
        inv = self._invoice(request.path_params["id"])
        if inv.status != "DRAFT":
            raise HttpError(400, "invoice must be in draft status to be finalized")
        self.account.finalize(inv, self.now())
        return Response(200, {"message": "invoice finalized successfully"})

    # --- identity ---

    def me(self, request: Request) -> Response:
        created = iso(self.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0))
        return Response(
            200,
            {
                "id": "user_golive_sandbox",
                "email": "golive-sandbox@quill-analytics.example",
                "name": "golive sandbox API key",
                "type": "service_account",
                "roles": ["super_admin"],
                "tenant": {
                    "id": self.account.tenant_id,
                    "name": "Quill Analytics",
                    "status": "published",
                    "created_at": created,
                    "updated_at": created,
                },
            },
        )

    def get_environment(self, request: Request) -> Response:
        env_id = request.path_params["id"]
        if env_id != self.account.environment_id:
            raise _not_found(f"Environment with ID {env_id} was not found")
        created = iso(self.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0))
        return Response(
            200,
            {
                "id": env_id,
                "name": "Sandbox",
                "type": "development",
                "tenant_id": self.account.tenant_id,
                "status": "published",
                "created_at": created,
                "updated_at": created,
            },
        )

    # --- the user's webhook endpoint (stand-in) ---

    def webhook(self, request: Request) -> Response:
        headers = request.headers
        reason = verify_svix(self.webhook_secret, headers, request.raw_body, self.now())
        self.webhooks.append(
            ReceivedWebhook(
                msg_id=headers.get("svix-id") or headers.get("webhook-id") or "",
                timestamp=headers.get("svix-timestamp") or headers.get("webhook-timestamp") or "",
                signature=headers.get("svix-signature") or headers.get("webhook-signature") or "",
                body=request.raw_body,
                accepted=reason is None,
                reason=reason,
            )
        )
        if reason is not None:
            raise HttpError(401, f"webhook rejected: {reason}")
        return Response(200, {"received": True})


def _iter_key(e: Event) -> str:
    """ref §3c: the events cursor, `<unixnano>::<id>`."""
    nanos = int(e.timestamp.timestamp()) * 1_000_000_000 + e.timestamp.microsecond * 1000
    return f"{nanos}::{e.id}"
