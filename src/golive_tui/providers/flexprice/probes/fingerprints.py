"""Flexprice configuration a verdict rests on, as snapshots (core/fingerprint.py).

Built from the JSON the probes already fetched, and again by the re-read
(providers/flexprice/recheck.py) from the same endpoints, with these same functions,
so an unchanged account gives the same digest:
- `meter_snapshot`: one meter of `POST /v1/features/search` (expand meters);
- `subscription_snapshot`: one item of `GET /v1/customers/external/{id}/subscriptions`
  (top-level terms only);
- `plan_snapshot`: the prices `GET /v1/subscriptions/{id}` bills at now (`prices_in_force`);
- `setting_snapshot`: `GET /v1/settings/{key}` (404: the server's defaults apply).

Prices are keyed by their display name, not their id: `PUT /v1/prices/{id}` with a new
amount or tiers ends the price and creates another one (internal/ee/service/price.go
UpdatePrice, dto/price.go ToCreatePriceRequest copies the display name), so the id
changes while "LLM tokens tier 2 unit amount $0.0000015 → $0.0000012" is what changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from golive_tui.core.fingerprint import Snapshot
from golive_tui.core.money import format_money
from golive_tui.core.probes.common import dec, fmt, parse_time

METER = "meter"
PLAN = "plan"
SUBSCRIPTION = "subscription"
SETTING = "environment setting"


def _amount(value: Any) -> str:
    return fmt(dec(value))


def _money(value: Any, currency: Any) -> str:
    """A price in the currency's units with every digit ("$0.0000015"); Flexprice
    amounts are already major units (dollars, not cents)."""
    code = str(currency or "")
    return format_money(dec(value), code, exact=True) if code else _amount(value)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _word(value: Any) -> str:
    return str(value).strip().lower() if value not in (None, "") else "(none)"


def meter_snapshot(meter: dict[str, Any]) -> Snapshot:
    agg = _obj(meter.get("aggregation"))
    # UpdateMeter merges filters through a Go map (ee/service/meter.go mergeFilters):
    # their order means nothing, so keys and values are sorted.
    filters = sorted(
        f"{f.get('key')} in [{', '.join(sorted(str(v) for v in f.get('values') or []))}]"
        for f in meter.get("filters") or []
        if isinstance(f, dict)
    )
    values = {
        "event name": str(meter.get("event_name", "")),
        "aggregation": _word(agg.get("type")),
        "aggregation field": str(agg.get("field") or "(none)"),
        "filters": "; ".join(filters) or "(none)",
        "reset usage": _word(meter.get("reset_usage")),
        "status": _word(meter.get("status")),
    }
    name = str(meter.get("name") or meter.get("event_name") or "")
    return Snapshot.build(METER, str(meter.get("id", "")), name, values)


def subscription_snapshot(sub: dict[str, Any]) -> Snapshot:
    """The subscription's terms as the customer's subscription list shows them."""
    values = {
        "status": _word(sub.get("subscription_status")),
        "plan id": str(sub.get("plan_id") or "(none)"),
        "currency": _word(sub.get("currency")),
        "billing period": _word(sub.get("billing_period")),
        "collection method": _word(sub.get("collection_method") or "charge_automatically"),
    }
    if sub.get("commitment_amount") is not None:
        values["commitment amount"] = _money(sub.get("commitment_amount"), sub.get("currency"))
        values["overage factor"] = _amount(sub.get("overage_factor") or 1)
    return Snapshot.build(SUBSCRIPTION, str(sub.get("id", "")), str(sub.get("id", "")), values)


def _current(obj: dict[str, Any], now: datetime) -> bool:
    """Whether a line item is in force at `now` (Go sends a zero end_date)."""
    start, end = parse_time(obj.get("start_date")), parse_time(obj.get("end_date"))
    if start is not None and start > now:
        return False
    return end is None or end.year <= 1 or end > now


def _same_terms(price: dict[str, Any], sub: dict[str, Any]) -> bool:
    """The price is in the subscription's currency and billing period."""
    cur, period = str(sub.get("currency") or "").lower(), sub.get("billing_period")
    return (not cur or str(price.get("currency") or cur).lower() == cur) and (
        not period or price.get("billing_period") in (None, period)
    )


