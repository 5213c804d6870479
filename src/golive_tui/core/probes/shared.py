"""Per-run shared steps: a set-up several probes need runs once, and fails once.

`await ctx.shared.step(key, fn)` runs `fn()` once per run per `key`; concurrent
callers wait for the same run. What it ends with:

- a value: cached, every caller gets it;
- `Concluded` or `ApiError` (a *cause*): the first probe ends with it as the engine
  maps it, and every other probe that needs the step ends **error** with
  `blocked by <first probe>: <cause>`, so a reviewer sees one root cause, not a cascade;
- anything else (a timeout or deadline of the first probe, a cancellation, a bug):
  not cached. The first probe reports it itself, and the next caller runs the step
  again under its own deadline: a slow first probe must not pin a wrong cause on others.

`fn` runs in the first caller's task, so that probe's deadline bounds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from golive_tui.core.probes.verdict import Blocked, Concluded, blocked, cause_of

T = TypeVar("T")


@dataclass
class _Entry:
    owner: str
    # ("ok", value), ("cause", verdict), or None: not settled, run it again.
    done: asyncio.Future[tuple[str, Any] | None]


@dataclass
class SharedSteps:
    """The shared steps of one run (one per `Runner.run`)."""

    _entries: dict[str, _Entry] = field(default_factory=dict)

    def view(self, probe_id: str, step_name: Callable[[], str]) -> SharedView:
        return SharedView(self, probe_id, step_name)

    async def run(
        self, probe_id: str, key: str, fn: Callable[[], Awaitable[T]], step_name: Callable[[], str]
    ) -> T:
        while True:
            entry = self._entries.get(key)
            if entry is None:
                return await self._own(probe_id, key, fn, step_name)
            if entry.owner == probe_id and not entry.done.done():
                raise RuntimeError(f"shared step {key!r} awaited inside itself")
            # shield: a waiter's own timeout must not cancel the owner's result.
            outcome = await asyncio.shield(entry.done)
            if outcome is None:
                continue
            kind, payload = outcome
            if kind == "ok":
                return payload  # type: ignore[no-any-return]
            if entry.owner == probe_id:  # the same probe asks again: same verdict
                raise Concluded(payload)
            raise blocked(entry.owner, payload)

    async def _own(
        self, probe_id: str, key: str, fn: Callable[[], Awaitable[T]], step_name: Callable[[], str]
    ) -> T:
        entry = _Entry(probe_id, asyncio.get_running_loop().create_future())
        self._entries[key] = entry
        try:
            value = await fn()
        except BaseException as exc:
            cause = cause_of(exc, step_name())
            if isinstance(exc, Blocked):  # a step inside this one failed elsewhere first:
                entry.owner, cause = exc.by, exc.cause  # others are blocked by that root
            if cause is None:
                del self._entries[key]
                entry.done.set_result(None)
            else:
                entry.done.set_result(("cause", cause))
            raise
        entry.done.set_result(("ok", value))
        return value


@dataclass
class SharedView:
    """`ctx.shared`: the run's shared steps, as seen by one probe."""

    steps: SharedSteps
    probe_id: str
    step_name: Callable[[], str]

    async def step(self, key: str, fn: Callable[[], Awaitable[T]]) -> T:
        """`fn()`'s result, run once per run for `key`; see the module docstring."""
        return await self.steps.run(self.probe_id, key, fn, self.step_name)
