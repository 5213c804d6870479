"""Probe steps every provider takes the same way; a provider passes in only its API calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from golive_tui.core.probes.engine import Concluded, ProbeContext, Verdict, failed, passed, warned

# How a provider finds the test customer: the customer, or None and why not.
CustomerLookup = Callable[[ProbeContext], Awaitable[tuple[dict[str, Any] | None, str]]]


async def require_customer(ctx: ProbeContext, lookup: CustomerLookup) -> dict[str, Any]:
    """The test customer; ends the probe as failed (`Concluded`) with the reason if none."""
    customer, why = await lookup(ctx)
    if customer is None:
        raise Concluded(failed(why))
    return customer


def conclude(problems: list[str], warnings: list[str], details: list[str], ok: str) -> Verdict:
    """Fail on the problems, else warn on the warnings, else pass with `ok`; details follow."""
    if problems:
        return failed(problems[0], *problems[1:], *warnings, *details)
    if warnings:
        return warned(warnings[0], *warnings[1:], *details)
    return passed(ok, *details)
