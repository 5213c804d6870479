"""Rendering a `CheckReport`: a text table for people, JSON for tools, JUnit XML for CI.

Every string that leaves here has been through the report's `Redactor` (built from
the run's token and webhook secret) — the probe engine redacts already; this is the
second line of defence. Text output also has control characters made visible, so a
hostile API answer cannot move the cursor or recolour a terminal, and the JUnit XML
drops characters XML 1.0 cannot hold, so it always parses.

The JSON shape is `schemas/check-v1.schema.json` ("golive-check", version 1).
"""

from __future__ import annotations

import json
import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from golive_tui.core.checkrun import STATUSES, CheckReport, ItemResult
from golive_tui.core.export_text import readable

CHECK_SCHEMA = "golive-check"
CHECK_SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).parent / "schemas" / "check-v1.schema.json"

# Glyph and word together, so the meaning never rests on colour (or glyph) alone.
GLYPH = {"pass": "✓", "warn": "!", "fail": "✗", "error": "⚠", "skipped": "↷"}
WORD = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR", "skipped": "SKIPPED"}

WIDTH = 80
# C0/C1 control characters other than tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What XML 1.0 cannot contain, even escaped (controls, lone surrogates, U+FFFE/FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _visible(s: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", s)


def _xml_safe(s: str) -> str:
    return _NOT_XML.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else "\ufffd", s
    )


# --- text ------------------------------------------------------------------------------


def _target_line(report: CheckReport) -> str:
    t = report.target
    parts = [x for x in (t.provider, t.environment, t.base_url) if x]
    line = "target: " + (" ".join(parts) or "not set")
    if t.customer_id:
        line += f" · customer {t.customer_id}"
    return line + f" · run {report.run_id}"


def _wrap(text: str, first: str, indent: int, width: int) -> list[str]:
    """`text` wrapped to `width`, the first line after `first`, the rest indented."""
    lines = textwrap.wrap(
        " ".join(text.split()),
        width=width,
        initial_indent=first,
        subsequent_indent=" " * indent,
        break_on_hyphens=False,
    )
    return lines or [first.rstrip()]


def _duration(ms: int) -> str:
    return f"{ms} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


def to_text(report: CheckReport, *, width: int = WIDTH) -> str:
    r = report.redactor

    def clean(s: str) -> str:
        # For people: probe text without Python reprs, cent amounts in currency units.
        return _visible(readable(r(s)))

    groups = report.by_probe()
    probe_w = max([len("probe"), *(len(p) for p, _ in groups)])
    status_w = 1 + 1 + max(len(w) for w in WORD.values())  # "↷ SKIPPED"
    time_w = 8
    items_col = status_w + 2 + probe_w + 2 + time_w + 2
    text_col = status_w + 2
    out = [
        *_wrap(
            clean(f"golive check · {report.checklist_title} ({report.checklist})"), "", 2, width
        ),
        *_wrap(clean(_target_line(report)), "", 2, width),
        "",
        f"{'status':<{status_w}}  {'probe':<{probe_w}}  {'time':>{time_w}}  items / summary",
    ]
    for probe, rows in groups:
        first = rows[0]
        status = "⊘ N/A" if first.not_applicable else f"{GLYPH[first.status]} {WORD[first.status]}"
        head = (
            f"{status:<{status_w}}  {clean(probe):<{probe_w}}  "
            f"{_duration(first.duration_ms):>{time_w}}  "
        )
        items = ", ".join(row.item for row in rows)
        out += _wrap(items, head, items_col, max(width, items_col + 20))
        indent = " " * text_col
        out += _wrap(clean(first.summary), indent, text_col, width)
        if first.status in ("warn", "fail", "error"):
            for detail in first.details:
                out += _wrap(clean(detail), indent + "· ", text_col + 2, width)
    c = report.summary
    counts = ", ".join(f"{c[s]} {s}" for s in STATUSES)
    totals = (
        f"{len(groups)} probes · {len(report.results)} items: {counts}"
        f" · {report.duration_ms / 1000:.1f} s"
    )
    out += ["", *_wrap(totals, "", 2, width)]
    return "\n".join(out) + "\n"


# --- JSON ------------------------------------------------------------------------------


def _result_dict(row: ItemResult, r: Any) -> dict[str, Any]:
    data = {
        "item": row.item,
        "probe": row.probe,
        "status": row.status,
        "summary": r(row.summary),
        "details": [r(d) for d in row.details],
        "duration_ms": row.duration_ms,
    }
    return {**data, "not_applicable": True} if row.not_applicable else data


def to_dict(report: CheckReport) -> dict[str, Any]:
    r = report.redactor
    t = report.target
    return {
        "schema": CHECK_SCHEMA,
        "schema_version": CHECK_SCHEMA_VERSION,
        "checklist": report.checklist,
        "run_id": report.run_id,
        "started_at": report.started_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "duration_ms": report.duration_ms,
        "target": {
            "provider": t.provider,
            "environment": t.environment,
            "base_url": r(t.base_url),
            "customer_id": r(t.customer_id),
            "operator": r(t.operator),
            "region": r(t.region),
        },
        "results": [_result_dict(row, r) for row in report.results],
        "summary": report.summary,
    }


def to_json(report: CheckReport) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"


# --- JUnit XML -------------------------------------------------------------------------


def to_junit(report: CheckReport) -> str:
    """One <testsuite>, one <testcase> per item; warn passes with "WARN" in system-out."""
    r = report.redactor

    def clean(s: str) -> str:
        return _xml_safe(r(s))

    c = report.summary
    suite_attrs = {
        "name": clean(f"golive check {report.checklist}"),
        "tests": str(len(report.results)),
        "failures": str(c["fail"]),
        "errors": str(c["error"]),
        "skipped": str(c["skipped"]),
        "time": f"{report.duration_ms / 1000:.3f}",
    }
    root = ET.Element("testsuites", suite_attrs)
    suite = ET.SubElement(
        root,
        "testsuite",
        {**suite_attrs, "timestamp": report.started_at.strftime("%Y-%m-%dT%H:%M:%S")},
    )
    props = ET.SubElement(suite, "properties")
    t = report.target
    for name, value in (
        ("provider", t.provider),
        ("environment", t.environment),
        ("base_url", t.base_url),
        ("customer_id", t.customer_id),
        ("run_id", report.run_id),
    ):
        ET.SubElement(props, "property", {"name": name, "value": clean(value)})
    for row in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": clean(f"golive.{report.checklist}.{row.probe}"),
                "name": clean(row.item),
                "time": f"{row.duration_ms / 1000:.3f}",
            },
        )
        body = "\n".join(clean(d) for d in row.details)
        summary = clean(row.summary)
        if row.status == "fail":
            el = ET.SubElement(case, "failure", {"message": summary, "type": "fail"})
            el.text = body or summary
        elif row.status == "error":
            el = ET.SubElement(case, "error", {"message": summary, "type": "error"})
            el.text = body or summary
        elif row.status == "skipped":
            ET.SubElement(case, "skipped", {"message": summary})
        else:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(x for x in (f"{WORD[row.status]}: {summary}", body) if x)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
