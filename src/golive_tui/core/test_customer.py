"""`golive test-customer create`: a customer of golive's own for probes to write into.

Probes then send their test usage to a customer nobody bills, and `golive cleanup`
can take it down afterwards. The platform side is a `TestCustomerMaker`
(`Provider.test_customer_ref`): it reads what the customer will be put on (a plan, a
rate card) to say what creating it writes and may cost, then creates the customer and
what bills it (a contract, a subscription). Every object is registered in the state
with the run id, and the target's customer becomes the new one. UI-free.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from golive_tui.core.probes.http import ApiClient
from golive_tui.core.state import CreatedObject, State, Target, now

COMMAND = "test-customer"  # the `probe` recorded on the objects it creates


@dataclass(frozen=True)
class Request:
    """What the user asked for (command-line flags; "" when not given)."""

    name: str = ""
    plan: str = ""  # --plan
    rate_card: str = ""  # --rate-card
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def alias(self) -> str:
        """The reference usage events use for the customer: unique per run."""
        return f"golive-test-{self.run_id}"

    @property
    def display_name(self) -> str:
        return self.name or f"golive test customer ({self.run_id})"


@dataclass
class Preview:
    """The writes creation will make, in words, and what they may cost."""

    writes: list[str]
    cost: str  # "no fixed charge: only usage sent to it bills", "$19.00 a month fixed …"


class TestCustomerMaker(Protocol):
    async def preview(self, api: ApiClient, target: Target, request: Request) -> Preview:
        """Read (only) what the customer will be put on; a one-line GoliveError naming
        the flag when it is missing or wrong."""
        ...

    async def create(
        self, api: ApiClient, target: Target, request: Request, created: list[CreatedObject]
    ) -> str:
        """Create it, appending each object to `created` as soon as the API made it (so
        a later failure still leaves it registered); returns the reference probes use
        for it (the target's new customer_id)."""
        ...


def made(request: Request, kind: str, object_id: str, customer: str = "") -> CreatedObject:
    """The record of one object created for `request`."""
    return CreatedObject(
        run_id=request.run_id,
        probe=COMMAND,
        kind=kind,
        id=object_id,
        at=now(),
        customer=customer,
        alias=request.alias if kind == "customer" else "",
    )


def record(state: State, created: list[CreatedObject], customer_ref: str) -> None:
    """Register what was created and point the target at the new customer."""
    for obj in created:
        state.add_created(obj)
    if customer_ref:
        state.target.customer_id = customer_ref
