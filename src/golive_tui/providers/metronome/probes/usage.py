"""Metronome probes: usage ingestion, dedup, backdating and grouped usage."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from golive_tui.core.probes.common import dec, fmt, iso, utc_now
from golive_tui.core.probes.engine import ProbeContext, Verdict, errored, failed, passed, warned
from golive_tui.core.probes.http import ApiError
from golive_tui.core.probes.steps import customer_ref, required_customer
from golive_tui.providers.metronome.probes.fingerprints import (
    customer_snapshot,
    metric_snapshot,
    saw_setup,
)
from golive_tui.providers.metronome.probes.lookups import (
    DEFAULT_BACKDATE_DAYS,
    MAX_BACKDATE_DAYS,
    USAGE,
    _aggregation,
    _customer,
    _event,
    _event_type,
    _metrics,
    _paged,
    _Setup,
    _setup,
    metronome_probe,
    usage_probe,
)
from golive_tui.providers.metronome.probes.periods import Backdate, plan_backdate, usage_periods
from golive_tui.providers.metronome.probes.settling import (
    cost_bound,
    dup_key,
    events_for,
    events_seen,
    line_effects,
    merged,
    processed_count,
    send_usage,
    wait_for_events,
)


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


def _null_group(group: dict[str, Any], key: list[str]) -> bool:
    """True when a `/v1/usage/groups` row is the group of events lacking (part of) `key`."""
    values = group.get("group")
    if isinstance(values, dict) and values:
        return any(values.get(k) is None for k in key)
    return group.get("group_value") is None


@usage_probe("ingest-dedup", "Test events are deduplicated and matched", deadline=30)
async def ingest_dedup(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    metrics = _target_metrics(setup)
    saw_setup(ctx, setup)
    ctx.verified(customer_snapshot(setup.customer), *(metric_snapshot(m) for m in metrics))
    if not metrics:
        return failed(
            "no usage product on the customer's rate card is metered by an active metric with"
            " an event type filter; golive cannot craft a matching test event"
        )
    ref = customer_ref(ctx)
    t = utc_now() - timedelta(minutes=5)
    events = []
    for i, metric in enumerate(metrics):
        # The integration-test guide's recipe: two events per metric …
        events.append(_event(ctx, metric, ref, 2 * i + 1, 1, t, "dedup"))
        events.append(_event(ctx, metric, ref, 2 * i + 2, 1, t, "dedup"))
    duplicate = dict(events[0])  # … and one repeat of a transaction_id
    events.append(duplicate)
    # 1 unit per event on each metric's lines; the repeat adds 1 more only if billed.
    expect = merged(
        *(line_effects(setup, m["id"], Decimal(2)) for m in metrics),
        line_effects(setup, metrics[0]["id"], Decimal(1), dup_key),
    )
    # Billed: 2 units per metric (the repeat must not be).
    units = {str(m["id"]): Decimal(2) for m in metrics}
    await send_usage(
        ctx,
        events,
        expect,
        f"{events_for(len(events), ref)}: 1 unit each on {len(metrics)} metric(s),"
        f" one transaction_id sent twice, {cost_bound(setup, units)}",
    )
    # Every id once, the repeated one twice: the original and its duplicate record.
    expected = {e["transaction_id"]: 1 for e in events[:-1]}
    expected[duplicate["transaction_id"]] = 2
    waited = await wait_for_events(ctx, expected)
    found = waited.seen
    if not waited.settled:
        return warned(
            waited.why_not(events_seen(waited, expected)),
            *(
                f"not processed yet: {tid}"
                for tid, n in expected.items()
                if processed_count(found, {tid: n}) < n
            ),
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


@usage_probe("backdated", "Backdated events are accepted", deadline=25)
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
    saw_setup(ctx, setup)
    ctx.verified(customer_snapshot(setup.customer), *(metric_snapshot(m) for m in metrics))
    if not metrics:
        return failed("no usage product with an active metric to send a backdated event for")
    now = utc_now()
    wanted = now - timedelta(days=days)
    plan = plan_backdate(await usage_periods(ctx, setup, wanted), wanted, now)
    ref = customer_ref(ctx)
    event = _event(ctx, metrics[0], ref, 1, 1, plan.when, "backdated")
    stamp = event["timestamp"]
    # Counted on the draft invoice-draft measures only when dated in its period.
    billed_here = plan.billed_on_open_draft(now)
    expect = line_effects(setup, metrics[0]["id"], Decimal(1)) if billed_here else {}
    cost = cost_bound(setup, {str(metrics[0]["id"]): Decimal(1)})
    try:
        await send_usage(
            ctx, [event], expect, f"{events_for(1, ref)} dated {stamp}, 1 unit, {cost}"
        )
    except ApiError as exc:
        if exc.status == 400:
            return failed(
                f"Metronome refused an event dated {stamp} (400: {exc.message});"
                " the backfill window your queue relies on does not hold"
            )
        raise
    expected = {event["transaction_id"]: 1}
    waited = await wait_for_events(ctx, expected)
    found = waited.seen
    if not waited.settled:
        return warned(
            f"the backdated test event ({stamp}) was accepted; "
            + waited.why_not(events_seen(waited, expected))
        )
    rec = found[event["transaction_id"]][0]
    got = str(rec.get("timestamp", ""))
    if not got.startswith(stamp[:10]):
        return failed(
            f"the backdated event came back dated {got}, not {stamp}; timestamps"
            " are being rewritten on the way in"
        )
    return _backdate_verdict(plan, days, stamp, "backdate_days" in ctx.settings)


def _backdate_verdict(plan: Backdate, days: int, stamp: str, configured: bool) -> Verdict:
    found = f"an event dated {stamp} was accepted and found"
    where = plan.lands_in
    details = []
    if where is not None:
        details.append(f"it is billed on the {where.label} invoice ({where.status})")
    if plan.crossed is None:
        if where is not None and where.status == "DRAFT" and plan.when < where.end <= utc_now():
            details.append(
                f"the {where.label} period has ended: its invoice is in the grace period and"
                " about to be finalized; events later than that will not be billed"
            )
        return passed(f"{found} ({days} days back)", *details)
    closed = f"{plan.crossed.label} ({plan.crossed.status})"
    if plan.when == plan.wanted:  # no open period after it to test in instead
        return warned(
            f"events backdated into {closed} will not be billed: {days} days back lands there"
            " and no open period follows it",
            found,
            *details,
        )
    moved = f"{days} days back lands in {closed}, so golive dated its test event in the open period"
    if configured:
        return warned(
            f"events backdated into {closed} will not be billed: your backdate_days={days}"
            f" window reaches before {plan.crossed.end:%Y-%m-%d}, where the invoice is final"
            " — only backfill into the open period",
            f"{moved}: {found}",
            *details,
        )
    return passed(f"{found} ({moved})", *details)


@metronome_probe(
    "grouped-usage",
    "Grouped usage adds up per group key",
    deadline=25,
    serial_group=USAGE,
)
async def grouped_usage(ctx: ProbeContext) -> Verdict:
    customer = await required_customer(ctx, _customer)
    metrics = await _metrics(ctx)
    keyed = [m for m in metrics.values() if m.get("group_keys") and not m.get("archived_at")]
    if not keyed:
        return warned("no active metric has group keys; nothing to verify by group")
    ctx.saw_account(customer_id=customer["id"], customer_name=customer.get("name"))
    ctx.verified(*(metric_snapshot(m) for m in keyed[:4]))
    end = utc_now().replace(minute=0, second=0) + timedelta(hours=1)
    start = end - timedelta(days=30)
    details, problems = [], []
    moving = []
    for m in keyed[:4]:
        ctx.doing(f"querying usage of {m.get('name')!r}")

        async def total_of(m: dict[str, Any] = m) -> Decimal:
            resp = await ctx.api.request(
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
            rows = resp.body.get("data", []) if isinstance(resp.body, dict) else []
            return sum((dec(r.get("value")) for r in rows), Decimal(0))

        total = await total_of()
        for keys in m["group_keys"][:2]:
            key = keys if isinstance(keys, list) else [keys]
            # The usage batch may be landing meanwhile: compare only a total that held
            # still around the groups read, else it proves nothing either way.
            for _ in range(4):
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
                before, total = total, await total_of()
                if before == total or not await ctx.poll(1.0):
                    break
                total = await total_of()
            if before != total:
                moving.append(f"{m.get('name')} by {'+'.join(key)}")
                continue
            grouped = sum((dec(g.get("value")) for g in groups), Decimal(0))
            # Events without the key come back as a null group whose value still adds up to
            # the total (spec, POST /v1/usage/groups: "Group values may be null for events
            # missing the group key property"): equal sums prove nothing, null usage is the bug.
            nulls = [g for g in groups if _null_group(g, key)]
            ungrouped = sum((dec(g.get("value")) for g in nulls), Decimal(0))
            if ungrouped:
                problems.append(
                    f"{fmt(ungrouped)} of {m.get('name')} has no {'+'.join(key)!r} value (a null"
                    f" group): some events your app sends lack the {key[0]!r} property, so usage"
                    " split or priced by it will miss them — send it on every event"
                )
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
    if moving:
        return warned(
            f"usage kept changing while golive compared groups with totals ({moving[0]});"
            " test usage may still be arriving — re-run in a few minutes",
            *details,
        )
    return passed(f"usage of {len(keyed[:4])} grouped metrics adds up per group key", *details)
