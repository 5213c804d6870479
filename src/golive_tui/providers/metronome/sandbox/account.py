"""The Metronome sandbox's account: every object it holds, which events a metric
bills, and the usage invoices computed live from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from golive_tui.providers.metronome.sandbox.catalog import Metric, Product, RateCard
from golive_tui.providers.metronome.sandbox.records import Alert, Contract, Customer, Event
from golive_tui.providers.metronome.sandbox.values import (
    GRACE_PERIOD,
    USD_CENTS,
    add_months,
    iso,
    sid,
)


@dataclass
class Account:
    customers: dict[str, Customer] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    rate_cards: dict[str, RateCard] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)
    alerts: dict[str, Alert] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    first_seen: dict[str, datetime] = field(default_factory=dict)  # transaction_id → accepted
    first_tier_only: bool = False  # the `wrong-tier-math` fault

    def customer_for(self, ref: str) -> Customer | None:
        """The customer an event's `customer_id` resolves to: its id or an ingest alias."""
        c = self.customers.get(ref)
        if c is not None and c.archived_at is None:
            return c
        for c in self.customers.values():
            if c.archived_at is None and ref in c.ingest_aliases:
                return c
        return None

    def contracts_of(self, customer_id: str) -> list[Contract]:
        return sorted(
            (c for c in self.contracts.values() if c.customer_id == customer_id),
            key=lambda c: c.starting_at,
        )

    def billed_events(
        self,
        customer_id: str,
        metric: Metric,
        start: datetime,
        end: datetime,
        now: datetime,
        *,
        processed_before: datetime | None = None,
        where: dict[str, list[str]] | None = None,
    ) -> list[Event]:
        """Processed, non-duplicate events of the customer that the metric counts."""
        out = []
        for e in self.events:
            if e.is_duplicate or e.processed_at > now:
                continue
            if processed_before is not None and e.processed_at >= processed_before:
                continue
            if not start <= e.timestamp < end:
                continue
            c = self.customer_for(e.customer_id)
            if c is None or c.id != customer_id or not metric.matches(e):
                continue
            if where and any(str(e.properties.get(k)) not in v for k, v in where.items()):
                continue
            out.append(e)
        return out

    # --- invoices ---

    def periods(self, contract: Contract, now: datetime) -> list[tuple[datetime, datetime]]:
        """Monthly usage periods from the contract's start up to the one covering now."""
        out = []
        start = contract.starting_at
        while start <= now and (contract.ending_before is None or start < contract.ending_before):
            end = add_months(start, 1)
            if contract.ending_before is not None:
                end = min(end, contract.ending_before)
            out.append((start, end))
            start = end
        return out

    def invoice(
        self, contract: Contract, start: datetime, end: datetime, now: datetime
    ) -> dict[str, Any]:
        final = now >= end + GRACE_PERIOD
        cutoff = end + GRACE_PERIOD if final else None
        card = self.rate_cards.get(contract.rate_card_id)
        lines: list[dict[str, Any]] = []
        for rate in card.rates if card else []:
            if not rate.active(start):
                continue
            product = self.products.get(rate.product_id)
            if product is None:
                continue
            line: dict[str, Any] = {
                "name": product.name,
                "product_id": product.id,
                "credit_type": dict(USD_CENTS),
                "starting_at": iso(start),
                "ending_before": iso(end),
                "list_price": rate.rate_api(),
                "is_prorated": False,
                "custom_fields": {},
            }
            if product.type == "USAGE":
                metric = self.metrics.get(product.billable_metric_id or "")
                if metric is None:
                    continue
                events = self.billed_events(
                    contract.customer_id, metric, start, end, now, processed_before=cutoff
                )
                qty = metric.aggregate(events) or Decimal(0)
                total = rate.amount(qty, first_tier_only=self.first_tier_only)
                line.update(type="usage", product_type="UsageProductListItem")
            elif product.type == "SUBSCRIPTION":
                qty = rate.quantity or Decimal(1)
                total = rate.amount(qty)
                line.update(type="subscription", product_type="SubscriptionProductListItem")
            else:
                continue
            line["quantity"] = qty
            line["total"] = total
            if rate.price is not None:
                line["unit_price"] = rate.price
            lines.append(line)
        out: dict[str, Any] = {
            "id": sid("invoice", contract.id, iso(start)),
            "customer_id": contract.customer_id,
            "credit_type": dict(USD_CENTS),
            "line_items": lines,
            "status": "FINALIZED" if final else "DRAFT",
            "total": sum((li["total"] for li in lines), Decimal(0)),
            "type": "USAGE",
            "start_timestamp": iso(start),
            "end_timestamp": iso(end),
            "contract_id": contract.id,
            "created_at": iso(start),
            "net_payment_terms_days": 30,
            "custom_fields": {},
        }
        if final:
            out["issued_at"] = iso(end + GRACE_PERIOD)
        return out

    def invoices(self, customer_id: str, now: datetime) -> list[dict[str, Any]]:
        """Every usage invoice of the customer, oldest period first."""
        out = []
        for contract in self.contracts_of(customer_id):
            if contract.archived_at is not None:
                continue
            for start, end in self.periods(contract, now):
                out.append(self.invoice(contract, start, end, now))
        out.sort(key=lambda inv: str(inv["start_timestamp"]))
        return out

    def current_spend(self, customer_id: str, now: datetime) -> Decimal:
        return sum(
            (
                Decimal(inv["total"])
                for inv in self.invoices(customer_id, now)
                if inv["status"] == "DRAFT"
            ),
            Decimal(0),
        )
