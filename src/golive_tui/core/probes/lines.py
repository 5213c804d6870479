"""Before/after on one invoice line: how a probe sees the usage it sent being billed.

A probe reads the line (quantity, amount) on the open invoice, sends known usage,
then waits for the line to move and compares the delta with what the price says.
The provider supplies how to read its invoice and which line is the product's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from golive_tui.core.probes.common import dec, fmt
from golive_tui.core.probes.engine import Concluded, ProbeContext, warned
from golive_tui.core.probes.steps import settle

Line = tuple[Decimal, Decimal]  # (quantity, amount)


def line_totals(invoice: dict[str, Any], *, match: str, value: str, amount_field: str) -> Line:
    """Quantity and amount summed over the invoice's line items whose `match` is `value`."""
    qty, amount = Decimal(0), Decimal(0)
    for li in invoice.get("line_items") or []:
        if li.get(match) == value:
            qty += dec(li.get("quantity"))
            amount += dec(li.get(amount_field))
    return qty, amount


async def moved_line(
    ctx: ProbeContext,
    read: Callable[[], Awaitable[tuple[dict[str, Any] | None, Line]]],
    before: Line,
    *,
    invoice_noun: str,
    sent: Decimal,
    first_wait: float,
) -> tuple[dict[str, Any], Line]:
    """The invoice and its line once the line's quantity has moved from `before`.

    Ends the probe with a warning (the platform is lagging, not wrong) when it has
    not moved by the deadline.
    """
    ctx.doing(f"waiting for {invoice_noun} to include the test usage")

    def moved(seen: tuple[dict[str, Any] | None, Line]) -> bool:
        return seen[0] is not None and seen[1][0] != before[0]

    (invoice, line), done = await settle(ctx, read, moved, first_wait=first_wait)
    if not done or invoice is None:
        raise Concluded(
            warned(
                f"{invoice_noun} did not change within {ctx.spec.deadline:.0f} s of sending"
                f" {fmt(sent)} units; {ctx.api.dialect.name} may be lagging — re-run later"
            )
        )
    return invoice, line
