"""Metronome probes. API facts: shared/reference/metronome-api.md and the official spec.

Conventions the probes rely on (each one a documented Metronome fact):
- pagination `limit`/`next_page` go in the query string, even on POST list endpoints;
- `/v1/events/search` takes camelCase `transactionIds` and returns a bare array;
- USD amounts are cents; quantities and totals are compared as Decimal;
- `transaction_id` dedups for 34 days, so re-sending a batch is safe.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

from golive_tui.core.net import is_production_host
from golive_tui.core.probes.common import (
    dec,
    fmt,
    insecure_url,
    iso,
    parse_time,
    utc_now,
)
from golive_tui.core.probes.engine import (
    Concluded,
    ProbeContext,
    Verdict,
    errored,
    failed,
    passed,
    probe,
    warned,
)
from golive_tui.core.probes.http import ApiError
from golive_tui.core.probes.webhooks import Scheme, check_endpoint, endpoint_problem

PRODUCTION_URL = "https://api.metronome.com"
USAGE = "customer-usage"  # serial group: probes that add usage to the test customer
MAX_BACKDATE_DAYS = 34
DEFAULT_BACKDATE_DAYS = 14
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


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
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(max_pages):
        q = dict(params or {})
        if limit is not None:
            q["limit"] = limit
        if cursor:
            q["next_page"] = cursor
        resp = await ctx.api.request(
            method, path, params=q, json_body=body, expect="object", keys=("data",)
        )
        data = resp.body.get("data", []) if isinstance(resp.body, dict) else []
        items.extend(d for d in data if isinstance(d, dict))
        cursor = resp.body.get("next_page") if isinstance(resp.body, dict) else None
        if not cursor:
            break
    return items


def _customer_ref(ctx: ProbeContext) -> str:
    return (ctx.target.customer_id or str(ctx.settings.get("customer_id", ""))).strip()


async def _customer(ctx: ProbeContext) -> tuple[dict[str, Any] | None, str]:
    """The test customer by id or ingest alias; (None, reason) when not found."""
    ref = _customer_ref(ctx)
    if not ref:
        return None, (
            "no test customer configured; set the customer id (or one of its ingest aliases)"
            " with --customer-id or in the app's setup"
        )
    ctx.doing("looking up the test customer")
    if _UUID.match(ref):
        try:
            resp = await ctx.api.request(
                "GET", f"/v1/customers/{ref}", expect="object", keys=("data",)
            )
            data = resp.body.get("data") if isinstance(resp.body, dict) else None
            if isinstance(data, dict):
                return data, ""
        except ApiError as exc:
            if exc.status not in (400, 404):
                raise
    resp = await ctx.api.request(
        "GET",
        "/v1/customers",
        params={"ingest_alias": ref, "limit": 1},
        expect="object",
        keys=("data",),
    )
    data = resp.body.get("data", []) if isinstance(resp.body, dict) else []
    if data:
        return data[0], ""
    return None, (
        f"customer {ref!r} not found, neither as a customer id nor as an ingest alias;"
        " events sent with it would match no customer — create it or fix the id"
    )


async def _contracts(ctx: ProbeContext, customer_id: str) -> list[dict[str, Any]]:
    ctx.doing("listing the customer's contracts")
    resp = await ctx.api.request(
        "POST",
        "/v2/contracts/list",
        json_body={"customer_id": customer_id, "covering_date": iso(utc_now())},
        expect="object",
        keys=("data",),
    )
    data = resp.body.get("data", []) if isinstance(resp.body, dict) else []
    return [c for c in data if isinstance(c, dict) and not c.get("archived_at")]


async def _rates(ctx: ProbeContext, rate_card_id: str) -> list[dict[str, Any]]:
    ctx.doing("reading the rate card's current rates")
    return await _paged(
        ctx,
        "POST",
        "/v1/contract-pricing/rate-cards/getRates",
        body={"rate_card_id": rate_card_id, "at": iso(utc_now())},
    )


async def _products(ctx: ProbeContext) -> dict[str, dict[str, Any]]:
    ctx.doing("listing products")
    items = await _paged(
        ctx, "POST", "/v1/contract-pricing/products/list", body={"archive_filter": "ALL"}
    )
    return {p["id"]: p for p in items if "id" in p}


async def _metrics(ctx: ProbeContext) -> dict[str, dict[str, Any]]:
    ctx.doing("listing billable metrics")
    items = await _paged(ctx, "GET", "/v1/billable-metrics", params={"include_archived": True})
    return {m["id"]: m for m in items if "id" in m}


def _name(obj: dict[str, Any]) -> str:
    current = obj.get("current")
    if isinstance(current, dict) and current.get("name"):
        return str(current["name"])
    return str(obj.get("name") or obj.get("product_name") or obj.get("id", "?"))


class _Setup:
    """The customer, its contract, rates, products and metrics, looked up once."""

    def __init__(self) -> None:
        self.customer: dict[str, Any] = {}
        self.contract: dict[str, Any] | None = None
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
    """What every usage probe needs; ends the probe (`Concluded`) if it is not there."""
    setup = _Setup()
    customer, why = await _customer(ctx)
    if customer is None:
        raise Concluded(failed(why))
    setup.customer = customer
    contracts = await _contracts(ctx, customer["id"])
    if not contracts:
        raise Concluded(
            failed(
                f"customer {customer.get('name', customer['id'])!r} has no contract covering now;"
                " usage will not be invoiced — provision a contract on the rate card"
            )
        )
    setup.contract = contracts[0]
    rate_card_id = setup.contract.get("rate_card_id")
    products, metrics = await asyncio.gather(_products(ctx), _metrics(ctx))
    setup.products, setup.metrics = products, metrics
    if rate_card_id:
        setup.rates = await _rates(ctx, str(rate_card_id))
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


async def _ingest(ctx: ProbeContext, events: list[dict[str, Any]]) -> None:
    ctx.doing("sending test events to /v1/ingest")
    for start in range(0, len(events), 100):
        # Retrying a batch is safe: transaction_id deduplicates it.
        await ctx.api.request("POST", "/v1/ingest", json_body=events[start : start + 100])
    for tid in dict.fromkeys(e["transaction_id"] for e in events):
        ctx.created_object("usage-event", tid)


async def _search_settled(
    ctx: ProbeContext, transaction_ids: list[str]
) -> tuple[dict[str, list[dict[str, Any]]], bool]:
    """Poll /v1/events/search until every id is found and processed, or time runs out."""
    ctx.doing("waiting for the test events to be processed (/v1/events/search)")
    wait = 0.1
    found: dict[str, list[dict[str, Any]]] = {}
    while True:
        resp = await ctx.api.request(
            "POST",
            "/v1/events/search",
            json_body={"transactionIds": transaction_ids},
            expect="array",
        )
        found = {}
        for rec in resp.body if isinstance(resp.body, list) else []:
            found.setdefault(str(rec.get("transaction_id")), []).append(rec)
        settled = all(
            tid in found and all(r.get("processed_at") for r in found[tid])
            for tid in transaction_ids
        )
        if settled:
            return found, True
        if not await ctx.poll(wait):
            return found, False
        wait = min(wait * 2, 2.0)


# --- tier maths -----------------------------------------------------------------------


def rated_amount(rate: dict[str, Any], quantity: Decimal) -> Decimal:
    """What `quantity` units cost under a FLAT or graduated TIERED rate."""
    rate_type = str(rate.get("rate_type", "")).upper()
    if rate_type == "FLAT":
        return quantity * dec(rate.get("price"))
    if rate_type == "TIERED":
        total = Decimal(0)
        remaining = quantity
        for tier in rate.get("tiers") or []:
            size = tier.get("size")
            take = remaining if size is None else min(remaining, dec(size))
            total += take * dec(tier.get("price"))
            remaining -= take
            if remaining <= 0:
                break
        return total
    raise ValueError(f"rate type {rate_type or '?'} is not priced per unit")


def tier_boundaries(rate: dict[str, Any]) -> list[Decimal]:
    bounds, acc = [], Decimal(0)
    for tier in rate.get("tiers") or []:
        if tier.get("size") is None:
            break
        acc += dec(tier["size"])
        bounds.append(acc)
    return bounds


# --- probes -----------------------------------------------------------------------------


def check_base_url(base_url: str, environment: str) -> str | None:
    """Why the base URL is unsafe or wrong for this environment, or None."""
    insecure = insecure_url(base_url, PRODUCTION_URL)
    if insecure:
        return insecure
    if environment == "production" and base_url.rstrip("/") != PRODUCTION_URL:
        return (
            f"production target points at {base_url!r}, not {PRODUCTION_URL}; point every"
            " production integration at the production URL"
        )
    return None


@probe("metronome", "auth", "API token is valid", deadline=15)
async def auth(ctx: ProbeContext) -> Verdict:
    problem = check_base_url(ctx.target.base_url, ctx.target.environment)
    if problem:
        return failed(problem)  # checked before the token is ever sent
    ctx.doing("calling GET /v1/customers?limit=1")
    try:
        resp = await ctx.api.request(
            "GET", "/v1/customers", params={"limit": 1}, expect="object", keys=("data",)
        )
    except ApiError as exc:
        if exc.is_auth:
            return failed(
                f"Metronome rejected the token ({exc.status}); create a token in Metronome"
                " (Developer → API tokens) and store it with golive token set"
            )
        raise
    env: str = ctx.target.environment
    details = [
        "Metronome cannot tell which environment a token belongs to: make sure this one was"
        f" created for {env}."
    ]
    if env != "production" and is_production_host("metronome", ctx.target.base_url):
        env += " (treated as production: the host is Metronome's production API)"
        details.append("writing probes run here only with --allow-writes or the app's confirmation")
    return passed(
        f"token accepted by {ctx.target.base_url} ({resp.elapsed_ms} ms); target is {env}",
        *details,
    )


@probe("metronome", "metrics-active", "Billable metrics are active and keyed", deadline=20)
async def metrics_active(ctx: ProbeContext) -> Verdict:
    metrics = await _metrics(ctx)
    if not metrics:
        return failed("no billable metrics exist; create one per usage product before launch")
    details = []
    for m in metrics.values():
        etf = m.get("event_type_filter") or {}
        groups = m.get("group_keys") or []
        details.append(
            f"{m.get('name')}: event types {etf.get('in_values') or 'any'},"
            f" {_aggregation(m) or 'sql'}"
            + (f"({m['aggregation_key']})" if m.get("aggregation_key") else "")
            + f", group keys {groups or 'none'}"
            + (" — ARCHIVED" if m.get("archived_at") else "")
        )
    problems: list[str] = []
    warnings: list[str] = []
    ref = _customer_ref(ctx)
    if ref:
        setup = await _setup(ctx)
        for rate in setup.rates:
            product = setup.products.get(str(rate.get("product_id")))
            if not product or product.get("type") != "USAGE":
                continue
            metric_id = str((product.get("current") or {}).get("billable_metric_id"))
            metric = metrics.get(metric_id)
            if metric is None:
                problems.append(
                    f"product {_name(product)!r} uses billable metric {metric_id}, which does not"
                    " exist; map the product to a live metric"
                )
            elif metric.get("archived_at"):
                problems.append(
                    f"product {_name(product)!r} on the customer's rate card is metered by"
                    f" archived metric {metric.get('name')!r}, which no longer counts usage;"
                    " map it to an active metric"
                )
    else:
        warnings.append("no test customer set, so the rate card's products were not checked")
    keyless = [
        str(m.get("name"))
        for m in metrics.values()
        if not m.get("archived_at") and not m.get("group_keys")
    ]
    if keyless:
        warnings.append(
            f"metrics without group keys: {', '.join(keyless)} — group keys cannot be added"
            " later, so pricing or invoices can never be split by a dimension"
        )
    if problems:
        return failed(problems[0], *problems[1:], *details)
    active = sum(1 for m in metrics.values() if not m.get("archived_at"))
    if warnings:
        return warned(warnings[0], *warnings[1:], *details)
    return passed(f"{active} active billable metrics, each with group keys", *details)


def _target_metrics(setup: _Setup, limit: int = 3) -> list[dict[str, Any]]:
    seen, out = set(), []
    for _, _, metric in setup.usage_products():
        if metric["id"] in seen or metric.get("archived_at") or not _event_type(metric):
            continue
        if _aggregation(metric) not in ("sum", "count", "max", "latest", "unique"):
            continue
        seen.add(metric["id"])
        out.append(metric)
    return out[:limit]


@probe(
    "metronome",
    "ingest-dedup",
    "Test events are deduplicated and matched",
    writes=True,
    deadline=30,
    serial_group=USAGE,
)
async def ingest_dedup(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    metrics = _target_metrics(setup)
    if not metrics:
        return failed(
            "no usage product on the customer's rate card is metered by an active metric with"
            " an event type filter; golive cannot craft a matching test event"
        )
    ref = _customer_ref(ctx)
    t = utc_now() - timedelta(minutes=5)
    events = []
    for i, metric in enumerate(metrics):
        # The integration-test guide's recipe: two events per metric …
        events.append(_event(ctx, metric, ref, 2 * i + 1, 1, t, "dedup"))
        events.append(_event(ctx, metric, ref, 2 * i + 2, 1, t, "dedup"))
    duplicate = dict(events[0])  # … and one repeat of a transaction_id
    events.append(duplicate)
    await _ingest(ctx, events)
    ids = list(dict.fromkeys(e["transaction_id"] for e in events))
    found, settled = await _search_settled(ctx, ids)
    if not settled:
        missing = [tid for tid in ids if tid not in found]
        return warned(
            f"{len(missing) or 'some'} of {len(ids)} test events not processed yet after"
            f" {ctx.spec.deadline:.0f} s; Metronome may be lagging — re-run in a few minutes",
            *(f"not found yet: {tid}" for tid in missing),
        )
    problems = []
    dup_records = found.get(duplicate["transaction_id"], [])
    counted = [r for r in dup_records if not r.get("is_duplicate")]
    if len(counted) > 1:
        problems.append(
            f"the repeated transaction_id {duplicate['transaction_id']!r} was counted"
            f" {len(counted)} times: Metronome did not flag the repeat as a duplicate"
        )
    customer_id = setup.customer["id"]
    by_id = {m["id"]: m for m in metrics}
    for e, metric in zip(events[:-1], [m for m in metrics for _ in (0, 1)], strict=True):
        for rec in found.get(e["transaction_id"], [])[:1]:
            matched = rec.get("matched_customer") or {}
            if matched.get("id") != customer_id:
                problems.append(
                    f"event {e['transaction_id']} (customer_id {ref!r}) matched no customer;"
                    f" add {ref!r} as an ingest alias of the customer or send its id"
                )
            names = {str(m.get("id")) for m in rec.get("matched_billable_metrics") or []}
            if metric["id"] not in names:
                problems.append(
                    f"event {e['transaction_id']} (event_type {e['event_type']!r}) did not match"
                    f" billable metric {metric.get('name')!r}; its filters and the event's"
                    " event_type/properties disagree"
                )
    for e in events[:1]:
        ctx.note("sample test event", json.dumps(e, indent=2))
    if problems:
        return failed(problems[0], *problems[1:])
    return passed(
        f"{len(events)} test events ({len(by_id)} metrics): the repeated transaction_id was"
        " flagged duplicate, every event matched the customer and its billable metric",
        *(f"metric {m.get('name')}: matched" for m in metrics),
    )


@probe(
    "metronome",
    "backdated",
    "Backdated events are accepted",
    writes=True,
    deadline=25,
    serial_group=USAGE,
)
async def backdated(ctx: ProbeContext) -> Verdict:
    days_raw = ctx.settings.get("backdate_days", DEFAULT_BACKDATE_DAYS)
    try:
        days = int(days_raw)
    except (TypeError, ValueError):
        return errored(f"setting backdate_days={days_raw!r} is not a whole number of days")
    if not 1 <= days <= MAX_BACKDATE_DAYS:
        return errored(
            f"setting backdate_days={days} is outside 1–{MAX_BACKDATE_DAYS}; Metronome rejects"
            f" events older than {MAX_BACKDATE_DAYS} days, so test {DEFAULT_BACKDATE_DAYS}"
        )
    setup = await _setup(ctx)
    metrics = _target_metrics(setup, limit=1)
    if not metrics:
        return failed("no usage product with an active metric to send a backdated event for")
    when = utc_now() - timedelta(days=days)
    event = _event(ctx, metrics[0], _customer_ref(ctx), 1, 1, when, "backdated")
    try:
        await _ingest(ctx, [event])
    except ApiError as exc:
        if exc.status == 400:
            return failed(
                f"Metronome refused an event dated {days} days back (400: {exc.message});"
                " the backfill window your queue relies on does not hold"
            )
        raise
    found, settled = await _search_settled(ctx, [event["transaction_id"]])
    if not settled:
        return warned(
            f"the {days}-day-old test event was accepted but not searchable yet; re-run later"
        )
    rec = found[event["transaction_id"]][0]
    stamp = str(rec.get("timestamp", ""))
    if not stamp.startswith(event["timestamp"][:10]):
        return failed(
            f"the backdated event came back dated {stamp}, not {event['timestamp']}; timestamps"
            " are being rewritten on the way in"
        )
    return passed(f"an event dated {days} days back ({event['timestamp']}) was accepted and found")


def _draft_for(
    invoices: Iterable[dict[str, Any]], contract_id: str | None
) -> dict[str, Any] | None:
    now = utc_now()
    for inv in invoices:
        if str(inv.get("status", "")).upper() != "DRAFT":
            continue
        if contract_id and inv.get("contract_id") and inv["contract_id"] != contract_id:
            continue
        raw_start, raw_end = inv.get("start_timestamp"), inv.get("end_timestamp")
        if raw_start is None or raw_end is None:
            return inv
        start, end = parse_time(raw_start), parse_time(raw_end)
        if start and end and start <= now < end:
            return inv
    return None


async def _draft(ctx: ProbeContext, setup: _Setup) -> dict[str, Any] | None:
    ctx.doing("reading the customer's DRAFT invoice")
    customer_id = setup.customer["id"]
    invoices = await _paged(
        ctx,
        "GET",
        f"/v1/customers/{customer_id}/invoices",
        params={"status": "DRAFT", "sort": "date_desc"},
        max_pages=3,
    )
    contract_id = setup.contract.get("id") if setup.contract else None
    return _draft_for(invoices, contract_id)


def _line(invoice: dict[str, Any], product_id: str) -> tuple[Decimal, Decimal]:
    qty, total = Decimal(0), Decimal(0)
    for li in invoice.get("line_items") or []:
        if li.get("product_id") == product_id:
            qty += dec(li.get("quantity"))
            total += dec(li.get("total"))
    return qty, total


def _choose_priced(setup: _Setup) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]] | None:
    """Prefer a tiered usage rate (tiers are where maths goes wrong), summed by a key."""
    candidates = []
    for rate, product, metric in setup.usage_products():
        rtype = str((rate.get("rate") or {}).get("rate_type", "")).upper()
        agg = _aggregation(metric)
        if rtype not in ("FLAT", "TIERED") or agg not in ("sum", "count"):
            continue
        if metric.get("archived_at") or not _event_type(metric):
            continue
        if (product.get("current") or {}).get("quantity_conversion"):
            continue  # golive compares raw quantities
        score = (rtype == "TIERED", agg == "sum")
        candidates.append((score, rate, product, metric))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c[0], reverse=True)
    _, rate, product, metric = candidates[0]
    return rate, product, metric


@probe(
    "metronome",
    "invoice-draft",
    "Draft invoice shows the right quantity and total",
    writes=True,
    deadline=40,
    serial_group=USAGE,
)
async def invoice_draft(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    choice = _choose_priced(setup)
    if choice is None:
        return warned(
            "no FLAT or TIERED usage rate metered by a sum or count metric on the rate card;"
            " verify this invoice by hand"
        )
    rate_sched, product, metric = choice
    rate = rate_sched.get("rate") or {}
    before_inv = await _draft(ctx, setup)
    if before_inv is None:
        return failed(
            "no DRAFT invoice covers today for the customer's contract; usage is not being"
            " invoiced — check the contract's dates and billing schedule"
        )
    q0, t0 = _line(before_inv, product["id"])
    inv_total0 = dec(before_inv.get("total"))
    # Send enough usage to cross every tier boundary from where the invoice stands.
    bounds = [b for b in tier_boundaries(rate) if b > q0]
    target = (bounds[-1] + 10) if bounds else q0 + 10
    quantity = target - q0
    agg = _aggregation(metric)
    ref = _customer_ref(ctx)
    t = utc_now() - timedelta(minutes=2)
    if agg == "sum":
        halves = [quantity - quantity // 2, quantity // 2]
        events = [
            _event(ctx, metric, ref, i + 1, q, t, "invoice") for i, q in enumerate(halves) if q
        ]
        dup_qty = halves[0]
    else:
        if quantity > 500:
            return warned(
                f"reaching every tier needs {fmt(quantity)} count events; golive sends at"
                " most 500 — verify the upper tiers by hand"
            )
        events = [_event(ctx, metric, ref, i + 1, 1, t, "invoice") for i in range(int(quantity))]
        dup_qty = Decimal(1)
    events.append(dict(events[0]))  # a duplicate must not be billed
    await _ingest(ctx, events)
    expected_qty = q0 + quantity
    expected_line = rated_amount(rate, expected_qty) - rated_amount(rate, q0) + t0
    ctx.doing("waiting for the draft invoice to include the test usage")
    wait = 0.1
    after_inv: dict[str, Any] | None = None
    q1, t1 = q0, t0
    while True:
        after_inv = await _draft(ctx, setup)
        if after_inv is not None:
            q1, t1 = _line(after_inv, product["id"])
            if q1 != q0:
                break
        if not await ctx.poll(wait):
            return warned(
                f"the draft invoice did not change within {ctx.spec.deadline:.0f} s of sending"
                f" {fmt(quantity)} units; Metronome may be lagging — re-run later"
            )
        wait = min(wait * 2, 2.0)
    assert after_inv is not None
    name = _name(product)
    ctx.note(
        f"{name}: expected vs actual",
        f"quantity: before {fmt(q0)}, sent {fmt(quantity)} (+1 duplicate),"
        f" expected {fmt(expected_qty)}, actual {fmt(q1)}\n"
        f"line total: before {fmt(t0)}, expected {fmt(expected_line)}, actual {fmt(t1)}\n"
        f"rate: {json.dumps(rate, default=str)}",
    )
    problems = []
    if q1 != expected_qty:
        dup_billed = q1 - q0 == quantity + dup_qty
        extra = " — the duplicate event was billed" if dup_billed else ""
        problems.append(
            f"{name}: quantity grew by {fmt(q1 - q0)}, expected exactly {fmt(quantity)}{extra}"
        )
    if t1 != expected_line:
        problems.append(
            f"{name}: line total is {fmt(t1)}, expected {fmt(expected_line)} from the rate card"
            f" ({str(rate.get('rate_type', '')).lower()} rate) — the tiers or price on the"
            " contract differ from the rate card"
        )
    inv_total1 = dec(after_inv.get("total"))
    if not problems and inv_total1 - inv_total0 != t1 - t0:
        problems.append(
            f"invoice total grew by {fmt(inv_total1 - inv_total0)} while the {name} line grew"
            f" by {fmt(t1 - t0)}; another charge moved at the same time"
        )
    if problems:
        return failed(problems[0], *problems[1:])
    tiers = len(rate.get("tiers") or [])
    how = f"all {tiers} tiers crossed" if tiers else "flat rate"
    currency = (before_inv.get("credit_type") or {}).get("name", "")
    return passed(
        f"{name}: +{fmt(quantity)} units (duplicate ignored) added exactly {fmt(t1 - t0)}"
        f" {currency} to the draft ({how})",
    )


@probe("metronome", "pricing-setup", "Products, rate card and tiers are consistent", deadline=25)
async def pricing_setup(ctx: ProbeContext) -> Verdict:
    products, metrics = await asyncio.gather(_products(ctx), _metrics(ctx))
    live = {k: p for k, p in products.items() if not p.get("archived_at")}
    by_type: dict[str, list[str]] = {}
    for p in live.values():
        by_type.setdefault(str(p.get("type")), []).append(_name(p))
    details = [f"{t}: {', '.join(sorted(names))}" for t, names in sorted(by_type.items())]
    problems, warnings = [], []
    for p in live.values():
        if p.get("type") != "USAGE":
            continue
        mid = (p.get("current") or {}).get("billable_metric_id")
        m = metrics.get(str(mid)) if mid else None
        if not mid:
            problems.append(f"usage product {_name(p)!r} has no billable metric")
        elif m is None:
            problems.append(f"usage product {_name(p)!r} points at unknown metric {mid}")
        elif m.get("archived_at"):
            problems.append(
                f"usage product {_name(p)!r} is metered by archived metric {m.get('name')!r}"
            )
    rate_card_id = str(ctx.settings.get("rate_card_id") or "")
    if not rate_card_id and _customer_ref(ctx):
        customer, why = await _customer(ctx)
        if customer is None:
            return failed(why)
        contracts = await _contracts(ctx, customer["id"])
        if contracts:
            rate_card_id = str(contracts[0].get("rate_card_id") or "")
    if not rate_card_id:
        return warned(
            "no rate card to check: set a test customer with a contract, or rate_card_id",
            *problems,
            *details,
        )
    ctx.doing("reading the rate card")
    card = await ctx.api.request(
        "POST",
        "/v1/contract-pricing/rate-cards/get",
        json_body={"id": rate_card_id},
        expect="object",
        keys=("data",),
    )
    card_data = card.body.get("data", {}) if isinstance(card.body, dict) else {}
    currency = (card_data.get("fiat_credit_type") or {}).get("name", "unknown")
    expected_currency = ctx.settings.get("currency")
    if expected_currency and str(expected_currency).lower() not in currency.lower():
        problems.append(
            f"rate card {card_data.get('name')!r} is in {currency}, expected {expected_currency}"
        )
    rates = await _rates(ctx, rate_card_id)
    priced = {str(r.get("product_id")) for r in rates}
    for pid, p in live.items():
        if p.get("type") in ("USAGE", "SUBSCRIPTION") and pid not in priced:
            warnings.append(f"product {_name(p)!r} has no rate on this rate card")
    for r in rates:
        rate = r.get("rate") or {}
        if str(rate.get("rate_type", "")).upper() != "TIERED":
            continue
        tiers = rate.get("tiers") or []
        label = r.get("product_name") or r.get("product_id")
        sizes = [t.get("size") for t in tiers]
        if not tiers:
            problems.append(f"{label}: tiered rate without tiers")
        elif any(s is None for s in sizes[:-1]):
            problems.append(f"{label}: only the last tier may be open-ended")
        elif sizes[-1] is not None:
            top = sum((dec(s) for s in sizes), Decimal(0))
            problems.append(
                f"{label}: tiers stop at {fmt(top)} units; usage beyond would be unpriced —"
                " make the last tier open-ended"
            )
        elif any(dec(s) <= 0 for s in sizes[:-1]):
            problems.append(f"{label}: a tier has a size of zero or less")
        elif any(dec(t.get("price")) < 0 for t in tiers):
            problems.append(f"{label}: a tier has a negative price")
        else:
            details.append(
                f"{label}: {len(tiers)} tiers, boundaries"
                f" {', '.join(fmt(b) for b in tier_boundaries(rate))}"
            )
    details.insert(0, f"rate card {card_data.get('name')!r}: {currency}, {len(rates)} rates")
    if problems:
        return failed(problems[0], *problems[1:], *warnings, *details)
    if warnings:
        return warned(warnings[0], *warnings[1:], *details)
    return passed(
        f"{len(live)} products, every usage product metered, {len(rates)} rates in {currency}",
        *details,
    )


@probe("metronome", "customer-contract", "Customer and contract are provisioned", deadline=20)
async def customer_contract(ctx: ProbeContext) -> Verdict:
    customer, why = await _customer(ctx)
    if customer is None:
        return failed(why)
    name = customer.get("name", customer["id"])
    if customer.get("archived_at"):
        return failed(f"customer {name!r} is archived; events for it are not billed")
    aliases = customer.get("ingest_aliases") or []
    ref = _customer_ref(ctx)
    details = [f"customer {name!r} ({customer['id']})", f"ingest aliases: {aliases or 'none'}"]
    if ref != customer["id"]:
        details.append(f"{ref!r} resolves to this customer as an ingest alias")
    contracts = await _contracts(ctx, customer["id"])
    if not contracts:
        return failed(
            f"customer {name!r} has no contract covering now; provision one on the intended"
            " rate card before sending production usage",
            *details,
        )
    contract = contracts[0]
    schedule = contract.get("usage_statement_schedule") or {}
    freq = str(schedule.get("frequency", "unknown")).upper()
    details.append(
        f"contract {contract.get('name') or contract['id']}: rate card"
        f" {contract.get('rate_card_id') or 'none'}, billed {freq}, from"
        f" {contract.get('starting_at')} until {contract.get('ending_before') or 'open-ended'}"
    )
    expected_card = ctx.settings.get("rate_card_id")
    if expected_card and contract.get("rate_card_id") != expected_card:
        return failed(
            f"the contract uses rate card {contract.get('rate_card_id')}, not the expected"
            f" {expected_card}",
            *details,
        )
    if not contract.get("rate_card_id"):
        return failed("the active contract has no rate card; usage cannot be priced", *details)
    expected_freq = ctx.settings.get("billing_frequency")
    if expected_freq and str(expected_freq).upper() != freq:
        return failed(f"the contract bills {freq}, expected {expected_freq}", *details)
    end = contract.get("ending_before")
    ends = parse_time(end) if end else None
    if ends and ends - utc_now() < timedelta(days=30):
        return warned(f"the contract ends on {end}, within 30 days", *details)
    return passed(f"{name!r} has an active contract billed {freq}", *details)


_ALERT_KINDS = {
    "spend": ("spend_threshold", "invoice_total", "monthly_invoice_total"),
    "credit": ("credit",),
    "commit": ("commit",),
}


@probe("metronome", "alerts", "Spend, credit and commit alerts exist", deadline=15)
async def alerts(ctx: ProbeContext) -> Verdict:
    customer, why = await _customer(ctx)
    if customer is None:
        return failed(why)
    ctx.doing("listing the customer's threshold notifications")
    items = await _paged(
        ctx,
        "POST",
        "/v1/customer-alerts/list",
        body={"customer_id": customer["id"]},
        limit=None,
    )
    types = [str((i.get("alert") or {}).get("type", "")) for i in items]
    details = [
        f"{(i.get('alert') or {}).get('name')}: {(i.get('alert') or {}).get('type')}"
        f" (status {i.get('customer_status')})"
        for i in items
    ]
    if not items:
        return warned(
            "no threshold notifications for this customer; add spend, credit and commit alerts"
            " so balance problems reach you before the customer does"
        )
    missing = [
        kind
        for kind, needles in _ALERT_KINDS.items()
        if not any(n in t for t in types for n in needles)
    ]
    if missing:
        return warned(f"no {' or '.join(missing)} alert configured", *details)
    return passed(f"{len(items)} alerts cover spend, credit and commit", *details)


@probe("metronome", "allowlist", "Metronome's IPs are known for allowlisting", deadline=15)
async def allowlist(ctx: ProbeContext) -> Verdict:
    resp = await ctx.api.request("GET", "/v1/services", expect="object", keys=("services",))
    services = resp.body.get("services", []) if isinstance(resp.body, dict) else []
    if not services:
        return warned("GET /v1/services listed no services; ask Metronome for the IPs to allow")
    details = [
        f"{s.get('name')} ({s.get('usage')}): {', '.join(s.get('ips') or [])}" for s in services
    ]
    ips = sum(len(s.get("ips") or []) for s in services)
    return passed(
        f"{ips} IPs across {len(services)} services; they rotate with 30 days' notice, so poll"
        " /v1/services rather than hard-coding them",
        *details,
    )


# In the usage group: its grouped and ungrouped queries must see the same events,
# so it may not overlap a probe that is adding test usage to the customer.
@probe(
    "metronome",
    "grouped-usage",
    "Grouped usage adds up per group key",
    deadline=25,
    serial_group=USAGE,
)
async def grouped_usage(ctx: ProbeContext) -> Verdict:
    customer, why = await _customer(ctx)
    if customer is None:
        return failed(why)
    metrics = await _metrics(ctx)
    keyed = [m for m in metrics.values() if m.get("group_keys") and not m.get("archived_at")]
    if not keyed:
        return warned("no active metric has group keys; nothing to verify by group")
    end = utc_now().replace(minute=0, second=0) + timedelta(hours=1)
    start = end - timedelta(days=30)
    details, problems = [], []
    for m in keyed[:4]:
        ctx.doing(f"querying usage of {m.get('name')!r}")
        total_resp = await ctx.api.request(
            "POST",
            "/v1/usage",
            json_body={
                "window_size": "none",
                "starting_on": iso(start),
                "ending_before": iso(end),
                "customer_ids": [customer["id"]],
                "billable_metrics": [{"id": m["id"]}],
            },
            expect="object",
            keys=("data",),
        )
        rows = total_resp.body.get("data", []) if isinstance(total_resp.body, dict) else []
        total = sum((dec(r.get("value")) for r in rows), Decimal(0))
        for keys in m["group_keys"][:2]:
            key = keys if isinstance(keys, list) else [keys]
            groups = await _paged(
                ctx,
                "POST",
                "/v1/usage/groups",
                body={
                    "customer_id": customer["id"],
                    "billable_metric_id": m["id"],
                    "window_size": "none",
                    "starting_on": iso(start),
                    "ending_before": iso(end),
                    "group_key": key,
                },
            )
            grouped = sum((dec(g.get("value")) for g in groups), Decimal(0))
            details.append(
                f"{m.get('name')} by {'+'.join(key)}: {len(groups)} groups summing to"
                f" {fmt(grouped)} (ungrouped total {fmt(total)})"
            )
            if grouped != total and _aggregation(m) in ("sum", "count"):
                problems.append(
                    f"{m.get('name')} grouped by {'+'.join(key)} sums to {fmt(grouped)}, but the"
                    f" ungrouped total is {fmt(total)}; some events lack the {key[0]!r} property"
                )
    if problems:
        return failed(problems[0], *problems[1:], *details)
    return passed(f"usage of {len(keyed[:4])} grouped metrics adds up per group key", *details)


METRONOME_WEBHOOKS = Scheme(
    noun="notification",
    signature_header="Metronome-Webhook-Signature",
    signed_content="X-Metronome-Date + newline + the raw body",
    timestamp_header="X-Metronome-Date",
    secret_hint="the endpoint's secret from Metronome (Developer → Notifications → Webhooks)",
)


def sign(secret: str, date: str, body: bytes) -> str:
    """Metronome's webhook signature: hex HMAC-SHA256 over `date + "\\n" + body`."""
    return hmac.new(secret.encode(), date.encode() + b"\n" + body, hashlib.sha256).hexdigest()


@probe(
    "metronome",
    "webhook-signature",
    "Webhook endpoint rejects forged signatures",
    writes=True,
    deadline=20,
)
async def webhook_signature(ctx: ProbeContext) -> Verdict:
    problem = endpoint_problem(ctx, METRONOME_WEBHOOKS)
    if problem:
        return problem
    assert ctx.webhook_secret is not None
    secret = ctx.webhook_secret.reveal()
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "type": "golive.signature_test",
            "properties": {"golive_run": ctx.run_id},
        },
        indent=2,
    ).encode()

    def signed(key: str, when: datetime) -> dict[str, str]:
        date = format_datetime(when, usegmt=True)
        return {
            "User-Agent": "Metronome",
            "X-Metronome-Date": date,
            "Date": date,
            "Metronome-Webhook-Signature": sign(key, date, body),
        }

    now = datetime.now(UTC)
    return await check_endpoint(
        ctx,
        METRONOME_WEBHOOKS,
        body,
        forged=signed("golive-forged-key", now),
        stale=signed(secret, now - timedelta(minutes=10)),
        genuine=signed(secret, now),
    )
