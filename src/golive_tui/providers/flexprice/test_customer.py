"""`golive test-customer create` on Flexprice: a customer with external id
golive-test-<run>, subscribed to the plan the probes check.

From flexprice/flexprice: `POST /v1/customers` (internal/api/dto/customer.go
CreateCustomerRequest: `external_id`, `name` required); `POST /v1/subscriptions`
(dto/subscription.go CreateSubscriptionRequest: `plan_id`, `currency` (3 letters),
`billing_period`, `customer_id` or `external_customer_id`; `billing_cycle` validated by
types/billing.go). The plan is read first (`GET /v1/plans/{id}`, with its prices) to
choose the currency and period its current prices share, and to say what its fixed
prices will bill.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from golive_tui.core.errors import GoliveError
from golive_tui.core.money import format_money
from golive_tui.core.probes.common import dec
from golive_tui.core.probes.http import ApiClient, ApiError
from golive_tui.core.state import CreatedObject, Target
from golive_tui.core.test_customer import Preview, Request, made


def _current(prices: list[Any]) -> list[dict[str, Any]]:
    """The plan's prices that a new subscription gets (expired ones left out)."""
    return [p for p in prices if isinstance(p, dict) and not p.get("end_date")]


def choose_terms(prices: list[dict[str, Any]]) -> tuple[str, str]:
    """(currency, billing period) most of the plan's current prices share (USD first)."""
    terms = Counter(
        (str(p.get("currency", "")).lower(), str(p.get("billing_period", ""))) for p in prices
    )
    return max(terms, key=lambda t: (terms[t], t[0] == "usd"))


def _start() -> datetime:
    """An hour back, on the hour: Flexprice bills an event only when a line item is in
    force at its timestamp, and the probes date theirs up to a few minutes back."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


class FlexpriceTestCustomer:
    def _plan(self, target: Target, request: Request) -> str:
        if request.rate_card:
            raise GoliveError(
                "--rate-card: Flexprice subscribes customers to plans; pass --plan ID instead"
            )
        plan = request.plan or str(target.settings.get("plan_id", ""))
        if not plan:
            raise GoliveError(
                "--plan: missing; pass the plan the test customer should subscribe to, or set"
                " one with golive set plan_id ID"
            )
        return plan

    async def _read_plan(self, api: ApiClient, plan_id: str) -> dict[str, Any]:
        try:
            resp = await api.request("GET", f"/v1/plans/{plan_id}", expect="object")
        except ApiError as exc:
            if exc.status in (400, 404):
                raise GoliveError(
                    f"--plan {plan_id}: Flexprice has no such plan ({exc.message});"
                    " pass the id from Product catalog → Plans"
                ) from None
            raise
        body: dict[str, Any] = resp.body
        prices = _current(body.get("prices") or [])
        if not prices:
            raise GoliveError(f"--plan {plan_id}: the plan has no current price to subscribe to")
        return body

    async def preview(self, api: ApiClient, target: Target, request: Request) -> Preview:
        plan = await self._read_plan(api, self._plan(target, request))
        prices = _current(plan.get("prices") or [])
        currency, period = choose_terms(prices)
        fixed = [
            p
            for p in prices
            if str(p.get("type", "")).upper() == "FIXED"
            and (str(p.get("currency", "")).lower(), p.get("billing_period")) == (currency, period)
        ]
        total = sum((dec(p.get("amount")) for p in fixed), Decimal(0))
        cost = (
            f"the plan's fixed prices bill {format_money(total, currency)} each"
            f" {period.lower()} period from {_start():%Y-%m-%d %H:%M} UTC"
            f" ({', '.join(str(p.get('display_name') or p.get('id')) for p in fixed)}),"
            " plus the usage sent to this customer"
            if total
            else "the plan has no fixed price: only usage sent to this customer bills"
        )
        name = str(plan.get("name") or plan.get("id"))
        return Preview(
            writes=[
                f"POST /v1/customers: customer {request.display_name!r} with external_id"
                f" {request.alias}",
                f"POST /v1/subscriptions: a subscription to plan {name!r}"
                f" ({currency.upper()}, {period}) from {_start():%Y-%m-%d %H:%M} UTC",
            ],
            cost=cost,
        )

    async def create(
        self, api: ApiClient, target: Target, request: Request, created: list[CreatedObject]
    ) -> str:
        plan = await self._read_plan(api, self._plan(target, request))
        currency, period = choose_terms(_current(plan.get("prices") or []))
        resp = await api.request(
            "POST",
            "/v1/customers",
            json_body={
                "external_id": request.alias,
                "name": request.display_name,
                "metadata": {"created_by": "golive", "golive_run": request.run_id},
            },
            idempotent=False,
            ok=(201,),  # internal/api/v1: c.JSON(http.StatusCreated, …)
            keys=("id",),
        )
        customer_id = str(resp.body["id"])
        created.append(made(request, "customer", customer_id))
        resp = await api.request(
            "POST",
            "/v1/subscriptions",
            json_body={
                "customer_id": customer_id,
                "plan_id": plan["id"],
                "currency": currency,
                "billing_period": period,
                "billing_period_count": 1,
                "billing_cycle": "calendar",
                "start_date": _start().isoformat().replace("+00:00", "Z"),
            },
            idempotent=False,
            ok=(201,),  # internal/api/v1: c.JSON(http.StatusCreated, …)
            keys=("id",),
        )
        created.append(made(request, "subscription", str(resp.body["id"]), customer_id))
        return request.alias


MAKER = FlexpriceTestCustomer()
