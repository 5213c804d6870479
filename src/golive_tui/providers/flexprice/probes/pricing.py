"""Flexprice probes: what a price charges, as internal/ee/service/price.go computes it.

- FLAT_FEE: quantity × amount; PACKAGE: ceil (floor with `round: down`) of
  quantity / divide_by, × amount;
- TIERED VOLUME (price.go L1111-1144): the first tier whose inclusive `up_to` holds
  the quantity, else the last tier, so past a closed last tier every unit is priced
  at it; unit_amount × quantity + flat_amount;
- TIERED SLAB (L1146-1179): graduated, each tier's units at its price; past a closed
  last tier the excess is not charged.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from golive_tui.core.probes.common import dec
from golive_tui.core.probes.tiers import Tier, graduated


def rated_amount(price: dict[str, Any], quantity: Decimal) -> Decimal:
    """What `quantity` units cost under a Flexprice price (FLAT_FEE, PACKAGE, TIERED)."""
    model = str(price.get("billing_model", "")).upper()
    if model == "FLAT_FEE":
        return quantity * dec(price.get("amount"))
    if model == "PACKAGE":
        tq = price.get("transform_quantity") or {}
        size = dec(tq.get("divide_by")) or Decimal(1)
        rounding = ROUND_FLOOR if str(tq.get("round", "up")).lower() == "down" else ROUND_CEILING
        packages = (quantity / size).to_integral_value(rounding=rounding)
        return packages * dec(price.get("amount"))
    if model == "TIERED":
        tiers = _sorted(price.get("tiers") or [])
        if quantity == 0 or not tiers:
            return Decimal(0)  # price.go: quantity 0 costs 0, before any flat_amount
        if str(price.get("tier_mode", "VOLUME")).upper() == "VOLUME":
            chosen = tiers[-1]  # selectedTierIndex starts at len-1: a closed last tier
            for tier in tiers:
                up_to = tier.get("up_to")
                if up_to is None or quantity <= dec(up_to):
                    chosen = tier
                    break
            return quantity * dec(chosen.get("unit_amount")) + dec(chosen.get("flat_amount"))
        return graduated(quantity, _slabs(tiers))
    raise ValueError(f"billing model {model or '?'} is not priced per unit")


def _sorted(tiers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """price.go sorts tiers by up_to first (an open tier sorts last)."""
    return sorted(tiers, key=lambda t: (t.get("up_to") is None, dec(t.get("up_to"))))


def _slabs(tiers: list[dict[str, Any]]) -> list[Tier]:
    """Flexprice's inclusive `up_to` bounds as tier widths."""
    out, below = [], Decimal(0)
    for t in tiers:
        up_to = t.get("up_to")
        width = None if up_to is None else dec(up_to) - below
        out.append(Tier(width, dec(t.get("unit_amount")), dec(t.get("flat_amount"))))
        if up_to is not None:
            below = dec(up_to)
    return out


def _boundaries(price: dict[str, Any]) -> list[Decimal]:
    return [dec(t["up_to"]) for t in price.get("tiers") or [] if t.get("up_to") is not None]
