"""The Flexprice sandbox's account: objects, event matching, the debugger, invoice maths.

Money and quantities are `Decimal` throughout and leave as decimal strings, as
Flexprice sends them. Shapes follow the official spec
(`shared/specs/flexprice-openapi.json`); behaviour follows
`shared/reference/flexprice-api.md` (section numbers cited as "ref §n").
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from golive_tui.providers.metronome.sandbox.values import add_months, iso, month_start, parse_time

__all__ = [
    "ENVIRONMENT_ID",
    "TENANT_ID",
    "Account",
    "Customer",
    "Event",
    "Feature",
    "Invoice",
    "LineItem",
    "Meter",
    "Plan",
    "Price",
    "Subscription",
    "Tier",
    "add_months",
    "decimal_text",
    "fid",
    "go_v",
    "iso",
    "month_start",
    "parse_time",
    "ulid",
]

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CREATED_BY = "golive sandbox seed"
CENT = Decimal("0.01")
DEFAULT_SETTINGS: dict[str, dict[str, Any]] = {
    # ref §7: defaults the server returns when nothing is stored
    "subscription_config": {"grace_period_days": 3, "auto_cancellation_enabled": False},
    "invoice_config": {"due_date_days": 1, "finalization_delay_seconds": 7200},
}


def _b32(data: bytes, n: int) -> str:
    num = int.from_bytes(data, "big")
    out = []
    for _ in range(n):
        num, r = divmod(num, 32)
        out.append(CROCKFORD[r])
    return "".join(reversed(out))


def fid(prefix: str, *parts: str) -> str:
    """A deterministic ULID-shaped id (`cust_01…`) for a named sandbox object."""
    digest = hashlib.sha256("/".join((prefix, *parts)).encode()).digest()
    return f"{prefix}_01{_b32(digest, 24)}"


def ulid(prefix: str, at: datetime | None = None) -> str:
    """A fresh `<prefix>_<ULID>` (48-bit milliseconds, 80 random bits), as the server makes."""
    ms = int((at.timestamp() if at else time.time()) * 1000) & ((1 << 48) - 1)
    return f"{prefix}_{_b32(ms.to_bytes(6, 'big'), 10)}{_b32(secrets.token_bytes(10), 16)}"


def decimal_text(d: Decimal) -> str:
    """A decimal as shopspring's String() writes it: no exponent, no trailing zeros."""
    if d == 0:
        return "0"
    text = format(d.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def to_decimal(value: Any) -> Decimal | None:
    """A property value as a number (JSON number or numeric string); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal | float | str):
        try:
            d = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            return None
        return d if d.is_finite() else None
    return None


def go_v(value: Any) -> str:
    """`fmt.Sprintf("%v", v)` for a JSON-decoded Go value (numbers are float64)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, int | Decimal | float):
        f = float(value)
        if math.isfinite(f) and f == int(f) and abs(f) < 1e21:
            return str(int(f))
        text = repr(f)
        if "e" in text:
            mant, _, exp = text.partition("e")
            sign = "-" if exp.startswith("-") else "+"
            text = f"{mant.removesuffix('.0')}e{sign}{exp.lstrip('+-').zfill(2)}"
        return text
    if isinstance(value, list):
        return "[" + " ".join(go_v(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_v(value[k])}" for k in sorted(value)) + "]"
    return str(value)


ENVIRONMENT_ID = fid("env", "sandbox")
TENANT_ID = fid("tenant", "quill")


def error_obj(code: str, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message, "http_status_code": status}


# --- catalogue ---------------------------------------------------------------------------


def _audit(account: Account, created_at: datetime) -> dict[str, str]:
    """The tenant, environment and audit fields every Flexprice object carries."""
    return {
        "tenant_id": account.tenant_id,
        "environment_id": account.environment_id,
        "created_at": iso(created_at),
        "updated_at": iso(created_at),
        "created_by": CREATED_BY,
        "updated_by": CREATED_BY,
    }


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
            **_audit(account, self.created_at),
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
            **_audit(account, self.created_at),
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
            **_audit(account, self.created_at),
        }