def prices_in_force(full: dict[str, Any], now: datetime) -> dict[str, dict[str, Any]]:
    """The prices `GET /v1/subscriptions/{id}` bills at `now`, by id.

    That answer embeds each line item's price (internal/ee/service/subscription.go
    GetSubscription), expired ones too; only line items in force now, in the
    subscription's currency and period, count.
    """
    prices: dict[str, dict[str, Any]] = {}
    for li in full.get("line_items") or []:
        price = li.get("price") if isinstance(li, dict) else None
        if not isinstance(price, dict) or not price.get("id") or not _current(li, now):
            continue
        if _same_terms(price, full):
            prices[str(price["id"])] = price
    return prices


def _price_values(label: str, price: dict[str, Any]) -> dict[str, str]:
    model = _word(price.get("billing_model"))
    cur = price.get("currency")
    out = {
        f"{label} type": _word(price.get("type")),
        f"{label} billing model": model,
        f"{label} currency": _word(price.get("currency")),
        f"{label} billing period": _word(price.get("billing_period")),
        f"{label} invoice cadence": _word(price.get("invoice_cadence")),
    }
    if price.get("meter_id"):
        out[f"{label} meter id"] = str(price["meter_id"])
    if model == "tiered":
        out[f"{label} tier mode"] = _word(price.get("tier_mode") or "VOLUME")
        for n, tier in enumerate(price.get("tiers") or [], start=1):
            if not isinstance(tier, dict):
                continue
            up_to = tier.get("up_to")
            out[f"{label} tier {n} up to"] = "no limit" if up_to is None else _amount(up_to)
            out[f"{label} tier {n} unit amount"] = _money(tier.get("unit_amount"), cur)
            if tier.get("flat_amount") is not None:
                out[f"{label} tier {n} flat amount"] = _money(tier.get("flat_amount"), cur)
    else:
        out[f"{label} amount"] = _money(price.get("amount"), cur)
    transform = price.get("transform_quantity")
    if model == "package" and isinstance(transform, dict):
        out[f"{label} package size"] = _amount(transform.get("divide_by") or 1)
        out[f"{label} rounding"] = _word(transform.get("round") or "up")
    end = parse_time(price.get("end_date"))
    if end is not None and end.year > 1:  # an ended price still billed by its line item
        out[f"{label} ends"] = end.isoformat()
    return out


def plan_snapshot(full: dict[str, Any], prices: dict[str, dict[str, Any]]) -> Snapshot:
    """The plan's prices the subscription (`full`, GET /v1/subscriptions/{id}) bills at."""
    plan = _obj(full.get("plan"))
    items = [li for li in full.get("line_items") or [] if isinstance(li, dict)]
    name = str(plan.get("name") or next((li.get("plan_display_name") for li in items), "") or "")
    values: dict[str, str] = {}
    for price in sorted(prices.values(), key=lambda p: str(p.get("id"))):
        label = str(price.get("display_name") or price.get("id"))
        if any(k.startswith(f"{label} ") for k in values):
            label = f"{label} ({price.get('id')})"  # two prices named alike: keep both apart
        values.update(_price_values(label, price))
    return Snapshot.build(PLAN, str(full.get("plan_id") or plan.get("id") or ""), name, values)


def setting_snapshot(key: str, value: dict[str, Any] | None) -> Snapshot:
    """An environment setting as read; None when none is stored (the defaults apply)."""
    if value is None:
        return Snapshot.build(SETTING, key, key, {"stored": "no (Flexprice defaults)"})
    shown = {k.replace("_", " "): _word(v) for k, v in sorted(value.items())}
    return Snapshot.build(SETTING, key, key, {"stored": "yes", **shown})
