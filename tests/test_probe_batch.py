"""The usage batch over loopback HTTP: members send once, wait together, expect everyone's usage.

A tiny ASGI meter makes ingested usage visible SETTLE seconds after it arrived, as
billing APIs do; each member reads its baseline, contributes, then polls.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from tests.test_probe_engine import _runner, _spec

from golive_tui.core.probes.engine import ProbeContext, ProbeSpec, failed, passed
from golive_tui.core.probes.steps import settle
from golive_tui.core.sandbox.server import SandboxServer

SETTLE = 0.6


class Meter:
    """POST /v1/ingest adds events; GET /v1/usage/<customer> sums what has settled."""

    def __init__(self, status: int = 200) -> None:
        self.arrived: list[tuple[float, dict[str, Any]]] = []
        self.sends = 0
        self.status = status

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        out: Any = {}
        status = 200
        if scope["method"] == "POST" and scope["path"] == "/v1/ingest":
            self.sends += 1
            status = self.status
            if status == 200:
                self.arrived += [(time.monotonic(), e) for e in json.loads(body)]
            else:
                out = {"message": "ingest is down"}
        elif scope["path"].startswith("/v1/usage/"):
            customer = scope["path"].rsplit("/", 1)[1]
            cutoff = time.monotonic() - SETTLE
            visible = [e for t, e in self.arrived if t <= cutoff and e["customer"] == customer]
            out = {"total": str(sum((Decimal(e["qty"]) for e in visible), Decimal(0)))}
        payload = json.dumps(out).encode()
        hdrs = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": hdrs})
        await send({"type": "http.response.body", "body": payload})


@pytest.fixture
def meter() -> Iterator[tuple[Meter, str]]:
    app = Meter()
    with SandboxServer(app) as server:
        yield app, server.base_url


async def _usage(ctx: ProbeContext, customer: str) -> Decimal:
    return Decimal((await ctx.api.request("GET", f"/v1/usage/{customer}")).body["total"])


async def _send(ctx: ProbeContext, events: list[Any]) -> None:
    await ctx.api.request("POST", "/v1/ingest", json_body=events, idempotent=False)


def usage_probe(
    name: str, customer: str, qty: str, waits: dict[str, tuple[float, float]]
) -> ProbeSpec:
    async def fn(ctx: ProbeContext):
        before = await _usage(ctx, customer)
        share = await ctx.usage_batch.contribute(
            events=[{"customer": customer, "qty": qty}],
            expect={customer: Decimal(qty)},
            describe=f"1 event of {qty} for customer {customer}",
            send=lambda events: _send(ctx, events),
        )
        want = before + share.expected_total(customer)
        start = time.monotonic()
        seen, ok = await settle(ctx, lambda: _usage(ctx, customer), lambda v: v >= want)
        waits[name] = (start, time.monotonic())
        if not ok or seen != want:
            return failed(f"{name}: saw {seen}, expected {want}")
        return passed(f"{name}: saw {seen} = {before} + {share.expected_total(customer)}")

    return replace(_spec(fn, writes=True, batch="usage", deadline=10), id=name)


async def test_members_send_once_then_wait_together_expecting_everyones_usage(meter) -> None:
    app, url = meter
    waits: dict[str, tuple[float, float]] = {}
    specs = [
        usage_probe("a", "acme", "2", waits),
        usage_probe("b", "acme", "3", waits),  # same customer and meter as a
        usage_probe("c", "zeta", "5", waits),
    ]
    # concurrency=1 and a serial group must not serialise (or deadlock) members.
    specs[0] = replace(specs[0], serial_group="usage")
    specs[1] = replace(specs[1], serial_group="usage")
    results = await _runner(url, concurrency=1).run(specs)
    assert [r.status for r in results] == ["pass"] * 3, [r.summary for r in results]
    assert results[0].summary == "a: saw 5 = 0 + 5"  # a expects b's usage too
    assert results[2].summary == "c: saw 5 = 0 + 5"
    assert app.sends == 1 and len(app.arrived) == 3
    # Every wait overlaps every other: one settle period, not three.
    latest_start = max(s for s, _ in waits.values())
    earliest_end = min(e for _, e in waits.values())
    assert latest_start < earliest_end


async def test_a_member_that_ends_before_contributing_is_withdrawn(meter) -> None:
    app, url = meter
    waits: dict[str, tuple[float, float]] = {}

    async def gives_up(ctx: ProbeContext):
        return failed("no meter configured; set one in the app")

    async def crashes(ctx: ProbeContext):
        raise ValueError("bug")

    specs = [
        usage_probe("a", "acme", "2", waits),
        replace(_spec(gives_up, writes=True, batch="usage"), id="b"),
        replace(_spec(crashes, writes=True, batch="usage"), id="c"),
    ]
    a, b, c = await _runner(url).run(specs)
    assert (a.status, a.summary) == ("pass", "a: saw 2 = 0 + 2")
    assert b.status == "fail" and c.status == "error"
    assert app.sends == 1


async def test_a_failed_send_is_the_senders_cause_and_blocks_the_others(meter) -> None:
    app, url = meter
    app.status = 422
    waits: dict[str, tuple[float, float]] = {}
    specs = [usage_probe(n, "acme", "1", waits) for n in ("a", "b")]
    results = await _runner(url).run(specs)
    [sender] = [r for r in results if not r.summary.startswith("blocked by")]
    [other] = [r for r in results if r is not sender]
    assert sender.status == "fail" and "ingest is down" in sender.summary
    assert (other.status, other.summary) == (
        "error",
        f"blocked by {sender.probe}: {sender.summary}",
    )
    assert app.sends == 1 and waits == {}


async def test_production_asks_once_with_the_priced_description(meter) -> None:
    app, url = meter
    asked: list[tuple[str, str | None]] = []

    async def refuse(spec: ProbeSpec, description: str | None) -> bool:
        asked.append((spec.id, description))
        return False

    waits: dict[str, tuple[float, float]] = {}
    specs = [usage_probe("a", "acme", "2", waits), usage_probe("b", "zeta", "3", waits)]
    results = await _runner(url, "production", confirm_write=refuse).run(specs)
    assert [r.status for r in results] == ["skipped", "skipped"]
    [(_, text)] = asked  # one question for the whole batch, not one per probe
    assert text is not None
    assert "2 usage events" in text and "customer acme" in text and "customer zeta" in text
    assert all(f"(you declined: {text})" in r.summary for r in results)
    assert app.sends == 0 and app.arrived == []  # nothing was written

    async def agree(spec: ProbeSpec, description: str | None) -> bool:
        return True

    results = await _runner(url, "production", confirm_write=agree).run(specs)
    assert [r.status for r in results] == ["pass", "pass"] and app.sends == 1
    app.sends = 0
    # Headless without --allow-writes: skipped, saying what it would have written.
    results = await _runner(url, "production").run(specs)
    assert all(r.status == "skipped" and "--allow-writes" in r.summary for r in results)
    assert app.sends == 0


async def test_approve_write_gates_a_described_write_and_gives_back_the_dialog_time(
    meter,
) -> None:
    app, url = meter

    async def fn(ctx: ProbeContext):
        await ctx.approve_write("1 event for customer acme, $0.20")
        await _send(ctx, [{"customer": "acme", "qty": "1"}])
        return passed("sent")

    spec = _spec(fn, writes=True, describes_writes=True, deadline=0.5)
    seen: list[str | None] = []

    async def slow_yes(s: ProbeSpec, description: str | None) -> bool:
        seen.append(description)
        await asyncio.sleep(0.8)  # longer than the probe's whole deadline
        return True

    [ok] = await _runner(url, "production", confirm_write=slow_yes).run([spec])
    assert (ok.status, seen) == ("pass", ["1 event for customer acme, $0.20"])
    assert app.sends == 1
