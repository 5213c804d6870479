"""An embedded, stateful Metronome API sandbox (ASGI), for tests and demos.

It serves the endpoints golive's Metronome probes call, with the documented
behaviour (shared/reference/metronome-api.md) and spec-valid bodies
(shared/specs/metronome-openapi.json): bearer auth, a per-token rate limit,
query-string cursor pagination, ingest validation and 34-day dedup, events that
become searchable after a processing delay, and a DRAFT invoice computed live
from the ingested usage. Named faults break exactly one thing each, so every
probe can be shown to catch what it is for.

`POST /_sandbox/webhook` is not Metronome's: it stands in for the user's
webhook endpoint, verifying signatures the way Metronome documents.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.core.sandbox.emulator import Emulator
from golive_tui.providers.metronome.sandbox.demo import WEBHOOK_PATH, MetronomeDemo
from golive_tui.providers.metronome.sandbox.demo import seed as seed_demo
from golive_tui.providers.metronome.sandbox.state import (
    BACKDATE_LIMIT,
    DEDUP_WINDOW,
    FUTURE_LIMIT,
    WEBHOOK_IPS,
    Account,
    Event,
    Metric,
    add_months,
    is_uuid,
    iso,
    month_start,
    parse_time,
    sid,
    windows,
)

FAULTS = (
    "dedup-off",  # repeated transaction_ids are counted and not flagged
    "wrong-tier-math",  # the draft invoice prices every unit at the first tier's price
    "archived-metric",  # the input-tokens product's metric is archived
    "missing-alias",  # the test customer's ingest alias is gone
    "no-contract",  # the test customer has no contract
    "5xx-burst",  # the first 2 requests to each path answer 503
    "permanent-500",  # every API request answers 500
    "slow",  # every API response is delayed `slow_seconds`
    "429-storm",  # the first 3 requests to each path answer 429 (Retry-After: 0)
    "webhook-accepts-forged",  # the webhook receiver accepts any signature
)
MAX_PAGE = 100
ALERTS_PAGE = 25
WEBHOOK_TOLERANCE = timedelta(minutes=5)
MAX_WINDOWS = 2000


def sign_webhook(secret: str, date: str, body: bytes) -> str:
    """Metronome's signature: hex HMAC-SHA256(secret, X-Metronome-Date + "\\n" + raw body)."""
    return hmac.new(secret.encode(), date.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def verify_webhook(
    secret: str, headers: Mapping[str, str], body: bytes, now: datetime
) -> str | None:
    """Why a delivery must be rejected, or None when its signature and date are good.

    `headers` has lower-case names. X-Metronome-Date is preferred; the plain Date
    header is still accepted, as Metronome documents for backward compatibility.
    """
    signature = headers.get("metronome-webhook-signature", "")
    date = headers.get("x-metronome-date") or headers.get("date") or ""
    if not signature:
        return "missing Metronome-Webhook-Signature header"
    if not date:
        return "missing X-Metronome-Date header"
    expected = sign_webhook(secret, date, body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        return "signature does not match"
    try:
        sent = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return "X-Metronome-Date is not an HTTP date"
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    if abs(now - sent) > WEBHOOK_TOLERANCE:
        return "X-Metronome-Date is more than 5 minutes from now (replay?)"
    return None


@dataclass(frozen=True)
class ReceivedWebhook:
    date: str
    signature: str
    body: bytes
    accepted: bool
    reason: str | None


class MetronomeSandbox(Emulator):
    """`MetronomeSandbox(token)`: an ASGI app emulating Metronome's API."""

    provider = "metronome"

    def __init__(
        self,
        token: str,
        *,
        faults: Iterable[str] = (),
        rate_limit: float = 50.0,
        processing_delay: float = 0.05,
        slow_seconds: float = 3.0,
        webhook_secret: str | None = None,
        seed: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(token, faults, FAULTS, slow_seconds=slow_seconds, clock=clock)
        self.rate_limit = rate_limit
        self.processing_delay = processing_delay
        self.webhook_secret = webhook_secret or secrets.token_hex(24)
        self.account = Account(first_tier_only="wrong-tier-math" in self.faults)
        self.webhooks: list[ReceivedWebhook] = []
        self._buckets: dict[str, tuple[float, float]] = {}
        self.demo: MetronomeDemo | None = (
            seed_demo(self.account, self.clock(), self.faults) if seed else None
        )
        self._routes()

    # --- configuration for golive ---

    def target_settings(self, base_url: str) -> dict[str, Any]:
        """Probe settings that point golive at this sandbox's demo account."""
        base = base_url.rstrip("/")
        settings: dict[str, Any] = {"webhook_url": base + WEBHOOK_PATH}
        if self.demo is not None:
            settings.update(
                customer_id=self.demo.customer_alias,
                rate_card_id=self.demo.rate_card_id,
                currency="USD",
                billing_frequency="MONTHLY",
            )
        return settings

    # --- the request pipeline (see Emulator.serve) ---

    async def handle(self, request: Request) -> Response:
        return await self.serve(request)

    def before_dispatch(self, request: Request, hits: int) -> None:
        self._throttle(request)
        if "permanent-500" in self.faults:
            raise HttpError(500, "Internal server error")
        if "429-storm" in self.faults and hits <= 3:
            err = HttpError(429, "Too many requests")
            err.headers.update({"X-Metronome-Rate-Limit-Type": "client", "Retry-After": "0"})
            raise err

    def authenticate(self, request: Request) -> None:
        auth = request.headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), self.token.encode()
        ):
            raise HttpError(401, "Unauthorized")

    def _throttle(self, request: Request) -> None:
        """A token bucket per API token: `rate_limit` per second, bursts of as many."""
        if not self.rate_limit or math.isinf(self.rate_limit):
            return
        key = request.headers.get("authorization", "")
        capacity = max(1.0, self.rate_limit)
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * self.rate_limit)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return
            self._buckets[key] = (tokens, now)
        wait = (1 - tokens) / self.rate_limit
        err = HttpError(429, "Too many requests: rate limit exceeded for this client")
        err.headers.update(
            {"X-Metronome-Rate-Limit-Type": "client", "Retry-After": str(max(1, math.ceil(wait)))}
        )
        raise err

    # --- helpers ---

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

    # --- routes ---

    def _routes(self) -> None:
        r = self.router
        r.add("POST", "/v1/ingest", self.ingest)
        r.add("POST", "/v1/events/search", self.search_events)
        r.add("GET", "/v1/customers", self.list_customers)
        r.add("GET", "/v1/customers/{customer_id}", self.get_customer)
        r.add("GET", "/v1/customers/{customer_id}/billable-metrics", self.customer_metrics)
        r.add("GET", "/v1/customers/{customer_id}/invoices", self.list_invoices)
        r.add("GET", "/v1/customers/{customer_id}/invoices/{invoice_id}", self.get_invoice)
        r.add("GET", "/v1/billable-metrics", self.list_metrics)
        r.add("GET", "/v1/billable-metrics/{billable_metric_id}", self.get_metric)
        r.add("POST", "/v1/contract-pricing/products/list", self.list_products)
        r.add("POST", "/v1/contract-pricing/rate-cards/list", self.list_rate_cards)
        r.add("POST", "/v1/contract-pricing/rate-cards/get", self.get_rate_card)
        r.add("POST", "/v1/contract-pricing/rate-cards/getRates", self.get_rates)
        r.add("POST", "/v2/contracts/list", self.list_contracts)
        r.add("POST", "/v1/customer-alerts/list", self.list_alerts)
        r.add("GET", "/v1/services", self.services)
        r.add("POST", "/v1/usage", self.usage)
        r.add("POST", "/v1/usage/groups", self.usage_groups)
        r.add("POST", WEBHOOK_PATH, self.webhook)

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
        processed = now + timedelta(seconds=self.processing_delay)
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
                    processed_at=processed,
                    is_duplicate=duplicate,
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
            and e.processed_at <= now
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
                "processed_at": iso(e.processed_at),
            }
            customer = self.account.customer_for(e.customer_id)
            if customer is not None:
                rec["matched_customer"] = {"id": customer.id, "name": customer.name}
            rec["matched_billable_metrics"] = [
                m.to_api() for m in self.account.metrics.values() if m.matches(e)
            ]
            out.append(rec)
        return Response(200, out)

    def list_customers(self, request: Request) -> Response:
        customers = list(self.account.customers.values())
        only_archived = self._flag(request, "only_archived")
        customers = [c for c in customers if (c.archived_at is not None) == only_archived]
        alias = request.query.get("ingest_alias")
        if alias is not None:
            customers = [c for c in customers if alias in c.ingest_aliases]
        ids = request.values("customer_ids")
        if ids:
            customers = [c for c in customers if c.id in ids]
        return Response(200, self._page(request, [c.to_api() for c in customers]))

    def get_customer(self, request: Request) -> Response:
        c = self._customer(request.path_params["customer_id"])
        return Response(200, {"data": c.to_api()})

    def customer_metrics(self, request: Request) -> Response:
        c = self._customer(request.path_params["customer_id"])
        include_archived = self._flag(request, "include_archived")
        self._flag(request, "on_current_plan")
        ids: list[str] = []
        for k in self.account.contracts_of(c.id):
            card = self.account.rate_cards.get(k.rate_card_id)
            for rate in card.rates if card else []:
                p = self.account.products.get(rate.product_id)
                if p and p.billable_metric_id and p.billable_metric_id not in ids:
                    ids.append(p.billable_metric_id)
        metrics = [self.account.metrics[i] for i in ids if i in self.account.metrics]
        metrics = [m for m in metrics if include_archived or m.archived_at is None]
        return Response(200, self._page(request, [m.to_api(deprecated=True) for m in metrics]))

    def list_metrics(self, request: Request) -> Response:
        include_archived = self._flag(request, "include_archived")
        metrics = [
            m.to_api()
            for m in self.account.metrics.values()
            if include_archived or m.archived_at is None
        ]
        return Response(200, self._page(request, metrics))

    def get_metric(self, request: Request) -> Response:
        m = self._metric(request.path_params["billable_metric_id"])
        return Response(200, {"data": m.to_api()})

    def list_products(self, request: Request) -> Response:
        body = self._body(request, optional=True)
        which = str(body.get("archive_filter", "NOT_ARCHIVED")).upper()
        if which not in ("ARCHIVED", "NOT_ARCHIVED", "ALL"):
            raise HttpError(400, "archive_filter must be ARCHIVED, NOT_ARCHIVED or ALL")
        products = [
            p.to_api()
            for p in self.account.products.values()
            if which == "ALL" or (p.archived_at is not None) == (which == "ARCHIVED")
        ]
        return Response(200, self._page(request, products))

    def list_rate_cards(self, request: Request) -> Response:
        self._body(request, optional=True)
        cards = [c.to_api() for c in self.account.rate_cards.values()]
        return Response(200, self._page(request, cards))

    def get_rate_card(self, request: Request) -> Response:
        body = self._body(request)
        card_id = body.get("id")
        if not is_uuid(card_id):
            raise HttpError(400, "id: required, a rate card uuid")
        card = self.account.rate_cards.get(str(card_id))
        if card is None:
            raise HttpError(404, f"rate card {card_id} not found")
        return Response(200, {"data": card.to_api()})

    def get_rates(self, request: Request) -> Response:
        body = self._body(request)
        card_id = body.get("rate_card_id")
        if not is_uuid(card_id):
            raise HttpError(400, "rate_card_id: required, a rate card uuid")
        at = self._time(body.get("at"), "at")
        assert at is not None
        card = self.account.rate_cards.get(str(card_id))
        if card is None:
            raise HttpError(404, f"rate card {card_id} not found")
        selectors = body.get("selectors") or []
        wanted = {s.get("product_id") for s in selectors if isinstance(s, dict)} - {None}
        items = []
        for rate in card.rates:
            if not rate.active(at) or (wanted and rate.product_id not in wanted):
                continue
            product = self.account.products.get(rate.product_id)
            item: dict[str, Any] = {
                "product_id": rate.product_id,
                "product_name": product.name if product else "",
                "product_tags": list(product.tags) if product else [],
                "product_custom_fields": {},
                "starting_at": iso(rate.starting_at),
                "entitled": True,
                "rate": rate.rate_api(),
            }
            if rate.ending_before is not None:
                item["ending_before"] = iso(rate.ending_before)
            if rate.billing_frequency:
                item["billing_frequency"] = rate.billing_frequency
            items.append(item)
        return Response(200, self._page(request, items))

    def list_contracts(self, request: Request) -> Response:
        body = self._body(request)
        customer_id = body.get("customer_id")
        if not is_uuid(customer_id):
            raise HttpError(400, "customer_id: required, a customer uuid")
        if customer_id not in self.account.customers:
            raise HttpError(400, f"customer {customer_id} not found", code="CustomerNotFound")
        if body.get("covering_date") is not None and body.get("starting_at") is not None:
            raise HttpError(400, "covering_date and starting_at cannot be combined")
        covering = self._time(body.get("covering_date"), "covering_date", required=False)
        starting = self._time(body.get("starting_at"), "starting_at", required=False)
        include_archived = bool(body.get("include_archived", False))
        out = []
        for k in self.account.contracts_of(customer_id):
            if k.archived_at is not None and not include_archived:
                continue
            if covering is not None and not k.covers(covering):
                continue
            if starting is not None and k.starting_at < starting:
                continue
            out.append(k.to_api())
        return Response(200, {"data": out})

    def _invoices(self, customer_id: str) -> list[dict[str, Any]]:
        return self.account.invoices(customer_id, self.now())

    def list_invoices(self, request: Request) -> Response:
        c = self._customer(request.path_params["customer_id"])
        q = request.query
        invoices = self._invoices(c.id)
        if q.get("status"):
            wanted = {s.upper() for s in request.values("status")}
            invoices = [i for i in invoices if i["status"] in wanted]
        if q.get("type"):
            if q["type"] not in ("USAGE", "USAGE_CONSOLIDATED", "SCHEDULED"):
                raise HttpError(400, "type must be USAGE, USAGE_CONSOLIDATED or SCHEDULED")
            invoices = [i for i in invoices if i["type"] == q["type"]]
        if q.get("contract_id"):
            invoices = [i for i in invoices if i.get("contract_id") == q["contract_id"]]
        if q.get("credit_type_id"):
            invoices = [i for i in invoices if i["credit_type"]["id"] == q["credit_type_id"]]
        start = self._time(q.get("starting_on"), "starting_on", required=False)
        end = self._time(q.get("ending_before"), "ending_before", required=False)
        if start is not None:
            invoices = [i for i in invoices if str(i["end_timestamp"]) > iso(start)]
        if end is not None:
            invoices = [i for i in invoices if str(i["start_timestamp"]) < iso(end)]
        sort = q.get("sort", "date_asc")
        if sort not in ("date_asc", "date_desc"):
            raise HttpError(400, "sort must be date_asc or date_desc")
        invoices.sort(key=lambda i: str(i["start_timestamp"]), reverse=sort == "date_desc")
        if self._flag(request, "skip_zero_qty_line_items"):
            invoices = [_skip_zero(i) for i in invoices]
        return Response(200, self._page(request, invoices))

    def get_invoice(self, request: Request) -> Response:
        c = self._customer(request.path_params["customer_id"])
        invoice_id = request.path_params["invoice_id"]
        if not is_uuid(invoice_id):
            raise HttpError(400, "invoice_id must be a uuid")
        for inv in self._invoices(c.id):
            if inv["id"] == invoice_id:
                if self._flag(request, "skip_zero_qty_line_items"):
                    inv = _skip_zero(inv)
                return Response(200, {"data": inv})
        raise HttpError(404, f"invoice {invoice_id} not found")

    def list_alerts(self, request: Request) -> Response:
        body = self._body(request)
        c = self._customer(body.get("customer_id"))
        statuses = body.get("alert_statuses") or ["enabled"]
        if not isinstance(statuses, list) or not all(
            isinstance(s, str) and s.lower() in ("enabled", "disabled", "archived")
            for s in statuses
        ):
            raise HttpError(400, "alert_statuses: each must be enabled, disabled or archived")
        wanted = {s.lower() for s in statuses}
        now = self.now()
        spend: Decimal | None = None
        out = []
        for a in self.account.alerts.values():
            if a.customer_id != c.id or a.status not in wanted:
                continue
            status: str | None = "ok"
            if a.status == "archived":
                status = None
            elif a.type in (
                "spend_threshold_reached",
                "monthly_invoice_total_spend_threshold_reached",
            ):
                if spend is None:
                    spend = self.account.current_spend(c.id, now)
                status = "in_alarm" if spend >= a.threshold else "ok"
            out.append({"customer_status": status, "triggered_by": None, "alert": a.to_api()})
        return Response(200, self._page(request, out, limit=False))

    def services(self, request: Request) -> Response:
        return Response(
            200,
            {
                "services": [
                    {
                        "name": "webhooks",
                        "usage": "makes_connections_from",
                        "ips": list(WEBHOOK_IPS),
                    },
                    {
                        "name": "api (golive sandbox)",
                        "usage": "accepts_connections_at",
                        "ips": ["127.0.0.1"],
                    },
                ]
            },
        )

    def _window(self, body: dict[str, Any]) -> str:
        size = body.get("window_size")
        if not isinstance(size, str) or size.lower() not in ("hour", "day", "none"):
            raise HttpError(400, "window_size: required, one of hour, day, none")
        return size.lower()

    def usage(self, request: Request) -> Response:
        body = self._body(request)
        size = self._window(body)
        start = self._time(body.get("starting_on"), "starting_on")
        end = self._time(body.get("ending_before"), "ending_before")
        assert start is not None and end is not None
        if end <= start:
            raise HttpError(400, "ending_before must be after starting_on")
        spans = list(windows(start, end, size))
        if len(spans) > MAX_WINDOWS:
            raise HttpError(400, "too many windows; narrow the range or widen window_size")
        ids = body.get("customer_ids")
        if ids is None:
            customers = [c for c in self.account.customers.values() if c.archived_at is None]
        else:
            if not isinstance(ids, list):
                raise HttpError(400, "customer_ids must be an array of uuids")
            customers = [self._customer(i, "customer_ids") for i in ids]
        specs = body.get("billable_metrics")
        selected: list[tuple[Metric, dict[str, Any] | None]]
        if specs is None:
            selected = [(m, None) for m in self.account.metrics.values() if m.archived_at is None]
        else:
            if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
                raise HttpError(400, "billable_metrics must be an array of {id, group_by}")
            selected = [
                (self._metric(s.get("id"), "billable_metrics.id"), s.get("group_by")) for s in specs
            ]
        now = self.now()
        rows = []
        for c in customers:
            for m, group_by in selected:
                for w_start, w_end in spans:
                    events = self.account.billed_events(c.id, m, w_start, w_end, now)
                    row: dict[str, Any] = {
                        "customer_id": c.id,
                        "billable_metric_id": m.id,
                        "billable_metric_name": m.name,
                        "start_timestamp": iso(w_start),
                        "end_timestamp": iso(w_end),
                        "value": m.aggregate(events),
                    }
                    if isinstance(group_by, dict) and group_by.get("key"):
                        key = str(group_by["key"])
                        values = group_by.get("values") or sorted(
                            {str(e.properties[key]) for e in events if key in e.properties}
                        )
                        row["groups"] = {
                            v: m.aggregate([e for e in events if str(e.properties.get(key)) == v])
                            for v in values
                        }
                    rows.append(row)
        return Response(200, self._page(request, rows, limit=False))

    def usage_groups(self, request: Request) -> Response:
        body = self._body(request)
        c = self._customer(body.get("customer_id"))
        m = self._metric(body.get("billable_metric_id"))
        size = self._window(body)
        now = self.now()
        if body.get("current_period"):
            if body.get("starting_on") or body.get("ending_before"):
                raise HttpError(
                    400, "current_period cannot be combined with starting_on/ending_before"
                )
            if not any(k.covers(now) for k in self.account.contracts_of(c.id)):
                raise HttpError(400, "current_period needs a customer with an active contract")
            start = month_start(now)
            end = add_months(start, 1)
        else:
            t0 = self._time(body.get("starting_on"), "starting_on")
            t1 = self._time(body.get("ending_before"), "ending_before")
            assert t0 is not None and t1 is not None
            start, end = t0, t1
        if end <= start:
            raise HttpError(400, "ending_before must be after starting_on")
        key: list[str] = []
        if body.get("group_key") is not None:
            key = body["group_key"]
            if not isinstance(key, list) or not key or not all(isinstance(k, str) for k in key):
                raise HttpError(400, "group_key must be a non-empty array of strings")
            if not any(set(key) == set(g) for g in m.group_keys):
                raise HttpError(
                    400,
                    f"group_key {key} is not a group key of {m.name!r}; a compound key must list"
                    " all of its parts",
                )
        elif isinstance(body.get("group_by"), dict) and body["group_by"].get("key"):
            key = [str(body["group_by"]["key"])]
            if not any(key[0] in g for g in m.group_keys):
                raise HttpError(400, f"group_by.key {key[0]!r} is not a group key of {m.name!r}")
        filters = body.get("group_filters") or {}
        if not isinstance(filters, dict):
            raise HttpError(400, "group_filters must be an object of key → values")
        where = {str(k): [str(v) for v in vs] for k, vs in filters.items() if isinstance(vs, list)}
        spans = list(windows(start, end, size))
        if len(spans) > MAX_WINDOWS:
            raise HttpError(400, "too many windows; narrow the range or widen window_size")
        rows = []
        for w_start, w_end in spans:
            events = self.account.billed_events(c.id, m, w_start, w_end, now, where=where)
            buckets: dict[tuple[str | None, ...], list[Event]] = {}
            for e in events:
                values = tuple(
                    str(e.properties[k]) if e.properties.get(k) is not None else None for k in key
                )
                buckets.setdefault(values, []).append(e)
            for values in sorted(buckets, key=lambda vs: [v or "" for v in vs]):
                group = {k: v for k, v in zip(key, values, strict=True) if v is not None}
                rows.append(
                    {
                        "starting_on": iso(w_start),
                        "ending_before": iso(w_end),
                        "group_key": key[0] if len(key) == 1 else None,
                        "group_value": values[0] if len(key) == 1 else None,
                        "group": group,
                        "value": m.aggregate(buckets[values]),
                    }
                )
        return Response(200, self._page(request, rows))

    def webhook(self, request: Request) -> Response:
        body = request.raw_body
        headers = request.headers
        if "webhook-accepts-forged" in self.faults:
            reason = None
        else:
            reason = verify_webhook(self.webhook_secret, headers, body, self.now())
        self.webhooks.append(
            ReceivedWebhook(
                date=headers.get("x-metronome-date") or headers.get("date") or "",
                signature=headers.get("metronome-webhook-signature", ""),
                body=body,
                accepted=reason is None,
                reason=reason,
            )
        )
        if reason is not None:
            raise HttpError(401, f"webhook rejected: {reason}")
        return Response(200, {"received": True})


def _skip_zero(invoice: dict[str, Any]) -> dict[str, Any]:
    return {
        **invoice,
        "line_items": [li for li in invoice["line_items"] if li.get("quantity") != 0],
    }


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
