"""Flexprice probes. API facts: shared/reference/flexprice-api.md and the official spec.

Flexprice's worst trap is silent: `POST /v1/events` answers 202 for everything, so an
event whose name matches no meter, whose customer does not exist, or that lacks the
meter's aggregation field is accepted and never billed. These probes find that before
launch. Conventions they rely on:
- the base URL is the regional host; every route is under `/v1`;
- search routes page by offset in the JSON body, answers carry `pagination.offset`
  already advanced to the next page;
- money and quantities are decimal strings, compared as Decimal;
- tier `up_to` bounds are inclusive; SLAB tiers are graduated, VOLUME tiers price
  every unit at the tier the total falls in.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote

from golive_tui.core.probes.common import (
    dec,
    fmt,
    insecure_url,
    iso,
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
from golive_tui.core.probes.environment import environment_id, flexprice_environment_type
from golive_tui.core.probes.http import ApiError
from golive_tui.core.probes.webhooks import Scheme, check_endpoint, endpoint_problem

HOSTS = {"us": "https://us.api.flexprice.io", "india": "https://api.cloud.flexprice.io"}
USAGE = "customer-usage"  # serial group: probes that add usage to the test customer
_AGGREGATES_A_FIELD = {"SUM", "AVG", "MAX", "MIN", "LATEST", "SUM_WITH_MULTIPLIER", "WEIGHTED_SUM"}
_FAILURE_WORDS = {
    "customer_lookup": "no customer has this external_customer_id — create the customer with"
    " external_id equal to what your events send",
    "meter_lookup": "no meter matches this event_name (names are exact and case-sensitive)",
    "price_lookup": "the matched meter has no price on the customer's plan",
    "subscription_line_item_lookup": "the customer has no active subscription line item for"
    " this meter at the event's timestamp",
    "attributed_to_customer": "the event could not be attributed to the customer",
}


# --- shared look-ups ---------------------------------------------------------------------


def _external_id(ctx: ProbeContext) -> str:
    return (ctx.target.customer_id or str(ctx.settings.get("customer_id", ""))).strip()


async def _search(
    ctx: ProbeContext, path: str, body: dict[str, Any], *, limit: int = 500, max_pages: int = 10
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    offset = 0
    for _ in range(max_pages):
        resp = await ctx.api.request(
            "POST",
            f"/v1{path}",
            json_body={**body, "limit": limit, "offset": offset},
            expect="object",
            keys=("items",),
        )
        data = resp.body if isinstance(resp.body, dict) else {}
        page = [i for i in data.get("items") or [] if isinstance(i, dict)]
        items.extend(page)
        pagination = data.get("pagination") or {}
        total = int(pagination.get("total") or 0)
        offset = int(pagination.get("offset") or offset + limit)
        if not page or len(items) >= total:
            break
    return items


async def _meters(ctx: ProbeContext) -> dict[str, dict[str, Any]]:
    """Meters by id, from the catalogue's metered features."""
    ctx.doing("reading the catalogue's meters (/v1/features/search)")
    features = await _search(ctx, "/features/search", {"expand": "meters"})
    meters = {}
    for f in features:
        meter = f.get("meter")
        if isinstance(meter, dict) and meter.get("id"):
            meters[str(meter["id"])] = {**meter, "_feature": f.get("name")}
    return meters


async def _customer(ctx: ProbeContext) -> tuple[dict[str, Any] | None, str]:
    ext = _external_id(ctx)
    if not ext:
        return None, (
            "no test customer configured; set the customer's external id (what your events"
            " send as external_customer_id) with --customer-id or in the app's setup"
        )
    ctx.doing("looking up the test customer by external id")
    try:
        resp = await ctx.api.request(
            "GET", f"/v1/customers/external/{quote(ext, safe='')}", expect="object", keys=("id",)
        )
    except ApiError as exc:
        if exc.status == 404:
            return None, (
                f"no customer has external_id {ext!r}; events sent for it get 202 and are never"
                " billed — create the customer with external_id exactly as your events send it"
            )
        raise
    return (resp.body if isinstance(resp.body, dict) else None), ""


