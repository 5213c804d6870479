"""Metronome's usage probes (ingest-dedup, backdated, invoice-draft) against a sandbox
whose events settle as real ones do: one by one, searchable before processed, billed
later still, behind a rate-limited search. Over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.test_probes_metronome import Sandbox, _explain

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
