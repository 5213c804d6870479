"""Running probes from the main screen: async workers, their results, cancelling.

Probes run in async workers: the UI keeps working, several runs can overlap, and esc
cancels them. httpx is imported only when the first probe runs (inside the worker),
never on first paint. A mixin of `MainScreen` (it uses the screen's state, lists and
`refresh_items`); handlers are named `on_…` because `@on` is not collected from mixins.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
from typing import TYPE_CHECKING

from textual.message import Message
from textual.worker import Worker, WorkerState

from golive_tui.core.checklist import Item
from golive_tui.core.errors import GoliveError
from golive_tui.tui.widgets.detail import ItemDetail

if TYPE_CHECKING:
    from golive_tui.core.probes.engine import ProbeResult, ProbeSpec

WEBHOOK_PROBES = frozenset({"webhook-signature"})  # the probes that sign with the secret


class ProbeFinished(Message):
    """A probe finished (pass, warn, fail, error, or skipped) and its result was saved."""

    def __init__(self, result: ProbeResult, item_ids: list[str]) -> None:
        super().__init__()
        self.result = result
        self.item_ids = item_ids


class ProbesNotRun(Message):
    """A run ended before any probe started (no token, a configuration problem)."""

    def __init__(self, probe_ids: list[str], reason: str) -> None:
        super().__init__()
        self.probe_ids = probe_ids
        self.reason = reason


class ProbeRuns:
    """The probe half of `MainScreen`."""

    # --- probes ---------------------------------------------------------------------------

    def action_run_probe(self) -> None:
        if self.nothing_shown():
            return
        item = self.item
        if not item.probe:
            self.golive.notify(
                "a manual item: no probe to run; verify it by hand and mark it", severity="warning"
            )
            return
        self.run_probes([item.probe])

    def action_run_all(self) -> None:
        probes = list(dict.fromkeys(i.probe for i in self.checklist.items() if i.probe))
        if not probes:
            self.golive.notify("no probes in this checklist; its items are manual")
            return
        worker = self.run_probes(probes)
        if worker is not None:
            self._recheck_after.add(worker)  # then re-read what the rest rests on

    def action_run_section(self) -> None:
        probes = list(dict.fromkeys(i.probe for i in self.section.items if i.probe))
        if not probes:
            self.golive.notify("no probes in this section; its items are manual")
            return
        self.run_probes(probes)

    def run_probes(self, probe_ids: list[str]) -> Worker[None] | None:
        """Start one worker running `probe_ids` (those not already running)."""
        probe_ids = [p for p in probe_ids if p not in self.running]
        if not probe_ids:
            self.golive.notify("already running; esc cancels")
            return None
        started = time.monotonic()
        for probe_id in probe_ids:
            self.running[probe_id] = started
        for item in self.checklist.items():
            if item.probe in probe_ids:
                self.transient.pop(item.id, None)
        worker = self.run_worker(
            self._run(probe_ids),
            name=f"probe {', '.join(probe_ids)}",
            group="probe-" + "+".join(probe_ids),
            description=f"Running {', '.join(probe_ids)}",
            exclusive=True,
            exit_on_error=False,
        )
        self._worker_probes[worker] = probe_ids
        if self._ticker is None:
            self._ticker = self.set_interval(0.1, self._tick)
        self.refresh_items()
        return worker

    def _tick(self) -> None:
        if not self.running:
            if self._ticker is not None:
                self._ticker.stop()
                self._ticker = None
            return
        probe = self.item.probe
        if probe in self.running:
            # Only the elapsed time changes: re-rendering the whole pane (and a layout
            # pass) ten times a second would delay key presses while probes run.
            self.query_one(ItemDetail).show_running(time.monotonic() - self.running[probe])

    async def _run(self, probe_ids: list[str]) -> None:
        # Imported here: httpx comes with the probe engine and is not needed before.
        # The first import takes ~100 ms: in a thread, so the UI keeps answering keys.
        await _import_probe_engine()
        from golive_tui.core.checkrun import run_check

        token = await self.golive.acquire_token()
        if token is None:
            self.post_message(ProbesNotRun(probe_ids, "no API token given; nothing was run"))
            return
        webhook_secret = await self.golive.acquire_webhook_secret(ask=self._needs_secret(probe_ids))
        finished: set[str] = set()

        def on_result(result: ProbeResult, items: list[Item]) -> None:
            finished.add(result.probe)
            self.post_message(ProbeFinished(result, [i.id for i in items]))

        try:
            report = await run_check(
                self.checklist,
                self.state_file.state.target,
                token,
                webhook_secret=webhook_secret,
                only=probe_ids,
                confirm_write=self._confirm_write,
                state_file=self.state_file,
                on_result=on_result,
            )
        except GoliveError as exc:  # e.g. a base URL the token must not be sent to
            self.post_message(ProbesNotRun(probe_ids, exc.message))
            return
        # Probes this golive does not have yet come back as skipped rows only.
        for row in report.results:
            if row.probe not in finished:
                self.transient[row.item] = (row.status, row.summary)

    def _needs_secret(self, probe_ids: list[str]) -> bool:
        """A webhook probe with an endpoint to send to signs with the webhook secret."""
        settings = self.state_file.state.target.settings
        return bool(settings.get("webhook_url")) and any(p in WEBHOOK_PROBES for p in probe_ids)

    async def _confirm_write(self, spec: ProbeSpec, description: str | None) -> bool:
        """Ask before `spec` writes; `description` says exactly what (None: not described)."""
        from golive_tui.tui.dialogs.confirm_write import ConfirmWriteScreen

        target = self.state_file.state.target
        async with self._confirm_lock:  # one confirmation at a time
            answer = await self.app.push_screen_wait(
                ConfirmWriteScreen(spec.title, "production", target.base_url, description)
            )
        return bool(answer)

    def on_probe_finished(self, message: ProbeFinished) -> None:
        result = message.result
        self.running.pop(result.probe, None)
        if result.status != "skipped":  # a new result, saved: judged afresh
            self.forget_drift(message.item_ids)
        for item_id in message.item_ids:
            if result.status == "skipped":
                self.transient[item_id] = ("skipped", result.summary)
            else:
                self.transient.pop(item_id, None)
        if result.status in ("fail", "error"):
            self.golive.notify(
                f"{result.probe}: {result.status.upper()} — {self.golive.redact(result.summary)}",
                severity="error",
                timeout=6,
            )
        self.refresh_items()

    def on_probes_not_run(self, message: ProbesNotRun) -> None:
        for probe_id in message.probe_ids:
            self.running.pop(probe_id, None)
            for item in self.checklist.items():
                if item.probe == probe_id:
                    self.transient[item.id] = ("skipped", message.reason)
        self.refresh_items()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker not in self._worker_probes or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        probe_ids = self._worker_probes.pop(worker)
        if worker in self._recheck_after:
            self._recheck_after.discard(worker)
            if event.state is WorkerState.SUCCESS:
                self.start_recheck()
        left = [p for p in probe_ids if p in self.running]
        for probe_id in left:
            self.running.pop(probe_id, None)
        if event.state is WorkerState.CANCELLED:
            outcome = ("cancelled", "cancelled before it finished; nothing was recorded")
        elif event.state is WorkerState.ERROR:
            error = worker.error
            text = error.message if isinstance(error, GoliveError) else f"{error!r}"
            outcome = ("error", self.golive.redact(text))
            self.golive.notify(outcome[1], title="probe run failed", severity="error", timeout=10)
        else:
            outcome = None
        if outcome is not None:
            for item in self.checklist.items():
                if item.probe in left:
                    self.transient[item.id] = outcome
        self.refresh_items()

    def action_cancel_probes(self) -> None:
        workers = [w for w in self._worker_probes if w.is_running]
        if not workers:
            return
        for worker in workers:
            worker.cancel()
        self.golive.notify(f"cancelled {len(workers)} probe run(s)")


async def _import_probe_engine() -> None:
    if "golive_tui.core.checkrun" in sys.modules:
        return
    await asyncio.to_thread(importlib.import_module, "golive_tui.core.checkrun")
    from golive_tui.tui.app import freeze_long_lived

    freeze_long_lived(collect=False)  # the engine and httpx live as long as the app
