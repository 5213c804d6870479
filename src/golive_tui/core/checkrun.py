"""Running a checklist's probes against one target: the engine behind `golive check`.

UI-free and reusable (the app runs the same thing): `plan` maps each registered probe
to the checklist items it verifies, `run_check` runs them through the probe engine and,
given a state file, saves after every finished probe, so a run that is killed halfway
keeps what it finished. The result is a `CheckReport` with one row per checklist item.

Probes that a checklist names but golive does not have yet are reported as skipped
("not available yet"), never silently dropped.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from golive_tui.core import providers
from golive_tui.core.checklist import Checklist, Item
from golive_tui.core.errors import GoliveError
from golive_tui.core.freshness import not_applicable
from golive_tui.core.net import credential_url_problem
from golive_tui.core.probes.engine import (
    ConfirmWrite,
    ProbeResult,
    ProbeSpec,
    Runner,
    RunStatus,
    specs_for,
)
from golive_tui.core.redact import Redactor, Secret
from golive_tui.core.state import Evidence, StateFile, Target, now

STATUSES: tuple[RunStatus, ...] = ("pass", "warn", "fail", "error", "skipped")
NOT_AVAILABLE = "not available yet: this golive has no {probe!r} probe for {provider}; check it"
NOT_AVAILABLE += " by hand"


@dataclass(frozen=True)
class ItemResult:
    """One checklist item's outcome in a run (the probe's result, shared by its items)."""

    item: str
    item_title: str
    probe: str
    probe_title: str
    status: RunStatus
    summary: str
    details: list[str] = field(default_factory=list)
    duration_ms: int = 0
    evidence: list[Evidence] = field(default_factory=list)
    writes: bool = False
    # Skipped because the target cannot verify it (a production item on a sandbox): by
    # design, so it does not make the run's outcome "skipped".
    not_applicable: bool = False


@dataclass
class CheckReport:
    checklist: str
    checklist_title: str
    target: Target
    run_id: str
    started_at: datetime
    duration_ms: int
    results: list[ItemResult]
    # Every renderer passes its output through this (defence in depth): it knows
    # the run's token and webhook secret without exposing them.
    redactor: Redactor = field(default_factory=Redactor, repr=False)

    @property
    def summary(self) -> dict[str, int]:
        """Counts per status, over item results."""
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for r in self.results:
            counts[r.status] += 1
        return counts

    @property
    def outcome(self) -> RunStatus:
        """The worst status: fail/error > warn > skipped > pass (pass also when empty);
        items not applicable to the target do not count."""
        seen = {r.status for r in self.results if not r.not_applicable}
        for status in ("error", "fail", "warn", "skipped"):
            if status in seen:
                return status
        return "pass"

    def by_probe(self) -> list[tuple[str, list[ItemResult]]]:
        """Results grouped per probe, in order of first appearance; a probe's items that
        are not applicable to the target form a group of their own after it."""
        groups: dict[tuple[str, bool], list[ItemResult]] = {}
        for r in self.results:
            groups.setdefault((r.probe, r.not_applicable), []).append(r)
        return [(probe, rows) for (probe, _), rows in groups.items()]


def _registered(provider: str) -> dict[str, ProbeSpec]:
    """The provider's probes; none when its probe module does not exist yet."""
    if providers.find(provider) is None:
        return {}
    return specs_for(provider)


def _probe_items(checklist: Checklist) -> dict[str, list[Item]]:
    """Probe name → the items that name it, both in checklist order."""
    out: dict[str, list[Item]] = {}
    for item in checklist.items():
        if item.probe:
            out.setdefault(item.probe, []).append(item)
    return out


def plan(checklist: Checklist, provider: str) -> list[tuple[ProbeSpec, list[Item]]]:
    """Each registered probe the checklist names, once, with the items it verifies."""
    specs = _registered(provider)
    return [(specs[p], items) for p, items in _probe_items(checklist).items() if p in specs]


def unavailable(checklist: Checklist, provider: str) -> list[tuple[str, list[Item]]]:
    """Probes the checklist names that this golive does not have (yet)."""
    specs = _registered(provider)
    return [(p, items) for p, items in _probe_items(checklist).items() if p not in specs]


def probe_ids(checklist: Checklist) -> list[str]:
    """Every probe the checklist names, in checklist order (for `--only` help)."""
    return list(_probe_items(checklist))


ResultCallback = Callable[[ProbeResult, list[Item]], None]


