"""The Metronome sandbox's contract pricing routes: a contract's rate schedule and the
write-free invoice preview.

- `POST /v1/contracts/getContractRateSchedule` (`#S/GetContractRateSchedulePayload`,
  query `limit`/`next_page`): the contract's entitled rates at `at` (default now),
  `list_rate` plus `override_rate` where an override applies and `commit_rate`;
  `selectors` match ANY, each field of a selector must hold.
- `POST /v1/customers/{customer_id}/previewEvents` (`#S/PreviewEventsPayload`): one
  DRAFT usage invoice per contract covering now, as if the events were billed
  (`replace`: only them; `merge`: with the customer's usage). Nothing is stored.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.providers.metronome.sandbox.contracts import ScheduleRow, rate_schedule
from golive_tui.providers.metronome.sandbox.records import Event
from golive_tui.providers.metronome.sandbox.routes_common import MetronomeRoutes
from golive_tui.providers.metronome.sandbox.values import is_uuid, iso, parse_time, sid

_FREQUENCIES = ("MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY")


def _selected(row: ScheduleRow, selector: dict[str, Any]) -> bool:
    rate = row.list_rate
    groups = rate.pricing_group_values or {}
    if "product_id" in selector and selector["product_id"] != row.product.id:
        return False
    tags = selector.get("product_tags")
    if tags and not set(tags) & set(row.product.tags):
        return False
    exact = selector.get("pricing_group_values")
    if exact is not None and groups != exact:
        return False
    partial = selector.get("partial_pricing_group_values") or {}
    if any(groups.get(k) != v for k, v in partial.items()):
        return False
    freq = selector.get("billing_frequency")
    return freq is None or str(freq).upper() == (rate.billing_frequency or "")


class PricingRoutes(MetronomeRoutes):
    def contract_rate_schedule(self, request: Request) -> Response:
        body = self._body(request)
        c = self._customer(body.get("customer_id"))
        contract_id = body.get("contract_id")
        if not is_uuid(contract_id):
            raise HttpError(400, "contract_id: required, a contract uuid")
        contract = self.account.contracts.get(str(contract_id))
        if contract is None or contract.customer_id != c.id:
            raise HttpError(404, f"contract {contract_id} not found for customer {c.id}")
        at = self._time(body.get("at"), "at", required=False) or self.now()
        selectors = body.get("selectors") or []
        if not isinstance(selectors, list) or not all(isinstance(s, dict) for s in selectors):
            raise HttpError(400, "selectors: must be a list of objects")
        for s in selectors:
            freq = s.get("billing_frequency")
            if freq is not None and str(freq).upper() not in _FREQUENCIES:
                raise HttpError(
                    400, "selectors.billing_frequency: MONTHLY, QUARTERLY, ANNUAL or WEEKLY"
                )
        card = self.account.rate_cards.get(contract.rate_card_id)
        rows = rate_schedule(card, self.account.products, contract.overrides, at)
        if selectors:
            rows = [r for r in rows if any(_selected(r, s) for s in selectors)]
        items = [r.to_api(contract.rate_card_id) for r in rows]
        return Response(200, self._page(request, items))

    def preview_events(self, request: Request) -> Response:
        c = self._customer(request.path_params["customer_id"])
        body = self._body(request)
        mode = body.get("mode", "replace")
        if mode not in ("replace", "merge"):
            raise HttpError(400, "mode must be replace or merge")
        raw = body.get("events")
        if not isinstance(raw, list) or not 1 <= len(raw) <= 100:
            raise HttpError(400, "events: required, 1 to 100 events")
        now = self.now()
        seen: set[str] = set()
        events = []
        for i, e in enumerate(raw):
            where = f"events[{i}]"
            if (
                not isinstance(e, dict)
                or not isinstance(e.get("event_type"), str)
                or not e["event_type"]
            ):
                raise HttpError(400, f"{where}.event_type: required, a non-empty string")
            ts = now if e.get("timestamp") is None else parse_time(e["timestamp"])
            if ts is None:
                raise HttpError(400, f"{where}.timestamp: not an RFC 3339 date-time")
            tid = e.get("transaction_id") or sid("preview", str(i), str(now))
            if tid in seen:
                raise HttpError(400, f"{where}.transaction_id: duplicate within the request")
            seen.add(tid)
            props = e.get("properties") or {}
            if not isinstance(props, dict):
                raise HttpError(400, f"{where}.properties: must be a JSON object")
            # Deduplicated against the customer's recent events, as the spec says.
            dup = tid in self.account.first_seen
            events.append(
                Event(
                    sid("preview-event", tid),
                    tid,
                    c.id,
                    e["event_type"],
                    ts,
                    dict(props),
                    now,
                    now,
                    dup,
                )
            )
        kept = self.account.events if mode == "merge" else []
        view = replace(self.account, events=[*kept, *events])
        drafts = [
            inv
            for inv in view.invoices(c.id, now)
            if inv["type"] == "USAGE"
            and inv["status"] == "DRAFT"
            and inv["start_timestamp"] <= iso(now) < inv["end_timestamp"]
        ]
        if self._flag_body(body, "skip_zero_qty_line_items"):
            drafts = [
                {**inv, "line_items": [li for li in inv["line_items"] if li.get("quantity") != 0]}
                for inv in drafts
            ]
        return Response(200, {"data": drafts})

    def _flag_body(self, body: dict[str, Any], name: str) -> bool:
        value = body.get(name, False)
        if not isinstance(value, bool):
            raise HttpError(400, f"{name} must be true or false")
        return value
