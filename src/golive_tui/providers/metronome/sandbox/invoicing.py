"""The usage invoice of one contract period, priced the way a contract prices.

- Usage is priced at the contract's rate schedule (`contracts.rate_schedule`): the
  override rate where one applies, the commit rate for draws on a COMMIT_RATE commit.
- Products with a `pricing_group_key` get one line per group value combination that
  has a rate; usage in a combination without one is not priced (no line).
- Applied commits and credits are their own lines (`type` `applied_commit_or_credit`,
  lowercase as `#S/InvoiceLineItem/properties/type` lists it) with negative totals;
  a POSTPAID application is not part of the invoice total (same description; SDK
  `types/v1/customers/invoice.py` `LineItem.type`).
- A concurrent contract with a `usage_filter` takes only the usage it admits; a
  contract without one takes the rest (inference from "use usage_filters to route the
  correct usage to each contract", `#/paths/~1v1~1contracts~1create/post`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from golive_tui.providers.metronome.sandbox.contracts import Commit, ScheduleRow, rate_schedule
from golive_tui.providers.metronome.sandbox.records import Contract, Event
from golive_tui.providers.metronome.sandbox.values import GRACE_PERIOD, USD_CENTS, iso, sid

if TYPE_CHECKING:
    from golive_tui.providers.metronome.sandbox.account import Account

Balances = dict[str, Decimal]  # commit/credit id → what is left of it


def routed(account: Account, contract: Contract, events: list[Event]) -> list[Event]:
    """The events that reach `contract` among its customer's concurrent contracts."""
    if contract.usage_filter:
        return [
            e
            for e in events
            if all(f.admits(e.properties, e.timestamp) for f in contract.usage_filter)
        ]
    others = [
        k
        for k in account.contracts_of(contract.customer_id)
        if k.id != contract.id and k.usage_filter and k.archived_at is None
    ]
    return [
        e
        for e in events
        if not any(
            k.covers(e.timestamp)
            and all(f.admits(e.properties, e.timestamp) for f in k.usage_filter)
            for k in others
        )
    ]


def _draws(contract: Contract, at: datetime) -> list[Commit]:
    """Commits and credits usage draws on, in order (lower priority first; credits first)."""
    found = [c for c in [*contract.credits, *contract.commits] if c.available(at)]
    return sorted(found, key=lambda c: (c.priority, c.type != "CREDIT"))


def _usage_lines(
    account: Account,
    contract: Contract,
    row: ScheduleRow,
    start: datetime,
    end: datetime,
    now: datetime,
    cutoff: datetime | None,
    balances: Balances,
) -> list[dict[str, Any]]:
    product = row.product
    metric = account.metrics.get(product.billable_metric_id or "")
    if metric is None:
        return []
    events = account.billed_events(
        contract.customer_id, metric, start, end, now, processed_before=cutoff
    )
    events = routed(account, contract, events)
    keys = product.pricing_group_key
    if keys:
        wanted = row.list_rate.pricing_group_values or {}
        events = [e for e in events if all(str(e.properties.get(k)) == wanted.get(k) for k in keys)]
    drawn = next(
        (
            c
            for c in _draws(contract, start)
            if c.rate_type == "COMMIT_RATE"
            and c.applies_to(product.id)
            and balances.get(c.id, c.amount) > 0
        ),
        None,
    )
    rate = row.price(commit=drawn)
    qty = metric.aggregate(events) or Decimal(0)
    line: dict[str, Any] = {
        "name": product.name,
        "type": "usage",
        "product_id": product.id,
        "product_type": "UsageProductListItem",
        "credit_type": dict(USD_CENTS),
        "starting_at": iso(start),
        "ending_before": iso(end),
        "list_price": row.list_rate.rate_api(),
        "quantity": qty,
        "total": rate.amount(qty, first_tier_only=account.first_tier_only),
        "custom_fields": {},
    }
    if rate.price is not None:
        line["unit_price"] = rate.price
    if keys:
        line["pricing_group_values"] = dict(row.list_rate.pricing_group_values or {})
    if drawn is not None and row.list_rate.commit_rate is not None:
        line["commit_id"] = drawn.id
        line["commit_type"] = "PostpaidCommit" if drawn.type == "POSTPAID" else "PrepaidCommit"
    return [line]


