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


# --- 2. previews after allowances, commitments, closed VOLUME tiers ---------------------


def _preview(sb: Sandbox) -> dict[str, Any]:
    import httpx

    d = sb.app.demo
    assert d is not None
    resp = httpx.post(
        f"{sb.url}/v1/invoices/preview",
        json={"subscription_id": d.subscription_id},
        headers={"x-api-key": sb.token},
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_sandbox_preview_deducts_allowances_like_billing_meter_usage_go(make) -> None:
    sb = make(variants=("entitlements",))
    d = sb.app.demo
    assert d is not None
    lines = {li["price_id"]: li for li in _preview(sb)["line_items"]}
    tokens = lines[d.tokens_price_id]
    assert (tokens["quantity"], tokens["adjusted_entitlement_quantity"]) == ("750000", "500000")
    assert (lines[d.api_calls_price_id]["quantity"], lines[d.storage_price_id]["amount"]) == (
        "0",
        "0",
    )


def test_sandbox_commitment_splits_an_overage_line_like_subscription_go(make) -> None:
    sb = make(variants=("commitment",))
    d = sb.app.demo
    assert d is not None
    storage = [li for li in _preview(sb)["line_items"] if li["price_id"] == d.storage_price_id]
    # $3 committed: tokens $2.38 and calls $0.02 fit; storage's $1.40 crosses it.
    assert [li["display_name"] for li in storage] == [
        "Storage (per 100 GB-hours)",
        "Storage (per 100 GB-hours) (Overage)",
    ]
    assert [li["quantity"] for li in storage] == ["130", "174.75"]
    assert storage[1]["metadata"] == {"is_overage": "true", "overage_factor": "1.5"}


@pytest.mark.parametrize("variant", ["entitlements", "commitment", "volume-closed-tier"])
async def test_invoice_preview_passes_on_billing_shapes_the_server_computes(
    make, variant: str
) -> None:
    sb = make(variants=(variant,))
    result = await sb.run(["invoice-preview", "duplicates"])
    assert all(r.status == "pass" for r in result.values()), _explain(result)
    if variant == "commitment":
        assert "(Overage) line(s), checked" in result["invoice-preview"].summary


@pytest.mark.parametrize(
    ("limit", "needle"),
    [(5_000_000, "allowance 5000000 now used up"), (None, "inside the entitlement allowance")],
)
async def test_invoice_preview_expects_usage_after_an_allowance_it_had_not_used_up(
    make, limit: int | None, needle: str
) -> None:
    sb = make()
    d = sb.app.demo
    assert d is not None
    sb.app.account.entitlements[(d.customer_id, d.tokens_meter_id)] = limit
    result = (await sb.run(["invoice-preview"]))["invoice-preview"]
    assert result.status == "pass", result.summary
    assert needle in result.summary


def test_volume_past_a_closed_last_tier_prices_every_unit_at_it_as_price_go() -> None:
    from decimal import Decimal

    from golive_tui.providers.flexprice.probes.lookups import rated_amount

    price = {
        "billing_model": "TIERED",
        "tier_mode": "VOLUME",
        "tiers": [{"up_to": 10, "unit_amount": "2"}, {"up_to": 100, "unit_amount": "1"}],
    }
    assert rated_amount(price, Decimal(150)) == Decimal(150)
    assert rated_amount(price, Decimal(0)) == 0


# --- 3. realistic visibility: the staggered variant -------------------------------------


def test_staggered_events_of_one_request_become_visible_one_by_one_then_billed(make) -> None:
    import time

    import httpx

    sb = make(variants=("staggered",))
    d = sb.app.demo
    assert d is not None
    before = sum(
        int(li["quantity"])
        for li in _preview(sb)["line_items"]
        if li["price_id"] == d.api_calls_price_id
    )
    events = [
        {"event_id": f"stag-{i}", "event_name": d.api_event, "external_customer_id": "quill-test"}
        for i in range(3)
    ]
    t0 = time.monotonic()
    resp = httpx.post(
        f"{sb.url}/v1/events/bulk", json={"events": events}, headers={"x-api-key": sb.token}
    )
    assert resp.status_code == 202
    seen: list[tuple[float, int, int]] = []  # (t, visible, billed)
    while time.monotonic() - t0 < 5.0:
        visible = sum(
            httpx.get(
                f"{sb.url}/v1/events/lookup",
                params={"id": e["event_id"]},
                headers={"x-api-key": sb.token},
            ).status_code
            == 200
            for e in events
        )
        billed = (
            sum(
                int(li["quantity"])
                for li in _preview(sb)["line_items"]
                if li["price_id"] == d.api_calls_price_id
            )
            - before
        )
        seen.append((time.monotonic() - t0, visible, billed))
        if billed == 3:
            break
        time.sleep(0.1)
    assert {v for _, v, _ in seen} >= {1, 2, 3}, seen  # one by one, not all at once
    assert any(v == 3 and b < 3 for _, v, b in seen), seen  # billing lags visibility
    assert seen[-1][2] == 3 and 2.0 < seen[-1][0] < 5.0, seen


# --- 4. wait once: the usage batch ------------------------------------------------------

BATCH = ["ingest-lookup", "duplicates", "invoice-preview"]


def _ingests(sb: Sandbox) -> list[str]:
    return [
        rec.path
        for rec in sb.app.log
        if rec.method == "POST" and rec.path in ("/v1/events", "/v1/events/bulk")
    ]


@pytest.mark.parametrize("variant", [(), ("staggered",)])
async def test_the_usage_probes_send_once_and_each_expects_everyones_usage(
    make, variant: tuple[str, ...]
) -> None:
    sb = make(variants=variant)
    results = await sb.run(BATCH)
    assert all(r.status == "pass" for r in results.values()), _explain(results)
    assert _ingests(sb) == ["/v1/events/bulk"]  # one send for all three probes
    # invoice-preview expected the other members' tokens too (lookup 3 + retry 1)
    assert "+8750014 units" in results["invoice-preview"].summary, results["invoice-preview"]


@pytest.mark.parametrize("variant", [(), ("staggered",)])
async def test_a_retry_counted_twice_fails_duplicates_and_preview_names_it(
    make, variant: tuple[str, ...]
) -> None:
    # The history is clean; only the live identical retry is billed twice. Under
    # `staggered` the first +1 comes before the copy: stopping there would pass.
    sb = make(variants=variant)
    sb.app.account.collapse_duplicates = False
    results = await sb.run(BATCH)
    dup = results["duplicates"]
    assert dup.status == "fail" and "counted twice" in dup.summary, dup.summary
    preview = results["invoice-preview"]
    assert preview.status == "fail", preview.summary
    assert "the duplicates probe's identical retry was counted twice" in preview.summary
    assert "tier" not in preview.summary


async def test_the_duplicate_fault_still_fails_duplicates(make) -> None:
    sb = make("duplicates-counted")
    results = await sb.run(BATCH)
    assert results["duplicates"].status == "fail"
    assert "different timestamp" in results["duplicates"].summary


def test_history_groups_by_id_name_and_timestamp_as_the_events_table_orders() -> None:
    from golive_tui.providers.flexprice.probes.duplicates import history_problems

    ts1, ts2 = "2026-12-01T10:00:00Z", "2026-12-01T10:05:00Z"
    reused = [
        {"id": "a", "event_name": "api.call", "timestamp": ts1},
        {"id": "a", "event_name": "llm.tokens", "timestamp": ts2},  # harmless
    ]
    assert history_problems(reused) == ([], 1)
    clash = [
        {"id": "b", "event_name": "api.call", "timestamp": ts1},
        {"id": "b", "event_name": "llm.tokens", "timestamp": ts1},  # one row survives
    ]
    problems, _ = history_problems(clash)
    assert len(problems) == 1 and "keeps only one" in problems[0]
    restamped = [
        {"id": "c", "event_name": "api.call", "timestamp": ts1},
        {"id": "c", "event_name": "api.call", "timestamp": ts2},
    ]
    assert "different timestamp" in history_problems(restamped)[0][0]


async def test_the_batch_asks_once_in_production_saying_what_it_sends_and_costs(make) -> None:
    from golive_tui.core.probes import engine
    from golive_tui.core.probes.engine import Runner
    from golive_tui.core.redact import Secret
    from golive_tui.providers.flexprice.dialect import FLEXPRICE

    sb = make()
    sb.app.account.environment_type = "production"
    asked: list[str | None] = []

    async def confirm(spec: Any, text: str | None) -> bool:
        asked.append(text)
        return True

    specs, _ = engine.select("flexprice", BATCH)
    runner = Runner(
        target=sb.target(environment="production"),
        token=Secret(sb.token),
        dialect=FLEXPRICE,
        confirm_write=confirm,
    )
    results = {r.probe: r for r in await runner.run(specs)}
    assert all(r.status == "pass" for r in results.values()), _explain(results)
    assert len(asked) == 1, asked
    text = asked[0] or ""
    assert "6 usage events for 3 probe(s)" in text and "for customer quill-test" in text, text
    assert "about $" in text, text
