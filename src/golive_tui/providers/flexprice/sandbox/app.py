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
import hmac
import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.core.sandbox.stagger import Stagger
from golive_tui.providers.flexprice.sandbox.account import Account
from golive_tui.providers.flexprice.sandbox.demo import WEBHOOK_PATH, FlexpriceDemo
from golive_tui.providers.flexprice.sandbox.demo import seed as seed_demo
from golive_tui.providers.flexprice.sandbox.routes_account import AccountRoutes
from golive_tui.providers.flexprice.sandbox.routes_billing import BillingRoutes
from golive_tui.providers.flexprice.sandbox.routes_catalog import CatalogRoutes
from golive_tui.providers.flexprice.sandbox.routes_changes import ChangeRoutes
from golive_tui.providers.flexprice.sandbox.routes_events import EventRoutes
from golive_tui.providers.flexprice.sandbox.routes_lifecycle import LifecycleRoutes
from golive_tui.providers.flexprice.sandbox.variants import apply_variants
from golive_tui.providers.flexprice.sandbox.webhook import (
    ReceivedWebhook,
    WebhookRoutes,
    sign_svix,
    svix_key,
    verify_svix,
)

__all__ = ["FAULTS", "VARIANTS", "FlexpriceSandbox", "ReceivedWebhook", "sign_svix", "verify_svix"]

FAULTS = (
    "event-name-typo",  # the app sends one event name with the wrong case (LLM.tokens)
    "customer-missing",  # the test customer's external id has no customer
    "aggregation-field-missing",  # the app's storage event lacks the meter's `gb_hours`
    "no-subscription",  # the test customer exists but has no subscription
    "duplicates-counted",  # exact repeats never collapse: retries are billed twice
    "wrong-tier-math",  # tiered prices confuse VOLUME and SLAB
    "5xx-burst",  # the first 2 requests to each path answer 503
    "slow",  # every API response is delayed `slow_seconds`
    "webhook-accepts-forged",  # the webhook receiver accepts any signature
    "webhook-accepts-unsigned",  # the receiver skips verification if the signature is missing
    "webhook-accepts-tampered",  # … trusts a signature verified before, whatever the body
    "webhook-no-rotation",  # … compares only the first svix-signature entry
    "webhook-rejects-replay",  # … answers a repeated svix-id 409 (docs: dedupe, answer 2xx)
    "webhook-ip-allowlist",  # … sits behind an IP filter that refuses golive's host (403)
    "filter-mismatch",  # the app's tokens events name a model outside the meter's filter
    "aggregation-not-numeric",  # the app's storage events send gb_hours as "12.5GB"
)
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

# Healthy real-account shapes (`--variant`): every probe must still pass on each.
VARIANTS: tuple[str, ...] = (
    "expired-prices",  # the plan also lists expired and EUR prices (plan.go AllowExpired)
    "entitlements",  # allowances: 500k tokens free, calls inside theirs, storage unlimited
    "commitment",  # a $3 commitment with 1.5x overage split into "(Overage)" lines
    "volume-closed-tier",  # the tokens price is VOLUME with a closed last tier
    "staggered",  # events become visible one by one over ~2.5 s, billed 1 s after that
)
# `staggered`: a request's events appear over `spread` s, invoices lag by `billing_lag` s.
STAGGERED = Stagger(delay=0.2, spread=2.5, billing_lag=1.0)


class FlexpriceSandbox(
    EventRoutes,
    CatalogRoutes,
    ChangeRoutes,
    BillingRoutes,
    AccountRoutes,
    LifecycleRoutes,
    WebhookRoutes,
):
    """`FlexpriceSandbox(token)`: an ASGI app emulating Flexprice's API under `/v1`."""

    provider = "flexprice"
    known_faults = FAULTS
    known_variants = VARIANTS

    def __init__(
        self,
        token: str,
        *,
        faults: Iterable[str] = (),
        variants: Iterable[str] = (),
        processing_delay: float = 0.2,
        merge_delay: float = 0.5,
        slow_seconds: float = 3.0,
        webhook_secret: str | None = None,
        seed: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(token, faults, slow_seconds=slow_seconds, clock=clock, variants=variants)
        self.processing_delay = processing_delay
        self.stagger = (
            STAGGERED if "staggered" in self.variants else Stagger(delay=processing_delay)
        )
        self._queue_end = datetime.min.replace(tzinfo=UTC)
        if webhook_secret is None:
            webhook_secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        svix_key(webhook_secret)  # fail early on a malformed secret
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
        if self.demo is not None:
            apply_variants(self.account, self.demo, self.clock(), self.variants)
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
            if "filter-mismatch" in self.faults:
                # checkMeterFilters: `%v` of `model` must be one of the filter's values
                samples[d.tokens_event] = {**samples[d.tokens_event], "model": "quill-ultra"}
            if "aggregation-not-numeric" in self.faults:
                # convertToDecimal: decimal.NewFromString("12.5GB") fails, counted as 0
                samples[d.storage_event] = {"gb_hours": "12.5GB", "bucket": "warehouse"}
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
        r.add("POST", "/v1/customers", self.create_customer)
        r.add("DELETE", "/v1/customers/{id}", self.delete_customer)
        r.add("POST", "/v1/subscriptions", self.create_subscription)
        r.add("POST", "/v1/subscriptions/{id}/cancel", self.cancel_subscription)
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
        r.add("POST", "/v1/plans/{id}/sync/subscriptions", self.sync_plan)
        r.add("PUT", "/v1/prices/{id}", self.update_price)
        r.add("PUT", "/v1/meters/{id}", self.update_meter)
        r.add("POST", "/v1/subscriptions/search", self.search_subscriptions)
        r.add("GET", "/v1/subscriptions/{id}", self.get_subscription)
        r.add("GET", "/v1/settings/{key}", self.get_setting)
        r.add("PUT", "/v1/settings/{key}", self.put_setting)
        r.add("POST", "/v1/invoices/preview", self.preview_invoice)
        r.add("POST", "/v1/invoices/search", self.search_invoices)
        r.add("GET", "/v1/invoices/{id}", self.get_invoice)
        r.add("POST", "/v1/invoices/{id}/finalize", self.finalize_invoice)
        r.add("GET", "/v1/users/me", self.me)
        r.add("GET", "/v1/environments/{id}", self.get_environment)
        r.add("POST", WEBHOOK_PATH, self.webhook)
