"""The Metronome sandbox's account: objects, event matching, usage and invoice maths.

Money and quantities are `Decimal` throughout. Shapes follow the official spec
(`shared/specs/metronome-openapi.json`); facts follow `shared/reference/metronome-api.md`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

NAMESPACE = uuid.UUID("6f1d6c3e-5b0a-4c1e-9d55-6a7c0e3b9a10")  # the sandbox's uuid5 namespace
USD_CENTS_ID = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
USD_CENTS = {"id": USD_CENTS_ID, "name": "USD (cents)"}
DEDUP_WINDOW = timedelta(days=34)
BACKDATE_LIMIT = timedelta(days=34)
FUTURE_LIMIT = timedelta(hours=24)
GRACE_PERIOD = timedelta(hours=24)  # draft → finalized after the period ends
CREATED_BY = "golive sandbox seed"
WEBHOOK_IPS = (
    "52.39.198.29",
    "44.241.254.184",
    "52.42.224.184",
    "52.89.217.131",
    "44.231.139.128",
    "54.245.125.92",
    "3.134.178.31",
    "3.12.62.53",
    "3.140.90.67",
    "3.142.231.113",
    "3.131.206.70",
    "3.132.225.181",
)

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$"
)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def sid(*parts: str) -> str:
    """A deterministic uuid for a named sandbox object."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 date-time with a 4-digit year, as UTC; None when malformed."""
    if not isinstance(value, str):
        return None
    m = _RFC3339.match(value)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        t = datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(s), int((frac or "0").ljust(6, "0")[:6])
        )
    except ValueError:
        return None
    if tz in ("Z", "z"):
        return t.replace(tzinfo=UTC)
    sign = 1 if tz[0] == "+" else -1
    offset = timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])) * sign
    return (t - offset).replace(tzinfo=UTC)


