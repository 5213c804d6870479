"""The harness's verdict: the JSON report (`schemas/harness-report-v1.schema.json`),
the printed table, and the exit code (0 clean, 3 a record lost, double-billed or
altered, or a 429 ignored)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golive_tui.core.harness.ledger import KINDS
from golive_tui.core.harness.server import Sink

SCHEMA_PATH = Path(__file__).parent.parent / "schemas" / "harness-report-v1.schema.json"
SCHEMA = "golive-harness-report"
EXIT_CLEAN = 0
EXIT_PROBLEM = 3


def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    return round(sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))], 3)


def build(sink: Sink) -> dict[str, Any]:
    led = sink.ledger
    span = max(sink.last - sink.first, 1e-3) if sink.first >= 0 else 0.0
    lat = sorted(sink.latency)
    faults = {
        k: {
            "injected": sink.plan.injected[k] + (sink.rate_limited if k == "429" else 0),
            "retries": led.retries[k],
            "kept_id": led.kept_id[k],
            "new_id": led.retries[k] - led.kept_id[k],
        }
        for k in KINDS
    }
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": 1,
        "provider": sink.d.name,
        "expected": led.n,
        "received": led.received,
        "unique": led.unique,
        "duplicates": led.duplicates,
        "lost": led.lost,
        "double_billed": led.double_billed,
        "altered": led.altered,
        "unexpected": led.unexpected,
        "id_changed": led.id_changed,
        "ignored_retry_after": led.ignored_retry_after,
        "requests": sink.requests,
        "rejected": sink.rejected,
        "rate_limited": sink.rate_limited,
        "faults": faults,
        "events_per_s": {
            "sustained": round(sink.accepted / span, 1) if span else 0.0,
            "peak": max(sink.per_second.values(), default=0),
        },
        "latency_ms": {
            "p50": _percentile(lat, 0.50),
            "p90": _percentile(lat, 0.90),
            "p99": _percentile(lat, 0.99),
            "max": round(lat[-1], 3) if lat else 0.0,
        },
        "duration_s": round(span, 3),
        "examples": {
            "lost": led.lost_seqs() if led.lost else [],
            "double_billed": led.seqs_with("double_billed") if led.double_billed else [],
            "altered": led.seqs_with("altered") if led.altered else [],
        },
    }
    if sink.forwarder is not None:
        fwd = sink.forwarder.summary(led.billed)
        fwd["duplicates_forwarded"] = led.duplicates
        report["forward"] = fwd
    report["problems"] = problems(report)
    report["verdict"] = "fail" if report["problems"] else "pass"
    return report


def problems(r: dict[str, Any]) -> list[str]:
    """One line per failure: what happened, the likely cause, the fix."""
    f = r["faults"]
    out = []
    if r["lost"]:
        after = [k for k in ("5xx", "reset", "429") if f[k]["injected"]]
        cause = f"dropped after a {'/'.join(after)}?" if after else "never sent"
        if r["rejected"]:
            cause += f"; {r['rejected']} request(s) refused as invalid (400)"
        out.append(
            f"lost {r['lost']}: records never arrived ({cause}); retry refused and reset"
            " requests until the platform answers 2xx"
        )
    if r["double_billed"]:
        # Only a retry of records the platform already took bills twice: after a
        # timeout or a slow answer; other faults' new ids are the same bug, harmless there.
        new = [k for k in ("timeout", "slow") if f[k]["new_id"]]
        new = new or [k for k in KINDS if f[k]["new_id"]]
        out.append(
            f"double_billed {r['double_billed']}: records billed under two ids (new id on retry"
            f" after {'/'.join(new) or 'a fault'}); keep the record's id across retries"
        )
    if r["altered"]:
        out.append(
            f"altered {r['altered']}: customer, event type, timestamp or properties changed"
            " on the way; send the record as generated"
        )
    fwd = r.get("forward")
    if fwd and fwd["not_delivered"]:
        codes = ", ".join(k for k in fwd["status"] if not k.startswith("2"))
        why = f"it answered {codes}" if codes else "it did not answer"
        if codes and fwd["errors"]:
            why += f" or did not answer ({fwd['errors']})"
        out.append(
            f"not_delivered {fwd['not_delivered']}: the sink took them but {fwd['host']} never"
            f" answered 2xx ({why}); retry them until the platform answers 2xx, or fix what"
            " its error says"
        )
    if r["ignored_retry_after"]:
        out.append(
            f"ignored_retry_after {r['ignored_retry_after']}: retries came sooner than the"
            " 429 allowed; wait Retry-After (or back off ≥ 250 ms when none is sent)"
        )
    return out


def exit_code(report: dict[str, Any]) -> int:
    return EXIT_PROBLEM if report["problems"] else EXIT_CLEAN


_BAD = ("lost", "double_billed", "altered", "ignored_retry_after")


def table(r: dict[str, Any]) -> str:
    rows = [
        (k, str(r[k]))
        for k in (
            *("expected", "received", "unique", "duplicates", "lost", "double_billed"),
            *("altered", "unexpected", "id_changed", "ignored_retry_after", "requests"),
            "rejected",
        )
    ]
    lines = [f"golive harness — {r['provider']}: {r['verdict'].upper()}"]
    lines += [f"  {'✗' if k in _BAD and v != '0' else ' '} {k:<20} {v:>10}" for k, v in rows]
    lines.append("  faults        injected   retries   kept id    new id")
    for k, v in r["faults"].items():
        if v["injected"] or v["retries"]:
            lines.append(
                f"    {k:<10} {v['injected']:>10} {v['retries']:>9}"
                f" {v['kept_id']:>9} {v['new_id']:>9}"
            )
    eps, lat = r["events_per_s"], r["latency_ms"]
    fwd = r.get("forward")
    if fwd:
        status = "  ".join(f"{k}×{v}" for k, v in fwd["status"].items()) or "none"
        lines.append(
            f"  forwarded   {fwd['records']:,} records in {fwd['requests']:,} requests to"
            f" {fwd['host']}: {status}; no answer {fwd['errors']}"
        )
        if fwd["duplicates_forwarded"]:
            lines.append(
                f"    {fwd['duplicates_forwarded']:,} retries under the same id were passed on:"
                " the platform's dedupe on the id is what keeps them from billing twice"
            )
    lines.append(f"  events/s    sustained {eps['sustained']:,.0f}   peak {eps['peak']:,}")
    lines.append(
        f"  latency ms  p50 {lat['p50']}  p90 {lat['p90']}  p99 {lat['p99']}  max {lat['max']}"
    )
    lines += [f"  ✗ {p}" for p in r["problems"]]
    return "\n".join(lines)
