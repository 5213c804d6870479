"""Who may write, and what the user was told before a write to a production account.

Two gates, so that nothing writes to production unconfirmed:

- *pre-run*: a writing probe that does not describe its writes (`ProbeSpec.writes`
  without `describes_writes` or `batch`) is confirmed, or skipped, before it starts;
- *priced*: a probe that describes its writes asks right before it writes, with the
  exact text of what it will write ("3 usage events for customer acme, $19.90"),
  via `ctx.approve_write(text)` or the usage batch. Refused: the probe ends skipped
  with "not run: … (you declined: <text>)".

`allow_writes` (golive check --allow-writes) approves both; off production both pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from golive_tui.core.probes.http import ApiClient
from golive_tui.core.probes.verdict import Declined

if TYPE_CHECKING:
    from golive_tui.core.probes.engine import ProbeSpec

# Asked with the probe and, for a priced write, the text of what will be written
# (None: the pre-run gate of a probe that does not describe its writes).
ConfirmWrite = Callable[["ProbeSpec", "str | None"], Awaitable[bool]]


@dataclass
class WriteGate:
    environment: str  # as resolved for writes (probes.environment)
    why: str  # why that differs from what the target claims, or ""
    allow_writes: bool
    confirm_write: ConfirmWrite | None

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def _account(self) -> str:
        because = f" ({self.why})" if self.why else ""
        return f"it writes test data to a PRODUCTION account{because}"

    async def pre_run(self, spec: ProbeSpec) -> str | None:
        """None when `spec` may start; otherwise why it is skipped."""
        if not spec.writes or spec.describes_writes or spec.batch or not self.production:
            return None
        if self.allow_writes:
            return None
        if self.confirm_write is not None and await self.confirm_write(spec, None):
            return None
        return (
            f"not run: {self._account()}; confirm in the app, or pass --allow-writes"
            " to golive check"
        )

    async def approve(self, spec: ProbeSpec, description: str) -> None:
        """Return when the write `description` names may go ahead; else raise Declined."""
        if not self.production or self.allow_writes:
            return
        if self.confirm_write is None:
            raise Declined(
                f"not run: {self._account()}; pass --allow-writes to golive check"
                f" (would have written: {description})"
            )
        if not await self.confirm_write(spec, description):
            raise Declined(f"not run: {self._account()} (you declined: {description})")


@dataclass
class Clocks:
    """Live probes' deadlines (their timeout and API client), stopped while the user decides.

    The user's time in a confirmation dialog must not eat a probe's deadline; counted,
    so that while any confirmation is open no probe's time runs out.
    """

    live: dict[str, tuple[asyncio.Timeout, ApiClient]] = field(default_factory=dict)
    _pauses: int = 0
    _paused_at: float = 0.0
    _held: list[tuple[asyncio.Timeout, ApiClient, float | None]] = field(default_factory=list)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        self._pauses += 1
        if self._pauses == 1:
            self._paused_at = time.monotonic()
            self._held = [(c, api, c.when()) for c, api in self.live.values()]
            for clock, _, _ in self._held:
                clock.reschedule(None)
        try:
            yield
        finally:
            self._pauses -= 1
            if self._pauses == 0:
                spent = time.monotonic() - self._paused_at
                for clock, api, when in self._held:
                    clock.reschedule(None if when is None else when + spent)
                    api.deadline += spent
