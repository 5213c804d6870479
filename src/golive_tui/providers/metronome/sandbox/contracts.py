"""Contract terms beyond the rate card: overrides, commits, credits, usage filters, and
the contract's rate schedule they add up to.

Shapes: `#S/OverrideV2`, `#S/CommitV2`, `#S/CreditV2`, `#S/UsageFilterV2` and
`#S/ContractRateSchedule` in the official spec; the SDK's
`types/v1/contract_retrieve_rate_schedule_response.py` (`list_rate` required,
`override_rate` and `commit_rate` optional) and `types/shared/override.py`.

Override rules (`#S/OverrideInput`, `#S/CreateContractPayload`): overwrites win over
multipliers; among multipliers the default LOWEST_MULTIPLIER prioritisation applies
the lowest. A multiplier scales the list rate; an overwrite replaces it (flat or
tiered: `#S/OverwriteRateV2` has `tiers`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from golive_tui.providers.metronome.sandbox.catalog import Product, Rate, RateCard
from golive_tui.providers.metronome.sandbox.values import USD_CENTS, iso, sid


def _in(at: datetime, start: datetime, end: datetime | None) -> bool:
    return start <= at and (end is None or at < end)


@dataclass
class Override:
    id: str
    product: Product
    starting_at: datetime
    created_at: datetime
    type: str  # OVERWRITE | MULTIPLIER
    multiplier: Decimal | None = None
    overwrite_rate: Rate | None = None
    pricing_group_values: dict[str, str] | None = None  # via override_specifiers
    ending_before: datetime | None = None

    def applies(self, rate: Rate, at: datetime) -> bool:
        if rate.product_id != self.product.id or not _in(at, self.starting_at, self.ending_before):
            return False
        wanted = self.pricing_group_values or {}
        have = rate.pricing_group_values or {}
        return all(have.get(k) == v for k, v in wanted.items())

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "created_at": iso(self.created_at),
            "starting_at": iso(self.starting_at),
            "type": self.type,
            "entitled": True,
        }
        if self.pricing_group_values:
            spec = {
                "product_id": self.product.id,
                "pricing_group_values": self.pricing_group_values,
            }
            out["override_specifiers"] = [spec]
        else:
            out["product"] = {"id": self.product.id, "name": self.product.name}
        if self.multiplier is not None:
            out["multiplier"] = self.multiplier
        if self.overwrite_rate is not None:
            rate = self.overwrite_rate.rate_api()
            rate.pop("pricing_group_values", None)
            out["overwrite_rate"] = rate
        if self.ending_before is not None:
            out["ending_before"] = iso(self.ending_before)
        return out


@dataclass
class Commit:
    """A prepaid or postpaid commit, or a credit (`type` CREDIT), with one access segment."""

    id: str
    name: str
    type: str  # PREPAID | POSTPAID | CREDIT
    product: Product  # the FIXED product the commit is sold as
    created_at: datetime
    amount: Decimal  # in cents
    access_start: datetime
    access_end: datetime
    applicable_product_ids: list[str] = field(default_factory=list)  # none: all products
    rate_type: str = "LIST_RATE"  # COMMIT_RATE: draws are priced at the rate's commit_rate
    priority: int = 1

    def available(self, at: datetime) -> bool:
        return _in(at, self.access_start, self.access_end)

    def applies_to(self, product_id: str) -> bool:
        return not self.applicable_product_ids or product_id in self.applicable_product_ids

    def to_api(self, contract_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "contract": {"id": contract_id},
            "type": self.type,
            "name": self.name,
            "priority": self.priority,
            "product": {"id": self.product.id, "name": self.product.name},
            "rate_type": self.rate_type,
            "created_at": iso(self.created_at),
            "access_schedule": {
                "credit_type": dict(USD_CENTS),
                "schedule_items": [
                    {
                        "id": sid("access", self.id),
                        "amount": self.amount,
                        "starting_at": iso(self.access_start),
                        "ending_before": iso(self.access_end),
                    }
                ],
            },
        }
        if self.applicable_product_ids:
            out["applicable_product_ids"] = list(self.applicable_product_ids)
        if self.type == "POSTPAID":  # #S/CommitInput: one invoice item, the true-up
            out["invoice_schedule"] = {
                "credit_type": dict(USD_CENTS),
                "schedule_items": [
                    {
                        "id": sid("trueup", self.id),
                        "invoice_id": None,
                        "amount": self.amount,
                        "unit_price": self.amount,
                        "quantity": 1,
                        "timestamp": iso(self.access_end),
                    }
                ],
            }
        if self.type == "CREDIT":
            out.pop("rate_type")  # #S/CreditV2 has no rate_type (v1 #S/Credit does)
        return out


@dataclass
class UsageFilter:
    """`#S/UsageFilterV2`: only events whose `group_key` is in `group_values` reach it."""

    group_key: str
    group_values: list[str]
    starting_at: datetime

    def admits(self, properties: dict[str, Any], at: datetime) -> bool:
        if at < self.starting_at:
            return True
        return str(properties.get(self.group_key)) in self.group_values

    def to_api(self) -> dict[str, Any]:
        return {
            "group_key": self.group_key,
            "group_values": list(self.group_values),
            "starting_at": iso(self.starting_at),
        }


@dataclass
class ScheduleRow:
    """One `#S/ContractRateSchedule` entry: the list rate and what the contract makes of it."""

    product: Product
    list_rate: Rate
    override_rate: Rate | None

    def price(self, *, commit: Commit | None = None) -> Rate:
        """The rate usage is billed at (a COMMIT_RATE draw uses the commit rate)."""
        drawn = commit is not None and commit.rate_type == "COMMIT_RATE"
        if drawn and self.list_rate.commit_rate is not None:
            return self.list_rate.commit_rate
        return self.override_rate or self.list_rate

    def to_api(self, card_id: str) -> dict[str, Any]:
        rate = self.list_rate
        out: dict[str, Any] = {
            "rate_card_id": card_id,
            "product_id": self.product.id,
            "product_name": self.product.name,
            "product_tags": list(self.product.tags),
            "product_custom_fields": {},
            "starting_at": iso(rate.starting_at),
            "entitled": rate.entitled,
            "list_rate": _bare(rate),
        }
        if rate.pricing_group_values:
            out["pricing_group_values"] = dict(rate.pricing_group_values)
        if self.override_rate is not None:
            out["override_rate"] = _bare(self.override_rate)
        if rate.commit_rate is not None:
            commit = _bare(rate.commit_rate)
            commit.pop("credit_type", None)  # #S/CommitRate has no credit_type
            out["commit_rate"] = commit
        if rate.ending_before is not None:
            out["ending_before"] = iso(rate.ending_before)
        if rate.billing_frequency:
            out["billing_frequency"] = rate.billing_frequency
        return out


def _bare(rate: Rate) -> dict[str, Any]:
    out = rate.rate_api()
    out.pop("pricing_group_values", None)  # the row carries them
    return out


def override_rate(rate: Rate, overrides: list[Override], at: datetime) -> Rate | None:
    """The contract's rate for `rate` at `at`: an overwrite, else the lowest multiplier."""
    found = [o for o in overrides if o.applies(rate, at)]
    for o in found:
        if o.type == "OVERWRITE" and o.overwrite_rate is not None:
            return o.overwrite_rate
    multipliers = [o.multiplier for o in found if o.type == "MULTIPLIER" and o.multiplier]
    if multipliers:
        return rate.scaled(min(multipliers))
    return None


def rate_schedule(
    card: RateCard | None,
    products: dict[str, Product],
    overrides: list[Override],
    at: datetime,
) -> list[ScheduleRow]:
    """Every entitled rate of the contract's rate card in force at `at`."""
    rows = []
    for rate in card.rates if card else []:
        product = products.get(rate.product_id)
        if product is None or not rate.active(at):
            continue
        rows.append(ScheduleRow(product, rate, override_rate(rate, overrides, at)))
    return rows
