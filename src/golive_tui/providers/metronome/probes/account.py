"""Metronome probes: the token, the metrics, the customer's contract, alerts, allowlist."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from golive_tui.core.net import is_production_host
from golive_tui.core.probes.common import insecure_url, parse_time, utc_now
from golive_tui.core.probes.engine import (
    ProbeContext,
    Verdict,
    errored,
    failed,
    passed,
    warned,
)
from golive_tui.core.probes.http import ApiError
from golive_tui.core.probes.steps import customer_ref, outcome, required_customer
from golive_tui.providers.metronome.probes import contracts as terms
from golive_tui.providers.metronome.probes.fingerprints import (
    contract_snapshot,
    customer_snapshot,
    metric_snapshot,
    saw_setup,
)
from golive_tui.providers.metronome.probes.lookups import (
    PRODUCTION_URL,
    _aggregation,
    _contracts,
    _customer,
    _metrics,
    _name,
    _paged,
    _setup,
    metronome_probe,
)

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


@metronome_probe("auth", "API token is valid", deadline=15)
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


@metronome_probe("metrics-active", "Billable metrics are active and keyed", deadline=20)
async def metrics_active(ctx: ProbeContext) -> Verdict:
    metrics = await _metrics(ctx)
    if not metrics:
        return failed("no billable metrics exist; create one per usage product before launch")
    details = []
    for m in metrics.values():
        etf = m.get("event_type_filter") or {}
        groups = "; ".join(
            "+".join(map(str, g)) if isinstance(g, list) else str(g)
            for g in m.get("group_keys") or []
        )
        types = ", ".join(map(str, etf.get("in_values") or []))
        details.append(
            f"{m.get('name')}: event types {types or 'any'},"
            f" {_aggregation(m) or 'sql'}"
            + (f"({m['aggregation_key']})" if m.get("aggregation_key") else "")
            + f", group keys {groups or 'none'}"
            + (" — ARCHIVED" if m.get("archived_at") else "")
        )
    problems: list[str] = []
    warnings: list[str] = []
    # A pass rests on the metrics the customer's priced products are metered by: their
    # definitions cannot be edited, so archiving is what a re-read can see change. (A
    # pass needs a customer; every metric's group keys are fixed at creation.)
    rests_on: dict[str, dict[str, Any]] = {}
    ref = customer_ref(ctx)
    if ref:
        setup = await _setup(ctx)
        saw_setup(ctx, setup)
        for rate in setup.rates:
            product = setup.products.get(str(rate.get("product_id")))
            if not product or product.get("type") != "USAGE":
                continue
            metric_id = str((product.get("current") or {}).get("billable_metric_id"))
            metric = metrics.get(metric_id)
            if metric is not None:
                rests_on[metric_id] = metric
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
    ctx.verified(*(metric_snapshot(m) for m in rests_on.values()))
    active = sum(1 for m in metrics.values() if not m.get("archived_at"))
    ok = f"{active} active billable metrics, each with group keys"
    return outcome(problems, warnings, details, ok, warnings_when_failing=False)


@metronome_probe("customer-contract", "Customer and contract are provisioned", deadline=20)
async def customer_contract(ctx: ProbeContext) -> Verdict:
    customer = await required_customer(ctx, _customer)
    name = customer.get("name", customer["id"])
    ctx.saw_account(customer_id=customer["id"], customer_name=customer.get("name"))
    ctx.verified(customer_snapshot(customer))
    if customer.get("archived_at"):
        return failed(f"customer {name!r} is archived; events for it are not billed")
    aliases = customer.get("ingest_aliases") or []
    ref = customer_ref(ctx)
    details = [
        f"customer {name!r} ({customer['id']})",
        f"ingest aliases: {', '.join(map(str, aliases)) or 'none'}",
    ]
    if ref != customer["id"]:
        details.append(f"{ref!r} resolves to this customer as an ingest alias")
    now = utc_now()
    launch = _launch_date(ctx, now)
    if launch is None:
        return errored(
            f"launch_date {ctx.settings.get('launch_date')!r} is not a date; set it as YYYY-MM-DD"
        )
    launch_end = datetime.combine(launch, time(), tzinfo=now.tzinfo) + timedelta(days=1)
    contracts = await _contracts(ctx, customer["id"], max(launch_end, terms.day_end(now)))
    if not contracts:
        return failed(
            f"customer {name!r} has no contract covering now or the launch date; provision one"
            " on the intended rate card before sending production usage",
            *details,
        )
    details += [terms.describe(k) for k in contracts]
    contract = terms.at_launch(contracts, launch, now.tzinfo)
    if contract is None:
        return failed(
            f"none of the customer's {len(contracts)} contracts covers the launch date"
            f" {launch.isoformat()}; usage then will not be invoiced — extend or add a contract",
            *details,
        )
    cname = terms.label(contract)
    ctx.saw_account(contract_id=contract.get("id"), rate_card_id=contract.get("rate_card_id"))
    ctx.verified(contract_snapshot(contract))
    schedule = contract.get("usage_statement_schedule") or {}
    freq = str(schedule.get("frequency", "unknown")).upper()
    expected_card = ctx.settings.get("rate_card_id")
    if expected_card and contract.get("rate_card_id") != expected_card:
        return failed(
            f"contract {cname} uses rate card {contract.get('rate_card_id')}, not the expected"
            f" {expected_card}",
            *details,
        )
    if not contract.get("rate_card_id"):
        return failed(f"contract {cname} has no rate card; usage cannot be priced", *details)
    expected_freq = ctx.settings.get("billing_frequency")
    if expected_freq and str(expected_freq).upper() != freq:
        return failed(f"contract {cname} bills {freq}, expected {expected_freq}", *details)
    others = len(contracts) - 1
    also = f"; {others} other live contract{'s' if others != 1 else ''} listed" if others else ""
    starts = contract.get("starting_at")
    today = terms.for_test_usage(contracts, now)
    if today is None:
        return warned(
            f"contract {cname} covers launch day {launch.isoformat()} but only from {starts};"
            f" usage sent before then is not invoiced{also}",
            *details,
        )
    if today is not contract:
        ctx.verified(contract_snapshot(today))
        also += f"; until {starts} usage goes to {terms.label(today)}"
    end = contract.get("ending_before")
    ends = parse_time(end) if end else None
    if ends and ends - now < timedelta(days=30):
        return warned(f"contract {cname} ends on {end}, within 30 days", *details)
    started = parse_time(starts) if starts else None
    when = " (starts on launch day)" if started and started.date() == launch else ""
    return passed(
        f"{name!r} is on contract {cname}{when} at launch ({launch.isoformat()}), billed {freq}"
        + also,
        *details,
    )


def _launch_date(ctx: ProbeContext, now: datetime) -> date | None:
    raw = ctx.settings.get("launch_date")
    if not raw:
        return now.date()
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        return None


_ALERT_KINDS = {
    "spend": ("spend_threshold", "invoice_total", "monthly_invoice_total"),
    "credit": ("credit",),
    "commit": ("commit",),
}


@metronome_probe("alerts", "Spend, credit and commit alerts exist", deadline=15)
async def alerts(ctx: ProbeContext) -> Verdict:
    customer = await required_customer(ctx, _customer)
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


@metronome_probe("allowlist", "Metronome's IPs are known for allowlisting", deadline=15)
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
