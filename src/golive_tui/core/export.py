"""Export a session: Markdown for a launch PR (`export_md`), the same as one HTML page
(`export_html`), JSON (schema v3) for tools.

UI-free and deterministic: given the same checklist, state and `generated_at`,
the output is byte for byte the same (tests compare it with golden files).

Safety, each tested:
- every string that comes from the user or from a probe (notes, summaries,
  details, evidence, target fields, …) is scrubbed (`export_common.scrubber`:
  the caller's `redactor`, which knows the stored secrets, then credential
  shapes, then lone surrogates) *before* it is escaped or truncated, so neither
  can split a secret into a shape the redactor no longer recognises; with no
  `redactor`, shapes are still scrubbed;
- in Markdown that text is escaped, so a note cannot open a heading, a table
  cell, a fence, a link or raw HTML; evidence goes into a fenced code block
  whose fence is longer than any backtick run inside it;
- the target's free-form `settings` are never exported.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from golive_tui.core.checklist import Checklist
from golive_tui.core.export_common import RedactFn, _iso, _now, _target, scrubber
from golive_tui.core.export_html import to_html
from golive_tui.core.export_md import EXCERPT_MAX_CHARS, EXCERPT_MAX_LINES, to_markdown
from golive_tui.core.export_text import readable
from golive_tui.core.progress import Counts, Progress, progress
from golive_tui.core.recheck import Recheck
from golive_tui.core.state import ProbeRecord, State
from golive_tui.core.state_records import Override, Signoff

__all__ = [
    "EXCERPT_MAX_CHARS",
    "EXCERPT_MAX_LINES",
    "EXPORT_SCHEMA",
    "EXPORT_SCHEMA_VERSION",
    "RedactFn",
    "load_schema",
    "to_dict",
    "to_html",
    "to_json",
    "to_markdown",
]

EXPORT_SCHEMA = "golive-export"
# 2: verdict, sign-offs, overrides, verified/attested counts; 3: where each result ran,
# what it rests on, stale and not-applicable-here items, the re-read
EXPORT_SCHEMA_VERSION = 3
SCHEMA_PATH = Path(__file__).parent / "schemas" / "export-v3.schema.json"


def load_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that `to_dict` output follows."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


# --- JSON ------------------------------------------------------------------------


def to_json(
    checklist: Checklist,
    state: State | None,
    *,
    generated_at: datetime | None = None,
    redactor: RedactFn | None = None,
    reread: Recheck | None = None,
) -> str:
    data = to_dict(checklist, state, generated_at=generated_at, redactor=redactor, reread=reread)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_dict(
    checklist: Checklist,
    state: State | None,
    *,
    generated_at: datetime | None = None,
    redactor: RedactFn | None = None,
    reread: Recheck | None = None,
) -> dict[str, Any]:
    """`reread`: what a re-read of the configuration found (core/recheck.py), if made."""
    r = scrubber(redactor)
    prog = progress(checklist, state, at=generated_at, drift=reread.drift if reread else None)
    target = _target(checklist, state)
    stale = set(prog.stale)
    sections = []
    for sp in prog.sections:
        items = []
        for item in sp.section.items:
            judged = prog.review.of(item.id)
            st = judged.state
            items.append(
                {
                    "id": item.id,
                    "title": r(item.title),
                    "severity": item.severity.value,
                    "probe": item.probe,
                    "status": st.status.value,
                    "standing": judged.standing.value,
                    "override": _override_dict(judged.override, r),
                    "note": r(st.note),
                    "by": r(st.by),
                    "at": _iso(st.at) if st.at else None,
                    "stale": item.id in stale,
                    "stale_reason": readable(r(prog.why_stale(item.id))),
                    "not_applicable_here": judged.not_here,
                    "docs": item.docs,
                    "irreversible": r(item.irreversible) if item.irreversible else None,
                    "latest_probe": _probe_dict(st.latest, r) if st.latest else None,
                    "history_count": len(st.probe_results),
                }
            )
        sections.append(
            {
                "id": sp.section.id,
                "title": r(sp.section.title),
                "counts": _counts_dict(sp.counts),
                "items": items,
            }
        )
    return {
        "schema": EXPORT_SCHEMA,
        "schema_version": EXPORT_SCHEMA_VERSION,
        "generated_at": _iso(generated_at or _now()),
        "checklist": {
            "id": checklist.id,
            "title": r(checklist.title),
            "provider": checklist.provider,
            "fingerprint": checklist.fingerprint,
            "source": r(checklist.source),
        },
        "state": (
            {"created_at": _iso(state.created_at), "updated_at": _iso(state.updated_at)}
            if state
            else None
        ),
        "target": {
            "provider": r(target.provider),
            "environment": target.environment,
            "base_url": r(target.base_url),
            "customer_id": r(target.customer_id),
            "operator": r(target.operator),
            "region": r(target.region),
        },
        "recheck": (
            {
                "summary": r(reread.summary),
                "notes": [r(n) for n in reread.notes],
                "changed": {k: readable(r(v)) for k, v in reread.drift.items()},
            }
            if reread is not None
            else None
        ),
        "verdict": _verdict_dict(prog, checklist, r),
        "summary": {
            **_counts_dict(prog.overall),
            "open_blockers": [item.id for item in prog.open_blockers],
            "stale": list(prog.stale),
        },
        "sections": sections,
        "created_objects": [
            {
                "run_id": r(obj.run_id),
                "probe": r(obj.probe),
                "kind": r(obj.kind),
                "id": r(obj.id),
                "at": _iso(obj.at),
                "customer": r(obj.customer),
                "worth": str(obj.worth) if obj.worth is not None else None,
                "currency": obj.currency,
                "removed": obj.removed,
                "removed_at": _iso(obj.removed_at) if obj.removed_at else None,
            }
            for obj in (state.created_objects if state else [])
        ],
    }


def _counts_dict(c: Counts) -> dict[str, int]:
    return {
        "total": c.total,
        "done": c.done,
        "verified": c.verified,
        "attested": c.attested,
        "overridden": c.overridden,
        "failed": c.failed,
        "failing": c.failing,
        "skipped": c.skipped,
        "not_applicable": c.not_applicable,
        "todo": c.todo,
        "stale_results": c.stale,
        "sandbox_only": c.sandbox_only,
    }


def _override_dict(ov: Override | None, r: RedactFn) -> dict[str, Any] | None:
    if ov is None:
        return None
    return {"reason": r(ov.reason), "over": readable(r(ov.over)), "by": r(ov.by), "at": _iso(ov.at)}


def _verdict_dict(prog: Progress, checklist: Checklist, r: RedactFn) -> dict[str, Any]:
    v = prog.review.verdict

    def signoff(s: Signoff, current: bool) -> dict[str, Any]:
        return {
            "name": r(s.name),
            "role": r(s.role),
            "verdict": s.verdict,
            "at": _iso(s.at),
            "note": r(s.note),
            "current": current,
        }

    return {
        "decision": v.decision,
        "reasons": [readable(r(line)) for line in v.reasons],
        "overrides": [o.item.id for o in v.overrides],
        "required_roles": list(checklist.signoff_roles),
        "missing_roles": list(v.missing_roles),
        "signoffs": [signoff(s, True) for s in v.signoffs]
        + [signoff(s, False) for s in v.outdated],
    }


def _probe_dict(rec: ProbeRecord, r: RedactFn) -> dict[str, Any]:
    return {
        "probe": r(rec.probe),
        "status": rec.status.value,
        "summary": readable(r(rec.summary)),
        "details": [readable(r(d)) for d in rec.details],
        "at": _iso(rec.at),
        "duration_ms": rec.duration_ms,
        "evidence": [{"label": r(ev.label), "text": r(ev.text)} for ev in rec.evidence],
        "environment": rec.environment,
        "target": r(rec.target),
        "account": {k: r(v) for k, v in rec.account.items()},
        "verified": [
            {"kind": v.kind, "ref": r(v.ref), "name": r(v.name), "digest": v.digest}
            for v in rec.verified
        ],
    }