async def run_check(
    checklist: Checklist,
    target: Target,
    token: Secret,
    *,
    webhook_secret: Secret | None = None,
    only: Iterable[str] | None = None,
    allow_writes: bool = False,
    confirm_write: ConfirmWrite | None = None,
    state_file: StateFile | None = None,
    on_result: ResultCallback | None = None,
    on_start: Callable[[ProbeSpec], None] | None = None,
    concurrency: int = 6,
    run_id: str | None = None,
) -> CheckReport:
    """Run the checklist's probes against `target`; see the module docstring."""
    provider = target.provider or checklist.provider
    found = providers.find(provider)
    if found is None:
        raise GoliveError(
            f"checklist {checklist.id!r} is for provider {provider!r}, which golive has no"
            " probes for; mark its items by hand (golive mark)"
        )
    refused = credential_url_problem(target.base_url)
    if refused:
        # Before any probe: no request may carry the token to this URL.
        raise GoliveError(f"base_url: {refused}")
    planned = plan(checklist, provider)
    missing = unavailable(checklist, provider)
    if only is not None:
        wanted = list(dict.fromkeys(only))
        known = probe_ids(checklist)
        unknown = [p for p in wanted if p not in known]
        if unknown:
            raise GoliveError(
                f"--only {', '.join(unknown)}: no such probe in checklist {checklist.id!r};"
                f" available: {', '.join(known) or 'none'}"
            )
        planned = [(spec, items) for spec, items in planned if spec.id in wanted]
        missing = [(p, items) for p, items in missing if p in wanted]

    runner = Runner(
        target=target,
        token=token,
        dialect=found.dialect(),
        provider=provider,
        webhook_secret=webhook_secret,
        allow_writes=allow_writes,
        confirm_write=confirm_write,
        concurrency=max(1, concurrency),
        run_id=run_id or uuid.uuid4().hex[:12],
    )
    # Production items cannot be verified against a sandbox: not run for them.
    not_here = [(spec, [i for i in items if not_applicable(i, target)]) for spec, items in planned]
    planned = [
        (spec, [i for i in items if not not_applicable(i, target)]) for spec, items in planned
    ]
    runnable = [(spec, items) for spec, items in planned if items]
    items_of = {spec.id: items for spec, items in planned}
    by_probe: dict[str, ProbeResult] = {}

    def done(result: ProbeResult) -> None:
        by_probe[result.probe] = result
        items = items_of.get(result.probe, [])
        if state_file is not None:
            _record(state_file, result, items)
        if on_result is not None:
            on_result(result, items)

    started_at = now()
    t0 = time.monotonic()
    await runner.run([spec for spec, _ in runnable], on_done=done, on_start=on_start)
    duration = int((time.monotonic() - t0) * 1000)

    specs = {spec.id: spec for spec, _ in planned}
    rows: dict[str, ItemResult] = {}
    for spec, items in not_here:
        for item in items:
            why = not_applicable(item, target)
            rows[item.id] = _skipped(item, spec.id, spec.title, why, not_applicable=True)
    for spec, items in runnable:
        res = by_probe[spec.id]
        for item in items:
            rows[item.id] = ItemResult(
                item=item.id,
                item_title=item.title,
                probe=spec.id,
                probe_title=spec.title,
                status=res.status,
                summary=res.summary,
                details=list(res.details),
                duration_ms=res.duration_ms,
                evidence=list(res.evidence),
                writes=specs[spec.id].writes,
            )
    for probe_id, items in missing:
        summary = NOT_AVAILABLE.format(probe=probe_id, provider=provider)
        for item in items:
            rows[item.id] = _skipped(item, probe_id, probe_id, summary)
    # Checklist order, whatever order the probes finished in.
    ordered = [rows[i.id] for i in checklist.items() if i.id in rows]
    return CheckReport(
        checklist=checklist.id,
        checklist_title=checklist.title,
        target=target,
        run_id=runner.run_id,
        started_at=started_at,
        duration_ms=duration,
        results=ordered,
        redactor=runner.redactor(),
    )


def _skipped(
    item: Item, probe: str, title: str, why: str, *, not_applicable: bool = False
) -> ItemResult:
    return ItemResult(
        item=item.id,
        item_title=item.title,
        probe=probe,
        probe_title=title,
        status="skipped",
        summary=why,
        not_applicable=not_applicable,
    )


def _record(state_file: StateFile, result: ProbeResult, items: Sequence[Item]) -> None:
    """Add one finished probe to the state and save at once."""
    record = result.to_record()
    if record is None and not result.created:
        return  # skipped: nothing ran, nothing to keep
    state = state_file.state
    if record is not None:
        for item in items:
            state.add_probe_result(item.id, record, item.fingerprint)
    for obj in result.created:
        state.add_created(obj)
    state_file.save()
