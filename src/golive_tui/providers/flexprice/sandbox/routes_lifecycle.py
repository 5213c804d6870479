"""The Flexprice sandbox's writes to the catalogue that `golive test-customer` and
`golive cleanup` make: create a customer and a subscription, cancel the subscription,
delete the customer. Each refuses what the server refuses (flexprice/flexprice):

- `POST /v1/customers`: `external_id` and `name` required (dto/customer.go
  CreateCustomerRequest); a published customer with the same external id is a 409.
- `POST /v1/subscriptions`: `plan_id`, `currency` (3 letters) and `billing_period`
  required, `customer_id` or `external_customer_id` (dto/subscription.go
  CreateSubscriptionRequest.Validate), a valid `billing_cycle`; the customer must be
  published, and the plan must have a price in that currency and period ("no valid
  prices found for subscription", ee/service/subscription.go).
- `POST /v1/subscriptions/{id}/cancel`: `cancellation_type` required, one of
  immediate, end_of_period, scheduled_date (types/proration.go); a cancelled one is
  "subscription is already cancelled" (400).
- `DELETE /v1/customers/{id}`: 204; refused (400 invalid_operation) while the customer
  has a subscription that is not cancelled (ee/service/customer.go DeleteCustomer);
  a deleted customer is gone from every lookup (status archived).
"""

from __future__ import annotations

from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.providers.flexprice.sandbox.catalog import Customer
from golive_tui.providers.flexprice.sandbox.routes_common import (
    FlexpriceRoutes,
    bind_error,
    not_found,
)
from golive_tui.providers.flexprice.sandbox.subscriptions import LineItem, Subscription
from golive_tui.providers.flexprice.sandbox.values import ulid

BILLING_PERIODS = ("MONTHLY", "ANNUAL", "WEEKLY", "DAILY", "QUARTERLY", "HALF_YEARLY")
BILLING_CYCLES = ("anniversary", "calendar")
CANCELLATION_TYPES = ("immediate", "end_of_period", "scheduled_date")
INVOICE_POLICIES = ("generate_invoice", "skip")


def _invalid(message: str, **details: Any) -> HttpError:
    return HttpError(400, message, code="validation_error", details=details or None)


class LifecycleRoutes(FlexpriceRoutes):
    def create_customer(self, request: Request) -> Response:
        body = self._body(request)
        external_id = self._string(body, "external_id") or ""
        name = self._string(body, "name") or ""
        if not external_id or not name:
            field = "ExternalID" if not external_id else "Name"
            raise _invalid("Request validation failed", **{field: "is required"})
        if len(name) > 255:
            raise _invalid("Request validation failed", Name="must be at most 255 characters")
        metadata = body.get("metadata") or {}
        if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
            raise bind_error()
        if self.account.customer_by_external(external_id) is not None:
            raise HttpError(
                409, "customer with this external ID already exists", code="already_exists"
            )
        now = self.now()
        customer = Customer(
            ulid("cust", now), external_id, name, self._string(body, "email") or "", now, metadata
        )
        self.account.customers[customer.id] = customer
        return Response(201, customer.to_api(self.account))

    def create_subscription(self, request: Request) -> Response:
        body = self._body(request)
        plan_id = self._string(body, "plan_id") or ""
        currency = (self._string(body, "currency") or "").lower()
        period = self._string(body, "billing_period") or ""
        if not plan_id or len(currency) != 3 or not period:
            missing = "PlanID" if not plan_id else "Currency" if len(currency) != 3 else "Period"
            raise _invalid("Request validation failed", **{missing: "is required"})
        customer_id = self._string(body, "customer_id") or ""
        ext = self._string(body, "external_customer_id") or ""
        if not customer_id and not ext:
            raise _invalid("Please provide either customer_id or external_customer_id")
        if period not in BILLING_PERIODS:
            raise _invalid("Invalid billing period", provided_value=period)
        cycle = self._string(body, "billing_cycle") or ""
        if cycle not in BILLING_CYCLES:
            raise _invalid("Invalid billing cycle", provided_value=cycle)
        customer = (
            self.account.customers.get(customer_id)
            if customer_id
            else self.account.customer_by_external(ext)
        )
        if customer is None:
            raise not_found(f"Customer with ID {customer_id or ext} was not found")
        if customer.status != "published":
            raise _invalid("The customer must be active to create a subscription")
        plan = self.account.plans.get(plan_id)
        if plan is None:
            raise not_found(f"Plan with ID {plan_id} was not found")
        now = self.now()
        start = self._time(body, "start_date") or now
        prices = [
            p
            for p in (self.account.prices[i] for i in plan.price_ids)
            if p.currency == currency and p.billing_period == period and p.end_date is None
        ]
        if not prices:
            raise _invalid("No prices match the subscription criteria", entity_id=plan_id)
        sub = Subscription(
            ulid("subs", now),
            customer.id,
            plan.id,
            start,
            now,
            line_items=[LineItem(ulid("subs_line", now), p.id, start) for p in prices],
            currency=currency,
            billing_period=period,
            lookup_key=self._string(body, "lookup_key") or "",
        )
        self.account.subscriptions[sub.id] = sub
        return Response(201, sub.to_api(self.account, now, line_items=True))

    def cancel_subscription(self, request: Request) -> Response:
        sub = self._subscription(request.path_params["id"])
        body = self._body(request)
        kind = self._string(body, "cancellation_type") or ""
        if kind not in CANCELLATION_TYPES:
            raise _invalid(
                "Cancellation type must be immediate, end_of_period, or scheduled_date",
                allowed_values=list(CANCELLATION_TYPES),
                provided_value=kind,
            )
        # The server's JSON key is spelled so (dto/subscription.go CancelSubscriptionRequest).
        policy = self._string(body, "cancel_immediately_inovice_policy") or "skip"
        if policy not in INVOICE_POLICIES:
            raise _invalid("Invalid cancel immediately invoice policy", provided_value=policy)
        if kind == "scheduled_date" and body.get("cancel_at") is None:
            raise _invalid("Provide a cancel_at date")
        if sub.subscription_status == "cancelled":
            raise _invalid("The subscription is already cancelled", subscription_id=sub.id)
        now = self.now()
        if kind == "immediate":
            sub.subscription_status = "cancelled"
        effective = now if kind == "immediate" else sub.period(now)[1]
        return Response(
            200,
            {
                "subscription_id": sub.id,
                "cancellation_type": kind,
                "effective_date": effective.isoformat().replace("+00:00", "Z"),
                "status": sub.subscription_status,
                "reason": self._string(body, "reason") or "",
                "proration_details": [],
                "total_credit_amount": "0",
                "message": "subscription cancelled",
                "processed_at": now.isoformat().replace("+00:00", "Z"),
            },
        )

    def delete_customer(self, request: Request) -> Response:
        cid = request.path_params["id"]
        c = self.account.customers.get(cid)
        if c is None or c.status != "published":
            raise not_found("Customer does not exist")
        live = [
            s for s in self.account.subscriptions_of(c.id) if s.subscription_status != "cancelled"
        ]
        if live:
            raise HttpError(
                400,
                "Please cancel all subscriptions before deleting the customer",
                code="invalid_operation",
            )
        c.status = "archived"
        return Response(204, None)
