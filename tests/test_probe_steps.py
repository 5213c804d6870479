"""The probe steps the core shares with every provider, over real HTTP on loopback.

A tiny ASGI app plays a billing API whose invoice line moves after a few reads,
so settle polling and the before/after line step are exercised on the wire.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any

import pytest

from golive_tui.core.probes import engine
from golive_tui.core.probes.engine import ProbeContext, ProbeSpec, Runner, passed
from golive_tui.core.probes.lines import line_totals, moved_line
from golive_tui.core.probes.steps import outcome, settle
from golive_tui.core.probes.tiers import Tier, boundaries, graduated
from golive_tui.core.probes.webhooks import Deliveries, Scheme, signature_probe
from golive_tui.core.redact import Secret
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.state import Target
from golive_tui.providers.metronome.dialect import METRONOME


class Invoice:
    """GET /invoice: a line whose quantity is 5 until read `moves_after` times, then 8."""

    def __init__(self, moves_after: int) -> None:
        self.moves_after = moves_after
        self.reads = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        await receive()
        self.reads += 1
        qty = 8 if self.reads > self.moves_after else 5
        body = {"line_items": [{"product_id": "p", "quantity": qty, "total": qty * 2}]}
        hdrs = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": hdrs})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})


@pytest.fixture
def api() -> Iterator[tuple[Invoice, str]]:
    app = Invoice(moves_after=2)
    with SandboxServer(app) as server:
        yield app, server.base_url


async def _run(base_url: str, fn: Any, deadline: float = 10.0) -> Any:
    runner = Runner(
        target=Target(provider="metronome", environment="sandbox", base_url=base_url),
        token=Secret("mt_test_steps_0123456789"),
        dialect=METRONOME,
    )
    [result] = await runner.run([ProbeSpec("metronome", "steps", "steps", fn, deadline=deadline)])
    return result


async def _invoice(ctx: ProbeContext) -> dict[str, Any]:
    body = (await ctx.api.request("GET", "/invoice", expect="object")).body
    assert isinstance(body, dict)
    return body


def _line(invoice: dict[str, Any]) -> tuple[D, D]:
    return line_totals(invoice, match="product_id", value="p", amount_field="total")


async def test_settle_reads_until_settled_and_says_so(api) -> None:
    app, url = api

    async def fn(ctx: ProbeContext):
        async def qty() -> D:
            return _line(await _invoice(ctx))[0]

        seen, done = await settle(ctx, qty, lambda q: q == 8, first_wait=0.01)
        return passed(f"{seen} {done}")

    result = await _run(url, fn)
    assert (result.status, result.summary, app.reads) == ("pass", "8 True", 3)


async def test_settle_gives_the_last_reading_when_time_runs_out(api) -> None:
    app, url = api
    app.moves_after = 10**6  # never moves

    async def fn(ctx: ProbeContext):
        async def qty() -> D:
            return _line(await _invoice(ctx))[0]

        seen, done = await settle(ctx, qty, lambda q: q == 8, first_wait=0.01, max_wait=0.05)
        return passed(f"{seen} {done}")

    result = await _run(url, fn, deadline=1.0)
    assert (result.status, result.summary) == ("pass", "5 False")
    assert app.reads > 2  # it kept reading until the deadline, backing off


async def test_moved_line_returns_the_line_once_it_moves(api) -> None:
    _, url = api

    async def fn(ctx: ProbeContext):
        async def read() -> tuple[dict[str, Any] | None, tuple[D, D]]:
            inv = await _invoice(ctx)
            return inv, _line(inv)

        _, (qty, amount) = await moved_line(
            ctx, read, (D(5), D(10)), invoice_noun="the draft", sent=D(3), first_wait=0.01
        )
        return passed(f"{qty} {amount}")

    assert (await _run(url, fn)).summary == "8 16"


async def test_a_line_that_never_moves_ends_the_probe_as_lagging_not_wrong(api) -> None:
    app, url = api
    app.moves_after = 10**6

    async def fn(ctx: ProbeContext):
        async def read() -> tuple[dict[str, Any] | None, tuple[D, D]]:
            inv = await _invoice(ctx)
            return inv, _line(inv)

        await moved_line(
            ctx, read, (D(5), D(10)), invoice_noun="the draft", sent=D(3), first_wait=0.01
        )
        return passed("unreachable")

    result = await _run(url, fn, deadline=1.0)
    assert result.status == "warn"
    assert result.summary == (
        "the draft did not change within 1 s of sending 3 units; Metronome may be lagging"
        " — re-run later"
    )


def test_graduated_tiers_price_each_unit_in_its_own_tier() -> None:
    tiers = [Tier(D(10), D("1.0")), Tier(D(90), D("0.5"), flat=D(2)), Tier(None, D("0.1"))]
    assert boundaries(tiers) == [D(10), D(100)]
    assert graduated(D(0), tiers) == 0  # no unit in a tier: not even its flat fee
    assert graduated(D(10), tiers) == D(10)
    assert graduated(D(11), tiers) == D(10) + D("0.5") + 2
    assert graduated(D(150), tiers) == D(10) + D(45) + 2 + D(5)
    assert graduated(D(5), [Tier(D(0), D(9)), Tier(None, D(1))]) == D(5)  # an empty tier


def test_outcome_fails_first_then_warns_then_passes() -> None:
    assert outcome(["p1", "p2"], ["w"], ["d"], "ok") == ("fail", "p1", ["p2", "w", "d"])
    assert outcome(["p1"], ["w"], ["d"], "ok", warnings_when_failing=False)[2] == ["d"]
    assert outcome([], ["w1", "w2"], ["d"], "ok") == ("warn", "w1", ["w2", "d"])
    assert outcome([], [], ["d"], "ok") == ("pass", "ok", ["d"])


def test_signature_probe_registers_the_shared_probe_under_the_given_provider() -> None:
    scheme = Scheme("X-Sig", "the body", "X-Time", "the portal")

    def sign(ctx: ProbeContext, secret: str) -> Deliveries:
        return Deliveries(b"{}", genuine={}, forged={}, unsigned={}, stale={}, tampered_body=b"[]")

    fn = signature_probe("acme-test", scheme, sign)
    try:
        spec = engine.REGISTRY[("acme-test", "webhook-signature")]
        assert (spec.fn, spec.title, spec.writes) == (
            fn,
            "Webhook endpoint rejects forged signatures",
            True,
        )
        assert scheme.noun == "delivery"
    finally:
        del engine.REGISTRY[("acme-test", "webhook-signature")]
