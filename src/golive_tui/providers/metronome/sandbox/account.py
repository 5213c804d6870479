"""The Metronome sandbox's account: every object it holds, which events a metric
bills, and the usage invoices computed live from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from golive_tui.providers.metronome.sandbox.catalog import Metric, Product, RateCard
from golive_tui.providers.metronome.sandbox.invoicing import trueup_invoice, usage_invoice
from golive_tui.providers.metronome.sandbox.records import Alert, Contract, Customer, Event
from golive_tui.providers.metronome.sandbox.values import add_months


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
        self,
        contract: Contract,
        start: datetime,
        end: datetime,
        now: datetime,
        balances: dict[str, Decimal] | None = None,
    ) -> dict[str, Any]:
        """The contract's usage invoice for one period (sandbox/invoicing.py)."""
        return usage_invoice(self, contract, start, end, now, {} if balances is None else balances)

    def invoices(self, customer_id: str, now: datetime) -> list[dict[str, Any]]:
        """Every usage invoice of the customer, oldest period first."""
        out = []
        for contract in self.contracts_of(customer_id):
            if contract.archived_at is not None:
                continue
            balances: dict[str, Decimal] = {}  # commits and credits carry over periods
            for start, end in self.periods(contract, now):
                out.append(self.invoice(contract, start, end, now, balances))
            for commit in contract.commits:
                if commit.type == "POSTPAID" and commit.access_start <= now:
                    out.append(trueup_invoice(contract, commit, now, balances))
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
