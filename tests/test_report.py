"""The check report renderers: JSON follows its schema, JUnit parses and counts right,
the text table shows glyph and word, and hostile text stays inert and well-formed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import jsonschema
import pytest

from golive_tui.core import report as R
from golive_tui.core.checkrun import CheckReport, ItemResult
from golive_tui.core.redact import Redactor
from golive_tui.core.state import Target

CANARY = "mt_canary_0123456789abcdef"
HOSTILE = "a <b> & \"c\" 'd' ]]> <!-- x --> \x1b[31mred\x1b[0m \x00 nul\nsecond line\r\n"


def _row(item: str, probe: str, status: str, summary: str = "ok", **kw: object) -> ItemResult:
    return ItemResult(
        item=item,
        item_title=f"Title of {item}",
        probe=probe,
        probe_title=f"Probe {probe}",
        status=status,  # type: ignore[arg-type]
        summary=summary,
        **kw,  # type: ignore[arg-type]
    )


def _report(rows: list[ItemResult], secrets: tuple[str, ...] = ()) -> CheckReport:
    return CheckReport(
        checklist="metronome",
        checklist_title="Metronome go-live",
        target=Target(
            provider="metronome",
            environment="sandbox",
            base_url="http://127.0.0.1:8080",
            customer_id="cust-alias",
        ),
        run_id="0123456789ab",
        started_at=datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        duration_ms=1234,
        results=rows,
        redactor=Redactor(secrets),
    )


def every_status() -> CheckReport:
    return _report(
        [
            _row("security.token", "auth", "pass", "token accepted", duration_ms=12),
            _row("security.url", "auth", "pass", "token accepted", duration_ms=12),
            _row("usage.metrics", "metrics-active", "warn", "one metric unkeyed", details=["m1"]),
            _row("usage.dedup", "ingest-dedup", "fail", "duplicates counted twice", details=["x"]),
            _row("pricing.tiers", "invoice-draft", "error", "no answer within 40 s"),
            _row("monitoring.alerts", "alerts", "skipped", "not available yet"),
        ]
    )


def test_json_validates_against_the_schema_for_every_status() -> None:
    report = every_status()
    data = json.loads(R.to_json(report))
    jsonschema.Draft202012Validator.check_schema(R.load_schema())
    jsonschema.Draft202012Validator(R.load_schema()).validate(data)
    assert data["schema"] == "golive-check" and data["schema_version"] == 1
    assert data["summary"] == {"pass": 2, "warn": 1, "fail": 1, "error": 1, "skipped": 1}
    assert [r["item"] for r in data["results"]] == [r.item for r in report.results]
    assert set(data["results"][0]) == {
        "item", "probe", "status", "summary", "details", "duration_ms",
    }  # fmt: skip
    assert data["target"]["base_url"] == "http://127.0.0.1:8080"
    assert "settings" not in data["target"]


def test_json_of_an_empty_run_validates() -> None:
    data = json.loads(R.to_json(_report([])))
    jsonschema.Draft202012Validator(R.load_schema()).validate(data)
    assert data["results"] == []


def test_schema_rejects_a_wrong_status() -> None:
    data = json.loads(R.to_json(every_status()))
    data["results"][0]["status"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(R.load_schema()).validate(data)


def test_junit_parses_and_counts() -> None:
    root = ET.fromstring(R.to_junit(every_status()))
    suites = root.findall("testsuite")
    assert root.tag == "testsuites" and len(suites) == 1
    suite = suites[0]
    cases = suite.findall("testcase")
    assert len(cases) == 6 == int(suite.get("tests", "-1"))
    assert len(suite.findall("testcase/failure")) == 1 == int(suite.get("failures", "-1"))
    assert len(suite.findall("testcase/error")) == 1 == int(suite.get("errors", "-1"))
    assert len(suite.findall("testcase/skipped")) == 1 == int(suite.get("skipped", "-1"))
    warn = next(c for c in cases if c.get("name") == "usage.metrics")
    assert [child.tag for child in warn] == ["system-out"]
    assert (warn.findtext("system-out") or "").startswith("WARN")
    fail = next(c for c in cases if c.get("name") == "usage.dedup")
    assert fail.get("classname") == "golive.metronome.ingest-dedup"
    failure = fail.find("failure")
    assert failure is not None and failure.get("message") == "duplicates counted twice"


def test_text_table_has_glyph_and_word() -> None:
    text = R.to_text(every_status())
    for glyph_word in ("✓ PASS", "! WARN", "✗ FAIL", "⚠ ERROR", "↷ SKIPPED"):
        assert glyph_word in text
    # auth verifies two items: one row naming both.
    assert text.count("✓ PASS") == 1
    assert "security.token, security.url" in text
    assert "2 pass, 1 warn, 1 fail, 1 error, 1 skipped" in text
    assert all(len(line) <= 80 for line in text.splitlines()), text


def test_long_summaries_wrap_at_80_columns() -> None:
    long = "word " * 60 + "https://example.com/" + "x" * 120
    text = R.to_text(_report([_row("a.b", "auth", "fail", long, details=[long])]))
    assert all(len(line) <= 80 for line in text.splitlines()), text


def test_hostile_text_stays_well_formed_everywhere() -> None:
    rows = [
        _row("a.one", "auth", "fail", HOSTILE, details=[HOSTILE]),
        _row("a.two", "alerts", "error", HOSTILE, details=[HOSTILE]),
        _row("a.three", "allowlist", "warn", HOSTILE, details=[HOSTILE]),
        _row("a.four", "backdated", "skipped", HOSTILE),
        _row("a.five", "pricing-setup", "pass", HOSTILE, details=[HOSTILE]),
    ]
    report = _report(rows)
    root = ET.fromstring(R.to_junit(report))  # parses: escaped, no raw control chars
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    message = failure.get("message") or ""
    assert '<b> & "c"' in message and "second line" in message
    data = json.loads(R.to_json(report))
    jsonschema.Draft202012Validator(R.load_schema()).validate(data)
    text = R.to_text(report)
    assert "\x1b" not in text and "\x00" not in text and "\r" not in text
    assert "\\x1b[31mred" in text  # made visible, not executed


def test_every_renderer_redacts_the_token() -> None:
    leaky = f"echoed Authorization: Bearer {CANARY} and raw {CANARY}"
    report = _report(
        [_row("a.one", "auth", "fail", leaky, details=[leaky]), _row("a.two", "x", "pass", leaky)],
        secrets=(CANARY,),
    )
    for out in (R.to_text(report), R.to_json(report), R.to_junit(report)):
        assert CANARY not in out
        assert "[REDACTED]" in out
