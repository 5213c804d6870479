"""The probe engine: registry, per-probe context, deadlines, write gating, concurrency.

A probe is an async function `probe(ctx) -> Verdict`. It sees evidence only
through `ctx.api` (which redacts), and can only pass by returning `passed(...)`
explicitly: an exception, a timeout or a cancelled run always becomes `error`
with the reason, never a pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from golive_tui.core.fingerprint import Snapshot
from golive_tui.core.probes.approval import Clocks, WriteGate
from golive_tui.core.probes.approval import ConfirmWrite as ConfirmWrite
from golive_tui.core.probes.batch import BatchView, UsageBatch
from golive_tui.core.probes.http import ApiClient, ApiError, DeadlineExceeded, Dialect
from golive_tui.core.probes.result import ProbeResult as ProbeResult
from golive_tui.core.probes.result import RunStatus as RunStatus
from golive_tui.core.probes.shared import SharedSteps, SharedView
from golive_tui.core.probes.verdict import Concluded as Concluded
from golive_tui.core.probes.verdict import Declined, verdict_for_api_error
from golive_tui.core.probes.verdict import Verdict as Verdict
from golive_tui.core.probes.verdict import errored as errored
from golive_tui.core.probes.verdict import failed as failed
from golive_tui.core.probes.verdict import passed as passed
from golive_tui.core.probes.verdict import warned as warned
from golive_tui.core.redact import Redactor, Secret
from golive_tui.core.state import CreatedObject, Evidence, Target, now

ProbeFn = Callable[["ProbeContext"], Awaitable["Verdict"]]


@dataclass(frozen=True)
class ProbeSpec:
    provider: str
    id: str
    title: str
    fn: ProbeFn
    writes: bool = False
    deadline: float = 20.0  # seconds, overall
    # Probes in one group never overlap (they change the same customer's usage,
    # and one of them measures a before/after difference).
    serial_group: str | None = None
    # "usage": a member of the run's usage batch (core/probes/batch.py); members send
    # once together and are not held by serial groups or the concurrency limit.
    batch: str | None = None
    # It asks before each write with the text of what it writes (ctx.approve_write),
    # so the pre-run gate does not ask blind (core/probes/approval.py).
    describes_writes: bool = False


REGISTRY: dict[tuple[str, str], ProbeSpec] = {}
# The transport every Runner uses unless given one: None is httpx's own. Tests set it
# to a recording proxy to see every request any command sends.
DEFAULT_TRANSPORT: httpx.AsyncBaseTransport | None = None


def probe(
    provider: str,
    probe_id: str,
    title: str,
    *,
    writes: bool = False,
    deadline: float = 20.0,
    serial_group: str | None = None,
    batch: str | None = None,
    describes_writes: bool = False,
) -> Callable[[ProbeFn], ProbeFn]:
    def register(fn: ProbeFn) -> ProbeFn:
        REGISTRY[(provider, probe_id)] = ProbeSpec(
            provider, probe_id, title, fn, writes, deadline, serial_group, batch, describes_writes
        )
        return fn

    return register


def load_provider(provider: str) -> None:
    """Import a provider's probe modules so that its probes register themselves."""
    from golive_tui.core import providers

    found = providers.find(provider)
    if found is not None:
        found.load_probes()


def specs_for(provider: str) -> dict[str, ProbeSpec]:
    load_provider(provider)
    return {pid: spec for (prov, pid), spec in REGISTRY.items() if prov == provider}


