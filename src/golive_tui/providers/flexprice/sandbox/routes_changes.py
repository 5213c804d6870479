"""The Flexprice sandbox's configuration writes, as narrow as the real server's, so a
test changes the account only the ways a real account can change:

- `PUT /v1/prices/{id}` (internal/ee/service/price.go UpdatePrice): a critical field
  (amount, billing_model, tier_mode, tiers, transform_quantity) never edits the price:
  it ends it (`end_date` = effective_from or now) and creates a new price from it
  (dto/price.go ToCreatePriceRequest: same display name, meter, currency, period;
  `parent_price_id` the root price). Other fields edit the price in place.
- `POST /v1/plans/{id}/sync/subscriptions` (ee/service/plan.go SyncPlanPricesV2): adds
  line items for the plan's new prices and ends those whose price has ended. Until
  then a subscription keeps billing at the ended price.
- `PUT /v1/meters/{id}` (api/v1/meter.go, ee/service/meter.go UpdateMeter): only
  `filters`, merged into the existing ones; a meter's event name and aggregation
  cannot change (dto/meter.go UpdateMeterRequest has no other field).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.providers.flexprice.sandbox.pricing import Price, Tier
from golive_tui.providers.flexprice.sandbox.routes_common import (
    FlexpriceRoutes,
    bind_error,
    not_found,
)
from golive_tui.providers.flexprice.sandbox.subscriptions import LineItem
from golive_tui.providers.flexprice.sandbox.values import to_decimal, ulid

CRITICAL = ("amount", "billing_model", "tier_mode", "tiers", "transform_quantity")
SYNCED_STATUSES = ("active", "trialing", "draft", "incomplete")  # SyncPlanPricesV2's filter


def _invalid(hint: str) -> HttpError:
    return HttpError(400, hint, code="validation_error")


def _decimal(value: Any) -> Decimal:
    d = to_decimal(value) if isinstance(value, str) else None  # swaggertype string
    if d is None:
        raise bind_error()
    return d


def _tiers(raw: Any) -> list[Tier]:
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise bind_error()
    tiers = []
    for t in raw:
        up_to = t.get("up_to")
        if up_to is not None and (isinstance(up_to, bool) or not isinstance(up_to, int)):
            raise bind_error()
        unit = _decimal(t.get("unit_amount"))
        if unit < 0:  # CreatePriceTier.Validate
            raise _invalid("Unit amount cannot be negative")
        flat = _decimal(t["flat_amount"]) if t.get("flat_amount") is not None else None
        tiers.append(Tier(up_to, unit, flat))
    return tiers


class ChangeRoutes(FlexpriceRoutes):
    def update_price(self, request: Request) -> Response:
        body = self._body(request)
        price = self.account.prices.get(request.path_params["id"])
        if price is None:
            raise not_found(f"Price with ID {request.path_params['id']} was not found")
        effective = self._time(body, "effective_from")
        critical = [k for k in CRITICAL if body.get(k) not in (None, "", [])]
        if effective is not None and not critical:
            raise _invalid(
                "When providing effective_from, you must also provide one of: amount,"
                " billing_model, tier_mode, tiers, transform_quantity, price_unit_amount,"
                " or price_unit_tiers"
            )
        if not critical:  # non-critical fields only: edited in place
            for key in ("display_name", "lookup_key"):
                if self._string(body, key):
                    setattr(price, key, body[key])
            return Response(200, price.to_api(self.account))
        if price.end_date is not None:
            raise _invalid("Cannot update a terminated price")
        ends = effective or self.now()
        if ends < (price.start_date or price.created_at):
            raise _invalid(
                "The effective date for terminating this price cannot be before the price's"
                " start date"
            )
        new = self._replacement(price, body, ends)
        price.end_date = ends
        self.account.prices[new.id] = new
        self.account.plans[price.plan_id].price_ids.append(new.id)
        return Response(200, new.to_api(self.account))

    def _replacement(self, old: Price, body: dict[str, Any], starts: datetime) -> Price:
        model = self._string(body, "billing_model") or old.billing_model
        if model not in ("FLAT_FEE", "PACKAGE", "TIERED"):
            raise _invalid("invalid billing model")
        new = replace(
            old,
            id=ulid("price", self.now()),
            billing_model=model,
            created_at=self.now(),
            start_date=starts,
            end_date=None,
            parent_price_id=old.parent_price_id or old.id,
        )
        if body.get("amount") is not None:
            new.amount = _decimal(body["amount"])
        if model == "TIERED":
            new.tier_mode = self._string(body, "tier_mode") or old.tier_mode or "VOLUME"
            if new.tier_mode not in ("VOLUME", "SLAB"):
                raise _invalid("invalid tier mode")
            new.tiers = _tiers(body["tiers"]) if body.get("tiers") else list(old.tiers)
            if not new.tiers:
                raise _invalid("tiers are required when billing model is TIERED")
        transform = body.get("transform_quantity")
        if transform is not None:
            if not isinstance(transform, dict) or not isinstance(transform.get("divide_by"), int):
                raise bind_error()
            new.divide_by, new.round = transform["divide_by"], transform.get("round", "up")
        return new

    def sync_plan(self, request: Request) -> Response:
        plan = self.account.plans.get(request.path_params["id"])
        if plan is None:
            raise not_found(f"Plan with ID {request.path_params['id']} was not found")
        now = self.now()
        for sub in self.account.subscriptions.values():
            if sub.plan_id != plan.id or sub.subscription_status not in SYNCED_STATUSES:
                continue
            have = {li.price_id for li in sub.line_items}
            for pid in plan.price_ids:
                price = self.account.prices[pid]
                same_terms = (price.currency, price.billing_period) == (
                    sub.currency,
                    sub.billing_period,
                )
                if pid not in have and price.end_date is None and same_terms:
                    start = max(price.start_date or price.created_at, sub.start_date)
                    sub.line_items.append(LineItem(ulid("subs_line", now), pid, start))
            for li in sub.line_items:
                ended = self.account.prices[li.price_id].end_date
                if li.end_date is None and ended is not None:
                    li.end_date = ended
        run = ulid("run", now)
        return Response(
            200,
            {
                "message": "price sync v2 workflow started",
                "workflow_id": f"PriceSyncV2Workflow-{plan.id}",
                "run_id": run,
            },
        )

    def update_meter(self, request: Request) -> Response:
        body = self._body(request)
        meter = self.account.meters.get(request.path_params["id"])
        raw = body.get("filters")
        if raw is not None and (
            not isinstance(raw, list)
            or not all(isinstance(f, dict) and isinstance(f.get("key"), str) for f in raw)
        ):
            raise bind_error()
        if not raw:
            raise _invalid("At least one filter must be provided")
        if meter is None:
            raise not_found(f"Meter with ID {request.path_params['id']} was not found")
        merged = {k: list(v) for k, v in meter.filters}
        for f in raw:
            values = f.get("values") or []
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise bind_error()
            have = merged.setdefault(f["key"], [])
            have += [v for v in values if v not in have]
        meter.filters = list(merged.items())
        return Response(200, meter.to_api(self.account))
