"""Metronome probes: the contract's real price for a product at a time, and the
expected line amount for a quantity.

- The price comes from `POST /v1/contracts/getContractRateSchedule` (spec
  `#S/ContractRateSchedule`; SDK `types/v1/contract_retrieve_rate_schedule_response.py`):
  `override_rate` when the contract overrides the rate, else `list_rate`; a draw on a
  COMMIT_RATE commit or credit is priced at `commit_rate` (`#S/CommitRate`). The rate
  card's `getRates` is the list price only ("for a specific customer's contract,
  inclusive of contract-level overrides, use getContractRateSchedule").
- Invoice lines are told apart by `type` (lowercase, `#S/InvoiceLineItem/properties/type`):
  `usage` lines carry the charge; `applied_commit_or_credit` lines have negative totals,
  and a POSTPAID application is not part of the invoice total.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from golive_tui.core.money import format_minor, format_money
from golive_tui.core.probes.common import dec, fmt, utc_now
from golive_tui.core.probes.engine import ProbeContext
from golive_tui.core.probes.lines import Line
from golive_tui.providers.metronome.probes import reads

Row = dict[str, Any]  # one ContractRateSchedule entry


async def contract_rates(
    ctx: ProbeContext, customer_id: str, contract_id: str, at: datetime | None = None
) -> list[Row]:
    """Every entitled rate of the contract at `at` (default now), all pages."""
    ctx.doing("reading the contract's rate schedule")
    return await reads.rate_schedule(ctx.api, customer_id, contract_id, at or utc_now())


def price_of(row: Row, *, commit_rate: bool = False) -> dict[str, Any]:
    """The rate the contract bills: commit rate for COMMIT_RATE draws, override, else list."""
    if commit_rate and isinstance(row.get("commit_rate"), dict):
        return dict(row["commit_rate"])
    override = row.get("override_rate")
    return dict(override if isinstance(override, dict) else row.get("list_rate") or {})


def source_of(row: Row, *, commit_rate: bool = False) -> str:
    if commit_rate and isinstance(row.get("commit_rate"), dict):
        return "the contract's commit rate"
    if isinstance(row.get("override_rate"), dict):
        return "the contract's override"
    return "the contract's list rate"


def group_label(values: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted((values or {}).items()))


def _same_groups(line: dict[str, Any], values: dict[str, Any] | None) -> bool:
    if not values:
        return True
    have = line.get("pricing_group_values") or {}
    return all(have.get(k) == v for k, v in values.items())


def usage_line(
    invoice: dict[str, Any], product_id: str, group_values: dict[str, Any] | None = None
) -> Line:
    """Quantity and total of the product's `usage` lines (in the pricing group, if any)."""
    qty, total = Decimal(0), Decimal(0)
    for li in invoice.get("line_items") or []:
        if str(li.get("type", "")).lower() != "usage" or li.get("product_id") != product_id:
            continue
        if _same_groups(li, group_values):
            qty += dec(li.get("quantity"))
            total += dec(li.get("total"))
    return qty, total


def drawn_commits(
    invoice: dict[str, Any], product_id: str, group_values: dict[str, Any] | None = None
) -> set[str]:
    """Ids of the commits or credits whose draw priced the product's usage lines."""
    return {
        str(li["commit_id"])
        for li in invoice.get("line_items") or []
        if str(li.get("type", "")).lower() == "usage"
        and li.get("product_id") == product_id
        and li.get("commit_id")
        and _same_groups(li, group_values)
    }


def drawdown(invoice: dict[str, Any]) -> Decimal:
    """What applied commits and credits take off the invoice total (≤ 0); postpaid
    applications are paid in arrears and not part of the total."""
    total = Decimal(0)
    for li in invoice.get("line_items") or []:
        if str(li.get("type", "")).lower() != "applied_commit_or_credit":
            continue
        applied = li.get("applied_commit_or_credit") or {}
        if str(applied.get("type", "")).upper() == "POSTPAID":
            continue
        total += dec(li.get("total"))
    return total


def commit_rate_ids(contracts: list[dict[str, Any]]) -> set[str]:
    """Commits and credits whose draws are priced at the commit rate."""
    out = set()
    for k in contracts:
        for c in [*(k.get("commits") or []), *(k.get("credits") or [])]:
            if str(c.get("rate_type", "")).upper() == "COMMIT_RATE" and c.get("id"):
                out.add(str(c["id"]))
    return out


def currency_code(credit_type: dict[str, Any] | None) -> str:
    """ "USD (cents)" → "USD"; a custom pricing unit keeps its name."""
    name = str((credit_type or {}).get("name") or "unknown")
    code = name.partition(" ")[0]
    return code if len(code) == 3 and code.isalpha() else name


def money(amount: Decimal, credit_type: dict[str, Any] | None, *, exact: bool = False) -> str:
    """An invoice amount as people read it: "USD (cents)" counts cents → "$19.90"."""
    name = str((credit_type or {}).get("name") or "")
    code, _, unit = name.partition(" ")
    if len(code) == 3 and code.isalpha():
        if "cent" in unit.lower():
            return format_minor(amount, code, exact=exact)
        return format_money(amount, code, exact=exact)
    return f"{fmt(amount)} {name or 'units'}"  # a custom pricing unit: no currency maths


def rate_text(rate: dict[str, Any], credit_type: dict[str, Any] | None = None) -> str:
    """A rate in one line with prices as money: "tiered: $0.000003 up to 1000000, …"."""
    kind = str(rate.get("rate_type", "")).lower()
    ct = credit_type or rate.get("credit_type") or {"name": "USD (cents)"}
    tiers = rate.get("tiers") or []
    if tiers:
        parts = []
        for t in tiers:
            price = money(dec(t.get("price")), ct)
            parts.append(
                f"{price} for {fmt(dec(t['size']))}" if t.get("size") else f"{price} above"
            )
        return f"{kind}: " + ", ".join(parts)
    return f"{kind}: {money(dec(rate.get('price')), ct)} per unit"