@dataclass
class ProbeContext:
    """What a probe may use. Everything it keeps is redacted already."""

    spec: ProbeSpec
    target: Target
    api: ApiClient
    run_id: str
    settings: dict[str, Any]
    webhook_secret: Secret | None
    http: httpx.AsyncClient
    redactor: Redactor
    step: str = "starting"
    created: list[CreatedObject] = field(default_factory=list)
    findings: list[Evidence] = field(default_factory=list)
    # What the verdict rests on (core/fingerprint.py): the account the API showed and
    # the configuration as read; a later re-read that differs makes the result stale.
    account: dict[str, str] = field(default_factory=dict)
    snapshots: dict[tuple[str, str], Snapshot] = field(default_factory=dict)
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    shared: SharedView = field(init=False)  # per-run shared steps (core/probes/shared.py)
    usage_batch: BatchView = field(init=False)  # the run's usage batch (core/probes/batch.py)
    approve_write: Callable[[str], Awaitable[None]] = field(init=False)

    def doing(self, step: str) -> None:
        """Name the current step, so a timeout says what was going on."""
        self.step = step

    def remaining(self) -> float:
        return self.api.remaining()

    def note(self, label: str, text: str) -> None:
        """Keep a finding (e.g. expected vs actual) as evidence, redacted."""
        self.findings.append(Evidence(label=label, text=self.redactor(text)))

    def verified(self, *snapshots: Snapshot) -> None:
        """Bind the verdict to these pieces of configuration as they are now."""
        for snap in snapshots:
            self.snapshots[snap.key] = snap

    def saw_account(self, **facts: object) -> None:
        """What the API said about the account ("environment id", "tenant", …)."""
        self.account.update({k.replace("_", " "): str(v) for k, v in facts.items() if v})

    def created_object(
        self,
        kind: str,
        object_id: str,
        *,
        customer: str = "",
        worth: Decimal | None = None,
        currency: str = "",
    ) -> None:
        """List what the probe created for `golive cleanup`; for a usage event, the
        customer it was sent for and the most it can add to an invoice."""
        self.created.append(
            CreatedObject(
                run_id=self.run_id,
                probe=self.spec.id,
                kind=kind,
                id=object_id,
                at=now(),
                customer=customer,
                worth=worth,
                currency=currency,
            )
        )

    async def poll(self, seconds: float) -> bool:
        """Sleep before the next poll; False when the deadline would pass first."""
        if seconds >= self.remaining() - 0.05:
            return False
        await self.sleep(seconds)
        return True


