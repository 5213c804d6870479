"""Flexprice probes: one price's lines on the invoice preview, and what they should say.

The preview is not price × raw quantity (internal/ee/service/billing_meter_usage.go):
- an entitlement allowance is deducted first: the line's `quantity` is billable, and
  `adjusted_entitlement_quantity` the covered part (raw = quantity + adjusted);
- a subscription commitment (subscription.go, `commitment_amount` with
  `overage_factor` > 1) splits a charge into a normal line, repriced at the price
  for its own quantity, and an "(Overage)" line under the same price_id at unit
  price × factor (unit price: the FLAT_FEE amount, else charge amount / quantity);
- every amount is rounded to the currency's precision.
So usage is measured on the raw quantity, and the amount is checked against these rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from golive_tui.core.money import to_minor_unit
from golive_tui.core.probes.common import dec, fmt
from golive_tui.providers.flexprice.probes.pricing import rated_amount


@dataclass
class PriceLines:
    """Every preview line of one price_id, summed, with its parts kept."""

    billable: Decimal = Decimal(0)  # Σ quantity
    adjusted: Decimal = Decimal(0)  # Σ adjusted_entitlement_quantity
    amount: Decimal = Decimal(0)
    entitled: bool = False  # an entitlement applied to some line
    normal: list[tuple[Decimal, Decimal]] = field(default_factory=list)  # (qty, amount)
    overage: list[tuple[Decimal, Decimal, Decimal | None]] = field(default_factory=list)

    @property
    def raw(self) -> Decimal:
        """The usage the meter counted, before allowances: what test events add to."""
        return self.billable + self.adjusted


def price_lines(invoice: dict[str, Any], price_id: str) -> PriceLines:
    out = PriceLines()
    for li in invoice.get("line_items") or []:
        if not isinstance(li, dict) or li.get("price_id") != price_id:
            continue
        qty, amount = dec(li.get("quantity")), dec(li.get("amount"))
        out.billable += qty
        out.amount += amount
        if li.get("adjusted_entitlement_quantity") is not None:
            out.entitled = True
            out.adjusted += dec(li.get("adjusted_entitlement_quantity"))
        raw_meta = li.get("metadata")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        if str(meta.get("is_overage", "")).lower() == "true":
            factor = dec(meta.get("overage_factor")) or None
            out.overage.append((qty, amount, factor))
        else:
            out.normal.append((qty, amount))
    return out


def line_item_commitment(full: dict[str, Any], price_id: str) -> bool:
    """A line-item commitment (its own floor or true-up) on the price's line item."""
    for li in full.get("line_items") or []:
        if not isinstance(li, dict) or li.get("price_id") != price_id:
            continue
        if dec(li.get("commitment_amount")) > 0 or dec(li.get("commitment_quantity")) > 0:
            return True
    return False


def expected_billable(before: PriceLines, after: PriceLines) -> tuple[Decimal | None, str]:
    """The billable quantity the allowance leaves of `after.raw` (None: cannot tell), why."""
    if not after.entitled:
        return after.raw, ""
    if before.entitled and before.billable > 0:
        allowance = before.adjusted  # already past it: the covered part is the allowance
        return max(after.raw - allowance, Decimal(0)), f"allowance {fmt(allowance)} used up"
    if after.billable > 0:
        allowance = after.adjusted
        if allowance < before.raw:
            return None, (
                f"the allowance shrank from at least {fmt(before.raw)} to {fmt(allowance)}"
            )
        return after.raw - allowance, f"allowance {fmt(allowance)} now used up"
    return Decimal(0), "the test usage is still inside the entitlement allowance (free)"


def amount_problems(
    price: dict[str, Any],
    lines: PriceLines,
    currency: str,
    factor: Decimal | None,
    label: str,
    model: str,
) -> list[str]:
    """Whether the lines' amounts are what the price (and a commitment split) charge."""

    def rounded(d: Decimal) -> Decimal:
        return to_minor_unit(d, currency)

    if not lines.overage:
        expected = rounded(rated_amount(price, lines.billable))
        exact = rated_amount(price, lines.billable)
        if lines.amount in (expected, exact):
            return []
        return [
            f"{label}: amount is {fmt(lines.amount)}, expected {fmt(expected)} from the"
            f" {model} price — the invoice and the price disagree"
        ]
    problems = []
    for qty, amount in lines.normal:
        want = rounded(rated_amount(price, qty))
        if amount != want:
            problems.append(
                f"{label}: the part inside the commitment ({fmt(qty)} units) is {fmt(amount)},"
                f" expected {fmt(want)} from the {model} price"
            )
    charge_qty = lines.billable
    charge = rounded(rated_amount(price, charge_qty))
    flat = str(price.get("billing_model", "")).upper() == "FLAT_FEE"
    per_unit = dec(price.get("amount")) if flat else (charge / charge_qty if charge_qty else 0)
    for qty, amount, line_factor in lines.overage:
        f = line_factor or factor
        if f is None:
            problems.append(f"{label}: an (Overage) line without an overage factor to check")
            continue
        # subscription.go: a split overage is qty × unit price × factor; a charge wholly
        # past the commitment is its rounded amount × factor.
        want = rounded(charge * f) if not lines.normal else rounded(qty * per_unit * f)
        if amount != want:
            problems.append(
                f"{label}: the (Overage) line ({fmt(qty)} units × {fmt(f)}) is {fmt(amount)},"
                f" expected {fmt(want)}"
            )
    return problems
