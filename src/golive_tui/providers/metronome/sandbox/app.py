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

import hmac
import math
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.core.sandbox.stagger import Stagger
from golive_tui.providers.metronome.sandbox.account import Account
from golive_tui.providers.metronome.sandbox.demo import WEBHOOK_PATH, MetronomeDemo
from golive_tui.providers.metronome.sandbox.demo import seed as seed_demo
from golive_tui.providers.metronome.sandbox.routes_billing import BillingRoutes
from golive_tui.providers.metronome.sandbox.routes_catalog import CatalogRoutes
from golive_tui.providers.metronome.sandbox.routes_config import ConfigRoutes
from golive_tui.providers.metronome.sandbox.routes_events import EventRoutes
from golive_tui.providers.metronome.sandbox.routes_lifecycle import LifecycleRoutes
from golive_tui.providers.metronome.sandbox.routes_pricing import PricingRoutes
from golive_tui.providers.metronome.sandbox.routes_usage import UsageRoutes
from golive_tui.providers.metronome.sandbox.variants import apply_variants
from golive_tui.providers.metronome.sandbox.webhook import (
    ReceivedWebhook,
    WebhookRoutes,
    sign_webhook,
    verify_webhook,
)

__all__ = [
    "FAULTS",
    "VARIANTS",
    "MetronomeSandbox",
    "ReceivedWebhook",
    "sign_webhook",
    "verify_webhook",
]

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
    "group-key-missing",  # some of the app's events lack the project_id group key
    "webhook-accepts-unsigned",  # the receiver skips verification if the signature is missing
    "webhook-accepts-tampered",  # … trusts a signature verified before, whatever the body
    "webhook-rejects-replay",  # … answers a repeated notification id 409 (docs: dedupe, 2xx)
    "webhook-ip-allowlist",  # … sits behind an IP filter that refuses golive's host (403)
)

# Healthy real-account shapes (`--variant`, sandbox/variants.py): every probe must
# still pass on each.
VARIANTS: tuple[str, ...] = (
    "overrides",  # the contract overrides list rates (multipliers, tiered and flat overwrites)
    "commits",  # a prepaid commit at the commit rate and a postpaid commit with its true-up
    "credits",  # a launch credit that runs out during the month
    "several-contracts",  # a concurrent EU pilot contract; the main one is renewed today
    "pricing-groups",  # input tokens priced per model (pricing_group_key), no rate for others
    # Realistic visibility: one ingest request's events become searchable one by one
    # over 3 s (without `processed_at` at first), and invoices count each 1 s later.
    "staggered",
)
STAGGERED = Stagger(delay=0.1, spread=3.0, billing_lag=1.0)

# `/v1/events/search` is "heavily rate limited" (spec searchEvents-v1; the SDK's
# resources/v1/usage.py says the same) but no figure is published. The sandbox picks
# a tight one: 2 searches a second per token, bursts of 4. A probe that searches one id
# per request, or polls without backing off, meets 429s here as it would there.
SEARCH_RATE = 2.0
SEARCH_BURST = 4