@dataclass
class Runner:
    """Runs probes for one target; shares one HTTP client and the serial locks."""

    target: Target
    token: Secret
    dialect: Dialect
    webhook_secret: Secret | None = None
    allow_writes: bool = False
    confirm_write: ConfirmWrite | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    concurrency: int = 6
    transport: httpx.AsyncBaseTransport | None = None
    provider: str = ""
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _shared: SharedSteps = field(default_factory=SharedSteps)
    _batch: UsageBatch | None = None
    # Live probes' clocks: they stop while a confirmation is open.
    _clocks: Clocks = field(default_factory=Clocks)
    # The environment writes are gated as (see probes.environment), and why it differs.
    _write_env: tuple[str, str] = ("", "")

    def redactor(self) -> Redactor:
        secrets = [self.token.reveal()]
        if self.webhook_secret:
            secrets.append(self.webhook_secret.reveal())
        return Redactor(secrets)

    async def run(
        self,
        specs: Sequence[ProbeSpec],
        on_done: Callable[[ProbeResult], None] | None = None,
        on_start: Callable[[ProbeSpec], None] | None = None,
    ) -> list[ProbeResult]:
        """Run `specs` concurrently (serial groups in order); results in input order.

        `on_start` is called when a probe really starts (past the concurrency limit and
        its serial group's lock), `on_done` when it has finished.
        """
        sem = asyncio.Semaphore(self.concurrency)
        from golive_tui.core.probes.session import http_client

        async with http_client(self.transport) as http:
            if any(s.writes for s in specs):
                self._write_env = await self._resolve_write_env(http)
            self._shared = SharedSteps()
            members = {s.id for s in specs if s.batch == "usage"}
            self._batch = UsageBatch(members, self._approve)

            async def one(spec: ProbeSpec) -> ProbeResult:
                lock = (
                    self._locks.setdefault(spec.serial_group, asyncio.Lock())
                    if spec.serial_group and not spec.batch
                    else None
                )
                # Batch members wait for each other: holding a slot could deadlock.
                async with contextlib.nullcontext() if spec.batch else sem:
                    if lock is None:
                        result = await self._start(spec, http, on_start)
                    else:
                        async with lock:
                            result = await self._start(spec, http, on_start)
                if on_done:
                    on_done(result)
                return result

            return list(await asyncio.gather(*(one(s) for s in specs)))

    async def _start(
        self,
        spec: ProbeSpec,
        http: httpx.AsyncClient,
        on_start: Callable[[ProbeSpec], None] | None,
    ) -> ProbeResult:
        if on_start:
            on_start(spec)
        return await self.run_one(spec, http)

    async def run_one(self, spec: ProbeSpec, http: httpx.AsyncClient) -> ProbeResult:
        try:
            return await self._run_one(spec, http)
        finally:
            if self._batch is not None:
                self._batch.withdraw(spec.id)
            self._clocks.live.pop(spec.id, None)

    async def _run_one(self, spec: ProbeSpec, http: httpx.AsyncClient) -> ProbeResult:
        started_at = now()
        t0 = time.monotonic()
        redactor = self.redactor()
        skipped = await self._gate().pre_run(spec)
        if skipped:
            return self._skipped(spec, skipped, started_at)
        api = ApiClient(
            http=http,
            base_url=self.target.base_url,
            token=self.token,
            dialect=self.dialect,
            redactor=redactor,
            deadline=t0 + spec.deadline,
        )
        ctx = ProbeContext(
            spec=spec,
            target=self.target,
            api=api,
            run_id=self.run_id,
            settings=dict(self.target.settings),
            webhook_secret=self.webhook_secret,
            http=http,
            redactor=redactor,
        )
        ctx.shared = self._shared.view(spec.id, lambda: ctx.step)
        batch = self._batch
        if batch is None:  # run_one called outside run(): a batch of its own
            batch = UsageBatch({spec.id} if spec.batch else set(), self._approve)
        ctx.usage_batch = BatchView(batch, spec, lambda: ctx.step)
        ctx.approve_write = lambda text: self._approve(spec, text)
        try:
            async with asyncio.timeout(spec.deadline) as clock:
                self._clocks.live[spec.id] = (clock, api)
                verdict = await spec.fn(ctx)
        except Declined as exc:
            return self._skipped(spec, redactor(exc.reason), started_at, api.requests_sent)
        except Concluded as exc:
            verdict = exc.verdict
        except TimeoutError:
            verdict = errored(
                f"no answer within the {spec.deadline:.0f} s deadline while {ctx.step};"
                f" {self.dialect.name} is slow or unreachable — retry, or check the base URL"
            )
        except DeadlineExceeded:
            verdict = errored(
                f"ran out of time ({spec.deadline:.0f} s) while {ctx.step};"
                f" {self.dialect.name} is slow or rate-limiting — retry later"
            )
        except ApiError as exc:
            verdict = verdict_for_api_error(exc, ctx.step)
        except Exception as exc:  # a probe bug must not look like a pass
            verdict = errored(
                f"golive hit an internal error while {ctx.step}: {type(exc).__name__}: {exc}"
                " — please report it"
            )
        duration = int((time.monotonic() - t0) * 1000)
        return ProbeResult(
            probe=spec.id,
            title=spec.title,
            status=verdict.status.value,
            summary=redactor(verdict.summary),
            details=[redactor(d) for d in verdict.details],
            evidence=ctx.findings + api.evidence,
            duration_ms=duration,
            started_at=started_at,
            run_id=self.run_id,
            created=ctx.created,
            requests=api.requests_sent,
            account=dict(ctx.account),
            verified=list(ctx.snapshots.values()),
        )

    async def _resolve_write_env(self, http: httpx.AsyncClient) -> tuple[str, str]:
        from golive_tui.core.probes.environment import write_environment

        api = ApiClient(
            http=http,
            base_url=self.target.base_url,
            token=self.token,
            dialect=self.dialect,
            redactor=self.redactor(),
            deadline=time.monotonic() + 15,
        )
        env, why = await write_environment(self.provider or self.target.provider, self.target, api)
        return env, self.redactor()(why)

    def _skipped(
        self, spec: ProbeSpec, why: str, started_at: datetime, requests: int = 0
    ) -> ProbeResult:
        return ProbeResult(
            spec.id,
            spec.title,
            "skipped",
            why,
            [],
            [],
            0,
            started_at,
            self.run_id,
            requests=requests,
        )

    def _gate(self) -> WriteGate:
        env, why = self._write_env
        return WriteGate(env or self.target.environment, why, self.allow_writes, self.confirm_write)

    async def _approve(self, spec: ProbeSpec, description: str) -> None:
        """The priced gate; live probes' clocks stop while the user reads the dialog."""
        with self._clocks.paused():
            await self._gate().approve(spec, self.redactor()(description))


def select(
    provider: str, probe_ids: Iterable[str] | None = None
) -> tuple[list[ProbeSpec], list[str]]:
    """The registered probes to run, in a stable order, and unknown names."""
    available = specs_for(provider)
    if probe_ids is None:
        return [available[k] for k in sorted(available)], []
    wanted = list(dict.fromkeys(probe_ids))
    unknown = [p for p in wanted if p not in available]
    return [available[p] for p in wanted if p in available], unknown
