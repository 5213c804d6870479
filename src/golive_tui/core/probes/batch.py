"""The usage batch: probes that send test usage send it once, then all wait together.

Billing APIs take seconds to make usage visible. Probes that each send, then wait,
would wait k times; and two probes measuring the same customer's meter would see
each other's usage. So every member (`ProbeSpec.batch="usage"`):

1. reads its baseline ("before");
2. `share = await ctx.usage_batch.contribute(events=[...], expect={key: qty},
   describe="2 events for customer acme, $0.20", send=provider_send)`; this is a
   barrier: it returns once every member of the run has contributed or withdrawn
   (the engine withdraws a member whose probe ends, errors or is skipped first);
3. then ONE member sends every member's events with its `send(events)` (members of
   one run pass the same provider call), after one priced confirmation in production;
4. each member polls for its evidence, expecting `share.expected_total(key)`: the
   sum of every member's expected effect on `key`, so a shared meter expects all.

If the send fails, the sender's probe ends as its error maps (an ApiError re-raised);
the other members end error "blocked by <sender>: <cause>". If the confirmation is
refused, every member ends skipped and nothing is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from golive_tui.core.probes.verdict import Declined, Verdict, blocked, cause_of

if TYPE_CHECKING:
    from golive_tui.core.probes.engine import ProbeSpec

Send = Callable[[list[Any]], Awaitable[Any]]
Approve = Callable[["ProbeSpec", str], Awaitable[None]]


@dataclass(frozen=True)
class BatchShare:
    """What a member gets back once the batch was sent."""

    members: tuple[str, ...]  # the probes whose events were sent, in contribution order
    events_sent: int
    totals: Mapping[str, Decimal]
    sender: str

    def expected_total(self, key: str) -> Decimal:
        """Everyone's expected effect on `key` (0 when no member expects any)."""
        return self.totals.get(key, Decimal(0))


@dataclass
class _Part:
    events: list[Any]
    expect: dict[str, Decimal]
    describe: str
    title: str


@dataclass
class UsageBatch:
    """One run's usage batch; `members` are the probe ids the engine expects."""

    members: set[str]
    approve: Approve
    _parts: dict[str, _Part] = field(default_factory=dict)
    _gone: set[str] = field(default_factory=set)
    _all_in: asyncio.Event = field(default_factory=asyncio.Event)
    # (sender, None) sent; (sender, Verdict) failed; (sender, reason str) declined.
    _sent: asyncio.Future[tuple[str, Verdict | str | None]] | None = None

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        if self.members <= self._gone | set(self._parts):
            self._all_in.set()

    def withdraw(self, probe_id: str) -> None:
        """The probe will not contribute (it ended, errored or was skipped first)."""
        if probe_id in self.members and probe_id not in self._parts:
            self._gone.add(probe_id)
            self._check()

    def describe_all(self) -> str:
        """The one text the user confirms: every event, for every probe."""
        n = sum(len(p.events) for p in self._parts.values())
        parts = "; ".join(f"{p.title}: {p.describe}" for p in self._parts.values())
        return f"{n} usage event{'s' if n != 1 else ''} for {len(self._parts)} probe(s) — {parts}"

    async def contribute(
        self,
        spec: ProbeSpec,
        *,
        events: Sequence[Any],
        expect: Mapping[str, Decimal],
        describe: str,
        send: Send,
        step: Callable[[], str],
    ) -> BatchShare:
        pid = spec.id
        if pid not in self.members:
            raise RuntimeError(f"probe {pid!r} is not a usage batch member (set batch='usage')")
        if pid in self._parts:
            raise RuntimeError(f"probe {pid!r} contributed to the usage batch twice")
        self._parts[pid] = _Part(list(events), dict(expect), describe, spec.title)
        self._check()
        await self._all_in.wait()
        if self._sent is None:
            self._sent = asyncio.get_running_loop().create_future()
            await self._send(spec, send, step)
        sender, outcome = await asyncio.shield(self._sent)
        if isinstance(outcome, str):
            raise Declined(outcome)
        if outcome is not None and sender != pid:
            raise blocked(sender, outcome)
        return self._share(sender)

    async def _send(self, spec: ProbeSpec, send: Send, step: Callable[[], str]) -> None:
        assert self._sent is not None
        try:
            await self.approve(spec, self.describe_all())
            await send([e for p in self._parts.values() for e in p.events])
        except Declined as exc:
            self._sent.set_result((spec.id, exc.reason))
            return
        except BaseException as exc:
            # A timeout or bug mid-send leaves the write uncertain: never resend it.
            cause = cause_of(exc, step()) or _interrupted(exc)
            self._sent.set_result((spec.id, cause))
            raise
        self._sent.set_result((spec.id, None))

    def _share(self, sender: str) -> BatchShare:
        totals: dict[str, Decimal] = {}
        for part in self._parts.values():
            for key, qty in part.expect.items():
                totals[key] = totals.get(key, Decimal(0)) + Decimal(qty)
        return BatchShare(
            members=tuple(self._parts),
            events_sent=sum(len(p.events) for p in self._parts.values()),
            totals=totals,
            sender=sender,
        )


def _interrupted(exc: BaseException) -> Verdict:
    from golive_tui.core.probes.verdict import errored

    what = "timed out" if isinstance(exc, TimeoutError | asyncio.CancelledError) else "crashed"
    return errored(
        f"the shared usage send {what} ({type(exc).__name__}); whether the events arrived"
        " is unknown — retry the run"
    )


@dataclass
class BatchView:
    """`ctx.usage_batch`: the run's usage batch as seen by one probe."""

    batch: UsageBatch
    spec: ProbeSpec
    step: Callable[[], str]

    async def contribute(
        self,
        *,
        events: Iterable[Any],
        expect: Mapping[str, Decimal],
        describe: str,
        send: Send,
    ) -> BatchShare:
        """Add this probe's events; wait for every member; send once; see the module doc."""
        return await self.batch.contribute(
            self.spec,
            events=list(events),
            expect=expect,
            describe=describe,
            send=send,
            step=self.step,
        )
