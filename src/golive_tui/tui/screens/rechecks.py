"""Re-reading what passing results rest on, and re-running the stale ones (a mixin of
`MainScreen`).

On resume, and after a run of every probe, a worker asks `core.recheck` whether each
piece of configuration a pass verified is still what it saw (read-only, one request a
piece). What changed becomes the screen's `drift`: `review` then judges those results
STALE, the rows say △ STALE, a notice says what changed, and `S` re-runs their probes.

It never asks for anything: the token comes from memory or the keyring (no dialog a
person did not ask for); without one the re-read is partial and the header says so.
Nothing runs unless some pass records what it verified or what the API said about the
account (results from an older golive do not, and a fresh session has none).
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
from datetime import datetime

from textual.message import Message

from golive_tui.core.errors import GoliveError
from golive_tui.core.recheck import TARGET_FACTS, Recheck, recheck
from golive_tui.core.review import latest_here
from golive_tui.core.state import ProbeStatus
from golive_tui.tui.widgets.format import plural
from golive_tui.tui.widgets.header import TargetHeader

NOTICE_REASON_CHARS = 70  # of the first change, in the notice


class RecheckDone(Message):
    """A re-read finished; `seen` is each item's latest result time when it started."""

    def __init__(self, result: Recheck, seen: dict[str, datetime], no_token: bool) -> None:
        super().__init__()
        self.result = result
        self.seen = seen
        self.no_token = no_token


class Rechecks:
    """The re-read half of `MainScreen`."""

    recheck_result: Recheck | None = None
    """The latest re-read (None: none ran); the overview shows its summary."""

    def _bound_passes(self) -> dict[str, datetime]:
        """Item id → when its latest pass here ran, for passes with something to re-read:
        the configuration they verified, or facts the API gave about the account."""
        state = self.state_file.state
        out = {}
        for item_id, st in state.items.items():
            rec = latest_here(st, state.target)
            if rec is None or rec.status is not ProbeStatus.PASS:
                continue
            if rec.verified or set(rec.account) - TARGET_FACTS:  # something to re-read
                out[item_id] = rec.at
        return out

    def start_recheck(self, delay: float = 0.0) -> None:
        """Re-read in a worker (the UI keeps answering keys); nothing to re-read: nothing.

        `delay`: seconds to wait first (on resume: the first frame and the start-up's
        quiet second come before httpx is imported; benchmarks/startup.py)."""
        seen = self._bound_passes()
        if not seen:
            return
        self.query_one(TargetHeader).show_recheck("re-reading config…")
        self.run_worker(
            self._recheck(seen, delay),
            name="recheck",
            group="recheck",
            description="Re-reading the configuration the passes verified",
            exclusive=True,
            exit_on_error=False,
        )

    async def _recheck(self, seen: dict[str, datetime], delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        # The re-read imports httpx and the probe engine when it sends requests: in a
        # thread, first, so the UI keeps answering keys (~100 ms the first time).
        await asyncio.to_thread(importlib.import_module, "golive_tui.core.probes.engine")
        from golive_tui.tui.app import freeze_long_lived

        freeze_long_lived(collect=False)  # httpx lives as long as the app (see there)
        token = await self.golive.stored_token()
        secret = await self.golive.acquire_webhook_secret(ask=False)
        try:
            result = await recheck(self.checklist, self.state_file.state, token, secret)
        except GoliveError as exc:  # e.g. a base URL the token must not be sent to
            result = Recheck(notes=[exc.message])
        except Exception as exc:  # a background read must never end in a traceback
            result = Recheck(notes=[f"could not re-read: {self.golive.redact(repr(exc))}"])
        self.post_message(RecheckDone(result, seen, token is None))

    def on_recheck_done(self, message: RecheckDone) -> None:
        result = message.result
        fresh = self._bound_passes()
        # A result recorded since the re-read began is newer evidence: the drift was
        # about the one before it.
        self.recheck_result = result
        self._set_drift(
            {
                item_id: why
                for item_id, why in result.drift.items()
                if fresh.get(item_id) == message.seen.get(item_id)
            }
        )
        self.query_one(TargetHeader).show_recheck(_status(result, self.drift, message.no_token))
        self.refresh_items()
        if self.drift:
            self.golive.notify(_notice(self.drift), title="re-read", severity="warning", timeout=10)

    def forget_drift(self, item_ids: list[str]) -> None:
        """New results for `item_ids`: what the re-read found was about the old ones."""
        if any(i in self.drift for i in item_ids):
            self._set_drift({k: v for k, v in self.drift.items() if k not in item_ids})

    def _set_drift(self, drift: dict[str, str]) -> None:
        """The drift that still holds, on the screen and in the re-read the export gets."""
        self.drift = drift
        if self.recheck_result is not None:
            self.recheck_result = dataclasses.replace(self.recheck_result, drift=dict(drift))

    def action_rerun_stale(self) -> None:
        stale = [r for r in self.judged.review.items if r.stale]
        if not stale:
            self.golive.notify("no stale result to re-run")
            return
        probes = list(dict.fromkeys(r.item.probe for r in stale if r.item.probe))
        by_hand = [r.item.id for r in stale if not r.item.probe]
        if by_hand:
            self.golive.notify(
                f"stale harness evidence: H re-runs the harness for {', '.join(by_hand)}",
                timeout=8,
            )
        if probes:
            self.run_probes(probes)


def _status(result: Recheck, drift: dict[str, str], no_token: bool) -> str:
    """The header's few words on the latest re-read."""
    if result.notes:
        why = "no token (golive token set)" if no_token else "o says why"
        head = f"△ {len(drift)} changed, " if drift else ""
        return f"{head}re-read in part: {why}"
    return f"re-read: △ {len(drift)} changed" if drift else "re-read: unchanged"


def _notice(drift: dict[str, str]) -> str:
    """`3 results are stale (rate card 'Standard' changed …) — press S to re-run them`."""
    n = len(drift)
    first = next(iter(drift.values()))
    if len(first) > NOTICE_REASON_CHARS:
        first = first[: NOTICE_REASON_CHARS - 1].rstrip() + " …"
    elif n > 1:
        first += " …"
    verb, them = ("is", "it") if n == 1 else ("are", "them")
    return f"{plural(n, 'result')} {verb} stale ({first}) — press S to re-run {them}"
