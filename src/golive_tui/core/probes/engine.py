"""The probe engine: registry, per-probe context, deadlines, write gating, concurrency.

A probe is an async function `probe(ctx) -> Verdict`. It sees evidence only
through `ctx.api` (which redacts), and can only pass by returning `passed(...)`
explicitly: an exception, a timeout or a cancelled run always becomes `error`
with the reason, never a pass.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

import httpx

from golive_tui.core.probes.http import ApiClient, ApiError, DeadlineExceeded, Dialect
from golive_tui.core.redact import Redactor, Secret
from golive_tui.core.state import CreatedObject, Evidence, ProbeRecord, ProbeStatus, Target, now

ProbeFn = Callable[["ProbeContext"], Awaitable["Verdict"]]
RunStatus = Literal["pass", "warn", "fail", "error", "skipped"]


class Verdict(NamedTuple):
    status: ProbeStatus
    summary: str
    details: list[str]


def passed(summary: str, *details: str) -> Verdict:
    return Verdict(ProbeStatus.PASS, summary, list(details))


def warned(summary: str, *details: str) -> Verdict:
    return Verdict(ProbeStatus.WARN, summary, list(details))


def failed(summary: str, *details: str) -> Verdict:
    return Verdict(ProbeStatus.FAIL, summary, list(details))


def errored(summary: str, *details: str) -> Verdict:
    return Verdict(ProbeStatus.ERROR, summary, list(details))


class Concluded(Exception):
    """Raised by a probe's helper (e.g. a shared set-up) to end the probe with `verdict`."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.summary)
        self.verdict = verdict


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
) -> Callable[[ProbeFn], ProbeFn]:
    def register(fn: ProbeFn) -> ProbeFn:
        REGISTRY[(provider, probe_id)] = ProbeSpec(
            provider, probe_id, title, fn, writes, deadline, serial_group
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
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep

    def doing(self, step: str) -> None:
        """Name the current step, so a timeout says what was going on."""
        self.step = step

    def remaining(self) -> float:
        return self.api.remaining()

    def note(self, label: str, text: str) -> None:
        """Keep a finding (e.g. expected vs actual) as evidence, redacted."""
        self.findings.append(Evidence(label=label, text=self.redactor(text)))

    def created_object(self, kind: str, object_id: str) -> None:
        self.created.append(
            CreatedObject(run_id=self.run_id, probe=self.spec.id, kind=kind, id=object_id, at=now())
        )

    async def poll(self, seconds: float) -> bool:
        """Sleep before the next poll; False when the deadline would pass first."""
        if seconds >= self.remaining() - 0.05:
            return False
        await self.sleep(seconds)
        return True


@dataclass
class ProbeResult:
    probe: str
    title: str
    status: RunStatus
    summary: str
    details: list[str]
    evidence: list[Evidence]
    duration_ms: int
    started_at: datetime
    run_id: str
    created: list[CreatedObject] = field(default_factory=list)
    requests: int = 0

    def to_record(self) -> ProbeRecord | None:
        """What goes into the state's history; a skipped probe leaves no record."""
        if self.status == "skipped":
            return None
        return ProbeRecord(
            probe=self.probe,
            status=ProbeStatus(self.status),
            summary=self.summary,
            details=self.details,
            at=self.started_at,
            duration_ms=self.duration_ms,
            evidence=self.evidence,
            run_id=self.run_id,
        )


ConfirmWrite = Callable[[ProbeSpec], Awaitable[bool]]


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
        async with httpx.AsyncClient(
            transport=self.transport if self.transport is not None else DEFAULT_TRANSPORT,
            follow_redirects=False,
            headers={"User-Agent": "golive/0.1 (+go-live checks)"},
        ) as http:
            if any(s.writes for s in specs):
                self._write_env = await self._resolve_write_env(http)

            async def one(spec: ProbeSpec) -> ProbeResult:
                lock = (
                    self._locks.setdefault(spec.serial_group, asyncio.Lock())
                    if spec.serial_group
                    else None
                )
                async with sem:
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
        started_at = now()
        t0 = time.monotonic()
        redactor = self.redactor()
        skipped = await self._write_gate(spec)
        if skipped:
            return ProbeResult(
                spec.id, spec.title, "skipped", skipped, [], [], 0, started_at, self.run_id
            )
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
        try:
            async with asyncio.timeout(spec.deadline):
                verdict = await spec.fn(ctx)
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
            verdict = _verdict_for_api_error(exc, ctx.step)
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

    async def _write_gate(self, spec: ProbeSpec) -> str | None:
        """None when the probe may run; otherwise why it was skipped."""
        env, why = self._write_env
        if not spec.writes or (env or self.target.environment) != "production":
            return None
        if self.allow_writes:
            return None
        if self.confirm_write is not None and await self.confirm_write(spec):
            return None
        because = f" ({why})" if why else ""
        return (
            f"not run: it writes test data to a PRODUCTION account{because}; confirm in the"
            " app, or pass --allow-writes to golive check"
        )


def _verdict_for_api_error(exc: ApiError, step: str) -> Verdict:
    if exc.unusable:  # not sent, or the answer was junk: nothing was verified either way
        return errored(f"{exc.summary} (while {step})")
    if exc.is_auth:
        return failed(exc.summary)
    if exc.status == 429 or exc.status is None or exc.status >= 500:
        return errored(f"{exc.summary} (while {step})")
    return failed(f"{exc.summary} (while {step})")


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
