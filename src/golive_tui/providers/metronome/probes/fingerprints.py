"""Metronome snapshots: the configuration a probe's verdict rests on, in words.

Built from the JSON the probes already fetch, and by providers/metronome/recheck.py
from the same endpoints, so an unchanged account gives equal snapshots:
- a billable metric (`GET /v1/billable-metrics[/{id}]`, spec `#S/BillableMetricV1`);
- a rate card's list rates in force now (`rate-cards/get` + `getRates`);
- a contract's rate schedule in force now (`getContractRateSchedule`, spec
  `#S/ContractRateSchedule`: the list rate, the override and the commit rate) with the
  contract's COMMIT_RATE commits and credits, which price their draws differently;
- a contract's terms (`/v2/contracts/list`) and the customer (`GET /v1/customers/{id}`).

Rates are time-bound: only what is in force at the moment of reading counts, and an
`ending_before` is left out, so a rate scheduled to start later (which ends the current
one then) is not a change now. Amounts are Decimal text: the API's USD cents shown as
dollars with every digit ("$0.0000025"), a custom pricing unit's as the API counts it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from golive_tui.core.fingerprint import Snapshot
from golive_tui.core.money import format_minor
from golive_tui.core.probes.common import dec, fmt
from golive_tui.core.probes.engine import ProbeContext

if TYPE_CHECKING:  # lookups.py builds the set-up; this module only reads it
    from golive_tui.providers.metronome.probes.lookups import _Setup

METRIC = "billable metric"
RATE_CARD = "rate card"
SCHEDULE = "contract rate schedule"
CONTRACT = "contract"
CUSTOMER = "customer"

Obj = dict[str, Any]


def _text(value: Any) -> str:
    return "none" if value in (None, "", []) else str(value)


def _filters(filters: list[Obj]) -> str:
    """ "input_tokens exists; model in gpt-4, gpt-5" """
    parts = []
    for f in sorted(filters or [], key=lambda f: str(f.get("name"))):
        said = []
        if "exists" in f:
            said.append("exists" if f["exists"] else "absent")
        if f.get("in_values"):
            said.append("in " + ", ".join(map(str, f["in_values"])))
        if f.get("not_in_values"):
            said.append("not in " + ", ".join(map(str, f["not_in_values"])))
        parts.append(f"{f.get('name')} {' and '.join(said) or 'any'}")
    return "; ".join(parts) or "none"


def _group_keys(keys: list[Any]) -> str:
    return "; ".join("+".join(map(str, k)) if isinstance(k, list) else str(k) for k in keys or [])


def metric_snapshot(m: Obj) -> Snapshot:
    etf = m.get("event_type_filter") or {}
    values = {
        "event types": ", ".join(map(str, etf.get("in_values") or [])) or "any",
        "aggregation": _text(m.get("aggregation_type")),
        "aggregation key": _text(m.get("aggregation_key")),
        "group keys": _group_keys(m.get("group_keys") or []) or "none",
        "property filters": _filters(m.get("property_filters") or []),
        "archived": f"since {m['archived_at']}" if m.get("archived_at") else "no",
    }
    if m.get("sql"):
        values["sql"] = str(m["sql"])
    return Snapshot.build(METRIC, str(m.get("id", "")), str(m.get("name") or ""), values)


def unit(credit_type: Obj | None) -> str:
    """ "USD (cents)" → "USD cents"; a custom pricing unit keeps its name."""
    name = str((credit_type or {}).get("name") or "USD (cents)")
    code, _, rest = name.partition(" ")
    return f"{code} {rest.strip('()')}" if rest else name


def _per(money: str) -> str:
    """The unit a price's name carries: none for a currency shown as money."""
    return "" if money.endswith(" cents") else f" ({money})"


def _amount(value: Any, money: str) -> str:
    """A price as a reviewer reads it: USD cents as dollars, every digit kept
    ("$0.0000025"); a custom pricing unit's count as it is."""
    code, _, minor = money.partition(" ")
    if minor == "cents":
        return format_minor(dec(value), code, exact=True)
    return fmt(dec(value))


def _label(row: Obj) -> str:
    """What a reviewer calls one rate: "Input tokens (model=atlas-2)"."""
    label = str(row.get("product_name") or row.get("product_id"))
    groups = row.get("pricing_group_values") or {}
    if groups:
        label += " (" + ", ".join(f"{k}={v}" for k, v in sorted(groups.items())) + ")"
    if row.get("billing_frequency"):
        label += f" ({str(row['billing_frequency']).lower()})"
    return label