class MetronomeSandbox(
    EventRoutes,
    CatalogRoutes,
    ConfigRoutes,
    PricingRoutes,
    BillingRoutes,
    UsageRoutes,
    LifecycleRoutes,
    WebhookRoutes,
):
    """`MetronomeSandbox(token)`: an ASGI app emulating Metronome's API."""

    provider = "metronome"
    known_faults = FAULTS
    known_variants = VARIANTS

    def __init__(
        self,
        token: str,
        *,
        faults: Iterable[str] = (),
        variants: Iterable[str] = (),
        rate_limit: float = 50.0,
        search_rate_limit: float = SEARCH_RATE,
        processing_delay: float = 0.05,
        slow_seconds: float = 3.0,
        webhook_secret: str | None = None,
        seed: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(token, faults, slow_seconds=slow_seconds, clock=clock, variants=variants)
        self.rate_limit = rate_limit
        self.search_rate_limit = search_rate_limit
        self.processing_delay = processing_delay
        # When each accepted event becomes searchable, then processed (billed).
        self.stagger = (
            STAGGERED if "staggered" in self.variants else Stagger(delay=processing_delay)
        )
        self.webhook_secret = webhook_secret or secrets.token_hex(24)
        self.account = Account(first_tier_only="wrong-tier-math" in self.faults)
        self.webhooks: list[ReceivedWebhook] = []
        self._buckets: dict[str, tuple[float, float]] = {}
        self.demo: MetronomeDemo | None = (
            seed_demo(self.account, self.clock(), self.faults) if seed else None
        )
        if self.demo is not None:
            apply_variants(self.account, self.demo, self.clock(), self.variants)
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
        if request.path == "/v1/events/search":
            self._throttle(request, "search", self.search_rate_limit, SEARCH_BURST)
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

    def _throttle(
        self, request: Request, bucket: str = "", rate: float | None = None, burst: float = 0
    ) -> None:
        """A token bucket per API token: `rate` per second (default `rate_limit`), bursts
        of `burst` (default as many as `rate`)."""
        rate = self.rate_limit if rate is None else rate
        if not rate or math.isinf(rate):
            return
        key = bucket + "|" + request.headers.get("authorization", "")
        capacity = max(1.0, burst or rate)
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return
            self._buckets[key] = (tokens, now)
        wait = (1 - tokens) / rate
        err = HttpError(429, "Too many requests: rate limit exceeded for this client")
        err.headers.update(
            {"X-Metronome-Rate-Limit-Type": "client", "Retry-After": str(max(1, math.ceil(wait)))}
        )
        raise err

    # --- routes ---

    def _routes(self) -> None:
        r = self.router
        r.add("POST", "/v1/ingest", self.ingest)
        r.add("POST", "/v1/events/search", self.search_events)
        r.add("GET", "/v1/customers", self.list_customers)
        r.add("POST", "/v1/customers", self.create_customer)
        r.add("POST", "/v1/customers/archive", self.archive_customer)
        r.add("POST", "/v1/contracts/create", self.create_contract)
        r.add("POST", "/v1/contracts/archive", self.archive_contract)
        r.add("GET", "/v1/customers/{customer_id}", self.get_customer)
        r.add("GET", "/v1/customers/{customer_id}/billable-metrics", self.customer_metrics)
        r.add("GET", "/v1/customers/{customer_id}/invoices", self.list_invoices)
        r.add("GET", "/v1/customers/{customer_id}/invoices/{invoice_id}", self.get_invoice)
        r.add("GET", "/v1/billable-metrics", self.list_metrics)
        r.add("GET", "/v1/billable-metrics/{billable_metric_id}", self.get_metric)
        r.add("POST", "/v1/billable-metrics/archive", self.archive_metric)
        r.add("POST", "/v1/contract-pricing/products/list", self.list_products)
        r.add("POST", "/v1/contract-pricing/rate-cards/list", self.list_rate_cards)
        r.add("POST", "/v1/contract-pricing/rate-cards/get", self.get_rate_card)
        r.add("POST", "/v1/contract-pricing/rate-cards/getRates", self.get_rates)
        r.add("POST", "/v1/contract-pricing/rate-cards/addRate", self.add_rate)
        r.add("POST", "/v2/contracts/list", self.list_contracts)
        r.add("POST", "/v1/contracts/getContractRateSchedule", self.contract_rate_schedule)
        r.add("POST", "/v1/customers/{customer_id}/previewEvents", self.preview_events)
        r.add("POST", "/v1/customer-alerts/list", self.list_alerts)
        r.add("GET", "/v1/services", self.services)
        r.add("POST", "/v1/usage", self.usage)
        r.add("POST", "/v1/usage/groups", self.usage_groups)
        r.add("POST", WEBHOOK_PATH, self.webhook)
