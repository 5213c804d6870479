"""Metronome's usage probes (ingest-dedup, backdated, invoice-draft) against a sandbox
whose events settle as real ones do: one by one, searchable before processed, billed
later still, behind a rate-limited search. Over real HTTP on loopback."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.test_probes_metronome import Sandbox, _explain

from golive_tui.core.probes.common import parse_time

USAGE_PROBES = ["backdated", "ingest-dedup", "invoice-draft"]


@pytest.fixture
def make() -> Iterator[Any]:
    started: list[Sandbox] = []

    def start(*faults: str, variants: tuple[str, ...] = (), **app_kw: Any) -> Sandbox:
        sb = Sandbox(faults, variants, **app_kw)
        started.append(sb)
        return sb

    yield start
    for sb in started:
        sb.server.stop()


async def test_unprocessed_events_past_the_deadline_warn_not_settled(make) -> None:
    # Staggered: the last event is processed ~4 s after the send; 2 s is too short.
    sb = make(variants=("staggered",))
    result = (await sb.run(["ingest-dedup"], deadline=2.0))["ingest-dedup"]
    assert result.status == "warn", _explain({"ingest-dedup": result})
    assert "not settled after" in result.summary


async def test_every_probe_passes_when_events_settle_one_by_one(make) -> None:
    # The old invoice-draft stopped at the first change of the line and failed here.
    sb = make(variants=("staggered",))
    results = await sb.run()
    assert all(r.status == "pass" for r in results.values()), _explain(results)


async def test_a_counted_repeat_is_caught_even_when_it_settles_last(make) -> None:
    # The repeat is the request's last event: the wait expects its two records, not
    # just one record per id.
    sb = make("dedup-off", variants=("staggered",))
    result = (await sb.run(["ingest-dedup"]))["ingest-dedup"]
    assert result.status == "fail", result.summary
    assert "counted 2 times" in result.summary


async def test_a_partial_invoice_view_at_the_deadline_warns_with_what_it_saw(make) -> None:
    sb = make(variants=("staggered",))
    result = (await sb.run(["invoice-draft"], deadline=2.5))["invoice-draft"]
    assert result.status == "warn", result.summary
    assert "not settled after" in result.summary and " of the " in result.summary


async def test_a_rate_limited_search_warns_never_fails_and_sends_every_id_at_once(make) -> None:
    # One search per 50 s after a burst of 4: the probe is held off past its deadline.
    sb = make(variants=("staggered",), search_rate_limit=0.02)
    result = (await sb.run(["ingest-dedup"], deadline=4.0))["ingest-dedup"]
    assert result.status == "warn", result.summary
    assert "not settled after" in result.summary and "429" in result.summary
    searches = sb.app.recorded(path="/v1/events/search")
    assert any(r.status == 429 for r in searches)
    sent = {e["transaction_id"] for r in sb.app.recorded(path="/v1/ingest") for e in r.body}
    assert all(set(r.body["transactionIds"]) == sent for r in searches)  # all ids, one request


@pytest.fixture
def mid_month(monkeypatch: pytest.MonkeyPatch) -> Callable[[], datetime]:
    """A clock at 14:00 on the 12th of this month that runs on from there, shared by the
    sandbox and the probes: last month's invoice is then FINALIZED on any real date."""
    real0 = datetime.now(UTC)
    at0 = real0.replace(day=12, hour=14, minute=0, second=0, microsecond=0)

    def clock() -> datetime:
        return (at0 + (datetime.now(UTC) - real0)).replace(microsecond=0)

    for name in ("account", "invoices", "lookups", "usage"):
        module = importlib.import_module(f"golive_tui.providers.metronome.probes.{name}")
        monkeypatch.setattr(module, "utc_now", clock)
    return clock


def _sent_stamp(sb: Sandbox) -> datetime:
    [event] = [e for r in sb.app.recorded(path="/v1/ingest") for e in r.body]
    stamp = parse_time(event["timestamp"])
    assert stamp is not None
    return stamp


async def test_a_configured_window_into_a_finalized_period_warns_and_tests_the_open_one(
    make, mid_month
) -> None:
    sb = make(clock=mid_month)
    result = (await sb.run(["backdated"], settings={"backdate_days": 20}))["backdated"]
    assert result.status == "warn", result.summary
    assert "(FINALIZED) will not be billed" in result.summary
    assert "backdate_days=20" in result.summary
    month_start = mid_month().replace(day=1, hour=0, minute=0, second=0)
    assert month_start < _sent_stamp(sb) < mid_month()  # dated in the open (draft) period
    assert any("found" in d for d in result.details)