def _applied(
    contract: Contract,
    start: datetime,
    end: datetime,
    lines: list[dict[str, Any]],
    balances: Balances,
) -> list[dict[str, Any]]:
    """One negative line per commit or credit drawn on, per product it covers."""
    owed: dict[str, Decimal] = {}
    for li in lines:
        owed[li["product_id"]] = owed.get(li["product_id"], Decimal(0)) + li["total"]
    out = []
    for c in _draws(contract, start):
        left = balances.get(c.id, c.amount)
        for product_id, amount in owed.items():
            take = min(left, amount)
            if take <= 0 or not c.applies_to(product_id):
                continue
            left -= take
            owed[product_id] = amount - take
            out.append(
                {
                    "name": c.name,
                    "type": "applied_commit_or_credit",
                    "product_id": product_id,
                    "product_type": "UsageProductListItem",
                    "credit_type": dict(USD_CENTS),
                    "starting_at": iso(start),
                    "ending_before": iso(end),
                    "total": -take,
                    "commit_id": c.id,
                    "commit_type": "PostpaidCommit" if c.type == "POSTPAID" else "PrepaidCommit",
                    "applied_commit_or_credit": {"id": c.id, "type": c.type},
                    "custom_fields": {},
                }
            )
        balances[c.id] = left
    return out


def usage_invoice(
    account: Account,
    contract: Contract,
    start: datetime,
    end: datetime,
    now: datetime,
    balances: Balances,
) -> dict[str, Any]:
    final = now >= end + GRACE_PERIOD
    cutoff = end + GRACE_PERIOD if final else None
    card = account.rate_cards.get(contract.rate_card_id)
    lines: list[dict[str, Any]] = []
    for row in rate_schedule(card, account.products, contract.overrides, start):
        product = row.product
        if product.type == "USAGE":
            lines += _usage_lines(account, contract, row, start, end, now, cutoff, balances)
        elif product.type == "SUBSCRIPTION":
            rate = row.price()
            qty = rate.quantity or Decimal(1)
            line: dict[str, Any] = {
                "name": product.name,
                "type": "subscription",
                "product_id": product.id,
                "product_type": "SubscriptionProductListItem",
                "credit_type": dict(USD_CENTS),
                "starting_at": iso(start),
                "ending_before": iso(end),
                "list_price": row.list_rate.rate_api(),
                "is_prorated": False,
                "quantity": qty,
                "total": rate.amount(qty),
                "custom_fields": {},
            }
            if rate.price is not None:
                line["unit_price"] = rate.price
            lines.append(line)
    applied = _applied(contract, start, end, lines, balances)
    billed = lines + [li for li in applied if li["applied_commit_or_credit"]["type"] != "POSTPAID"]
    out: dict[str, Any] = {
        "id": sid("invoice", contract.id, iso(start)),
        "customer_id": contract.customer_id,
        "credit_type": dict(USD_CENTS),
        "line_items": lines + applied,
        "status": "FINALIZED" if final else "DRAFT",
        "total": sum((li["total"] for li in billed), Decimal(0)),
        "type": "USAGE",
        "start_timestamp": iso(start),
        "end_timestamp": iso(end),
        "contract_id": contract.id,
        "created_at": iso(start),
        "net_payment_terms_days": 30,
        "custom_fields": {},
    }
    if final:
        out["issued_at"] = iso(end + GRACE_PERIOD)
    return out


def trueup_invoice(
    contract: Contract, commit: Commit, now: datetime, balances: Balances
) -> dict[str, Any]:
    """The SCHEDULED invoice that pays a postpaid commit's shortfall at the end of access.

    "If the total amount paid during the access period is less than the committed
    amount, there's a final true-up invoice on the invoice_date" (docs: disable-trueup-
    for-commit). Its line carries `postpaid_commit` (`#S/InvoiceLineItem`); the spec
    lists no `type` value for it, so the one here is a stand-in the probes must ignore.
    """
    final = now >= commit.access_end
    shortfall = balances.get(commit.id, commit.amount)
    line = {
        "name": f"{commit.name} true-up",
        "type": "postpaid_trueup",
        "product_id": commit.product.id,
        "product_type": "FixedProductListItem",
        "credit_type": dict(USD_CENTS),
        "quantity": Decimal(1),
        "unit_price": shortfall,
        "total": shortfall,
        "commit_id": commit.id,
        "commit_type": "PostpaidCommit",
        "postpaid_commit": {"id": commit.id},
        "custom_fields": {},
    }
    out: dict[str, Any] = {
        "id": sid("invoice", contract.id, "trueup", commit.id),
        "customer_id": contract.customer_id,
        "credit_type": dict(USD_CENTS),
        "line_items": [line],
        "status": "FINALIZED" if final else "DRAFT",
        "total": shortfall,
        "type": "SCHEDULED",
        "start_timestamp": iso(commit.access_start),
        "end_timestamp": iso(commit.access_end),
        "contract_id": contract.id,
        "created_at": iso(commit.access_start),
        "net_payment_terms_days": 30,
        "custom_fields": {},
    }
    if final:
        out["issued_at"] = iso(commit.access_end)
    return out