@dataclass
class Tier:
    up_to: int | None  # inclusive; None for the open-ended last tier
    unit_amount: Decimal
    flat_amount: Decimal | None = None

    def to_api(self) -> dict[str, Any]:
        # The server sends `"up_to": null` on the last tier, but the spec types up_to as a
        # non-nullable integer: the sandbox leaves the key out (same meaning to a reader).
        out: dict[str, Any] = {"unit_amount": decimal_text(self.unit_amount)}
        if self.up_to is not None:
            out["up_to"] = self.up_to
        if self.flat_amount is not None:
            out["flat_amount"] = decimal_text(self.flat_amount)
        return out


@dataclass
class Price:
    id: str
    plan_id: str
    type: str  # USAGE | FIXED
    billing_model: str  # FLAT_FEE | PACKAGE | TIERED
    amount: Decimal  # main currency units
    display_name: str
    created_at: datetime
    meter_id: str | None = None
    tier_mode: str | None = None  # VOLUME | SLAB
    tiers: list[Tier] = field(default_factory=list)
    divide_by: int | None = None
    round: str = "up"
    currency: str = "usd"
    billing_period: str = "MONTHLY"
    invoice_cadence: str = "ARREAR"
    lookup_key: str = ""

    def cost(self, quantity: Decimal, *, swap_tier_modes: bool = False) -> Decimal:
        """What `quantity` costs, unrounded (the invoice rounds each line to cents)."""
        if self.billing_model == "FLAT_FEE":
            return quantity * self.amount
        if self.billing_model == "PACKAGE":
            divide_by = Decimal(self.divide_by or 1)
            rounding = ROUND_CEILING if self.round == "up" else ROUND_FLOOR
            packages = (quantity / divide_by).to_integral_value(rounding=rounding)
            return packages * self.amount
        if self.billing_model != "TIERED":
            raise ValueError(f"billing model {self.billing_model} is not priced per unit")
        mode = self.tier_mode or "VOLUME"
        if swap_tier_modes:  # the `wrong-tier-math` fault: VOLUME and SLAB confused
            mode = "VOLUME" if mode == "SLAB" else "SLAB"
        if mode == "VOLUME":
            return volume_cost(self.tiers, quantity)
        return slab_cost(self.tiers, quantity)

    def to_api(self, account: Account, *, expand_meter: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "entity_type": "PLAN",
            "entity_id": self.plan_id,
            "type": self.type,
            "billing_model": self.billing_model,
            "billing_cadence": "RECURRING",
            "billing_period": self.billing_period,
            "billing_period_count": 1,
            "invoice_cadence": self.invoice_cadence,
            "amount": decimal_text(self.amount),
            "display_amount": "$" + decimal_text(self.amount),
            "currency": self.currency,
            "display_name": self.display_name,
            "lookup_key": self.lookup_key,
            "price_unit_type": "FIAT",
            "metadata": {},
            "status": "published",
            "start_date": iso(self.created_at),
            **_audit(account, self.created_at),
        }
        if self.meter_id:
            out["meter_id"] = self.meter_id
            if expand_meter and self.meter_id in account.meters:
                out["meter"] = account.meters[self.meter_id].to_api(account)
        if self.billing_model == "TIERED":
            out["tier_mode"] = self.tier_mode or "VOLUME"
            out["tiers"] = [t.to_api() for t in self.tiers]
        if self.billing_model == "PACKAGE":
            out["transform_quantity"] = {"divide_by": self.divide_by or 1, "round": self.round}
        return out


def volume_cost(tiers: list[Tier], quantity: Decimal) -> Decimal:
    """Every unit at the tier the total falls in (`up_to` inclusive), plus its flat amount."""
    if not tiers:
        return Decimal(0)
    chosen = tiers[-1]
    for tier in tiers:
        if tier.up_to is None or quantity <= tier.up_to:
            chosen = tier
            break
    return quantity * chosen.unit_amount + (chosen.flat_amount or Decimal(0))


def slab_cost(tiers: list[Tier], quantity: Decimal) -> Decimal:
    """Graduated: each tier's units at its unit amount, plus its flat amount once reached."""
    total, floor = Decimal(0), Decimal(0)
    for tier in tiers:
        if quantity <= floor:
            break
        top = quantity if tier.up_to is None else min(quantity, Decimal(tier.up_to))
        units = top - floor
        if units > 0:
            total += units * tier.unit_amount + (tier.flat_amount or Decimal(0))
        if tier.up_to is None:
            break
        floor = Decimal(tier.up_to)
    return total


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
            **_audit(account, self.created_at),
        }
        if with_prices:
            out["prices"] = [
                account.prices[p].to_api(account, expand_meter=expand_meters)
                for p in self.price_ids
            ]
        return out


