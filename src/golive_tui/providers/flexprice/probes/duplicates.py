"""Flexprice probe: retried events are counted once.

Two ways a retry is billed twice or lost (docs/research/flexprice-server-facts.md §7):
the `events` table is a ReplacingMergeTree ordered by (timestamp, id), so
- the same event_id and event name re-sent with a new timestamp is a second row,
  billed for good (a *re-stamped* retry);
- two different events (names) sharing an id and timestamp collapse into one row,
  and one of them is lost;
while an id reused by another event name at another time is harmless. Then a live
retry: one event sent twice, identically, must add its quantity once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from golive_tui.core.probes.common import fmt, parse_time
from golive_tui.core.probes.engine import ProbeContext, Verdict, failed, passed, warned
from golive_tui.core.probes.steps import settle
from golive_tui.providers.flexprice.probes.invoices import _candidates, _preview
from golive_tui.providers.flexprice.probes.lookups import (
    _event,
    _external_id,
    _setup,
    rests_on,
    usage_probe,
)
from golive_tui.providers.flexprice.probes.preview import price_lines
from golive_tui.providers.flexprice.probes.sending import HOLD_S, contribute, line_key, retry_key

PAGE = 500
MAX_PAGES = 4


async def _recent(ctx: ProbeContext, ext: str) -> tuple[list[dict[str, Any]], bool]:
    """The customer's events of the default 7-day window (a few pages); whether all."""
    ctx.doing("scanning the customer's recent events for re-stamped retries")
    events: list[dict[str, Any]] = []
    for page in range(MAX_PAGES):
        resp = await ctx.api.request(
            "POST",
            "/v1/events/query",
            json_body={"external_customer_id": ext, "page_size": PAGE, "offset": page * PAGE},
            expect="object",
            keys=("events",),
        )
        body = resp.body if isinstance(resp.body, dict) else {}
        events += [e for e in body.get("events") or [] if isinstance(e, dict)]
        if not body.get("has_more"):
            return events, True
    return events, False


def _second(ts: Any) -> str:
    """meter_usage keys on whole seconds: retries a few ms apart still collapse there."""
    t = parse_time(ts)
    return t.replace(microsecond=0).isoformat() if t else str(ts)


def history_problems(events: list[dict[str, Any]]) -> tuple[list[str], int]:
    """(problems in the app's own events, distinct ids checked)."""
    by_id: dict[str, set[tuple[str, str]]] = {}
    for e in events:
        if str(e.get("id", "")).startswith("golive-"):
            continue
        by_id.setdefault(str(e.get("id")), set()).add(
            (str(e.get("event_name")), _second(e.get("timestamp")))
        )
    restamped, clashing = [], []
    for event_id, seen in sorted(by_id.items()):
        names: dict[str, set[str]] = {}
        stamps: dict[str, set[str]] = {}
        for name, ts in seen:
            names.setdefault(name, set()).add(ts)
            stamps.setdefault(ts, set()).add(name)
        if any(len(ts) > 1 for ts in names.values()):
            restamped.append(event_id)
        if any(len(n) > 1 for n in stamps.values()):
            clashing.append(event_id)
    problems = []
    if restamped:
        problems.append(
            f"{len(restamped)} event ids were sent again with a different timestamp (e.g."
            f" {restamped[0]!r}); Flexprice counts each copy — retries must resend the identical"
            " event_id and timestamp"
        )
    if clashing:
        problems.append(
            f"{len(clashing)} event ids are shared by different event names at the same"
            f" timestamp (e.g. {clashing[0]!r}); Flexprice keeps only one of them — give every"
            " event its own event_id"
        )
    return problems, len(by_id)


@usage_probe("duplicates", "Retried events are counted once", deadline=30)
async def duplicates(ctx: ProbeContext) -> Verdict:
    setup = await _setup(ctx)
    recent, complete = await _recent(ctx, _external_id(ctx))
    problems, checked = history_problems(recent)
    details = [f"{checked} recent event ids checked" + ("" if complete else " (first pages)")]
    # A live retry: one event sent twice, identically, must collapse.
    billed = [
        (m, p) for m, p in _candidates(ctx, setup) if str(p.get("billing_model")) != "PACKAGE"
    ]
    if not billed:
        if problems:
            return failed(problems[0], *problems[1:], *details)
        return warned("no per-unit usage price to observe a retry on; check duplicates by hand")
    meter, price = billed[0]
    rests_on(ctx, setup, [meter])
    price_id, sub_id = str(price["id"]), str(setup.subscription.get("id"))
    raw0 = price_lines(await _preview(ctx, sub_id), price_id).raw
    event = _event(ctx, meter, 1, Decimal(1), "retry")
    # The identical copy counts once: the line expects everyone's total, and a doubled
    # retry shows as one unit more (`retry_key` tells invoice-preview so).
    share = await contribute(
        ctx, setup, [event, dict(event)], extra={retry_key(price_id): Decimal(1)}, counted=[event]
    )
    expected = share.expected_total(line_key(price_id))
    ctx.doing("waiting for the repeated event to collapse")

    async def grown() -> Decimal:
        return price_lines(await _preview(ctx, sub_id), price_id).raw - raw0

    seen, reached = await settle(ctx, grown, lambda g: g >= expected, first_wait=0.2, max_wait=0.5)
    if reached and seen == expected and ctx.remaining() > 2 * HOLD_S:
        # Reached, but the retried copy may still be on its way: look once more.
        await ctx.poll(HOLD_S)
        seen = await grown()
    name = event["event_name"]
    if seen > expected:
        problems.append(
            f"an identical retry of {name!r} (same event_id and timestamp) was counted"
            f" {'twice' if seen - expected == 1 else f'{fmt(seen - expected)} extra'}:"
            f" usage grew by {fmt(seen)}, expected {fmt(expected)} — do not rely on server"
            " dedup; keep retries rare and identical"
        )
    if problems:
        return failed(problems[0], *problems[1:], *details)
    if not reached:
        return warned(
            f"not settled after {ctx.spec.deadline:.0f} s: saw {fmt(seen)} of {fmt(expected)}"
            " test units on the preview; Flexprice may be lagging — re-run later",
            *details,
        )
    return passed(
        f"an identical retry of {name!r} (same event_id and timestamp) was counted once;"
        " no re-stamped or clashing retries in the customer's recent events",
        *details,
    )
