"""What a probe ends with: a verdict, the helpers that build one, and the ways to end early.

Kept apart from the engine so that the per-run helpers (shared steps, the usage
batch) can raise and map verdicts without importing the engine.
"""

from __future__ import annotations

from typing import NamedTuple

from golive_tui.core.probes.http import ApiError
from golive_tui.core.state import ProbeStatus


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


class Blocked(Concluded):
    """A probe ends because a step it needs failed in probe `by` with `cause`."""

    def __init__(self, by: str, cause: Verdict, verdict: Verdict) -> None:
        super().__init__(verdict)
        self.by, self.cause = by, cause


class Declined(Exception):
    """A write was not approved: the probe ends *skipped* with `reason` (nothing was sent)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verdict_for_api_error(exc: ApiError, step: str) -> Verdict:
    if exc.unusable:  # not sent, or the answer was junk: nothing was verified either way
        return errored(f"{exc.summary} (while {step})")
    if exc.is_auth:
        return failed(exc.summary)
    if exc.status == 429 or exc.status is None or exc.status >= 500:
        return errored(f"{exc.summary} (while {step})")
    return failed(f"{exc.summary} (while {step})")


def cause_of(exc: BaseException, step: str) -> Verdict | None:
    """The verdict `exc` ends a probe with, when it is a cause worth sharing; else None."""
    if isinstance(exc, Concluded):
        return exc.verdict
    if isinstance(exc, ApiError):
        return verdict_for_api_error(exc, step)
    return None


def blocked(by: str, cause: Verdict) -> Blocked:
    """How a later probe ends when a step it needs already failed in probe `by`."""
    # A cause that could not tell (warn) leaves the others unable to tell too.
    end = warned if cause.status == "warn" else errored
    return Blocked(by, cause, end(f"blocked by {by}: {cause.summary}", *cause.details))
