"""The Flexprice sandbox's catalogue: meters (event matching and aggregation),
features, customers and plans. Shapes follow `shared/specs/flexprice-openapi.json`;
behaviour follows `shared/reference/flexprice-api.md` ("ref §n")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from golive_tui.providers.flexprice.sandbox.values import audit, go_v, to_decimal

if TYPE_CHECKING:
    from golive_tui.providers.flexprice.sandbox.account import Account
    from golive_tui.providers.flexprice.sandbox.records import Event


@dataclass
class Meter:
    id: str
    name: str
    event_name: str
    aggregation: str  # SUM | COUNT | MAX | COUNT_UNIQUE | LATEST | AVG
    agg_field: str | None
    created_at: datetime
    filters: list[tuple[str, list[str]]] = field(default_factory=list)
    reset_usage: str = "BILLING_PERIOD"

    def name_matches(self, event_name: str) -> bool:
        return self.event_name == event_name  # exact and case-sensitive (ref §3a)

    def filters_match(self, properties: Mapping[str, Any]) -> bool:
        """Every filter: `%v` of the first-level property is one of its values (ref §4)."""
        for key, values in self.filters:
            if key not in properties or go_v(properties[key]) not in values:
                return False
        return True

    def quantity(self, properties: Mapping[str, Any]) -> Decimal:
        """One event's contribution; a missing or non-numeric field counts as 0 (ref §3a)."""
        if self.aggregation == "COUNT":
            return Decimal(1)
        value = to_decimal(properties.get(self.agg_field)) if self.agg_field else None
        return value if value is not None else Decimal(0)

    def aggregate(self, events: list[Event]) -> Decimal:
        if not events:
            return Decimal(0)
        if self.aggregation == "COUNT":
            return Decimal(len(events))
        if self.aggregation == "COUNT_UNIQUE":
            return Decimal(len({go_v(e.properties.get(self.agg_field or "")) for e in events}))
        values = [self.quantity(e.properties) for e in events]
        if self.aggregation == "MAX":
            return max(values)
        if self.aggregation == "AVG":
            return sum(values, Decimal(0)) / len(values)
        if self.aggregation == "LATEST":
            return max(zip(events, values, strict=True), key=lambda ev: ev[0].timestamp)[1]
        return sum(values, Decimal(0))

    def to_api(self, account: Account) -> dict[str, Any]:
        aggregation: dict[str, Any] = {"type": self.aggregation}
        if self.agg_field:
            aggregation["field"] = self.agg_field
        return {
            "id": self.id,
            "name": self.name,
            "event_name": self.event_name,
            "aggregation": aggregation,
            "filters": [{"key": k, "values": list(v)} for k, v in self.filters],
            "reset_usage": self.reset_usage,
            "status": "published",
            **audit(account, self.created_at),
        }


@dataclass
class Feature:
    id: str
    name: str
    lookup_key: str
    meter_id: str | None
    created_at: datetime
    description: str = ""
    unit_singular: str = ""
    unit_plural: str = ""
    type: str = "metered"

    def to_api(self, account: Account, *, expand_meter: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "lookup_key": self.lookup_key,
            "description": self.description,
            "type": self.type,
            "unit_singular": self.unit_singular,
            "unit_plural": self.unit_plural,
            "metadata": {},
            "status": "published",
            **audit(account, self.created_at),
        }
        if self.meter_id:
            out["meter_id"] = self.meter_id
            if expand_meter and self.meter_id in account.meters:
                out["meter"] = account.meters[self.meter_id].to_api(account)
        return out


@dataclass
class Customer:
    id: str
    external_id: str
    name: str
    email: str
    created_at: datetime
    metadata: dict[str, str] = field(default_factory=dict)
    status: str = "published"

    def to_api(self, account: Account) -> dict[str, Any]:
        return {
            "id": self.id,
            "external_id": self.external_id,
            "name": self.name,
            "email": self.email,
            "timezone": "UTC",
            "address_country": "US",
            "metadata": dict(self.metadata),
            "status": self.status,
            **audit(account, self.created_at),
        }


@dataclass
class Plan:
    id: str
    name: str
    lookup_key: str
    description: str
    created_at: datetime
    price_ids: list[str] = field(default_factory=list)

    def to_api(
        self, account: Account, *, with_prices: bool, expand_meters: bool = False
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "lookup_key": self.lookup_key,
            "description": self.description,
            "metadata": {},
            "status": "published",
            **audit(account, self.created_at),
        }
        if with_prices:
            out["prices"] = [
                account.prices[p].to_api(account, expand_meter=expand_meters)
                for p in self.price_ids
            ]
        return out
