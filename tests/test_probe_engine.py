"""The probe engine over real HTTP on loopback: retries, deadlines, gating, redaction.

A scripted ASGI app (served by the sandbox's own server machinery) answers each
path from a queue of canned responses, so every branch of the retry policy is
exercised on the wire, not with a mocked transport.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from golive_tui.core.probes import engine
from golive_tui.core.probes.engine import (
    Concluded,
    ProbeContext,
    ProbeSpec,
    Runner,
    failed,
    passed,
)
from golive_tui.core.probes.http import ApiError
from golive_tui.core.redact import Secret
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.state import ProbeStatus, Target
from golive_tui.providers.metronome.dialect import METRONOME

TOKEN = "mt_test_engine_canary_0123456789"


class Scripted:
    """ASGI app: each path answers from its queue; an empty queue answers 200 {}."""

    def __init__(self) -> None:
        self.script: dict[str, deque[tuple[int, dict[str, str], Any, float]]] = defaultdict(deque)
        self.hits: dict[str, int] = defaultdict(int)
        self.seen_headers: list[dict[str, str]] = []

    def on(
        self,
        path: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        self.script[path].append((status, headers or {}, body, delay))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        while True:
            msg = await receive()
            if not msg.get("more_body"):
                break
        path = scope["path"]
        self.hits[path] += 1
        self.seen_headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        status, headers, body, delay = (
            self.script[path].popleft() if self.script[path] else (200, {}, {}, 0.0)
        )
        if delay:
            await asyncio.sleep(delay)
        payload = b"" if body is None else json.dumps(body).encode()
        hdrs = [(b"content-type", b"application/json")]
        hdrs += [(k.encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": hdrs})
        await send({"type": "http.response.body", "body": payload})


@pytest.fixture
def scripted() -> Iterator[tuple[Scripted, str]]:
    app = Scripted()
    with SandboxServer(app) as server:
        yield app, server.base_url


def _runner(base_url: str, environment: str = "sandbox", **kw: Any) -> Runner:
    return Runner(
        target=Target(provider="metronome", environment=environment, base_url=base_url),
        token=Secret(TOKEN),
        dialect=METRONOME,
        **kw,
    )


def _spec(fn: Any, **kw: Any) -> ProbeSpec:
    return ProbeSpec("metronome", "test-probe", "a test probe", fn, **kw)


async def _get(ctx: ProbeContext, path: str = "/v1/thing", **kw: Any) -> Any:
    return (await ctx.api.request("GET", path, **kw)).body


async def test_transient_5xx_is_retried_until_it_succeeds(scripted) -> None:
    app, url = scripted
    app.on("/v1/thing", 503, {"message": "busy"})
    app.on("/v1/thing", 502, {"message": "busy"})
    app.on("/v1/thing", 200, {"ok": True})

    async def fn(ctx: ProbeContext):
        body = await _get(ctx)
        return passed(f"got {body}")

    [result] = await _runner(url).run([_spec(fn)])
    assert result.status == "pass"
    assert app.hits["/v1/thing"] == 3
    # Each failed attempt is kept as evidence, redacted.
    assert [e.label.split(" → ")[1][:3] for e in result.evidence] == ["503", "502", "200"]


async def test_permanent_5xx_gives_error_naming_the_status_never_pass(scripted) -> None:
    app, url = scripted
    for _ in range(10):
        app.on("/v1/thing", 500, {"message": "internal"})

    async def fn(ctx: ProbeContext):
        await _get(ctx)
        return passed("unreachable")

    [result] = await _runner(url).run([_spec(fn)])
    assert result.status == "error"
    assert "500" in result.summary and "internal" in result.summary
    assert app.hits["/v1/thing"] == 4  # MAX_ATTEMPTS


async def test_429_honours_retry_after_and_keeps_the_rate_limit_type(scripted) -> None:
    app, url = scripted
    app.on(
        "/v1/thing",
        429,
        {"message": "slow down"},
        {"Retry-After": "0.3", "X-Metronome-Rate-Limit-Type": "customer"},
    )
    app.on("/v1/thing", 200, {"ok": True})

    async def fn(ctx: ProbeContext):
        await _get(ctx)
        return passed("ok")

    t0 = time.monotonic()
    [result] = await _runner(url).run([_spec(fn)])
    assert result.status == "pass"
    assert time.monotonic() - t0 >= 0.3  # waited as told
    assert "rate-limit-type=customer" in result.evidence[0].label


async def test_retry_after_ms_is_preferred(scripted) -> None:
    app, url = scripted
    app.on("/v1/thing", 429, {}, {"retry-after-ms": "150", "Retry-After": "30"})
    app.on("/v1/thing", 200, {})

    async def fn(ctx: ProbeContext):
        await _get(ctx)
        return passed("ok")

    t0 = time.monotonic()
    [result] = await _runner(url).run([_spec(fn, deadline=5)])
    assert result.status == "pass"
    assert 0.15 <= time.monotonic() - t0 < 5


async def test_other_4xx_is_never_retried(scripted) -> None:
    app, url = scripted
    app.on("/v1/thing", 400, {"message": "bad field 'x'"})

    async def fn(ctx: ProbeContext):
        await _get(ctx)
        return passed("unreachable")

    [result] = await _runner(url).run([_spec(fn)])
    assert result.status == "fail"
    assert "bad field 'x'" in result.summary
    assert app.hits["/v1/thing"] == 1


async def test_non_idempotent_request_is_not_retried_on_5xx(scripted) -> None:
    app, url = scripted
    app.on("/v1/create", 503, {"message": "maybe created"})

    async def fn(ctx: ProbeContext):
        await ctx.api.request("POST", "/v1/create", json_body={}, idempotent=False)
        return passed("unreachable")

    [result] = await _runner(url).run([_spec(fn)])
    assert result.status == "error"
    assert app.hits["/v1/create"] == 1


async def test_401_is_a_fail_that_says_what_to_do(scripted) -> None:
    app, url = scripted
    app.on("/v1/thing", 401, {"message": "Unauthorized"})

    async def fn(ctx: ProbeContext):
        await _get(ctx)
        return passed("unreachable")

    [result] = await _runner(url).run([_spec(fn)])
    assert result.status == "fail"
    assert "rejected the token" in result.summary and "golive token set" in result.summary


async def test_slow_api_hits_the_deadline_as_error_naming_the_step(scripted) -> None:
    app, url = scripted
    app.on("/v1/thing", 200, {}, delay=3)

    async def fn(ctx: ProbeContext):
        ctx.doing("reading the slow thing")
        await _get(ctx)
        return passed("unreachable")

    t0 = time.monotonic()
    [result] = await _runner(url).run([_spec(fn, deadline=0.8)])
    assert result.status == "error"
    assert "reading the slow thing" in result.summary
    assert time.monotonic() - t0 < 2.5


async def test_a_probe_bug_is_an_error_not_a_pass(scripted) -> None:
    _, url = scripted

    async def fn(ctx: ProbeContext):
        raise KeyError("data")

    [result] = await _runner(url).run([_spec(fn)])
    assert result.status == "error"
    assert "internal error" in result.summary


async def test_a_helper_can_conclude_the_probe_with_its_verdict(scripted) -> None:
    _, url = scripted

    async def shared_setup(ctx: ProbeContext) -> None:
        raise Concluded(failed("no contract", "provision one"))

    async def fn(ctx: ProbeContext):
        await shared_setup(ctx)
        return passed("unreachable")

    [result] = await _runner(url).run([_spec(fn)])
    assert (result.status, result.summary, result.details) == (
        "fail",
        "no contract",
        ["provision one"],
    )


async def test_token_never_reaches_evidence_even_when_echoed(scripted) -> None:
    app, url = scripted
    app.on("/v1/thing", 200, {"echo": f"Bearer {TOKEN}", "raw": TOKEN})

    async def fn(ctx: ProbeContext):
        body = await _get(ctx)
        return passed(f"server said {body['raw']}", f"detail {body['echo']}")

    [result] = await _runner(url).run([_spec(fn)])
    blob = json.dumps([result.summary, result.details, [e.to_data() for e in result.evidence]])
    assert TOKEN not in blob
    assert "[REDACTED]" in blob
    # …while the server did receive it, as a Bearer header.
    assert any(h.get("authorization") == f"Bearer {TOKEN}" for h in app.seen_headers)


async def test_writing_probe_on_production_is_skipped_without_consent(scripted) -> None:
    _, url = scripted
    ran = []

    async def fn(ctx: ProbeContext):
        ran.append(1)
        return passed("wrote")

    spec = _spec(fn, writes=True)
    [skipped] = await _runner(url, "production").run([spec])
    assert skipped.status == "skipped" and "PRODUCTION" in skipped.summary
    assert skipped.to_record() is None
    asked: list[str] = []

    async def refuse(s: ProbeSpec, description: str | None) -> bool:
        asked.append(s.id)
        return False

    [refused] = await _runner(url, "production", confirm_write=refuse).run([spec])
    assert refused.status == "skipped" and asked == ["test-probe"]

    async def agree(s: ProbeSpec, description: str | None) -> bool:
        return True

    [confirmed] = await _runner(url, "production", confirm_write=agree).run([spec])
    [allowed] = await _runner(url, "production", allow_writes=True).run([spec])
    [sandbox] = await _runner(url, "sandbox").run([spec])
    assert [confirmed.status, allowed.status, sandbox.status] == ["pass"] * 3
    assert len(ran) == 3


async def test_independent_probes_run_concurrently_and_serial_groups_do_not(scripted) -> None:
    app, url = scripted
    spans: dict[str, tuple[float, float]] = {}

    def make(name: str):
        async def fn(ctx: ProbeContext):
            start = time.monotonic()
            await _get(ctx, f"/v1/{name}")
            await asyncio.sleep(0.3)
            spans[name] = (start, time.monotonic())
            return passed(name)

        return fn

    for name in ("a", "b", "c", "d"):
        app.on(f"/v1/{name}", 200, {})
    specs = [
        replace(_spec(make("a")), id="a"),
        replace(_spec(make("b")), id="b"),
        replace(_spec(make("c"), serial_group="usage"), id="c"),
        replace(_spec(make("d"), serial_group="usage"), id="d"),
    ]
    t0 = time.monotonic()
    results = await _runner(url).run(specs)
    wall = time.monotonic() - t0
    assert [r.probe for r in results] == ["a", "b", "c", "d"]
    assert all(r.status == "pass" for r in results)
    c, d = spans["c"], spans["d"]
    assert c[1] <= d[0] or d[1] <= c[0], "serial group members overlapped"
    assert wall < 1.2  # a, b and the first of c/d overlap; sequential would be >= 1.2 s


def test_unknown_probe_names_are_reported() -> None:
    specs, unknown = engine.select("metronome", ["auth", "nope", "auth"])
    assert [s.id for s in specs] == ["auth"] and unknown == ["nope"]


def test_api_error_carries_status() -> None:
    err = ApiError("x", status=403)
    assert err.is_auth and ProbeStatus.FAIL.value == "fail"


async def test_a_long_429_storm_is_waited_out_within_the_deadline(scripted) -> None:
    app, url = scripted
    for _ in range(6):  # more refusals than the 5xx retry budget allows
        app.on("/v1/thing", 429, {"message": "slow down"}, {"Retry-After": "0"})
    app.on("/v1/thing", 200, {"ok": True})

    async def fn(ctx: ProbeContext):
        await _get(ctx)
        return passed("ok")

    [result] = await _runner(url).run([_spec(fn, deadline=10)])
    assert result.status == "pass"
    assert app.hits["/v1/thing"] == 7


async def test_endless_429s_end_as_an_error_naming_the_rate_limit(scripted) -> None:
    app, url = scripted
    for _ in range(20):
        app.on("/v1/thing", 429, {"message": "slow down"}, {"Retry-After": "0"})

    async def fn(ctx: ProbeContext):
        await _get(ctx)
        return passed("unreachable")

    [result] = await _runner(url).run([_spec(fn, deadline=10)])
    assert result.status == "error"
    assert "rate-limiting" in result.summary
    assert app.hits["/v1/thing"] == 8  # MAX_RATE_LIMITED


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        # Flexprice's current envelope
        (
            400,
            {
                "code": "validation_error",
                "message": "Invalid request payload",
                "http_status_code": 400,
            },
            "validation_error: Invalid request payload",
        ),
        # the legacy envelope, still in Flexprice's docs
        (
            400,
            {"success": False, "error": {"message": "bad limit", "internal_error": "x"}},
            "bad limit",
        ),
        # the auth middleware's shape
        (
            403,
            {"error": "Access denied", "message": "Invalid or inaccessible environment"},
            "Access denied: Invalid or inaccessible environment",
        ),
        (401, {"error": "Unauthorized"}, "Unauthorized"),
        # Metronome's shape
        (400, {"message": "transaction_id too long"}, "transaction_id too long"),
    ],
)
async def test_every_vendor_error_shape_is_read_into_the_summary(
    scripted, status: int, body: dict[str, Any], expected: str
) -> None:
    from golive_tui.providers.flexprice.dialect import FLEXPRICE

    app, url = scripted
    app.on("/v1/thing", status, body)

    async def fn(ctx: ProbeContext):
        await _get(ctx)
        return passed("unreachable")

    runner = Runner(
        target=Target(provider="flexprice", base_url=url),
        token=Secret(TOKEN),
        dialect=FLEXPRICE,
    )
    [result] = await runner.run([_spec(fn)])
    assert result.status == "fail"
    assert expected in result.summary
