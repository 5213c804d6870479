"""Flexprice probes: event ingestion and the grace period."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from golive_tui.core.probes.common import dec, fmt
from golive_tui.core.probes.engine import ProbeContext, Verdict, errored, failed, passed, warned
from golive_tui.core.probes.http import ApiError
from golive_tui.core.probes.steps import settle
from golive_tui.providers.flexprice.probes.fingerprints import setting_snapshot
from golive_tui.providers.flexprice.probes.lookups import (
    _app_events,
    _event,
    _failure,
    _lookup_once,
    _setup,
    flexprice_probe,
    rests_on,
    usage_probe,
)
from golive_tui.providers.flexprice.probes.samples import sample_problem
from golive_tui.providers.flexprice.probes.sending import contribute


@usage_probe("ingest-lookup", "Test events are processed and attributed", deadline=30)
async def ingest_lookup(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    billed = setup.billed()
    if not billed:
        return failed("the subscription bills no metered usage; nothing to send a test event for")
    sent_by_app = _app_events(ctx)
    by_name = {str(m.get("event_name", "")).strip(): m for m, _ in billed}
    rests_on(ctx, setup, list(by_name.values()))
    # Client-side first: the app's declared events outside a meter filter, or without a
    # number in its field, are silently dropped or counted 0: catch that before sending.
    for name, props in sent_by_app.items():
        meter = by_name.get(name.strip())
        problem = sample_problem(name, [meter], props) if meter and props else None
        if problem:
            return failed(problem)
    # Send what the app sends (its event names, as typed), so a name no meter
    # matches shows up in the debugger exactly as it would in production.
    events = []
    for i, name in enumerate(sent_by_app or list(by_name)):
        meter = by_name.get(name.strip()) or {"event_name": name}
        event = _event(ctx, meter, i + 1, Decimal(3), "lookup")
        event["event_name"] = name
        events.append(event)
    await contribute(ctx, setup, events)
    ctx.note("sample test event", json.dumps(events[0], indent=2))
    ctx.doing("waiting for the test events in the event debugger (/v1/events/lookup)")
    final: dict[str, dict[str, Any]] = {}

    async def read() -> dict[str, dict[str, Any]]:
        for e in events:
            if e["event_id"] not in final:
                body = await _lookup_once(ctx, e["event_id"])
                if body is not None:
                    final[e["event_id"]] = body
        return final

    # Settled when every event is processed or failed, not at the first one.
    await settle(ctx, read, lambda seen: len(seen) == len(events), first_wait=0.2, max_wait=1.0)
    problems, details = [], []
    for event in events:
        body = final.get(event["event_id"])
        if body is None:
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
    if len(final) < len(events):
        return warned(
            f"not settled after {ctx.spec.deadline:.0f} s: saw {len(final)} of {len(events)}"
            " test events processed; Flexprice may be lagging — re-run in a few minutes",
            *details,
        )
    return passed(
        f"{len(events)} test events (as your app names them) processed and attributed to the"
        " customer's subscription",
        *details,
    )


@flexprice_probe("grace-period", "Grace period and auto-cancellation are understood", deadline=15)
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
    stored = value if source == "stored setting" else None
    ctx.verified(setting_snapshot("subscription_config", stored))
    shown = {True: "on", False: "off", None: "unknown"}.get(auto, str(auto))
    details = [f"grace_period_days {days}, auto-cancellation {shown} ({source})"]
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
