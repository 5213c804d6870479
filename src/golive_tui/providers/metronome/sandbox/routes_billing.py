"""The Metronome sandbox's billing routes: the customer's invoices (computed live
from usage) and its alerts, with spend thresholds checked against the draft."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.providers.metronome.sandbox.routes_common import MetronomeRoutes
from golive_tui.providers.metronome.sandbox.values import is_uuid, iso


class BillingRoutes(MetronomeRoutes):
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


def _skip_zero(invoice: dict[str, Any]) -> dict[str, Any]:
    return {
        **invoice,
        "line_items": [li for li in invoice["line_items"] if li.get("quantity") != 0],
    }
