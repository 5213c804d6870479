"""The export's readers: probe text without Python reprs (`export_text`), evidence in
the order that explains the result and laid out as indented JSON (`export_evidence`).

The strings are the ones the sandboxes' probes really produced before the export
rewrote them (metrics-active, customer-contract, grace-period, pricing-setup).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from golive_tui.core.export_evidence import excerpt, explaining_first, pretty
from golive_tui.core.export_text import readable
from golive_tui.core.state import Evidence, ProbeRecord, ProbeStatus


@pytest.mark.parametrize(
    ("said", "read"),
    [
        (
            "Input tokens: event types ['llm.completion'], sum(input_tokens),"
            " group keys [['model'], ['project_id']]",
            "Input tokens: event types llm.completion, sum(input_tokens),"
            " group keys model; project_id",
        ),
        (
            "ingest aliases: ['nimbus-test', 'org_7f3a2c']",
            "ingest aliases: nimbus-test, org_7f3a2c",
        ),
        (
            "grace_period_days 3, auto_cancellation_enabled False (stored setting)",
            "grace_period_days 3, auto_cancellation_enabled no (stored setting)",
        ),
        ("line total 1990.2515 USD (cents), was 612 USD (cents)", "line total $19.90, was $6.12"),
        (
            "rate card 'Standard 2026 (USD)': USD (cents), 4 rates",
            "rate card 'Standard 2026 (USD)': USD, 4 rates",
        ),
        ("expected Decimal('26.02'), got None", "expected 26.02, got none"),
        ("group keys [], flags [True, False]", "group keys none, flags yes, no"),
        # Prose and numbers in brackets stay as they are.
        (
            "None of the 3 events [see above] matched [1]",
            "None of the 3 events [see above] matched [1]",
        ),
        ("unbalanced ['x", "unbalanced ['x"),
    ],
)
def test_readable_rewrites_reprs_and_cents(said: str, read: str) -> None:
    assert readable(said) == read


def _record(status: ProbeStatus, summary: str, labels: list[str]) -> ProbeRecord:
    return ProbeRecord(
        probe="p",
        status=status,
        summary=summary,
        at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_ms=1,
        evidence=[Evidence(label=label, text=f"text of {label}") for label in labels],
    )


SETUP = ["GET /v1/customers → 200 (5 ms)", "POST /v2/contracts/list → 200 (4 ms)"]


@pytest.mark.parametrize(
    ("status", "summary", "labels", "first"),
    [
        # The failing request the summary names, not the set-up before it.
        (
            ProbeStatus.ERROR,
            "Metronome failed on GET /v1/billable-metrics (500: Internal server error)",
            [
                *SETUP,
                "GET /v1/billable-metrics → 500 (3 ms)",
                "GET /v1/billable-metrics → 500 (4 ms)",
            ],
            "GET /v1/billable-metrics → 500 (4 ms)",
        ),
        # The finding the summary talks about, among findings that list every scenario.
        (
            ProbeStatus.FAIL,
            "the endpoint accepted a tampered body under a genuine signature (HTTP 200)",
            [
                "webhook forged signature → 401",
                "webhook genuine → 200",
                "webhook genuine signature, tampered body → 200",
                *SETUP,
            ],
            "webhook genuine signature, tampered body → 200",
        ),
        # A 404 that is the failure, even when the summary does not name the request.
        (
            ProbeStatus.FAIL,
            "no customer has external_id 'quill-test'",
            [*SETUP, "GET /v1/customers/external/quill-test → 404 (18 ms)"],
            "GET /v1/customers/external/quill-test → 404 (18 ms)",
        ),
        # A pass: its own finding first (what it sent, expected vs actual).
        (ProbeStatus.PASS, "3 events matched", [*SETUP, "sample test event"], "sample test event"),
    ],
)
def test_the_evidence_that_explains_the_result_comes_first(
    status: ProbeStatus, summary: str, labels: list[str], first: str
) -> None:
    ordered = explaining_first(_record(status, summary, labels))
    assert ordered[0].label == first
    assert sorted(e.label for e in ordered) == sorted(labels)  # nothing lost


def test_a_pass_without_findings_leads_with_the_request_that_says_most() -> None:
    rec = _record(
        ProbeStatus.PASS, "an event dated 2026-12-01T00:01:00Z was accepted and found", []
    )
    rec.evidence = [
        Evidence(label="GET /v1/customers → 200 (1 ms)", text='response: {"data":[]}'),
        Evidence(label="POST /v1/ingest → 200 (1 ms)", text='request: [{"timestamp":"x"}]'),
        Evidence(
            label="POST /v1/events/search → 200 (1 ms)",
            text='response: [{"timestamp":"2026-12-01T00:01:00Z","found":true}]',
        ),
    ]
    assert explaining_first(rec)[0].label.startswith("POST /v1/events/search")


def test_pretty_indents_compact_json_even_when_the_capture_cut_it() -> None:
    body = {
        "data": [
            {"id": "m1", "name": "Input tokens", "group_keys": [["model"], ["project_id"]]},
            {"id": "m2", "name": "Output tokens, with: punctuation", "group_keys": []},
        ]
    }
    compact = json.dumps(body, separators=(",", ":"))
    lines = pretty(f'request: {{"limit":10}}\nresponse: {compact}')
    assert lines[0] == 'request: {"limit": 10}'
    assert lines[1] == "response: {"
    assert '      "name": "Output tokens, with: punctuation",' in lines
    assert not any("[[" in line for line in lines)  # nested lists are laid out
    assert json.loads("\n".join(lines[1:]).removeprefix("response: ")) == body
    cut = pretty("response: " + compact[:90] + "… (1256 chars)")
    assert cut[-1].strip() == "… (1256 chars)" and len(cut) > 4
    # Not JSON: left as it was.
    assert pretty("HTTP/1.1 401 Unauthorized\nplain") == ["HTTP/1.1 401 Unauthorized", "plain"]


def test_excerpt_says_how_much_is_left_out() -> None:
    shown, more = excerpt([f"l{n}" for n in range(30)] + ["x" * 500], 16, 160)
    assert shown == [f"l{n}" for n in range(16)] and more == 15
    shown, more = excerpt(["x" * 500], 16, 160)
    assert shown == ["x" * 160 + "…"] and more == 0
