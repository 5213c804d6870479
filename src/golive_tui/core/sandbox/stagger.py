"""When a sandbox lets an accepted event be seen, as real pipelines do: one by one.

Real ingestion is not atomic. Billing APIs accept a batch at once, then
their consumers make each event searchable on its own schedule, and invoices (or
aggregates) catch up later still. A probe that stops at the first change and then
demands the whole quantity fails a healthy account; this schedule lets the
sandboxes show exactly that partial view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Stagger:
    """Event `i` of `n` accepted at `arrived` is searchable at `visible_at`, and counted
    by invoices `billing_lag` seconds after that.

    `delay` is the first event's wait; the rest follow evenly over `spread` seconds.
    With spread 0 the whole request appears at once (the kind, old behaviour).
    """

    delay: float = 0.0
    spread: float = 0.0
    billing_lag: float = 0.0

    def __post_init__(self) -> None:
        if min(self.delay, self.spread, self.billing_lag) < 0:
            raise ValueError("stagger delays must not be negative")

    def visible_at(self, arrived: datetime, i: int, n: int) -> datetime:
        if not 0 <= i < max(n, 1):
            raise ValueError(f"event index {i} is outside a request of {n}")
        share = self.spread * i / (n - 1) if n > 1 else 0.0
        return arrived + timedelta(seconds=self.delay + share)

    def billed_at(self, arrived: datetime, i: int, n: int) -> datetime:
        return self.visible_at(arrived, i, n) + timedelta(seconds=self.billing_lag)

    @property
    def settles_in(self) -> float:
        """Seconds from acceptance until the last event of a request is on the invoice."""
        return self.delay + self.spread + self.billing_lag
