"""Flexprice probes that tell the truth on real accounts (issue #14), over loopback HTTP.

Each test models a behaviour of the real server (file cited in the test name or a
comment) in the sandbox and shows the probe reading it right.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.test_probes_flexprice import Sandbox, _explain

from golive_tui.providers.flexprice.gofmt import go_v


@pytest.fixture
def make() -> Iterator[Any]:
    started: list[Sandbox] = []

    def start(*faults: str, variants: tuple[str, ...] = ()) -> Sandbox:
        sb = Sandbox(faults, variants)
        started.append(sb)
        return sb

    yield start
    for sb in started:
        sb.server.stop()


def _sent_events(sb: Sandbox) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rec in sb.app.log:
        if rec.method == "POST" and rec.path == "/v1/events":
            out.append(rec.body)
        elif rec.method == "POST" and rec.path == "/v1/events/bulk":
            out += rec.body["events"]
    return out


# --- 1. events from what the user declared ---------------------------------------------


def test_go_v_renders_float64_like_meter_usage_tracking_go_check_meter_filters() -> None:
    assert [go_v(v) for v in (2, 1.5, 1000000, 123456, 0.00001, True, "12.5GB")] == [
        "2",
        "1.5",
        "1e+06",
        "123456",
        "1e-05",
        "true",
        "12.5GB",
    ]


async def test_a_sample_outside_a_meter_filter_fails_event_names_before_sending(make) -> None:
    sb = make("filter-mismatch")
    results = await sb.run(["event-names", "ingest-lookup"])
    names = results["event-names"]
    assert names.status == "fail", names.summary
    assert (
        "model 'quill-ultra' is outside meter LLM tokens's filter"
        " model∈{quill-mini, quill-pro, quill-embed}: these events will not be counted"
    ) in names.summary
    lookup = results["ingest-lookup"]
    assert lookup.status == "fail" and "quill-ultra" in lookup.summary, lookup.summary
    assert _sent_events(sb) == []  # nothing that would not count was sent


async def test_a_non_numeric_aggregation_field_fails_event_names(make) -> None:
    # meter_usage_tracking.go convertToDecimal: decimal.NewFromString("12.5GB") → 0
    sb = make("aggregation-not-numeric")
    result = (await sb.run(["event-names"]))["event-names"]
    assert result.status == "fail", result.summary
    assert "gb_hours is '12.5GB', not a number" in result.summary
    assert "counts it as 0" in result.summary


async def test_only_event_names_warns_naming_what_could_not_be_checked(make) -> None:
    sb = make()
    result = (await sb.run(["event-names"], settings={"sample_events": {}}))["event-names"]
    assert result.status == "warn", result.summary
    assert "could not check the filter model∈{quill-mini, quill-pro, quill-embed}" in (
        result.summary
    )
    assert any("numeric field 'gb_hours'" in d for d in result.details), result.details


@pytest.mark.parametrize(
    ("value", "needle"),
    [('{"llm.tokens": {"model": ', "not valid JSON"), ('["llm.tokens"]', "must map each")],
)
async def test_an_unreadable_sample_events_setting_is_a_one_line_error(
    make, value: str, needle: str
) -> None:
    sb = make()
    result = (await sb.run(["event-names"], settings={"sample_events": value}))["event-names"]
    assert result.status == "error", result.summary
    assert needle in result.summary and "\n" not in result.summary


async def test_test_events_are_built_from_the_declared_samples(make) -> None:
    sb = make()
    d = sb.app.demo
    assert d is not None
    samples = sb.app.target_settings(sb.url)["sample_events"]
    samples[d.tokens_event] = {"model": "quill-embed", "tokens": 7, "project": "search"}
    results = await sb.run(["ingest-lookup"], settings={"sample_events": json.dumps(samples)})
    assert results["ingest-lookup"].status == "pass", _explain(results)
    tokens = [e for e in _sent_events(sb) if e["event_name"] == d.tokens_event]
    assert tokens and all(
        e["properties"]["model"] == "quill-embed" and e["properties"]["project"] == "search"
        for e in tokens
    ), tokens
