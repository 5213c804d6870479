"""Per-run shared steps over loopback HTTP: run once, fail once, blocked-by for the rest."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from tests.test_probe_engine import _get, _runner, _spec, scripted  # noqa: F401

from golive_tui.core.probes.engine import Concluded, ProbeContext, failed, passed


def _probes(make: Any, ids: list[str]) -> list[Any]:
    return [replace(_spec(make(i)), id=i) for i in ids]


async def test_a_shared_step_runs_once_and_its_value_is_shared(scripted) -> None:  # noqa: F811
    app, url = scripted
    app.on("/v1/customer", 200, {"id": "c1"}, delay=0.2)

    def make(name: str):
        async def fn(ctx: ProbeContext):
            body = await ctx.shared.step("customer", lambda: _get(ctx, "/v1/customer"))
            return passed(f"{name} saw {body['id']}")

        return fn

    results = await _runner(url).run(_probes(make, ["a", "b", "c"]))
    assert [r.summary for r in results] == ["a saw c1", "b saw c1", "c saw c1"]
    assert app.hits["/v1/customer"] == 1


async def test_a_failing_step_is_one_cause_and_the_others_are_blocked_by_it(scripted) -> None:  # noqa: F811
    app, url = scripted
    app.on("/v1/customer", 404, {"message": "customer acme not found"}, delay=0.1)

    def make(name: str):
        async def fn(ctx: ProbeContext):
            ctx.doing("looking up the test customer")
            await ctx.shared.step("customer", lambda: _get(ctx, "/v1/customer"))
            return passed(name)

        return fn

    first, *later = await _runner(url).run(_probes(make, ["a", "b", "c"]))
    assert first.status == "fail" and "not found" in first.summary
    assert "looking up the test customer" in first.summary
    for r in later:
        assert r.status == "error"
        assert r.summary == f"blocked by a: {first.summary}"
    assert app.hits["/v1/customer"] == 1


async def test_a_concluded_step_blocks_later_probes_that_start_after_it(scripted) -> None:  # noqa: F811
    _, url = scripted

    async def setup() -> None:
        raise Concluded(failed("no plan attached to the customer; attach one"))

    async def fn(ctx: ProbeContext):
        await ctx.shared.step("plan", setup)
        return passed("fine")

    specs = [replace(_spec(fn), id=i) for i in ("a", "b")]
    runner = _runner(url, concurrency=1)  # b starts only after a has finished
    a, b = await runner.run(specs)
    assert a.status == "fail" and a.summary.startswith("no plan")
    assert (b.status, b.summary) == ("error", f"blocked by a: {a.summary}")


async def test_a_bug_or_timeout_in_the_first_probe_is_not_a_cause_for_others(scripted) -> None:  # noqa: F811
    _, url = scripted
    calls: list[str] = []

    def make(name: str, deadline_hit: bool):
        async def step() -> str:
            calls.append(name)
            if deadline_hit:
                await asyncio.sleep(5)  # the first probe's deadline ends it
            return "ok"

        async def fn(ctx: ProbeContext):
            seen = await ctx.shared.step("slow", step)
            return passed(f"{name}: {seen}")

        return fn

    specs = [
        replace(_spec(make("a", True)), id="a", deadline=0.3),
        replace(_spec(make("b", False)), id="b", deadline=5),
    ]
    a, b = await _runner(url).run(specs)
    assert a.status == "error" and "deadline" in a.summary
    # b waited for a, then ran the step itself under its own deadline.
    assert (b.status, b.summary) == ("pass", "b: ok")
    assert calls == ["a", "b"]

    def buggy(name: str):
        async def fn(ctx: ProbeContext):
            async def step() -> None:
                raise KeyError(name)

            await ctx.shared.step("bug", step)
            return passed(name)

        return fn

    x, y = await _runner(url).run(_probes(buggy, ["x", "y"]))
    assert "internal error" in x.summary and "'x'" in x.summary
    assert "internal error" in y.summary and "'y'" in y.summary  # its own, not "blocked by"


async def test_a_step_blocked_inside_another_names_the_root_probe_not_the_messenger(
    scripted,  # noqa: F811
) -> None:
    """'usage-setup' needs 'customer': when the customer is missing, every probe says
    blocked by the one that found it missing, never 'blocked by b: blocked by a: …'."""
    _, url = scripted

    async def customer() -> None:
        raise Concluded(failed("customer acme not found; create it"))

    def make(name: str):
        async def fn(ctx: ProbeContext):
            if name == "a":  # a needs only the customer
                await ctx.shared.step("customer", customer)
            else:  # b and c need the set-up, which needs the customer

                async def setup() -> None:
                    await ctx.shared.step("customer", customer)

                await ctx.shared.step("usage-setup", setup)
            return passed(name)

        return fn

    a, b, c = await _runner(url, concurrency=1).run(_probes(make, ["a", "b", "c"]))
    assert a.status == "fail"
    assert (b.status, b.summary) == ("error", f"blocked by a: {a.summary}")
    assert (c.status, c.summary) == ("error", f"blocked by a: {a.summary}")


async def test_a_cause_that_could_not_tell_leaves_the_others_warned_not_errored(
    scripted,  # noqa: F811
) -> None:
    from golive_tui.core.probes.engine import warned

    _, url = scripted

    async def setup() -> None:
        raise Concluded(warned("the contract starts later today; re-run once it has started"))

    async def fn(ctx: ProbeContext):
        await ctx.shared.step("usage-setup", setup)
        return passed("fine")

    a, b = await _runner(url, concurrency=1).run([replace(_spec(fn), id=i) for i in "ab"])
    assert a.status == "warn"
    assert (b.status, b.summary) == ("warn", f"blocked by a: {a.summary}")
