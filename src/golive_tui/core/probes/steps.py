"""Probe steps every provider takes the same way; the provider supplies only the API calls.

- `customer_ref`: the test customer as configured (flag, else setting);
- `required_customer`: look the customer up, or end the probe with the reason;
- `settle`: poll a read until what it sees has settled, backing off, until the deadline;
- `outcome`: the usual ending, first problem fails, else first warning warns, else pass.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from golive_tui.core.probes.engine import Concluded, ProbeContext, Verdict, failed, passed, warned

T = TypeVar("T")
CustomerLookup = Callable[[ProbeContext], Awaitable[tuple[dict[str, Any] | None, str]]]


def customer_ref(ctx: ProbeContext) -> str:
    """The test customer's id, alias or external id: the target's, else the setting's."""
    return (ctx.target.customer_id or str(ctx.settings.get("customer_id", ""))).strip()


def unconfigured_customer(what: str) -> str:
    """Why there is no customer to look up, and how to set `what` identifies it."""
    return f"no test customer configured; set {what} with --customer-id or in the app's setup"


async def required_customer(ctx: ProbeContext, lookup: CustomerLookup) -> dict[str, Any]:
    """The customer `lookup` finds; ends the probe as failed with its reason if none.

    Looked up once per run: when the customer is missing, the first probe fails with
    the reason and every other one ends "blocked by <that probe>: …" (one root cause).
    """

    async def find() -> dict[str, Any]:
        customer, why = await lookup(ctx)
        if customer is None:
            raise Concluded(failed(why))
        return customer

    return await ctx.shared.step("customer", find)


async def settle(
    ctx: ProbeContext,
    read: Callable[[], Awaitable[T]],
    settled: Callable[[T], bool],
    *,
    first_wait: float = 0.1,
    max_wait: float = 2.0,
) -> tuple[T, bool]:
    """Read until `settled(seen)` or the probe's time is up: (last seen, whether settled).

    Billing APIs process usage asynchronously, so a probe that sent some waits for
    the evidence, doubling the pause between reads up to `max_wait`.
    """
    wait = first_wait
    while True:
        seen = await read()
        if settled(seen):
            return seen, True
        if not await ctx.poll(wait):
            return seen, False
        wait = min(wait * 2, max_wait)


def outcome(
    problems: Sequence[str],
    warnings: Sequence[str],
    details: Sequence[str],
    ok: str,
    *,
    warnings_when_failing: bool = True,
) -> Verdict:
    """Fail on the first problem, else warn on the first warning, else pass with `ok`."""
    if problems:
        shown = warnings if warnings_when_failing else ()
        return failed(problems[0], *problems[1:], *shown, *details)
    if warnings:
        return warned(warnings[0], *warnings[1:], *details)
    return passed(ok, *details)
