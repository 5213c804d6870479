"""Metronome probes: the shared look-ups, event crafting and tier maths.

API facts: shared/reference/metronome-api.md and the official spec.

Conventions the probes rely on (each one a documented Metronome fact):
- pagination `limit`/`next_page` go in the query string, even on POST list endpoints;
- `/v1/events/search` takes camelCase `transactionIds` and returns a bare array;
- USD amounts are cents; quantities and totals are compared as Decimal;
- `transaction_id` dedups for 34 days, so re-sending a batch is safe.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from golive_tui.core.probes.common import dec, fmt, iso, utc_now
from golive_tui.core.probes.engine import Concluded, ProbeContext, failed, probe, warned
from golive_tui.core.probes.steps import (
    customer_ref,
    required_customer,
    unconfigured_customer,
)
from golive_tui.core.probes.tiers import Tier, boundaries, graduated
from golive_tui.providers.metronome.probes import contracts as terms
from golive_tui.providers.metronome.probes import reads
from golive_tui.providers.metronome.probes.rates import contract_rates

PRODUCTION_URL = "https://api.metronome.com"
USAGE = "customer-usage"  # serial group: probes that read the test customer's usage
# This provider's probes register under its name; a usage probe adds usage to the
# test customer, so it writes, and sends with the others once (probes/settling.py).
metronome_probe = partial(probe, "metronome")
usage_probe = partial(metronome_probe, writes=True, batch="usage")
MAX_BACKDATE_DAYS = 34
DEFAULT_BACKDATE_DAYS = 14


# --- shared look-ups ---------------------------------------------------------------


async def _paged(
    ctx: ProbeContext,
    method: str,
    path: str,
    *,
    params: dict[str, Any] | None = None,
    body: Any = None,
    limit: int | None = 100,
    max_pages: int = 20,
) -> list[dict[str, Any]]:
    return await reads.paged(
        ctx.api, method, path, params=params, body=body, limit=limit, max_pages=max_pages
    )


async def _customer(ctx: ProbeContext) -> tuple[dict[str, Any] | None, str]:
    """The test customer by id or ingest alias; (None, reason) when not found."""
    ref = customer_ref(ctx)
    if not ref:
        return None, unconfigured_customer("the customer id (or one of its ingest aliases)")
    ctx.doing("looking up the test customer")
    found = await reads.customer_by_ref(ctx.api, ref)
    if found is not None:
        return found, ""
    return None, (
        f"customer {ref!r} not found, neither as a customer id nor as an ingest alias;"
        " events sent with it would match no customer — create it or fix the id"
    )


async def _contracts(
    ctx: ProbeContext, customer_id: str, until: datetime | None = None
) -> list[dict[str, Any]]:
    """Every live contract starting before `until` (default: end of today; see
    probes/contracts.py): `covering_date=now` would miss one starting later today."""
    ctx.doing("listing the customer's contracts")
    return terms.live(await reads.contracts_of(ctx.api, customer_id), utc_now(), until)


async def _rates(ctx: ProbeContext, rate_card_id: str) -> list[dict[str, Any]]:
    ctx.doing("reading the rate card's current rates")
    return await reads.card_rates(ctx.api, rate_card_id, utc_now())


async def _products(ctx: ProbeContext) -> dict[str, dict[str, Any]]:
    ctx.doing("listing products")
    items = await _paged(
        ctx, "POST", "/v1/contract-pricing/products/list", body={"archive_filter": "ALL"}
    )
    return {p["id"]: p for p in items if "id" in p}


async def _metrics(ctx: ProbeContext) -> dict[str, dict[str, Any]]:
    ctx.doing("listing billable metrics")
    return {m["id"]: m for m in await reads.metrics(ctx.api) if "id" in m}


def _name(obj: dict[str, Any]) -> str:
    current = obj.get("current")
    if isinstance(current, dict) and current.get("name"):
        return str(current["name"])
    return str(obj.get("name") or obj.get("product_name") or obj.get("id", "?"))


class _Setup:
    """The customer, its contracts, rates, products and metrics, looked up once.

    `contract` is the one test usage lands on; `rates` are the contract rate schedule
    rows of every live contract (`schedules` by contract id).
    """

    def __init__(self) -> None:
        self.customer: dict[str, Any] = {}
        self.contract: dict[str, Any] | None = None
        self.contracts: list[dict[str, Any]] = []
        self.schedules: dict[str, list[dict[str, Any]]] = {}
        self.rates: list[dict[str, Any]] = []
        self.products: dict[str, dict[str, Any]] = {}
        self.metrics: dict[str, dict[str, Any]] = {}

    def usage_products(self) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
        """(rate, product, metric) for each usage product priced on the rate card."""
        out = []
        for rate in self.rates:
            product = self.products.get(str(rate.get("product_id")))
            if not product or product.get("type") != "USAGE":
                continue
            metric_id = (product.get("current") or {}).get("billable_metric_id")
            metric = self.metrics.get(str(metric_id))
            if metric:
                out.append((rate, product, metric))
        return out


async def _setup(ctx: ProbeContext) -> _Setup:
    """What every usage probe needs; ends the probe (`Concluded`) if it is not there.

    Read once per run: when it is missing (no contract, no subscription), the first probe
    fails with the cause and the others say "blocked by <that probe>" (one root cause).
    Probes only read the set-up, so sharing one is safe."""
    return await ctx.shared.step("usage-setup", lambda: _read_setup(ctx))


async def _read_setup(ctx: ProbeContext) -> _Setup:
    setup = _Setup()
    customer = await required_customer(ctx, _customer)
    setup.customer = customer
    contracts = await _contracts(ctx, customer["id"])
    if not contracts:
        raise Concluded(
            failed(
                f"customer {customer.get('name', customer['id'])!r} has no contract covering now;"
                " usage will not be invoiced — provision a contract on the rate card"
            )
        )
    setup.contracts = contracts
    setup.contract = terms.for_test_usage(contracts, utc_now())
    if setup.contract is None:
        first = contracts[0]
        raise Concluded(
            warned(
                f"contract {terms.label(first)} starts at {first.get('starting_at')}, later"
                " today; usage sent before then is not invoiced — re-run once it has started"
            )
        )
    products, metrics = await asyncio.gather(_products(ctx), _metrics(ctx))
    setup.products, setup.metrics = products, metrics
    priced = [k for k in contracts if k.get("rate_card_id")]  # no card: nothing to price
    schedules = await asyncio.gather(
        *(contract_rates(ctx, customer["id"], str(k["id"])) for k in priced)
    )
    seen = set()
    for k, rows in zip(priced, schedules, strict=True):
        setup.schedules[str(k["id"])] = rows
        for row in rows:
            key = (
                row.get("product_id"),
                str(sorted((row.get("pricing_group_values") or {}).items())),
            )
            if key not in seen:
                seen.add(key)
                setup.rates.append(row)
    return setup


# --- event crafting -----------------------------------------------------------------


def _event_type(metric: dict[str, Any]) -> str | None:
    etf = metric.get("event_type_filter") or {}
    values = etf.get("in_values") or []
    return str(values[0]) if values else None


def _craft_properties(
    metric: dict[str, Any], quantity: Decimal | int, run_id: str
) -> dict[str, Any]:
    """Properties that satisfy the metric's filters, with `quantity` on its key."""
    props: dict[str, Any] = {"golive_run": run_id}
    for f in metric.get("property_filters") or []:
        name = f.get("name")
        if not name:
            continue
        if f.get("in_values"):
            props[name] = str(f["in_values"][0])
        elif f.get("exists") is False:
            props.pop(name, None)
        else:
            excluded = {str(v) for v in f.get("not_in_values") or []}
            value = "golive-test"
            while value in excluded:
                value += "-x"
            props[name] = value
    for keys in metric.get("group_keys") or []:
        for key in keys if isinstance(keys, list) else [keys]:
            props.setdefault(str(key), "golive-test")
    key = metric.get("aggregation_key")
    if key:
        props[str(key)] = fmt(Decimal(quantity))  # strings avoid float precision loss
    return props


