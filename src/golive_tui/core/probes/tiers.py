"""Graduated tier maths, shared by every provider whose prices have tiers.

A provider turns its own tier shape (sizes, or inclusive upper bounds) into
`Tier`s; the sums here are exact Decimals.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple


class Tier(NamedTuple):
    width: Decimal | None  # units in this tier; None for the open-ended last one
    unit_price: Decimal
    flat: Decimal = Decimal(0)  # charged once when any unit falls in the tier


def graduated(quantity: Decimal, tiers: Iterable[Tier]) -> Decimal:
    """What `quantity` units cost when each tier prices only the units that fall in it."""
    total = Decimal(0)
    remaining = quantity
    for tier in tiers:
        take = remaining if tier.width is None else min(remaining, tier.width)
        if take > 0:
            total += take * tier.unit_price + tier.flat
        remaining -= take
        if remaining <= 0:
            break
    return total


def boundaries(tiers: Iterable[Tier]) -> list[Decimal]:
    """The cumulative quantities at which a next tier starts (up to the open-ended one)."""
    bounds, acc = [], Decimal(0)
    for tier in tiers:
        if tier.width is None:
            break
        acc += tier.width
        bounds.append(acc)
    return bounds
