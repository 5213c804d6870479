"""The Flexprice sandbox's prices and their maths: flat fee, package (divide and
round) and tiered (VOLUME or SLAB) costs, unrounded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from golive_tui.core.sandbox.dates import iso
from golive_tui.providers.flexprice.sandbox.values import audit, decimal_text

if TYPE_CHECKING:
    from golive_tui.providers.flexprice.sandbox.account import Account


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
    start_date: datetime | None = None  # None: from created_at
    end_date: datetime | None = None  # set on a price that has expired
    parent_price_id: str = ""  # the price this one replaced (PUT /v1/prices/{id})

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
            "display_amount": ("$" if self.currency == "usd" else self.currency.upper() + " ")
            + decimal_text(self.amount),
            "currency": self.currency,
            "display_name": self.display_name,
            "lookup_key": self.lookup_key,
            "price_unit_type": "FIAT",
            "metadata": {},
            "status": "published",
            "start_date": iso(self.start_date or self.created_at),
            **audit(account, self.created_at),
        }
        if self.end_date is not None:
            out["end_date"] = iso(self.end_date)
        if self.parent_price_id:
            out["parent_price_id"] = self.parent_price_id
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
