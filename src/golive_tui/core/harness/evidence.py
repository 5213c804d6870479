"""A harness report as evidence for checklist items: one `ProbeRecord` per item the
provider lists in `harness_items` ("load": kept up at the expected peak; "faults":
exactly once while the ingest API misbehaved).

Status follows the report's exit rule (anything lost, double-billed, altered or a 429
ignored: fail). A clean run passes only on what it proves: the load item needs the
expected peak and a measured peak at least that high, the faults item needs a fault
injected; otherwise it warns and says what to run.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from golive_tui.core.errors import GoliveError
from golive_tui.core.harness.report import SCHEMA
from golive_tui.core.state_records import HARNESS_PROBE, Evidence, ProbeRecord, ProbeStatus, now

ROLES = ("load", "faults")
_COUNTS = (
    *("expected", "received", "unique", "lost", "double_billed", "altered"),
    "ignored_retry_after",
)


def check(report: object, where: str) -> dict[str, Any]:
    """The report if it is one golive wrote (schema version 1); a one-line error if not."""
    if not isinstance(report, dict) or report.get("schema") != SCHEMA:
        raise GoliveError(f"{where}: not a golive harness report (write one with serve --report)")
    if report.get("schema_version") != 1:
        raise GoliveError(
            f"{where}: harness report version {report.get('schema_version')!r};"
            " this golive reads version 1 — upgrade golive"
        )
    bad = [k for k in _COUNTS if type(report.get(k)) is not int or report[k] < 0]
    faults, eps = report.get("faults"), report.get("events_per_s")
    if not isinstance(faults, dict) or not all(
        isinstance(v, dict) and type(v.get("injected")) is int for v in faults.values()
    ):
        bad.append("faults")
    if not isinstance(eps, dict) or not all(
        isinstance(eps.get(k), int | float) for k in ("peak", "sustained")
    ):
        bad.append("events_per_s")
    if not isinstance(report.get("problems"), list) or not isinstance(report.get("provider"), str):
        bad.append("problems/provider")
    if bad:
        raise GoliveError(f"{where}: harness report damaged ({', '.join(bad)}); run serve again")
    return report


def figures(r: dict[str, Any]) -> str:
    """'12,000 records, 0 lost, 0 double-billed, 0 altered, 429s honoured; 196,000/s peak'."""
    ignored = r["ignored_retry_after"]
    honoured = f"{ignored:,} retries ignored a 429" if ignored else "429s honoured"
    return (
        f"{r['expected']:,} records, {r['lost']:,} lost, {r['double_billed']:,} double-billed,"
        f" {r['altered']:,} altered, {honoured}; {r['events_per_s']['peak']:,}/s peak"
    )


def _injected(r: dict[str, Any]) -> dict[str, int]:
    return {k: v["injected"] for k, v in r["faults"].items() if v["injected"]}


def judge(r: dict[str, Any], role: str, peak: float | None) -> tuple[ProbeStatus, str]:
    """The status for an item of this role, and why (in words, with the fix)."""
    if r["problems"]:
        return ProbeStatus.FAIL, r["problems"][0]
    if role == "faults" and not _injected(r):
        return ProbeStatus.WARN, (
            "no fault was injected, so no retry path ran; serve again with e.g."
            " --fault 5xx=0.1 --fault timeout=0.05 --fault 429=0.1"
        )
    if role == "load":
        measured = r["events_per_s"]["peak"]
        if not measured:
            return ProbeStatus.WARN, "the rate is unknown (no records taken); send the load again"
        if peak is None:
            return ProbeStatus.WARN, (
                "your expected peak is unknown, so golive cannot tell the load was enough;"
                " give it (--peak EVENTS_PER_S)"
            )
        if measured < peak:
            return ProbeStatus.WARN, (
                f"peak {measured:,}/s is below your expected {peak:,.0f}/s; send at the"
                " expected peak plus headroom"
            )
        return ProbeStatus.PASS, f"reached {measured:,}/s against an expected {peak:,.0f}/s"
    return ProbeStatus.PASS, f"faults injected: {_fault_list(r)}"


def _fault_list(r: dict[str, Any]) -> str:
    return ", ".join(f"{k} ×{n:,}" for k, n in _injected(r).items()) or "none"


def record(
    r: dict[str, Any], role: str, *, peak: float | None = None, at: datetime | None = None
) -> ProbeRecord:
    status, why = judge(r, role, peak)
    summary = figures(r)
    if status is not ProbeStatus.PASS:
        summary += f" — {why}"
    details = [why] if status is ProbeStatus.PASS else []
    details += [p for p in r["problems"] if p != why]
    details.append(f"faults injected: {_fault_list(r)}")
    eps, lat = r["events_per_s"], r.get("latency_ms") or {}
    details.append(f"events/s sustained {eps['sustained']:,.0f}, peak {eps['peak']:,}")
    if lat:
        details.append(f"latency ms p50 {lat.get('p50')}, p99 {lat.get('p99')}")
    duration = r.get("duration_s")
    ms = int(duration * 1000) if isinstance(duration, int | float) and duration >= 0 else 0
    return ProbeRecord(
        probe=HARNESS_PROBE,
        status=status,
        summary=summary,
        details=details,
        at=at or now(),
        duration_ms=ms,
        evidence=[Evidence(label="harness report (JSON)", text=json.dumps(r, indent=1))],
    )


def records(
    r: dict[str, Any], items: dict[str, str], *, peak: float | None = None
) -> dict[str, ProbeRecord]:
    """item id → its record, for every harness item of the report's provider."""
    at = now()
    return {item: record(r, role, peak=peak, at=at) for item, role in items.items()}