async def test_the_default_window_crossing_a_finalized_period_passes_in_the_open_one(
    make, mid_month
) -> None:
    sb = make(clock=mid_month)  # 14 days back from the 12th is last month: FINALIZED
    result = (await sb.run(["backdated"]))["backdated"]
    assert result.status == "pass", result.summary
    assert "open period" in result.summary and "FINALIZED" in result.summary
    assert _sent_stamp(sb) >= mid_month().replace(day=1, hour=0, minute=0, second=0)


async def test_a_window_inside_the_open_period_is_sent_as_configured(make, mid_month) -> None:
    sb = make(clock=mid_month)
    result = (await sb.run(["backdated"], settings={"backdate_days": 5}))["backdated"]
    assert result.status == "pass", result.summary
    assert "DRAFT" in " ".join(result.details)
    assert abs((mid_month() - _sent_stamp(sb)).days - 5) <= 1


@pytest.mark.parametrize("variants", [(), ("staggered",)])
async def test_the_usage_probes_send_once_and_expect_each_others_usage(make, variants) -> None:
    sb = make(variants=variants)
    results = await sb.run()
    assert all(r.status == "pass" for r in results.values()), _explain(results)
    ingests = sb.app.recorded(path="/v1/ingest")
    assert len(ingests) == 1, [len(r.body) for r in ingests]  # one request for all three
    tags = {e["transaction_id"].split("-")[2] for e in ingests[0].body}
    assert tags == {"dedup", "backdated", "invoice"}
    # invoice-draft's line grew by its own units plus the others' test usage.
    assert "duplicates ignored" in results["invoice-draft"].summary
    if variants:  # the waits overlap: one settle period (~4 s), not three
        waits = [results[p].duration_ms for p in USAGE_PROBES]
        assert max(waits) < 8000, waits


async def test_a_billed_duplicate_fails_both_probes_naming_the_duplicate(make) -> None:
    sb = make("dedup-off")
    results = await sb.run(USAGE_PROBES)
    dedup, draft = results["ingest-dedup"], results["invoice-draft"]
    assert dedup.status == "fail" and "counted 2 times" in dedup.summary, dedup.summary
    assert draft.status == "fail" and "duplicate events" in draft.summary, draft.summary
    assert "tiers" not in " ".join([draft.summary, *draft.details])  # priced right for it
    assert results["backdated"].status == "pass", results["backdated"].summary
    assert len(sb.app.recorded(path="/v1/ingest")) == 1


async def test_production_asks_once_saying_what_the_batch_sends_and_its_price(make) -> None:
    from golive_tui.core.probes import engine
    from golive_tui.core.probes.engine import Runner
    from golive_tui.core.redact import Secret
    from golive_tui.providers.metronome.dialect import METRONOME

    sb = make()
    asked: list[str | None] = []

    async def refuse(spec: Any, text: str | None) -> bool:
        asked.append(text)
        return False

    specs, _ = engine.select("metronome", USAGE_PROBES)
    runner = Runner(
        target=sb.target(environment="production", base_url=sb.url),
        token=Secret(sb.token),
        dialect=METRONOME,
        confirm_write=refuse,
    )
    results = await runner.run(specs)
    by_id = {r.probe: r for r in results}
    # invoice-draft checks the tier maths with previewEvents instead (writes nothing).
    assert by_id["invoice-draft"].summary.startswith("dry run on production"), by_id
    assert [by_id[p].status for p in ("ingest-dedup", "backdated")] == ["skipped"] * 2
    [text] = asked  # one question for the two probes that must write
    assert text is not None and "usage events for 2 probe(s)" in text
    assert "for customer nimbus-test" in text
    # Each share says what it may cost in dollars (an upper bound), never raw cents.
    assert re.search(r"sent twice, at most \$\d+\.\d{2,}", text), text
    assert re.search(r"1 unit, at most \$\d+\.\d{2,}", text), text
    assert "cents" not in text
    assert not sb.app.recorded(path="/v1/ingest")  # nothing was written
