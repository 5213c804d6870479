"""Flexprice probes: the shared look-ups, events and pricing maths.

API facts: shared/reference/flexprice-api.md and the official spec.

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

from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from urllib.parse import quote

from golive_tui.core.probes.common import fmt, iso, utc_now
from golive_tui.core.probes.engine import Concluded, ProbeContext, failed, probe
from golive_tui.core.probes.http import ApiError
from golive_tui.core.probes.steps import (
    customer_ref,
    required_customer,
    unconfigured_customer,
)
from golive_tui.providers.flexprice.gofmt import go_v
from golive_tui.providers.flexprice.probes.fingerprints import (
    meter_snapshot,
    plan_snapshot,
    prices_in_force,
    subscription_snapshot,
)
from golive_tui.providers.flexprice.probes.pricing import (  # noqa: F401 (re-exported)
    _boundaries,
    rated_amount,
)
from golive_tui.providers.flexprice.probes.samples import declared_samples

HOSTS = {"us": "https://us.api.flexprice.io", "india": "https://api.cloud.flexprice.io"}
# This provider's probes register under its name; a usage probe adds usage to the
# test customer, so it writes, and sends through the run's usage batch (sending.py).
flexprice_probe = partial(probe, "flexprice")
usage_probe = partial(flexprice_probe, writes=True, batch="usage")
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


_external_id = customer_ref


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
        return None, unconfigured_customer(
            "the customer's external id (what your events send as external_customer_id)"
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
        # expand.go SubscriptionsForCustomerExpandConfig allows only subscription_line_items
        # (nested meters) and entitlements; anything else is a 400 on every account.
        params={"expand": "subscription_line_items"},
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


async def _prices(
    ctx: ProbeContext, sub: dict[str, Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The prices the subscription bills at now, by id (fingerprints.prices_in_force).

    The plan's own list is no guide: plan.go reads it with `AllowExpired: true`, in every
    currency and period, without subscription overrides.
    """
    ctx.doing("reading the subscription's line items and their prices")
    resp = await ctx.api.request(
        "GET", f"/v1/subscriptions/{quote(str(sub['id']), safe='')}", expect="object", keys=("id",)
    )
    full = resp.body if isinstance(resp.body, dict) else {}
    return prices_in_force(full, utc_now()), full


class _Setup:
    def __init__(self) -> None:
        self.customer: dict[str, Any] = {}
        self.subscription: dict[str, Any] = {}
        self.meters: dict[str, dict[str, Any]] = {}
        self.prices: dict[str, dict[str, Any]] = {}
        self.full: dict[str, Any] = {}  # GET /v1/subscriptions/{id}: commitment, line items

    def billed(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(meter, price) for each usage price on the subscription."""
        out = []
        for price in self.prices.values():
            meter = self.meters.get(str(price.get("meter_id")))
            if meter and str(price.get("type", "USAGE")).upper() == "USAGE":
                out.append((meter, price))
        return out


async def _setup(ctx: ProbeContext) -> _Setup:
    """What every usage probe needs, read once per run (probes only read it): without a
    subscription the first probe fails and the rest are "blocked by" it."""
    return await ctx.shared.step("usage-setup", lambda: _read_setup(ctx))


async def _read_setup(ctx: ProbeContext) -> _Setup:
    setup = _Setup()
    customer = await required_customer(ctx, _customer)
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
    setup.prices, setup.full = await _prices(ctx, setup.subscription)
    return setup


def saw_customer(ctx: ProbeContext, customer: dict[str, Any]) -> None:
    """The account the customer lives in, as the API showed it (every object carries it)."""
    ctx.saw_account(
        environment_id=customer.get("environment_id"),
        tenant_id=customer.get("tenant_id"),
        customer_id=customer.get("id"),
        customer_name=customer.get("name"),
    )


def rests_on(ctx: ProbeContext, setup: _Setup, meters: list[dict[str, Any]]) -> None:
    """Bind the verdict to the customer's account, its subscription, the plan's prices it
    bills at and `meters`."""
    saw_customer(ctx, setup.customer)
    ctx.verified(subscription_snapshot(setup.subscription))
    if setup.full:
        ctx.verified(plan_snapshot(setup.full, setup.prices))
    ctx.verified(*(meter_snapshot(m) for m in meters))


# --- events -------------------------------------------------------------------------------


def _app_events(ctx: ProbeContext) -> dict[str, dict[str, Any]]:
    """What the user's app sends: event name → declared sample properties (may be empty)."""
    samples = declared_samples(ctx)
    names = ctx.settings.get("event_names") or []
    out: dict[str, dict[str, Any]] = {str(n): {} for n in names}
    out.update(samples)
    return out


def _event(
    ctx: ProbeContext, meter: dict[str, Any], n: int, quantity: Decimal, tag: str
) -> dict[str, Any]:
    """A test event shaped like the app's declared sample, carrying `quantity`.

    The declared properties are kept as the server will see them (`%v`): a test event
    that fixed up the app's values would pass where the app's own events are dropped.
    Only without a declared sample are filter keys filled with an allowed value.
    """
    name = str(meter.get("event_name", "")).strip()
    declared = _app_events(ctx).get(name, {})
    props: dict[str, Any] = {k: go_v(v) for k, v in declared.items()}
    props["golive_run"] = ctx.run_id
    for flt in meter.get("filters") or []:
        values = flt.get("values") or []
        if flt.get("key") and values and flt["key"] not in declared:
            props[str(flt["key"])] = str(values[0])
    field = (meter.get("aggregation") or {}).get("field")
    if field:
        props[str(field)] = fmt(quantity)
    return {
        "event_id": f"golive-{ctx.run_id}-{tag}-{n}",
        "event_name": name,
        "external_customer_id": _external_id(ctx),
        "timestamp": iso(utc_now() - timedelta(seconds=30)),
        "properties": props,  # the spec types property values as strings
    }


async def _lookup_once(ctx: ProbeContext, event_id: str) -> dict[str, Any] | None:
    """The event debugger's answer once the event is processed or failed, else None."""
    try:
        resp = await ctx.api.request(
            "GET", "/v1/events/lookup", params={"id": event_id}, ok=(200,), expect="object"
        )
    except ApiError as exc:
        # 404 (and, by a quirk of the server, 500) until the event is stored.
        if exc.status not in (404, 500):
            raise
        return None
    body = resp.body if isinstance(resp.body, dict) else {}
    return body if body.get("status") in ("processed", "failed") else None


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
