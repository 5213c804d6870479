"""The Metronome sandbox's catalogue: billable metrics (event matching and
aggregation), products, and rate cards with their rates (tiered pricing maths).

Money and quantities are `Decimal` throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from golive_tui.providers.metronome.sandbox.records import Event
from golive_tui.providers.metronome.sandbox.values import (
    CREATED_BY,
    USD_CENTS,
    decimal_or_none,
    iso,
)


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
    # Dimensional pricing (#S/PricingGroupKey): one rate per value combination.
    pricing_group_key: list[str] = field(default_factory=list)

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
        if self.pricing_group_key:
            state["pricing_group_key"] = list(self.pricing_group_key)
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
    # `#S/RateSchedule.pricing_group_values`: the group values this rate prices.
    pricing_group_values: dict[str, str] | None = None
    # `#S/CommitRate`: used instead when usage draws on a COMMIT_RATE commit or credit.
    commit_rate: Rate | None = None
    entitled: bool = True  # `#S/AddRatePayload.entitled`, echoed by getRates and the schedule

    def scaled(self, multiplier: Decimal) -> Rate:
        """This rate with every price times `multiplier` (a MULTIPLIER override)."""
        return replace(
            self,
            price=None if self.price is None else self.price * multiplier,
            tiers=[Tier(t.price * multiplier, t.size) for t in self.tiers],
            commit_rate=None,
        )

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
        if self.pricing_group_values:
            out["pricing_group_values"] = dict(self.pricing_group_values)
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
