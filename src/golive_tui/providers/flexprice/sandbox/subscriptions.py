"""The Flexprice sandbox's subscriptions: their line items and calendar-aligned
monthly billing periods."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from golive_tui.core.sandbox.dates import add_months, iso, month_start
from golive_tui.providers.flexprice.sandbox.values import audit, decimal_text

if TYPE_CHECKING:
    from golive_tui.providers.flexprice.sandbox.account import Account


@dataclass
class LineItem:
    id: str
    price_id: str
    start_date: datetime
    quantity: Decimal = Decimal(1)
    end_date: datetime | None = None  # set by a plan sync once its price has ended

    def ended_by(self, at: datetime) -> bool:
        return self.end_date is not None and self.end_date <= at


@dataclass
class Subscription:
    id: str
    customer_id: str
    plan_id: str
    start_date: datetime
    created_at: datetime
    line_items: list[LineItem] = field(default_factory=list)
    subscription_status: str = "active"
    currency: str = "usd"
    billing_period: str = "MONTHLY"
    collection_method: str = "charge_automatically"
    payment_behavior: str = "default_active"
    lookup_key: str = ""
    commitment_amount: Decimal | None = None  # subscription.go: with overage_factor > 1
    overage_factor: Decimal | None = None

    def items_in_force(self, at: datetime) -> list[LineItem]:
        """The line items that bill at `at` (the sandbox bills them for the whole period)."""
        return [li for li in self.line_items if not li.ended_by(at)]

    def period(self, at: datetime) -> tuple[datetime, datetime]:
        """The monthly, calendar-aligned billing period holding `at`."""
        start = max(month_start(at), month_start(self.start_date))
        return start, add_months(start, 1)

    def line_item_api(
        self,
        account: Account,
        item: LineItem,
        *,
        expand_meter: bool = False,
        with_price: bool = False,
    ) -> dict[str, Any]:
        price = account.prices[item.price_id]
        plan = account.plans[self.plan_id]
        out: dict[str, Any] = {
            "id": item.id,
            "subscription_id": self.id,
            "customer_id": self.customer_id,
            "entity_id": self.plan_id,
            "entity_type": "plan",
            "plan_display_name": plan.name,
            "price_id": price.id,
            "price_type": price.type,
            "display_name": price.display_name,
            "quantity": decimal_text(item.quantity),
            "currency": self.currency,
            "billing_period": self.billing_period,
            "billing_period_count": 1,
            "invoice_cadence": price.invoice_cadence,
            "start_date": iso(item.start_date),
            **({"end_date": iso(item.end_date)} if item.end_date is not None else {}),
            "metadata": {},
            "status": "published",
            **audit(account, self.created_at),
        }
        if price.meter_id:
            meter = account.meters[price.meter_id]
            out["meter_id"] = meter.id
            out["meter_display_name"] = meter.name
            if expand_meter:
                out["meter"] = meter.to_api(account)
        if with_price:  # GET /v1/subscriptions/{id} embeds each line item's price
            out["price"] = price.to_api(account)
        return out

    def to_api(
        self,
        account: Account,
        now: datetime,
        *,
        line_items: bool = False,
        meters: bool = False,
        plan: bool = False,
        customer: bool = False,
        prices: bool = False,
    ) -> dict[str, Any]:
        start, end = self.period(now)
        out: dict[str, Any] = {
            "id": self.id,
            "customer_id": self.customer_id,
            "plan_id": self.plan_id,
            "subscription_status": self.subscription_status,
            "subscription_type": "standalone",
            "currency": self.currency,
            "billing_anchor": iso(month_start(self.start_date)),
            "billing_cadence": "RECURRING",
            "billing_cycle": "calendar",
            "billing_period": self.billing_period,
            "billing_period_count": 1,
            "start_date": iso(self.start_date),
            "current_period_start": iso(start),
            "current_period_end": iso(end),
            "cancel_at_period_end": False,
            "collection_method": self.collection_method,
            "payment_behavior": self.payment_behavior,
            "lookup_key": self.lookup_key,
            "pause_status": "none",
            **(
                {
                    "commitment_amount": decimal_text(self.commitment_amount),
                    "overage_factor": decimal_text(self.overage_factor or Decimal(1)),
                }
                if self.commitment_amount is not None
                else {}
            ),
            "timezone": "UTC",
            "version": 1,
            "metadata": {},
            "status": "published",
            **audit(account, self.created_at),
        }
        if line_items or meters or prices:
            out["line_items"] = [
                self.line_item_api(account, li, expand_meter=meters, with_price=prices)
                for li in self.line_items
            ]
        if plan:
            out["plan"] = account.plans[self.plan_id].to_api(account, with_prices=True)
        if customer and self.customer_id in account.customers:
            out["customer"] = account.customers[self.customer_id].to_api(account)
        return out
