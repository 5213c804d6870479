"""The Flexprice sandbox's usage charges as the server bills them: raw usage, then the
subscription's commitment split, then entitlement allowances.

- Commitment (internal/ee/service/subscription.go, the charges loop after
  `hasCommitment`): active when `commitment_amount` > 0 and `overage_factor` > 1.
  Usage charges consume the commitment in line-item order; the charge that crosses it
  splits into a normal part (floor(remaining / unit price) units) and an overage part
  at unit price × factor, both under one price_id; later charges are all overage.
- Billing (internal/ee/service/billing_meter_usage.go): a non-overage part is repriced
  at `CalculateCost(price, qty)`; the overage line's name is "<name> (Overage)".
- Entitlement (billing_meter_usage.go adjustMeterUsageEntitlement, reset period = the
  billing period): billable = max(qty − usage_limit, 0); no limit (unlimited) → 0; the
  line carries `adjusted_entitlement_quantity` = raw − billable.
Amounts are rounded to the currency precision at each step, as SetAmountWithCurrencyPrecision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from golive_tui.providers.flexprice.sandbox.pricing import Price
from golive_tui.providers.flexprice.sandbox.values import CENT

UNLIMITED = None  # an entitlement without a usage limit


@dataclass
class Part:
    quantity: Decimal
    amount: Decimal
    overage: bool = False
    adjusted: Decimal | None = None  # the entitlement-covered quantity, when one applied
    metadata: dict[str, str] = field(default_factory=dict)


def _round(d: Decimal) -> Decimal:
    return d.quantize(CENT, rounding=ROUND_HALF_UP)  # shopspring Round: half away from 0


def usage_parts(
    charges: list[tuple[Price, Decimal]],
    *,
    commitment: Decimal | None,
    factor: Decimal | None,
    limits: list[tuple[bool, int | None]],
    swap_tier_modes: bool = False,
) -> list[list[Part]]:
    """Each usage charge (price, raw qty), in line-item order, as the parts it is billed in.

    `limits[i]` is (has an entitlement, its usage_limit) for charge i.
    """

    def cost(price: Price, qty: Decimal) -> Decimal:
        return _round(price.cost(qty, swap_tier_modes=swap_tier_modes))

    out: list[list[Part]] = []
    active = bool(commitment and commitment > 0 and factor and factor > 1)
    remaining = commitment or Decimal(0)
    for (price, qty), (entitled, limit) in zip(charges, limits, strict=True):
        amount = cost(price, qty)
        if not active or remaining >= amount:
            remaining -= amount if active else 0
            parts = [Part(qty, amount)]
        else:
            assert factor is not None
            per_unit = (
                price.amount
                if price.billing_model == "FLAT_FEE"
                else (amount / qty if qty > 0 else Decimal(0))
            )
            parts = []
            if remaining > 0:
                normal = (
                    (remaining / per_unit).to_integral_value(rounding=ROUND_FLOOR)
                    if per_unit
                    else Decimal(0)
                )
                if normal > 0:
                    parts.append(Part(normal, cost(price, normal)))
                over = qty - normal
                if over > 0:
                    parts.append(_overage(over, _round(over * per_unit * factor), factor))
                remaining -= normal * per_unit
            else:
                parts.append(_overage(qty, _round(amount * factor), factor))
        if entitled:
            for part in parts:
                if part.overage:
                    continue
                billable = (
                    Decimal(0) if limit is UNLIMITED else max(part.quantity - limit, Decimal(0))
                )
                part.adjusted = part.quantity - billable
                part.quantity = billable
                part.amount = cost(price, billable)
        out.append(parts)
    return out


def _overage(qty: Decimal, amount: Decimal, factor: Decimal) -> Part:
    meta = {"is_overage": "true", "overage_factor": format(factor.normalize(), "f")}
    return Part(qty, amount, overage=True, metadata=meta)
