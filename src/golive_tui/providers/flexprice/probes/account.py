"""Flexprice probes: the API key and its environment, event names, the customer's subscription."""

from __future__ import annotations

import difflib
from typing import Any

from golive_tui.core.probes.common import insecure_url
from golive_tui.core.probes.engine import Concluded, ProbeContext, Verdict, failed, passed, warned
from golive_tui.core.probes.http import ApiError
from golive_tui.core.probes.steps import outcome, required_customer
from golive_tui.providers.flexprice.environment import (
    environment_id,
    environment_kind,
    read_environment,
)
from golive_tui.providers.flexprice.probes.fingerprints import meter_snapshot, subscription_snapshot
from golive_tui.providers.flexprice.probes.lookups import (
    HOSTS,
    _app_events,
    _customer,
    _external_id,
    _meters,
    _setup,
    _subscriptions,
    flexprice_probe,
    rests_on,
    saw_customer,
)
from golive_tui.providers.flexprice.probes.samples import (
    declared_samples,
    sample_problem,
    unchecked,
)

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
    if environment == "production" and region and HOSTS.get(region.lower()) not in (None, url):
        return f"region {region!r} is served at {HOSTS[region.lower()]}, not {base_url!r}"
    return None


def self_hosted(base_url: str) -> str:
    """A note when the base URL is not Flexprice Cloud ("" when it is).

    Flexprice is open source: a self-hosted server on any https host (or loopback) is
    legitimate; its key's environment is read the same way, but its webhooks are the
    server's native ones, not Svix-signed as Flexprice Cloud sends them.
    """
    if base_url.rstrip("/") in HOSTS.values():
        return ""
    return (
        f"{base_url} is not Flexprice Cloud ({' or '.join(HOSTS.values())}): treated as a"
        " self-hosted Flexprice, which sends native webhooks, not Svix-signed ones"
    )


async def _environment_mismatch(
    ctx: ProbeContext, env_id: str, details: list[str]
) -> tuple[str, str]:
    """(failure, warning) when the key's environment type contradicts the target's."""
    ctx.doing(f"reading the type of environment {env_id}")
    try:
        body = await read_environment(ctx.api, env_id)
    except ApiError as exc:
        details.append(f"the environment's type could not be read: {exc.summary}")
        return "", ""
    reported, said = environment_kind(env_id, body)
    ctx.saw_account(environment_type=str(body.get("type") or "").strip().lower())
    details.append(said)
    claimed = ctx.target.environment
    if reported is None or reported == claimed:
        return "", ""
    if claimed == "production":  # the launch would bill nobody: events go to the sandbox
        return (
            f"the target is production but the key belongs to a sandbox environment ({said});"
            " events sent with it never reach production — create an API key inside the"
            " production environment (Developers → API keys) and store it with golive token set",
            "",
        )
    return "", (
        f"the target says {claimed} but the key belongs to a production environment ({said});"
        " test events will land in production — use a sandbox key, or --environment production"
    )


@flexprice_probe("auth", "API key is valid and its environment resolves", deadline=15)
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
    first = resp.body["items"][0] if env_id else {}
    ctx.saw_account(environment_id=env_id, tenant_id=first.get("tenant_id"))
    if env_id:
        details.append(f"the key's environment id: {env_id}")
        mismatch, caution = await _environment_mismatch(ctx, env_id, details)
        if mismatch:
            return failed(mismatch, *details)
        if caution:
            return warned(caution, *details)
    note = self_hosted(ctx.target.base_url)
    if note and ctx.target.environment == "production":
        return warned(note, *details)
    if note:
        details.append(note)
    return passed(
        f"key accepted by {ctx.target.base_url} ({resp.elapsed_ms} ms); target is"
        f" {ctx.target.environment}",
        *details,
    )


@flexprice_probe("event-names", "Event names match the meters exactly", deadline=20)
async def event_names(ctx: ProbeContext) -> Verdict:
    sent = _app_events(ctx)
    if not sent:
        return warned(
            "no event names configured; list the event_name values your app sends (setting"
            " event_names) so golive can compare them with the meters"
        )
    samples = declared_samples(ctx)
    meters = await _meters(ctx)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for m in meters.values():
        by_name.setdefault(str(m.get("event_name", "")).strip(), []).append(m)
    billed_names: set[str] = set()
    stripped = {n.strip() for n in sent}
    matched_meters = [m for n in sorted(stripped & set(by_name)) for m in by_name[n]]
    ctx.verified(*(meter_snapshot(m) for m in matched_meters))
    if _external_id(ctx):
        try:
            setup = await _setup(ctx)
        except Concluded:
            pass  # no subscription to compare with: the meters alone are checked
        else:
            billed_names = {str(m.get("event_name")) for m, _ in setup.billed()}
            rests_on(ctx, setup, matched_meters)
    problems, warnings, details = [], [], []
    unverified: list[str] = []
    for name in sent:
        if name.strip() in by_name:
            matched = by_name[name.strip()]
            details.append(f"{name!r} → meter {', '.join(repr(m.get('name')) for m in matched)}")
            # Declared properties against the meters' filters and aggregation field
            # (meter_usage_tracking.go checkMeterFilters / extractQuantity).
            if name in samples:
                problem = sample_problem(name, matched, samples[name])
                if problem:
                    problems.append(problem)
            else:
                unverified += unchecked(matched)
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
    if unverified:
        # A warning, not a pass: an event outside a filter, or with a non-numeric field,
        # is accepted with 202 and silently never billed; only a sample shows it.
        warnings.append(
            f"event names match, but without sample_events golive could not check the"
            f" {unverified[0]}{f' and {len(unverified) - 1} more' if len(unverified) > 1 else ''}:"
            " declare what your app sends (setting sample_events) to check them"
        )
        details += [f"not checked without a sample: {u}" for u in unverified]
    for name in sorted(billed_names - {n.strip() for n in sent}):
        warnings.append(f"meter {name!r} is billed on the customer's plan but nothing sends it")
    details.append(
        "event names are immutable after the meter is created; a rename means a new meter"
    )
    ok = f"all {len(sent)} event names your app sends match a meter exactly"
    if samples:
        ok += "; the declared sample events pass every meter filter and aggregation field"
    return outcome(problems, warnings, details, ok)


@flexprice_probe("customer-subscription", "Customer and subscription are set up", deadline=20)
async def customer_subscription(ctx: ProbeContext) -> Verdict:
    customer = await required_customer(ctx, _customer)
    saw_customer(ctx, customer)
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
    ctx.verified(subscription_snapshot(sub))
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
