"""`golive cleanup` on Flexprice: cancel the subscription golive created, then delete
its customer.

From flexprice/flexprice:
- `POST /v1/subscriptions/{id}/cancel` (internal/api/v1/subscription.go; body
  dto/subscription.go CancelSubscriptionRequest): `cancellation_type` is required
  (immediate | end_of_period | scheduled_date, types/proration.go). golive cancels
  immediately with no final invoice: `cancel_immediately_inovice_policy: skip` (the
  server's own spelling of the key; skip is also its default).
- `DELETE /v1/customers/{id}` answers 204; the server refuses it while the customer
  has a subscription that is not cancelled ("Please cancel all subscriptions before
  deleting the customer", ee/service/customer.go DeleteCustomer), so the subscription
  goes first.
- Usage events cannot be deleted: no endpoint removes an ingested event.
"""

from __future__ import annotations

from golive_tui.core.probes.http import ApiClient, ApiError
from golive_tui.core.state import CreatedObject, Target


class FlexpriceCleaner:
    after_customer_removed = (
        "golive cancelled its subscription without a final invoice, so they do not bill"
    )

    def action(self, obj: CreatedObject) -> tuple[str, str]:
        if obj.kind == "subscription":
            return "cancel", f"POST /v1/subscriptions/{obj.id}/cancel, immediately, no invoice"
        if obj.kind == "customer":
            return "delete", f"DELETE /v1/customers/{obj.id}"
        if obj.kind == "usage-event":
            return "", "Flexprice has no endpoint that deletes an ingested event"
        return "", f"golive does not know how to remove a Flexprice {obj.kind}"

    async def remove(self, api: ApiClient, target: Target, obj: CreatedObject) -> str:
        if obj.kind == "subscription":
            try:
                await api.request(
                    "POST",
                    f"/v1/subscriptions/{obj.id}/cancel",
                    json_body={
                        "cancellation_type": "immediate",
                        "cancel_immediately_inovice_policy": "skip",
                        "reason": "golive cleanup: a test subscription",
                    },
                    idempotent=False,
                    expect="object",
                )
            except ApiError as exc:
                # "subscription is already cancelled" (400): someone cancelled it first.
                if exc.status != 400 or not await self._cancelled(api, obj.id):
                    raise
            return "cancelled"
        try:
            await api.request("DELETE", f"/v1/customers/{obj.id}", ok=(204,), expect="any")
        except ApiError as exc:
            # Gone already: Flexprice's own e2e janitor counts a 404 here as done
            # (internal/ee/e2eprobe/checks/janitor.go isNotFound).
            if exc.status != 404:
                raise
        return "deleted"

    async def _cancelled(self, api: ApiClient, subscription_id: str) -> bool:
        resp = await api.request(
            "GET", f"/v1/subscriptions/{subscription_id}", expect="object", keys=("id",)
        )
        return bool(resp.body.get("subscription_status") == "cancelled")

    async def draft_invoice(self, api: ApiClient, target: Target, customer: str) -> str:
        resp = await api.request(
            "POST",
            "/v1/invoices/search",
            json_body={
                "external_customer_id": customer,
                "invoice_status": ["DRAFT"],
                "skip_line_items": True,
                "limit": 10,
            },
            keys=("items",),
        )
        drafts = [i for i in resp.body["items"] if isinstance(i, dict) and i.get("id")]
        return str(drafts[0]["id"]) if drafts else ""


CLEANER = FlexpriceCleaner()
