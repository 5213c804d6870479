"""The Flexprice sandbox's account: every object it holds, the events table with
ReplacingMergeTree-style duplicates, the event debugger and the invoice maths.

Money and quantities are `Decimal` throughout and leave as decimal strings, as
Flexprice sends them (ref §n: `shared/reference/flexprice-api.md`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from golive_tui.core.sandbox.dates import iso
from golive_tui.providers.flexprice.sandbox.catalog import Customer, Feature, Meter, Plan
from golive_tui.providers.flexprice.sandbox.charges import Part, usage_parts
from golive_tui.providers.flexprice.sandbox.pricing import Price
from golive_tui.providers.flexprice.sandbox.records import Event, Invoice
from golive_tui.providers.flexprice.sandbox.subscriptions import Subscription
from golive_tui.providers.flexprice.sandbox.values import (
    CENT,
    CREATED_BY,
    ENVIRONMENT_ID,
    TENANT_ID,
    decimal_text,
    error_obj,
    fid,
)


@dataclass
class Account:
    tenant_id: str = TENANT_ID
    environment_id: str = ENVIRONMENT_ID
    environment_name: str = "Sandbox"
    environment_type: str = "development"  # the key's environment (GET /v1/environments/{id})
    merge_delay: float = 0.5  # seconds until an exact repeat collapses
    collapse_duplicates: bool = True
    swap_tier_modes: bool = False
    meters: dict[str, Meter] = field(default_factory=dict)
    features: dict[str, Feature] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    prices: dict[str, Price] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    settings: dict[str, tuple[str, dict[str, Any], datetime]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    # (customer id, meter id) → usage_limit (None: unlimited), billing-period reset
    entitlements: dict[tuple[str, str], int | None] = field(default_factory=dict)

    # --- lookups ---

    def customer_by_external(self, external_id: str) -> Customer | None:
        for c in self.customers.values():
            if c.external_id == external_id and c.status == "published":
                return c
        return None

    def subscriptions_of(self, customer_id: str) -> list[Subscription]:
        return [s for s in self.subscriptions.values() if s.customer_id == customer_id]

    def feature_for_meter(self, meter_id: str) -> Feature | None:
        return next((f for f in self.features.values() if f.meter_id == meter_id), None)

    # --- the events table (ClickHouse ReplacingMergeTree, ref §3d) ---

    def stored_events(self, now: datetime, *, billed: bool = False) -> list[Event]:
        """Rows a read sees now: processed rows, with exact repeats (same id and timestamp)
        collapsed once `merge_delay` has passed since the latest repeat. `billed`: only
        rows the meter_usage consumer has counted (what invoices read)."""
        groups: dict[tuple[str, datetime], list[Event]] = {}
        for e in self.events:
            if e.visible_at <= now and (not billed or e.billed_by(now)):
                groups.setdefault((e.id, e.timestamp), []).append(e)
        merge = timedelta(seconds=self.merge_delay)
        out: list[Event] = []
        for rows in groups.values():
            latest = max(rows, key=lambda r: r.ingested_at)
            # Billing reads meter_usage with FINAL (billing.go, UseFinal): repeats
            # collapse at once there; plain reads wait for the background merge.
            if self.collapse_duplicates and (billed or now >= latest.ingested_at + merge):
                out.append(latest)
            else:
                out.extend(rows)
        return out

    def matching_meters(self, event: Event) -> tuple[list[Meter], list[Meter]]:
        """(meters with this event_name, those whose filters also match)."""
        named = [m for m in self.meters.values() if m.name_matches(event.event_name)]
        return named, [m for m in named if m.filters_match(event.properties)]

    def usage(
        self,
        customer: Customer,
        meter: Meter,
        start: datetime,
        end: datetime,
        now: datetime,
        *,
        events: Iterable[Event] | None = None,
    ) -> Decimal:
        rows = [
            e
            for e in (self.stored_events(now) if events is None else events)
            if e.external_customer_id == customer.external_id
            and start <= e.timestamp < end
            and meter.name_matches(e.event_name)
            and meter.filters_match(e.properties)
        ]
        return meter.aggregate(rows)

    # --- the event debugger (ref §3c) ---

    def debug(self, event: Event, now: datetime) -> dict[str, Any]:
        """GetEventByIDResponse for a stored event: processed, or failed with a tracker."""
        tracker: dict[str, Any] = {
            step: {"status": "unprocessed"}
            for step in (
                "customer_lookup",
                "meter_matching",
                "price_lookup",
                "subscription_line_item_lookup",
                "attributed_to_customer",
            )
        }

        def fail(step: str, point: str, message: str) -> dict[str, Any]:
            err = error_obj("not_found", message, 404)
            tracker[step] = {"status": "not_found", "error": err}
            tracker["failure_point"] = {"failure_point_type": point, "error": err}
            return {
                "event": event.to_api(self),
                "status": "failed",
                "processed_events": [],
                "debug_tracker": tracker,
            }

        customer = self.customer_by_external(event.external_customer_id)
        if customer is None:
            return fail(
                "customer_lookup",
                "customer_lookup",
                f"Customer not found for external_customer_id: {event.external_customer_id}",
            )
        tracker["customer_lookup"] = {"status": "found", "customer": customer.to_api(self)}

        named, meters = self.matching_meters(event)
        if not meters:
            message = f"No meters found matching event_name: {event.event_name}"
            if named:  # sandbox wording: the name matched, a filter did not
                message += " (a meter has this event_name, but its filters exclude the event)"
            return fail("meter_matching", "meter_lookup", message)
        tracker["meter_matching"] = {
            "status": "found",
            "matched_meters": [
                {"meter_id": m.id, "event_name": m.event_name, "meter": m.to_api(self)}
                for m in meters
            ],
        }

        meter_ids = {m.id for m in meters}
        prices = [p for p in self.prices.values() if p.meter_id in meter_ids]
        if not prices:
            return fail("price_lookup", "price_lookup", "No prices found for matched meters")
        tracker["price_lookup"] = {
            "status": "found",
            "matched_prices": [
                {"price_id": p.id, "meter_id": p.meter_id, "status": "published"} for p in prices
            ],
        }

        price_ids = {p.id for p in prices}
        items = [
            (s, li)
            for s in self.subscriptions_of(customer.id)
            if s.subscription_status in ("active", "trialing")
            for li in s.line_items
            if li.price_id in price_ids and not li.ended_by(event.timestamp)
        ]
        if not items:
            return fail(
                "subscription_line_item_lookup",
                "subscription_line_item_lookup",
                "No subscription line items found for matched prices",
            )
        active = [(s, li) for s, li in items if li.start_date <= event.timestamp]
        matched = [
            {
                "sub_line_item_id": li.id,
                "subscription_id": s.id,
                "price_id": li.price_id,
                "start_date": iso(li.start_date),
                "is_active_for_event": li.start_date <= event.timestamp,
                "timestamp_within_range": li.start_date <= event.timestamp,
            }
            for s, li in items
        ]
        if not active:
            tracker["subscription_line_item_lookup"] = {"matched_line_items": matched}
            return fail(
                "subscription_line_item_lookup",
                "subscription_line_item_lookup",
                f"Found {len(items)} subscription line item(s) but none are active for event"
                f" timestamp {iso(event.timestamp)}",
            )

        processed = []
        for s, li in active:
            price = self.prices[li.price_id]
            meter = self.meters[str(price.meter_id)]
            feature = self.feature_for_meter(meter.id)
            processed.append(
                {
                    "subscription_id": s.id,
                    "sub_line_item_id": li.id,
                    "price_id": price.id,
                    "meter_id": meter.id,
                    "feature_id": feature.id if feature else "",
                    "customer_id": customer.id,
                    "qty_total": decimal_text(meter.quantity(event.properties)),
                    "processed_at": iso(event.visible_at),
                }
            )
        if not event.billed_by(now):
            # meter_usage_event_debug.go: every step found, no meter_usage row yet
            tracker["attributed_to_customer"] = {"status": "processing"}
            tracker.setdefault("failure_point", None)
            return {"event": event.to_api(self), "status": "processing", "debug_tracker": tracker}
        # ref §3c: the debug tracker is only there when the event is not (fully) processed
        return {"event": event.to_api(self), "status": "processed", "processed_events": processed}

    # --- invoices (ref §8) ---

    def invoice_body(
        self,
        sub: Subscription,
        start: datetime,
        end: datetime,
        now: datetime,
        *,
        invoice: Invoice | None = None,
        hide_zero: bool = False,
        skip_line_items: bool = False,
    ) -> dict[str, Any]:
        """An InvoiceResponse computed live from the attributed usage of [start, end)."""
        if invoice is not None and invoice.snapshot is not None:
            frozen = dict(invoice.snapshot)
            if skip_line_items:
                frozen.pop("line_items", None)
            return frozen
        customer = self.customers.get(sub.customer_id)
        plan = self.plans[sub.plan_id]
        rows = self.stored_events(now, billed=True)
        in_force = sub.items_in_force(now)
        usage = [
            (li, self.prices[li.price_id])
            for li in in_force
            if self.prices[li.price_id].type == "USAGE" and self.prices[li.price_id].meter_id
        ]
        raw = [
            (
                price,
                self.usage(customer, self.meters[str(price.meter_id)], start, end, now, events=rows)
                if customer is not None
                else Decimal(0),
            )
            for _, price in usage
        ]
        limits = [
            (key in self.entitlements, self.entitlements.get(key))
            for key in ((sub.customer_id, str(p.meter_id)) for _, p in usage)
        ]
        billed = usage_parts(
            raw,
            commitment=sub.commitment_amount,
            factor=sub.overage_factor,
            limits=limits,
            swap_tier_modes=self.swap_tier_modes,
        )
        parts_of = {li.id: parts for (li, _), parts in zip(usage, billed, strict=True)}
        lines: list[dict[str, Any]] = []
        for li in in_force:
            price = self.prices[li.price_id]
            base: dict[str, Any] = {
                "price_id": price.id,
                "price_type": price.type,
                "subscription_id": sub.id,
                "subscription_line_item_id": li.id,
                "customer_id": sub.customer_id,
                "entity_id": plan.id,
                "entity_type": "plan",
                "plan_display_name": plan.name,
                "display_name": price.display_name,
                "currency": sub.currency,
                "period_start": iso(start),
                "period_end": iso(end),
                "metadata": {},
                "status": "published",
            }
            if li.id in parts_of:
                meter = self.meters[str(price.meter_id)]
                base.update(meter_id=meter.id, meter_display_name=meter.name)
                parts = parts_of[li.id]
            else:
                qty = li.quantity
                amount = (price.amount * qty).quantize(CENT, rounding=ROUND_HALF_UP)
                parts = [Part(qty, amount)]
            for n, part in enumerate(parts):
                if hide_zero and part.amount == 0:
                    continue
                line = {**base, "metadata": dict(part.metadata)}
                if part.overage:
                    line["display_name"] = f"{price.display_name} (Overage)"
                line.update(quantity=decimal_text(part.quantity), amount=decimal_text(part.amount))
                if part.adjusted is not None:
                    line["adjusted_entitlement_quantity"] = decimal_text(part.adjusted)
                if invoice is not None:
                    line["id"] = fid("inv_line", invoice.id, li.id, *(["overage"] if n else []))
                    line["invoice_id"] = invoice.id
                lines.append(line)
        subtotal = sum((Decimal(x["amount"]) for x in lines), Decimal(0))
        status = invoice.status if invoice else "DRAFT"
        body: dict[str, Any] = {
            "customer_id": sub.customer_id,
            "subscription_id": sub.id,
            "invoice_type": "SUBSCRIPTION",
            "invoice_status": status,
            "payment_status": invoice.payment_status if invoice else "PENDING",
            "billing_reason": "SUBSCRIPTION_CYCLE",
            "billing_period": sub.billing_period,
            "currency": sub.currency,
            "subtotal": decimal_text(subtotal),
            "total_discount": "0",
            "total_tax": "0",
            "total_prepaid_credits_applied": "0",
            "adjustment_amount": "0",
            "total": decimal_text(subtotal),
            "amount_due": decimal_text(subtotal),
            "amount_paid": "0",
            "amount_remaining": decimal_text(subtotal),
            "period_start": iso(start),
            "period_end": iso(end),
            "due_date": iso(end + timedelta(days=1)),
            "metadata": {},
            "status": "published",
            "tenant_id": self.tenant_id,
            "environment_id": self.environment_id,
            "version": 1,
        }
        if not skip_line_items:
            body["line_items"] = lines
        if invoice is not None:
            body.update(
                id=invoice.id,
                invoice_number=invoice.number,
                created_at=iso(invoice.created_at),
                updated_at=iso(invoice.finalized_at or invoice.created_at),
                last_computed_at=iso(now),
                created_by=CREATED_BY,
                updated_by=CREATED_BY,
            )
            if invoice.finalized_at is not None:
                body["finalized_at"] = iso(invoice.finalized_at)
                body["issue_date"] = iso(invoice.finalized_at)
        return body

    def finalize(self, invoice: Invoice, now: datetime) -> None:
        sub = self.subscriptions[invoice.subscription_id]
        invoice.status = "FINALIZED"
        invoice.finalized_at = now
        invoice.snapshot = self.invoice_body(
            sub, invoice.period_start, invoice.period_end, now, invoice=invoice
        )