def iso(t: datetime) -> str:
    t = t.astimezone(UTC)
    if t.microsecond:
        return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{t.microsecond // 1000:03d}Z"
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def month_start(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(t: datetime, n: int) -> datetime:
    total = t.year * 12 + (t.month - 1) + n
    return t.replace(year=total // 12, month=total % 12 + 1)


def decimal_or_none(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


# --- objects ---------------------------------------------------------------------------


@dataclass
class Metric:
    id: str
    name: str
    aggregation_type: str  # COUNT | SUM | MAX | UNIQUE | LATEST
    aggregation_key: str | None
    event_types: list[str]
    property_filters: list[dict[str, Any]] = field(default_factory=list)
    group_keys: list[list[str]] = field(default_factory=list)
    archived_at: datetime | None = None

    @property
    def agg(self) -> str:
        return self.aggregation_type.lower()

    def to_api(self, *, deprecated: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "aggregation_type": self.aggregation_type,
            "event_type_filter": {"in_values": list(self.event_types)},
            "property_filters": [dict(f) for f in self.property_filters],
            "group_keys": [list(k) for k in self.group_keys],
            "custom_fields": {},
        }
        if self.aggregation_key:
            out["aggregation_key"] = self.aggregation_key
        if self.archived_at is not None:
            out["archived_at"] = iso(self.archived_at)
        if deprecated:  # the per-customer list still carries the Plans-era fields
            out["group_by"] = sorted({k for keys in self.group_keys for k in keys})
            out["aggregate"] = self.agg
            out["aggregate_keys"] = [self.aggregation_key] if self.aggregation_key else []
        return out

    def value_of(self, event: Event) -> Any:
        return event.properties.get(self.aggregation_key) if self.aggregation_key else None

    def matches(self, event: Event) -> bool:
        """Does this metric count the event (as Metronome matches at processing time)?"""
        if self.archived_at is not None and event.processed_at >= self.archived_at:
            return False  # archived metrics no longer process new events
        if self.event_types and event.event_type not in self.event_types:
            return False
        props = event.properties
        for f in self.property_filters:
            name = f["name"]
            present = name in props and props[name] is not None
            if "exists" in f and bool(f["exists"]) != present:
                return False
            if f.get("in_values") and (not present or str(props[name]) not in f["in_values"]):
                return False
            if present and f.get("not_in_values") and str(props[name]) in f["not_in_values"]:
                return False
        if self.agg in ("sum", "max", "latest"):
            return decimal_or_none(self.value_of(event)) is not None
        if self.agg == "unique":
            return self.value_of(event) is not None
        return True

    def aggregate(self, events: list[Event]) -> Decimal | None:
        if self.agg == "count":
            return Decimal(len(events))
        if self.agg == "unique":
            return Decimal(len({str(self.value_of(e)) for e in events}))
        values = [(e.timestamp, decimal_or_none(self.value_of(e))) for e in events]
        nums = [v for _, v in values if v is not None]
        if self.agg == "sum":
            return sum(nums, Decimal(0))
        if not nums:
            return None
        if self.agg == "max":
            return max(nums)
        latest = max(((t, v) for t, v in values if v is not None), key=lambda tv: tv[0])
        return latest[1]


@dataclass
class Product:
    id: str
    name: str
    type: str  # USAGE | SUBSCRIPTION | FIXED | COMPOSITE | PRO_SERVICE
    created_at: datetime
    billable_metric_id: str | None = None
    tags: list[str] = field(default_factory=list)
    archived_at: datetime | None = None

    def to_api(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "name": self.name,
            "created_at": iso(self.created_at),
            "created_by": CREATED_BY,
            "starting_at": iso(self.created_at),
            "tags": list(self.tags),
            "is_refundable": self.type != "USAGE",
        }
        if self.billable_metric_id:
            state["billable_metric_id"] = self.billable_metric_id
        return {
            "id": self.id,
            "type": self.type,
            "archived_at": iso(self.archived_at) if self.archived_at else None,
            "initial": dict(state),
            "current": dict(state),
            "updates": [],
            "custom_fields": {},
        }


@dataclass
class Tier:
    price: Decimal
    size: Decimal | None = None  # None: the open-ended last tier


@dataclass
class Rate:
    product_id: str
    rate_type: str  # FLAT | TIERED | SUBSCRIPTION
    starting_at: datetime
    price: Decimal | None = None
    tiers: list[Tier] = field(default_factory=list)
    quantity: Decimal | None = None
    ending_before: datetime | None = None
    billing_frequency: str | None = None

    def active(self, at: datetime) -> bool:
        return self.starting_at <= at and (self.ending_before is None or at < self.ending_before)

    def rate_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rate_type": self.rate_type, "credit_type": dict(USD_CENTS)}
        if self.price is not None:
            out["price"] = self.price
        if self.tiers:
            out["tiers"] = [
                {"price": t.price} if t.size is None else {"size": t.size, "price": t.price}
                for t in self.tiers
            ]
        if self.quantity is not None:
            out["quantity"] = self.quantity
        if self.rate_type == "SUBSCRIPTION":
            out["is_prorated"] = False
        return out

    def amount(self, quantity: Decimal, *, first_tier_only: bool = False) -> Decimal:
        """What `quantity` units cost: FLAT qty × price; TIERED graduated (each tier's
        `size` units at its price, the last tier open-ended)."""
        if self.rate_type in ("FLAT", "SUBSCRIPTION"):
            return quantity * (self.price or Decimal(0))
        if self.rate_type != "TIERED":
            raise ValueError(f"rate type {self.rate_type} is not priced per unit")
        if first_tier_only and self.tiers:  # the `wrong-tier-math` fault
            return quantity * self.tiers[0].price
        total, remaining = Decimal(0), quantity
        for tier in self.tiers:
            take = remaining if tier.size is None else min(remaining, tier.size)
            total += take * tier.price
            remaining -= take
            if remaining <= 0:
                break
        return total


@dataclass
class RateCard:
    id: str
    name: str
    description: str
    created_at: datetime
    aliases: list[str] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "created_at": iso(self.created_at),
            "created_by": CREATED_BY,
            "fiat_credit_type": dict(USD_CENTS),
            "credit_type_conversions": [],
            "aliases": [{"name": a} for a in self.aliases],
            "custom_fields": {},
        }


@dataclass
class Customer:
    id: str
    name: str
    ingest_aliases: list[str]
    created_at: datetime
    custom_fields: dict[str, str] = field(default_factory=dict)
    archived_at: datetime | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "external_id": self.ingest_aliases[0] if self.ingest_aliases else self.id,
            "ingest_aliases": list(self.ingest_aliases),
            "name": self.name,
            "customer_config": {"salesforce_account_id": None},
            "custom_fields": dict(self.custom_fields),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.created_at),
            "archived_at": iso(self.archived_at) if self.archived_at else None,
            "current_billable_status": {"value": "billable", "effective_at": iso(self.created_at)},
        }


@dataclass
class Contract:
    id: str
    customer_id: str
    name: str
    rate_card_id: str
    starting_at: datetime
    created_at: datetime
    ending_before: datetime | None = None
    archived_at: datetime | None = None
    uniqueness_key: str | None = None

    def covers(self, at: datetime) -> bool:
        return self.starting_at <= at and (self.ending_before is None or at < self.ending_before)

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "customer_id": self.customer_id,
            "name": self.name,
            "rate_card_id": self.rate_card_id,
            "starting_at": iso(self.starting_at),
            "commits": [],
            "credits": [],
            "overrides": [],
            "scheduled_charges": [],
            "transitions": [],
            "usage_statement_schedule": {
                "frequency": "MONTHLY",
                "billing_anchor_date": iso(self.starting_at),
            },
            "usage_filter": [],
            "created_at": iso(self.created_at),
            "created_by": CREATED_BY,
            "custom_fields": {},
            "priority": 1,
        }
        if self.ending_before is not None:
            out["ending_before"] = iso(self.ending_before)
        if self.archived_at is not None:
            out["archived_at"] = iso(self.archived_at)
        if self.uniqueness_key:
            out["uniqueness_key"] = self.uniqueness_key
        return out


@dataclass
class Alert:
    id: str
    customer_id: str
    name: str
    type: str
    threshold: Decimal
    updated_at: datetime
    status: str = "enabled"  # enabled | disabled | archived
    uniqueness_key: str | None = None

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "threshold": self.threshold,
            "updated_at": iso(self.updated_at),
            "credit_type": dict(USD_CENTS),
            "custom_field_filters": [],
        }
        if self.uniqueness_key:
            out["uniqueness_key"] = self.uniqueness_key
        return out


@dataclass
class Event:
    id: str
    transaction_id: str
    customer_id: str  # as sent: a customer id or an ingest alias
    event_type: str
    timestamp: datetime
    properties: dict[str, Any]
    accepted_at: datetime
    processed_at: datetime
    is_duplicate: bool = False


# --- the account -------------------------------------------------------------------------


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


def windows(start: datetime, end: datetime, size: str) -> Iterable[tuple[datetime, datetime]]:
    step = {"hour": timedelta(hours=1), "day": timedelta(days=1)}.get(size)
    if step is None:
        yield start, end
        return
    t = start
    while t < end:
        yield t, min(t + step, end)
        t += step