@dataclass
class LineItem:
    id: str
    price_id: str
    start_date: datetime
    quantity: Decimal = Decimal(1)


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

    def period(self, at: datetime) -> tuple[datetime, datetime]:
        """The monthly, calendar-aligned billing period holding `at`."""
        start = max(month_start(at), month_start(self.start_date))
        return start, add_months(start, 1)

    def line_item_api(
        self, account: Account, item: LineItem, *, expand_meter: bool = False
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
            "metadata": {},
            "status": "published",
            **_audit(account, self.created_at),
        }
        if price.meter_id:
            meter = account.meters[price.meter_id]
            out["meter_id"] = meter.id
            out["meter_display_name"] = meter.name
            if expand_meter:
                out["meter"] = meter.to_api(account)
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
            "timezone": "UTC",
            "version": 1,
            "metadata": {},
            "status": "published",
            **_audit(account, self.created_at),
        }
        if line_items or meters:
            out["line_items"] = [
                self.line_item_api(account, li, expand_meter=meters) for li in self.line_items
            ]
        if plan:
            out["plan"] = account.plans[self.plan_id].to_api(account, with_prices=True)
        if customer and self.customer_id in account.customers:
            out["customer"] = account.customers[self.customer_id].to_api(account)
        return out


# --- events ------------------------------------------------------------------------------


@dataclass
class Event:
    id: str
    external_customer_id: str
    event_name: str
    timestamp: datetime
    properties: dict[str, Any]
    ingested_at: datetime
    visible_at: datetime  # when the consumer has written it to the events table
    customer_id: str = ""
    source: str = ""

    def to_api(self, account: Account) -> dict[str, Any]:
        return {
            "id": self.id,
            "external_customer_id": self.external_customer_id,
            "customer_id": self.customer_id,
            "event_name": self.event_name,
            "timestamp": iso(self.timestamp),
            "properties": dict(self.properties),
            "source": self.source,
            "environment_id": account.environment_id,
        }


@dataclass
class Invoice:
    """A stored invoice: the live DRAFT of a period, or a FINALIZED snapshot."""

    id: str
    number: str
    subscription_id: str
    period_start: datetime
    period_end: datetime
    created_at: datetime
    status: str = "DRAFT"
    payment_status: str = "PENDING"
    finalized_at: datetime | None = None
    snapshot: dict[str, Any] | None = None


# --- the account -------------------------------------------------------------------------


@dataclass
class Account:
    tenant_id: str = TENANT_ID
    environment_id: str = ENVIRONMENT_ID
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

    def stored_events(self, now: datetime) -> list[Event]:
        """Rows a read sees now: processed rows, with exact repeats (same id and timestamp)
        collapsed once `merge_delay` has passed since the latest repeat."""
        groups: dict[tuple[str, datetime], list[Event]] = {}
        for e in self.events:
            if e.visible_at <= now:
                groups.setdefault((e.id, e.timestamp), []).append(e)
        merge = timedelta(seconds=self.merge_delay)
        out: list[Event] = []
        for rows in groups.values():
            latest = max(rows, key=lambda r: r.ingested_at)
            if self.collapse_duplicates and now >= latest.ingested_at + merge:
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
            if li.price_id in price_ids
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
        rows = self.stored_events(now)
        lines: list[dict[str, Any]] = []
        for li in sub.line_items:
            price = self.prices[li.price_id]
            line: dict[str, Any] = {
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
            if price.type == "USAGE" and price.meter_id:
                meter = self.meters[price.meter_id]
                qty = (
                    self.usage(customer, meter, start, end, now, events=rows)
                    if customer is not None
                    else Decimal(0)
                )
                amount = price.cost(qty, swap_tier_modes=self.swap_tier_modes)
                line.update(meter_id=meter.id, meter_display_name=meter.name)
            else:
                qty = li.quantity
                amount = price.amount * qty
            amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)  # currency precision
            if hide_zero and amount == 0:
                continue
            line.update(quantity=decimal_text(qty), amount=decimal_text(amount))
            if invoice is not None:
                line["id"] = fid("inv_line", invoice.id, li.id)
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