async def _subscriptions(ctx: ProbeContext, ext: str) -> list[dict[str, Any]]:
    ctx.doing("reading the customer's subscriptions")
    resp = await ctx.api.request(
        "GET",
        f"/v1/customers/external/{quote(ext, safe='')}/subscriptions",
        params={"expand": "prices,meters"},
        expect="object",
        keys=("items",),
    )
    items = resp.body.get("items") if isinstance(resp.body, dict) else None
    return [
        s
        for s in items or []
        if isinstance(s, dict)
        and str(s.get("subscription_status", "")).lower() in ("active", "trialing")
    ]


async def _prices(ctx: ProbeContext, sub: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The subscription's prices by id (from its line items, else from its plan)."""
    prices: dict[str, dict[str, Any]] = {}
    for li in sub.get("line_items") or []:
        price = li.get("price")
        if isinstance(price, dict) and price.get("id"):
            prices[str(price["id"])] = price
    if prices or not sub.get("plan_id"):
        return prices
    ctx.doing("reading the plan's prices")
    resp = await ctx.api.request(
        "GET", f"/v1/plans/{quote(str(sub['plan_id']), safe='')}", expect="object", keys=("id",)
    )
    plan = resp.body if isinstance(resp.body, dict) else {}
    return {str(p["id"]): p for p in plan.get("prices") or [] if p.get("id")}


class _Setup:
    def __init__(self) -> None:
        self.customer: dict[str, Any] = {}
        self.subscription: dict[str, Any] = {}
        self.meters: dict[str, dict[str, Any]] = {}
        self.prices: dict[str, dict[str, Any]] = {}

    def billed(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(meter, price) for each usage price on the subscription."""
        out = []
        for price in self.prices.values():
            meter = self.meters.get(str(price.get("meter_id")))
            if meter and str(price.get("type", "USAGE")).upper() == "USAGE":
                out.append((meter, price))
        return out


async def _setup(ctx: ProbeContext) -> _Setup:
    """What every usage probe needs; ends the probe (`Concluded`) if it is not there."""
    setup = _Setup()
    customer, why = await _customer(ctx)
    if customer is None:
        raise Concluded(failed(why))
    setup.customer = customer
    subs = await _subscriptions(ctx, _external_id(ctx))
    if not subs:
        raise Concluded(
            failed(
                f"customer {customer.get('name') or _external_id(ctx)!r} has no active"
                " subscription; its events are accepted and never billed — subscribe it to the"
                " production plan"
            )
        )
    wanted_plan = ctx.settings.get("plan_id")
    setup.subscription = next(
        (s for s in subs if not wanted_plan or s.get("plan_id") == wanted_plan), subs[0]
    )
    setup.meters = await _meters(ctx)
    setup.prices = await _prices(ctx, setup.subscription)
    return setup


# --- events -------------------------------------------------------------------------------


def _app_events(ctx: ProbeContext) -> dict[str, dict[str, Any]]:
    """What the user's app sends: event name → sample properties (may be empty)."""
    samples = ctx.settings.get("sample_events")
    names = ctx.settings.get("event_names") or []
    out: dict[str, dict[str, Any]] = {str(n): {} for n in names}
    if isinstance(samples, dict):
        for name, props in samples.items():
            out[str(name)] = dict(props) if isinstance(props, dict) else {}
    return out


def _missing_field(meter: dict[str, Any], props: dict[str, Any]) -> str | None:
    agg = meter.get("aggregation") or {}
    field = agg.get("field")
    if str(agg.get("type", "")).upper() in _AGGREGATES_A_FIELD and field and field not in props:
        return str(field)
    return None


def _event(
    ctx: ProbeContext, meter: dict[str, Any], n: int, quantity: Decimal, tag: str
) -> dict[str, Any]:
    """A test event the meter will match, carrying `quantity` on its aggregation field."""
    name = str(meter.get("event_name", "")).strip()
    props: dict[str, Any] = {**_app_events(ctx).get(name, {}), "golive_run": ctx.run_id}
    for flt in meter.get("filters") or []:
        values = flt.get("values") or []
        if flt.get("key") and values and str(props.get(flt["key"])) not in map(str, values):
            props[str(flt["key"])] = str(values[0])
    field = (meter.get("aggregation") or {}).get("field")
    if field:
        props[str(field)] = fmt(quantity)
    props = {k: str(v) for k, v in props.items()}  # the API's properties are strings
    return {
        "event_id": f"golive-{ctx.run_id}-{tag}-{n}",
        "event_name": name,
        "external_customer_id": _external_id(ctx),
        "timestamp": iso(utc_now() - timedelta(seconds=30)),
        "properties": props,
    }


async def _send(ctx: ProbeContext, event: dict[str, Any]) -> None:
    # Re-sending an identical event (same event_id AND timestamp) is what Flexprice
    # collapses, so a retry after a 5xx cannot double-count a test event for long.
    resp = await ctx.api.request(
        "POST", "/v1/events", json_body=event, ok=(202,), expect="object", keys=("event_id",)
    )
    if not isinstance(resp.body, dict) or not resp.body.get("event_id"):
        raise ApiError(f"POST /v1/events answered 202 without an event_id: {resp.body!r}")
    ctx.created_object("usage-event", str(event["event_id"]))


async def _lookup(ctx: ProbeContext, event_id: str) -> dict[str, Any] | None:
    """Poll the event debugger until the event is processed or failed; None at deadline."""
    ctx.doing(f"waiting for event {event_id} in the event debugger (/v1/events/lookup)")
    wait = 0.1
    while True:
        try:
            resp = await ctx.api.request(
                "GET", "/v1/events/lookup", params={"id": event_id}, ok=(200,), expect="object"
            )
            body = resp.body if isinstance(resp.body, dict) else {}
            if body.get("status") in ("processed", "failed"):
                return body
        except ApiError as exc:
            # 404 (and, by a quirk of the server, 500) until the event is stored.
            if exc.status not in (404, 500):
                raise
        if not await ctx.poll(wait):
            return None
        wait = min(wait * 2, 2.0)


def _failure(body: dict[str, Any]) -> str | None:
    tracker = body.get("debug_tracker") or {}
    point = (tracker.get("failure_point") or {}).get("failure_point_type")
    if point:
        step = tracker.get(point) or {}
        error = step.get("error") if isinstance(step, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        words = _FAILURE_WORDS.get(str(point), str(point))
        return f"{words}" + (f" (Flexprice: {message})" if message else "")
    if body.get("status") == "failed":
        return "Flexprice marked the event failed without saying where"
    if not body.get("processed_events"):
        return "the event was processed but attributed to no subscription line item"
    return None


# --- pricing ---------------------------------------------------------------------------


def rated_amount(price: dict[str, Any], quantity: Decimal) -> Decimal:
    """What `quantity` units cost under a Flexprice price (FLAT_FEE, PACKAGE, TIERED)."""
    model = str(price.get("billing_model", "")).upper()
    if model == "FLAT_FEE":
        return quantity * dec(price.get("amount"))
    if model == "PACKAGE":
        tq = price.get("transform_quantity") or {}
        size = dec(tq.get("divide_by")) or Decimal(1)
        rounding = ROUND_FLOOR if str(tq.get("round", "up")).lower() == "down" else ROUND_CEILING
        packages = (quantity / size).to_integral_value(rounding=rounding)
        return packages * dec(price.get("amount"))
    if model == "TIERED":
        tiers = price.get("tiers") or []
        if str(price.get("tier_mode", "VOLUME")).upper() == "VOLUME":
            for tier in tiers:
                up_to = tier.get("up_to")
                if up_to is None or quantity <= dec(up_to):
                    return quantity * dec(tier.get("unit_amount")) + dec(tier.get("flat_amount"))
            return Decimal(0)
        total, below = Decimal(0), Decimal(0)
        for tier in tiers:
            up_to = tier.get("up_to")
            top = quantity if up_to is None else min(quantity, dec(up_to))
            units = top - below
            if units > 0:
                total += units * dec(tier.get("unit_amount")) + dec(tier.get("flat_amount"))
            if up_to is None or quantity <= dec(up_to):
                break
            below = dec(up_to)
        return total
    raise ValueError(f"billing model {model or '?'} is not priced per unit")


_ZERO_DECIMAL = {
    "bif",
    "clp",
    "djf",
    "gnf",
    "isk",
    "jpy",
    "kmf",
    "krw",
    "pyg",
    "rwf",
    "ugx",
    "vnd",
    "vuv",
    "xaf",
    "xof",
    "xpf",
}


def to_minor_unit(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-up to the currency's smallest unit (cents for USD)."""
    exponent = Decimal(1) if currency.lower() in _ZERO_DECIMAL else Decimal("0.01")
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def _boundaries(price: dict[str, Any]) -> list[Decimal]:
    return [dec(t["up_to"]) for t in price.get("tiers") or [] if t.get("up_to") is not None]


# --- probes -------------------------------------------------------------------------------


def check_base_url(base_url: str, environment: str, region: str) -> str | None:
    """Why the base URL is unsafe or wrong for this environment, or None."""
    hosts = " or ".join(HOSTS.values())
    insecure = insecure_url(base_url, hosts)
    if insecure:
        return insecure
    url = base_url.rstrip("/")
    if url.endswith("/v1"):
        return f"base URL {base_url!r} ends in /v1; give the host only, golive adds /v1"
    if environment != "production":
        return None
    if url not in HOSTS.values():
        return (
            f"production target points at {base_url!r}; Flexprice Cloud serves production at"
            f" {hosts} (pick your region)"
        )
    if region and HOSTS.get(region.lower()) not in (None, url):
        return f"region {region!r} is served at {HOSTS[region.lower()]}, not {base_url!r}"
    return None


async def _environment_mismatch(ctx: ProbeContext, env_id: str, details: list[str]) -> str:
    """Why the key's environment type contradicts the target's environment ("" if not)."""
    ctx.doing(f"reading the type of environment {env_id}")
    try:
        reported, said = await flexprice_environment_type(ctx.api, env_id)
    except ApiError as exc:
        details.append(f"the environment's type could not be read: {exc.summary}")
        return ""
    details.append(said)
    claimed = ctx.target.environment
    if reported is None or reported == claimed:
        return ""
    return (
        f"the target says {claimed} but the key belongs to a {reported} environment ({said});"
        f" use a key from the {claimed} environment, or --environment {reported}"
    )


@probe("flexprice", "auth", "API key is valid and its environment resolves", deadline=15)
async def auth(ctx: ProbeContext) -> Verdict:
    problem = check_base_url(ctx.target.base_url, ctx.target.environment, ctx.target.region)
    if problem:
        return failed(problem)  # checked before the key is ever sent
    ctx.doing("calling POST /v1/customers/search {limit: 1}")
    try:
        resp = await ctx.api.request(
            "POST",
            "/v1/customers/search",
            json_body={"limit": 1},
            expect="object",
            keys=("items",),
        )
    except ApiError as exc:
        if exc.status == 401:
            return failed(
                "Flexprice rejected the key (401); create an API key in the dashboard"
                " (Developers → API keys) for this environment and store it with golive token set"
            )
        if exc.status == 403:
            return failed(
                f"the key is valid but its environment does not resolve (403: {exc.message});"
                " use a key created inside the environment you are launching in"
            )
        raise
    details = [
        "Flexprice keys are bound to one environment; the same host serves sandbox and"
        " production, so the key alone decides where events go."
    ]
    env_id = environment_id(resp.body["items"])
    if env_id:
        details.append(f"the key's environment id: {env_id}")
        mismatch = await _environment_mismatch(ctx, env_id, details)
        if mismatch:
            return failed(mismatch, *details)
    return passed(
        f"key accepted by {ctx.target.base_url} ({resp.elapsed_ms} ms); target is"
        f" {ctx.target.environment}",
        *details,
    )


@probe("flexprice", "event-names", "Event names match the meters exactly", deadline=20)
async def event_names(ctx: ProbeContext) -> Verdict:
    sent = _app_events(ctx)
    if not sent:
        return warned(
            "no event names configured; list the event_name values your app sends (setting"
            " event_names) so golive can compare them with the meters"
        )
    meters = await _meters(ctx)
    by_name = {str(m.get("event_name", "")).strip(): m for m in meters.values()}
    billed_names: set[str] = set()
    if _external_id(ctx):
        try:
            setup = await _setup(ctx)
        except Concluded:
            pass  # no subscription to compare with: the meters alone are checked
        else:
            billed_names = {str(m.get("event_name")) for m, _ in setup.billed()}
    problems, warnings, details = [], [], []
    for name in sent:
        if name.strip() in by_name:
            details.append(f"{name!r} → meter {by_name[name.strip()].get('name')!r}")
            continue
        near = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.6)
        same_case = [n for n in by_name if n.lower() == name.lower()]
        hint = (
            f"; the meter is {same_case[0]!r} (names are case-sensitive)"
            if same_case
            else (f"; did you mean {near[0]!r}?" if near else "")
        )
        problems.append(
            f"your app sends event_name {name!r}, which no meter matches — Flexprice accepts it"
            f" with 202 and never bills it{hint}"
        )
    for name in sorted(billed_names - {n.strip() for n in sent}):
        warnings.append(f"meter {name!r} is billed on the customer's plan but nothing sends it")
    details.append(
        "event names are immutable after the meter is created; a rename means a new meter"
    )
    if problems:
        return failed(problems[0], *problems[1:], *warnings, *details)
    if warnings:
        return warned(warnings[0], *warnings[1:], *details)
    return passed(f"all {len(sent)} event names your app sends match a meter exactly", *details)


@probe(
    "flexprice",
    "ingest-lookup",
    "Test events are processed and attributed",
    writes=True,
    deadline=30,
    serial_group=USAGE,
)
async def ingest_lookup(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    billed = setup.billed()
    if not billed:
        return failed("the subscription bills no metered usage; nothing to send a test event for")
    sent_by_app = _app_events(ctx)
    by_name = {str(m.get("event_name", "")).strip(): m for m, _ in billed}
    # Client-side first: a SUM meter's field missing from what the app sends is
    # silently counted as 0, so catch it before sending anything.
    for name, props in sent_by_app.items():
        meter = by_name.get(name.strip())
        missing = _missing_field(meter, props) if meter and props else None
        if missing:
            return failed(
                f"your app's {name!r} events lack the meter's aggregation field {missing!r};"
                " Flexprice would count them as 0 — add the property"
            )
    # Send what the app sends (its event names, as typed), so a name no meter
    # matches shows up in the debugger exactly as it would in production.
    events = []
    for i, name in enumerate(sent_by_app or list(by_name)):
        meter = by_name.get(name.strip()) or {"event_name": name}
        event = _event(ctx, meter, i + 1, Decimal(3), "lookup")
        event["event_name"] = name
        events.append(event)
    ctx.doing("sending test events to POST /v1/events")
    for event in events:
        await _send(ctx, event)
    ctx.note("sample test event", json.dumps(events[0], indent=2))
    problems, details, pending = [], [], []
    for event in events:
        body = await _lookup(ctx, event["event_id"])
        if body is None:
            pending.append(event["event_id"])
            continue
        why = _failure(body)
        if why:
            problems.append(f"event {event['event_name']!r} was accepted but not billed: {why}")
        else:
            qty = sum(
                (dec(p.get("qty_total")) for p in body.get("processed_events") or []), Decimal(0)
            )
            details.append(f"{event['event_name']!r}: processed, quantity {fmt(qty)} attributed")
    if problems:
        return failed(problems[0], *problems[1:], *details)
    if pending:
        return warned(
            f"{len(pending)} of {len(events)} test events not processed yet after"
            f" {ctx.spec.deadline:.0f} s; Flexprice may be lagging — re-run in a few minutes",
            *details,
        )
    return passed(
        f"{len(events)} test events (as your app names them) processed and attributed to the"
        " customer's subscription",
        *details,
    )


async def _preview(ctx: ProbeContext, sub_id: str) -> dict[str, Any]:
    ctx.doing("previewing the subscription's invoice (/v1/invoices/preview)")
    resp = await ctx.api.request(
        "POST", "/v1/invoices/preview", json_body={"subscription_id": sub_id}, expect="object"
    )
    return resp.body if isinstance(resp.body, dict) else {}


def _line(invoice: dict[str, Any], price_id: str) -> tuple[Decimal, Decimal]:
    qty, amount = Decimal(0), Decimal(0)
    for li in invoice.get("line_items") or []:
        if li.get("price_id") == price_id:
            qty += dec(li.get("quantity"))
            amount += dec(li.get("amount"))
    return qty, amount


@probe(
    "flexprice",
    "duplicates",
    "Retried events are counted once",
    writes=True,
    deadline=30,
    serial_group=USAGE,
)
async def duplicates(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    ext = _external_id(ctx)
    # 1. The app's own history: the same event_id with different timestamps means its
    #    retries re-stamp events, and Flexprice then counts both copies for ever.
    ctx.doing("scanning the customer's recent events for re-stamped retries")
    resp = await ctx.api.request(
        "POST",
        "/v1/events/query",
        json_body={"external_customer_id": ext, "page_size": 500},
        expect="object",
        keys=("events",),
    )
    seen: dict[str, set[str]] = {}
    recent = resp.body.get("events") if isinstance(resp.body, dict) else None
    for e in recent or []:
        if str(e.get("id", "")).startswith("golive-"):
            continue
        seen.setdefault(str(e.get("id")), set()).add(str(e.get("timestamp")))
    restamped = sorted(i for i, stamps in seen.items() if len(stamps) > 1)
    if restamped:
        return failed(
            f"{len(restamped)} event ids were sent again with a different timestamp (e.g."
            f" {restamped[0]!r}); Flexprice counts each copy — retries must resend the identical"
            " event_id and timestamp",
            *(f"re-stamped: {i}" for i in restamped[:10]),
        )
    # 2. A live retry: send one event twice, identically, and watch it collapse.
    billed = [(m, p) for m, p in setup.billed() if str(p.get("billing_model")).upper() != "PACKAGE"]
    if not billed:
        return warned("no per-unit usage price to observe a retry on; check duplicates by hand")
    meter, price = billed[0]
    sub_id = str(setup.subscription.get("id"))
    q0, _ = _line(await _preview(ctx, sub_id), str(price["id"]))
    event = _event(ctx, meter, 1, Decimal(1), "retry")
    await _send(ctx, event)
    await _send(ctx, dict(event))  # the identical retry
    unit = Decimal(1)  # one COUNT event, or a SUM event carrying 1
    ctx.doing("waiting for the repeated event to collapse")
    wait, last = 0.2, q0
    while True:
        last, _ = _line(await _preview(ctx, sub_id), str(price["id"]))
        if last - q0 == unit:
            return passed(
                f"an identical retry of {event['event_name']!r} (same event_id and timestamp)"
                " was counted once; no re-stamped retries in the customer's recent events",
                f"{len(seen)} recent event ids checked",
            )
        if not await ctx.poll(wait):
            break
        wait = min(wait * 2, 3.0)
    if last - q0 == 2 * unit:
        return warned(
            f"the identical retry is still counted twice after {ctx.spec.deadline:.0f} s:"
            " Flexprice merges duplicates late, so this is not yet collapsed — re-run later;"
            " do not rely on server dedup, keep retries rare and identical",
        )
    return warned(
        f"usage moved by {fmt(last - q0)} instead of {fmt(unit)} while waiting; another sender"
        " is active for this customer — re-run when it is quiet"
    )


@probe("flexprice", "customer-subscription", "Customer and subscription are set up", deadline=20)
async def customer_subscription(ctx: ProbeContext) -> Verdict:
    customer, why = await _customer(ctx)
    if customer is None:
        return failed(why)
    ext = _external_id(ctx)
    name = customer.get("name") or ext
    details = [
        f"customer {name!r}: id {customer.get('id')}, external_id {customer.get('external_id')}"
    ]
    if customer.get("external_id") != ext:
        return failed(
            f"the customer's external_id is {customer.get('external_id')!r}, but events send"
            f" {ext!r}",
            *details,
        )
    subs = await _subscriptions(ctx, ext)
    if not subs:
        return failed(
            f"customer {name!r} has no active subscription; events for it are accepted and never"
            " billed — subscribe it to the production plan",
            *details,
        )
    wanted = ctx.settings.get("plan_id")
    sub = next((s for s in subs if not wanted or s.get("plan_id") == wanted), None)
    if sub is None:
        return failed(
            f"no active subscription on the expected plan {wanted}; found plans"
            f" {', '.join(str(s.get('plan_id')) for s in subs)}",
            *details,
        )
    method = str(sub.get("collection_method", "charge_automatically"))
    how = (
        "auto-collect: the card on file is charged when an invoice finalizes"
        if method == "charge_automatically"
        else "send invoice: the customer pays manually; chase unpaid invoices yourself"
    )
    details += [
        f"subscription {sub.get('id')}: plan {sub.get('plan_id')}, status"
        f" {sub.get('subscription_status')}",
        f"currency {str(sub.get('currency', '?')).upper()}, billing period"
        f" {sub.get('billing_period')}, current period {sub.get('current_period_start')} →"
        f" {sub.get('current_period_end')}",
        f"collection_method {method} — {how}",
    ]
    if len(subs) > 1:
        return warned(f"customer {name!r} has {len(subs)} active subscriptions", *details)
    return passed(
        f"{name!r} has an active {sub.get('billing_period')} subscription ({method})", *details
    )


@probe(
    "flexprice", "grace-period", "Grace period and auto-cancellation are understood", deadline=15
)
async def grace_period(ctx: ProbeContext) -> Verdict:
    ctx.doing("reading the environment's subscription_config setting")
    try:
        resp = await ctx.api.request(
            "GET", "/v1/settings/subscription_config", expect="object", keys=("value",)
        )
        value = resp.body["value"]
        source = "stored setting"
    except ApiError as exc:
        if exc.status == 404:
            value, source = {}, "not set (Flexprice defaults)"
        elif exc.status == 403:
            return warned(
                "the key may not read settings (403); check grace_period_days and"
                " auto_cancellation_enabled in the dashboard"
            )
        else:
            raise
    days = value.get("grace_period_days", 3) if isinstance(value, dict) else None
    auto = value.get("auto_cancellation_enabled", False) if isinstance(value, dict) else None
    if type(days) is not int or type(auto) is not bool:
        # Only a well-formed setting is evidence of what happens to unpaid invoices.
        return errored(
            "GET /v1/settings/subscription_config answered without a readable value (expected"
            " `value` with an integer grace_period_days and a true/false"
            " auto_cancellation_enabled); check the setting in the dashboard"
        )
    details = [f"grace_period_days {days}, auto_cancellation_enabled {auto} ({source})"]
    if not auto:
        return passed(
            "auto-cancellation is off: unpaid invoices never cancel a subscription; the"
            f" {days}-day grace period has no effect until it is enabled",
            *details,
        )
    if days < 3:
        return warned(
            f"auto-cancellation is on with only {days} day(s) of grace: a failed payment"
            f" cancels the subscription immediately {days} day(s) after the due date",
            *details,
        )
    return passed(
        f"auto-cancellation is on: a subscription with an unpaid finalized invoice is cancelled"
        f" immediately {days} days after the due date",
        *details,
    )


@probe(
    "flexprice",
    "invoice-preview",
    "Invoice preview shows the right quantity and amount",
    writes=True,
    deadline=40,
    serial_group=USAGE,
)
async def invoice_preview(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    candidates = [
        (m, p)
        for m, p in setup.billed()
        if str(p.get("billing_model", "")).upper() in ("FLAT_FEE", "PACKAGE", "TIERED")
        and str((m.get("aggregation") or {}).get("type", "")).upper() in ("SUM", "COUNT")
    ]
    if not candidates:
        return warned("no per-unit usage price on the subscription; verify the invoice by hand")
    # Tiers are where maths goes wrong: prefer a tiered price.
    candidates.sort(key=lambda mp: str(mp[1].get("billing_model")).upper() != "TIERED")
    meter, price = candidates[0]
    sub_id = str(setup.subscription.get("id"))
    before = await _preview(ctx, sub_id)
    q0, a0 = _line(before, str(price["id"]))
    bounds = [b for b in _boundaries(price) if b >= q0]
    quantity = (bounds[-1] - q0 + 10) if bounds else Decimal(10)
    is_count = str((meter.get("aggregation") or {}).get("type")).upper() == "COUNT"
    if is_count and quantity > 200:
        return warned(
            f"crossing every tier needs {fmt(quantity)} events; golive sends at most 200 —"
            " verify the upper tiers by hand"
        )
    events = (
        [_event(ctx, meter, i + 1, Decimal(1), "preview") for i in range(int(quantity))]
        if is_count
        else [_event(ctx, meter, 1, quantity, "preview")]
    )
    ctx.doing("sending known usage")
    for e in events:
        await _send(ctx, e)
    expected_qty = q0 + quantity
    currency = str(before.get("currency") or setup.subscription.get("currency") or "")
    # A line's amount is its price applied to the line's whole quantity, possibly
    # rounded to the currency's minor unit; rounding is not additive, so compare totals.
    exact = rated_amount(price, expected_qty)
    expected_amount = to_minor_unit(exact, currency)
    ctx.doing("waiting for the invoice preview to include the test usage")
    wait = 0.2
    while True:
        after = await _preview(ctx, sub_id)
        q1, a1 = _line(after, str(price["id"]))
        if q1 != q0:
            break
        if not await ctx.poll(wait):
            return warned(
                f"the invoice preview did not change within {ctx.spec.deadline:.0f} s of sending"
                f" {fmt(quantity)} units; Flexprice may be lagging — re-run later"
            )
        wait = min(wait * 2, 2.0)
    label = meter.get("_feature") or meter.get("name") or meter.get("event_name")
    model = str(price.get("billing_model")).lower()
    if price.get("tier_mode"):
        model += f" ({str(price['tier_mode']).lower()})"
    ctx.note(
        f"{label}: expected vs actual",
        f"quantity: before {fmt(q0)}, sent {fmt(quantity)}, expected {fmt(expected_qty)},"
        f" actual {fmt(q1)}\namount: before {fmt(a0)}, expected {fmt(expected_amount)},"
        f" actual {fmt(a1)}\nprice: {ctx.redactor(json.dumps(price, default=str))[:800]}",
    )
    problems = []
    if q1 != expected_qty:
        problems.append(
            f"{label}: quantity grew by {fmt(q1 - q0)}, expected exactly {fmt(quantity)}"
        )
    if a1 not in (exact, expected_amount):
        problems.append(
            f"{label}: amount is {fmt(a1)}, expected {fmt(expected_amount)} from the plan's"
            f" {model} price — the invoice and the price disagree"
        )
    if problems:
        return failed(problems[0], *problems[1:])
    tiers = len(price.get("tiers") or [])
    how = f"all {tiers} tiers crossed" if tiers else model
    return passed(
        f"{label}: +{fmt(quantity)} units added exactly {fmt(a1 - a0)} {currency.upper()} to"
        f" the preview ({how})"
    )


FLEXPRICE_WEBHOOKS = Scheme(
    noun="delivery",
    signature_header="svix-signature",
    signed_content="svix-id.svix-timestamp.raw body, keyed with the base64 part of whsec_",
    timestamp_header="svix-timestamp",
    secret_hint="the endpoint's whsec_… secret from the Flexprice (Svix) webhook portal",
)


def svix_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """Svix's scheme: base64 HMAC-SHA256 over `id.timestamp.body` with the whsec_ key."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


@probe(
    "flexprice",
    "webhook-signature",
    "Webhook endpoint rejects forged signatures",
    writes=True,
    deadline=20,
)
async def webhook_signature(ctx: ProbeContext) -> Verdict:
    problem = endpoint_problem(ctx, FLEXPRICE_WEBHOOKS)
    if problem:
        return problem
    assert ctx.webhook_secret is not None
    secret = ctx.webhook_secret.reveal()
    try:
        base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        return errored("the stored webhook secret is not a Svix whsec_… secret; store it again")
    body = json.dumps(
        {"event_type": "golive.signature_test", "golive_run": ctx.run_id}, separators=(",", ":")
    ).encode()
    serial = iter(range(3))

    def signed(key: str, at: int) -> dict[str, str]:
        msg_id = f"msg_golive_{ctx.run_id}_{next(serial)}"
        return {
            "svix-id": msg_id,
            "svix-timestamp": str(at),
            "svix-signature": svix_signature(key, msg_id, str(at), body),
        }

    now = int(time.time())
    forged_key = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    return await check_endpoint(
        ctx,
        FLEXPRICE_WEBHOOKS,
        body,
        forged=signed(forged_key, now),
        stale=signed(secret, now - 600),
        genuine=signed(secret, now),
    )