def _aggregation(metric: dict[str, Any]) -> str:
    return str(metric.get("aggregation_type") or "").lower()


def _event(
    ctx: ProbeContext,
    metric: dict[str, Any],
    customer_ref: str,
    n: int,
    quantity: Decimal | int,
    timestamp: datetime,
    tag: str,
) -> dict[str, Any]:
    sample = ctx.settings.get("sample_event")
    if isinstance(sample, dict) and sample.get("event_type"):
        event_type = str(sample["event_type"])
        props = {**dict(sample.get("properties") or {}), "golive_run": ctx.run_id}
        key = metric.get("aggregation_key")
        if key:
            props[str(key)] = fmt(Decimal(quantity))
    else:
        event_type = _event_type(metric) or ""
        props = _craft_properties(metric, quantity, ctx.run_id)
    return {
        "transaction_id": f"golive-{ctx.run_id}-{tag}-{n}",
        "customer_id": customer_ref,
        "event_type": event_type,
        "timestamp": iso(timestamp),
        "properties": props,
    }


async def _post_events(ctx: ProbeContext, events: list[dict[str, Any]]) -> None:
    """POST /v1/ingest, 100 events a request (the documented maximum)."""
    ctx.doing("sending test events to /v1/ingest")
    for start in range(0, len(events), 100):
        # Retrying a batch is safe: transaction_id deduplicates it.
        await ctx.api.request("POST", "/v1/ingest", json_body=events[start : start + 100])


async def _ingest(ctx: ProbeContext, events: list[dict[str, Any]]) -> None:
    await _post_events(ctx, events)
    for tid in dict.fromkeys(e["transaction_id"] for e in events):
        ctx.created_object("usage-event", tid)


# --- tier maths -----------------------------------------------------------------------


def _tiers(rate: dict[str, Any]) -> list[Tier]:
    return [
        Tier(None if t.get("size") is None else dec(t["size"]), dec(t.get("price")))
        for t in rate.get("tiers") or []
    ]


def rated_amount(rate: dict[str, Any], quantity: Decimal) -> Decimal:
    """What `quantity` units cost under a FLAT or graduated TIERED rate."""
    rate_type = str(rate.get("rate_type", "")).upper()
    if rate_type == "FLAT":
        return quantity * dec(rate.get("price"))
    if rate_type == "TIERED":
        return graduated(quantity, _tiers(rate))
    raise ValueError(f"rate type {rate_type or '?'} is not priced per unit")


def tier_boundaries(rate: dict[str, Any]) -> list[Decimal]:
    return boundaries(_tiers(rate))