def _rate_values(label: str, rate: Obj, fallback_unit: str) -> dict[str, str]:
    """One rate flattened: its type and every price and tier size."""
    money = unit(rate["credit_type"]) if rate.get("credit_type") else fallback_unit
    out = {f"{label} rate type": _text(rate.get("rate_type"))}
    if rate.get("price") is not None:
        out[f"{label} price{_per(money)}"] = _amount(rate["price"], money)
    for i, tier in enumerate(rate.get("tiers") or [], start=1):
        out[f"{label} tier {i} price{_per(money)}"] = _amount(tier.get("price"), money)
        out[f"{label} tier {i} size"] = (
            "open-ended" if tier.get("size") is None else fmt(dec(tier["size"]))
        )
    if rate.get("quantity") is not None:
        out[f"{label} quantity"] = fmt(dec(rate["quantity"]))
    return out


def rate_card_snapshot(card_id: str, card: Obj, rates: list[Obj]) -> Snapshot:
    """A rate card's list rates in force when `getRates` was read."""
    money = unit(card.get("fiat_credit_type"))
    values: dict[str, str] = {"currency": unit(card.get("fiat_credit_type"))}
    for r in rates:
        label = _label(r)
        values[f"{label} starting at"] = _text(r.get("starting_at"))
        values.update(_rate_values(label, r.get("rate") or {}, money))
    return Snapshot.build(RATE_CARD, card_id, str(card.get("name") or card_id), values)


def _price_changing(contract: Obj) -> list[Obj]:
    """The contract's commits and credits whose draws are priced at the commit rate."""
    return [
        c
        for c in [*(contract.get("commits") or []), *(contract.get("credits") or [])]
        if str(c.get("rate_type", "")).upper() == "COMMIT_RATE"
    ]


def schedule_snapshot(contract: Obj, rows: list[Obj]) -> Snapshot:
    """What the contract bills for each product now: list rate, override, commit rate."""
    values: dict[str, str] = {}
    for row in rows:
        label = _label(row)
        list_rate = row.get("list_rate") or {}
        money = unit(list_rate.get("credit_type"))
        values[f"{label} starting at"] = _text(row.get("starting_at"))
        values[f"{label} entitled"] = "yes" if row.get("entitled", True) else "no"
        override = row.get("override_rate")
        if isinstance(override, dict):
            values[f"{label} billed at"] = "the contract's override"
            values.update(_rate_values(f"{label} list", list_rate, money))
            values.update(_rate_values(label, override, money))
        else:
            values[f"{label} billed at"] = "the list rate"
            values.update(_rate_values(label, list_rate, money))
        if isinstance(row.get("commit_rate"), dict):
            values.update(_rate_values(f"{label} commit", row["commit_rate"], money))
    for c in _price_changing(contract):
        name = str(c.get("name") or c.get("id"))
        products = c.get("applicable_product_ids") or []
        scope = f", for {len(products)} product{'s' * (len(products) != 1)}" if products else ""
        kind = str(c.get("type", "commit")).lower()
        values[f"{kind} {name!r} draws priced at"] = "the commit rate" + scope
    cid = str(contract.get("id", ""))
    return Snapshot.build(SCHEDULE, cid, str(contract.get("name") or cid), values)


def contract_snapshot(contract: Obj) -> Snapshot:
    """A contract's terms the customer-contract verdict rests on."""
    schedule = contract.get("usage_statement_schedule") or {}
    filters = contract.get("usage_filter")
    rules = [
        f"{f.get('group_key')} in {', '.join(map(str, f.get('group_values') or []))}"
        for f in (filters if isinstance(filters, list) else [])
        if isinstance(f, dict)
    ]
    values = {
        "rate card": _text(contract.get("rate_card_id")),
        "starting at": _text(contract.get("starting_at")),
        "ending before": str(contract.get("ending_before") or "open-ended"),
        "billing frequency": _text(str(schedule.get("frequency") or "").upper()),
        "usage filter": "; ".join(rules) or "none",
    }
    cid = str(contract.get("id", ""))
    return Snapshot.build(CONTRACT, cid, str(contract.get("name") or cid), values)


def customer_snapshot(customer: Obj) -> Snapshot:
    """The test customer: events reach it through its ingest aliases."""
    values = {
        "ingest aliases": ", ".join(sorted(map(str, customer.get("ingest_aliases") or [])))
        or "none",
        "archived": f"since {customer['archived_at']}" if customer.get("archived_at") else "no",
    }
    cid = str(customer.get("id", ""))
    return Snapshot.build(CUSTOMER, cid, str(customer.get("name") or cid), values)


def saw_setup(ctx: ProbeContext, setup: _Setup) -> None:
    """Record, in this probe's result, the account objects the shared set-up read."""
    contract = setup.contract or {}
    ctx.saw_account(
        customer_id=setup.customer.get("id"),
        customer_name=setup.customer.get("name"),
        contract_id=contract.get("id"),
        rate_card_id=contract.get("rate_card_id"),
    )
