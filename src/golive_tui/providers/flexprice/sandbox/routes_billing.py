"""The Flexprice sandbox's billing routes: subscriptions (ref §7) and invoices
(ref §8: preview, search, get, finalize), computed live from attributed usage."""

from __future__ import annotations

from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.providers.flexprice.sandbox.records import Invoice
from golive_tui.providers.flexprice.sandbox.routes_common import (
    SUBSCRIPTION,
    FlexpriceRoutes,
    bind_error,
    not_found,
    validate_expand,
)


class BillingRoutes(FlexpriceRoutes):
    # --- subscriptions (ref §7) ---

    def search_subscriptions(self, request: Request) -> Response:
        body = self._body(request, optional=True)
        limit, offset = self._window(body.get("limit"), body.get("offset"))
        expand = self._expand(body.get("expand"))
        validate_expand(expand, SUBSCRIPTION)  # subscription.go ListSubscriptions
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
        # internal/ee/service/subscription.go GetSubscription: line items with their price
        # (expired ones too), the plan and the customer, whatever `expand` says.
        sub = self._subscription(request.path_params["id"])
        body = sub.to_api(
            self.account, self.now(), line_items=True, prices=True, plan=True, customer=True
        )
        return Response(200, body)

    # --- invoices (ref §8) ---

    def preview_invoice(self, request: Request) -> Response:
        body = self._body(request)
        sub_id = self._string(body, "subscription_id")
        if not sub_id:
            raise bind_error()
        hide = body.get("hide_zero_charges_line_items")
        if hide is not None and not isinstance(hide, bool):
            raise bind_error()
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
            raise not_found(f"Invoice with ID {invoice_id} was not found")
        return inv

    def get_invoice(self, request: Request) -> Response:
        return Response(200, self._invoice_api(self._invoice(request.path_params["id"])))

    def finalize_invoice(self, request: Request) -> Response:
        inv = self._invoice(request.path_params["id"])
        if inv.status != "DRAFT":
            raise HttpError(400, "invoice must be in draft status to be finalized")
        self.account.finalize(inv, self.now())
        return Response(200, {"message": "invoice finalized successfully"})
