"""The embedded Metronome sandbox, over real HTTP on loopback.

Every response it gives must match the official spec (tests/spec_check.py), every
request these tests send must be one the real API accepts, golive's probes must
pass against the clean sandbox, and each fault must make the probe built to catch
it fail (or, for transport faults, leave the evidence the retry policy needs).
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from golive_tui.core.probes.engine import ProbeResult, Runner, select
from golive_tui.core.redact import Secret
from golive_tui.core.sandbox.asgi import App, Response, Router, dumps
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.state import Target
from golive_tui.providers.metronome.dialect import METRONOME
from golive_tui.providers.metronome.sandbox.app import (
    FAULTS,
    VARIANTS,
    MetronomeSandbox,
    sign_webhook,
    verify_webhook,
)
from golive_tui.providers.metronome.sandbox.state import Rate, Tier, iso, month_start
from spec_check import request_errors, response_errors

TOKEN = "sandbox-test-token"
SECRET = "whsec-sandbox-test"
VECTOR_SECRET = "correct-horse-battery-staple"
VECTOR_DATE = "Mon, 02 Jan 2006 22:04:05 GMT"
VECTOR_BODY = (
    b'{\n  "id": "b2c9e307-624e-4e7d-a5a4-1b74107d78c4",\n  "type": "widget_created",\n'
    b'  "properties": {\n    "customer_id": "5f794d50-085a-4db6-8d15-286e518b7225",\n'
    b'    "widget_id": "0891458d-b6f0-4fdd-a41e-380aae1a1e38"\n  }\n}'
)
VECTOR_SIGNATURE = "b82652fa2246cf1d8a27e591f155c865f68b46c19b9213fd9c052f2419b4742b"


class Sandbox:
    """A started sandbox with an authenticated client that checks what it sends."""

    def __init__(self, app: MetronomeSandbox, server: SandboxServer) -> None:
        self.app = app
        self.server = server
        self.url = server.base_url
        self.http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )

    @property
    def demo(self) -> Any:
        assert self.app.demo is not None
        return self.app.demo

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        valid: bool = True,
    ) -> httpx.Response:
        if valid:  # a request the real API would accept
            assert request_errors("metronome", method, path, params or {}, body) == []
        content = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if content is not None else {}
        return self.http.request(method, path, params=params, content=content, headers=headers)

    def json(self, resp: httpx.Response) -> Any:
        return json.loads(resp.content, parse_float=Decimal)

    def ingest(self, events: list[dict[str, Any]], *, valid: bool = True) -> httpx.Response:
        return self.call("POST", "/v1/ingest", body=events, valid=valid)

    def search(self, *tids: str) -> list[dict[str, Any]]:
        while True:
            resp = self.call("POST", "/v1/events/search", body={"transactionIds": list(tids)})
            if resp.status_code != 429:  # the search is rate-limited: wait as told
                break
            time.sleep(float(resp.headers["retry-after"]))
        assert resp.status_code == 200, resp.text
        out = self.json(resp)
        assert isinstance(out, list)
        return out

    def settled(self, *tids: str, timeout: float = 3.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.search(*tids)
            if {r["transaction_id"] for r in found} >= set(tids) or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def probes(self, *ids: str) -> dict[str, ProbeResult]:
        target = Target(
            provider="metronome",
            environment="sandbox",
            base_url=self.url,
            settings=self.app.target_settings(self.url),
        )
        runner = Runner(
            target=target, token=Secret(TOKEN), dialect=METRONOME, webhook_secret=Secret(SECRET)
        )
        specs, unknown = select("metronome", list(ids) if ids else None)
        assert unknown == []
        return {r.probe: r for r in asyncio.run(runner.run(specs))}


def _start(**kwargs: Any) -> Sandbox:
    kwargs.setdefault("webhook_secret", SECRET)
    kwargs.setdefault("processing_delay", 0.02)
    kwargs.setdefault("rate_limit", 1000.0)
    app = MetronomeSandbox(TOKEN, **kwargs)
    return Sandbox(app, SandboxServer(app).start())


def _close(sb: Sandbox) -> None:
    sb.http.close()
    sb.server.stop()


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """A fresh sandbox per call (faults, options, or an untouched invoice)."""
    started: list[Sandbox] = []

    def make(**kwargs: Any) -> Sandbox:
        started.append(_start(**kwargs))
        return started[-1]

    yield make
    for sb in started:
        _close(sb)


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    """One shared clean sandbox; tests using it pick unique transaction ids."""
    shared = _start()
    yield shared
    _close(shared)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _event(
    tid: str,
    customer: str,
    *,
    etype: str = "llm.completion",
    when: datetime | None = None,
    **props: Any,
) -> dict[str, Any]:
    return {
        "transaction_id": tid,
        "customer_id": customer,
        "event_type": etype,
        "timestamp": iso(when or _now() - timedelta(minutes=1)),
        "properties": props,
    }


def _spec_problems(app: App) -> list[str]:
    problems = []
    for r in app.recorded():
        if r.path.startswith("/_sandbox/"):
            continue
        problems += response_errors("metronome", r.method, r.path, r.status, r.response_body)
    return problems


# --- spec conformance ---------------------------------------------------------------------


def test_every_route_answers_as_the_spec_documents(sb: Sandbox) -> None:
    d = sb.demo
    cid = d.customer_id
    tid = "spec-scenario-1"
    start = iso(_now() - timedelta(days=30))
    end = iso(_now() + timedelta(hours=1))
    # With every group key, as the app's events have: the probes later run on this account,
    # and grouped-usage rightly fails on usage in a null group.
    event = _event(tid, "nimbus-test", model="atlas-2-pro", project_id="spec", input_tokens="12")
    assert sb.ingest([event]).status_code == 200
    sb.settled(tid)
    calls: list[tuple[str, str, dict[str, str] | None, Any]] = [
        ("GET", "/v1/customers", {"limit": "2"}, None),
        ("GET", "/v1/customers", {"ingest_alias": "nimbus-test"}, None),
        ("GET", f"/v1/customers/{cid}", None, None),
        ("GET", f"/v1/customers/{cid}/billable-metrics", {"include_archived": "true"}, None),
        ("GET", f"/v1/customers/{cid}/invoices", {"status": "DRAFT", "sort": "date_desc"}, None),
        ("GET", "/v1/billable-metrics", {"include_archived": "true"}, None),
        ("GET", f"/v1/billable-metrics/{d.input_tokens_metric_id}", None, None),
        ("POST", "/v1/contract-pricing/products/list", {"limit": "2"}, {"archive_filter": "ALL"}),
        ("POST", "/v1/contract-pricing/rate-cards/list", None, {}),
        ("POST", "/v1/contract-pricing/rate-cards/get", None, {"id": d.rate_card_id}),
        (
            "POST",
            "/v1/contract-pricing/rate-cards/getRates",
            {"limit": "10"},
            {"rate_card_id": d.rate_card_id, "at": iso(_now())},
        ),
        ("POST", "/v2/contracts/list", None, {"customer_id": cid, "covering_date": iso(_now())}),
        (
            "POST",
            "/v1/contracts/getContractRateSchedule",
            {"limit": "2"},
            {"customer_id": cid, "contract_id": d.contract_id, "at": iso(_now())},
        ),
        (
            "POST",
            f"/v1/customers/{cid}/previewEvents",
            None,
            {"events": [{"event_type": "api.request", "properties": {"endpoint": "/x"}}]},
        ),
        ("POST", "/v1/customer-alerts/list", None, {"customer_id": cid}),
        ("GET", "/v1/services", None, None),
        (
            "POST",
            "/v1/usage",
            None,
            {
                "window_size": "day",
                "starting_on": start,
                "ending_before": end,
                "customer_ids": [cid],
                "billable_metrics": [
                    {"id": d.input_tokens_metric_id, "group_by": {"key": "model"}}
                ],
            },
        ),
        (
            "POST",
            "/v1/usage/groups",
            {"limit": "5"},
            {
                "customer_id": cid,
                "billable_metric_id": d.input_tokens_metric_id,
                "window_size": "none",
                "starting_on": start,
                "ending_before": end,
                "group_key": ["project_id"],
            },
        ),
        # configuration changes: a rate scheduled for later, a metric archived again
        (
            "POST",
            "/v1/contract-pricing/rate-cards/addRate",
            None,
            {
                "rate_card_id": d.rate_card_id,
                "product_id": d.api_requests_product_id,
                "starting_at": iso(_now() + timedelta(days=40)),
                "entitled": True,
                "rate_type": "FLAT",
                "price": 0.02,
            },
        ),
        ("POST", "/v1/billable-metrics/archive", None, {"id": d.legacy_metric_id}),
        # documented error answers validate too
        ("POST", "/v1/billable-metrics/archive", None, {"id": d.rate_card_id}),
        ("GET", f"/v1/billable-metrics/{d.customer_id}", None, None),
        ("POST", "/v1/contract-pricing/rate-cards/get", None, {"id": d.customer_id}),
        ("POST", "/v2/contracts/list", None, {"customer_id": d.rate_card_id}),
    ]
    for method, path, params, body in calls:
        resp = sb.call(method, path, params=params, body=body)
        assert resp.status_code in (200, 400, 404), (path, resp.text)
    invoices = sb.json(sb.call("GET", f"/v1/customers/{cid}/invoices"))["data"]
    assert sb.call("GET", f"/v1/customers/{cid}/invoices/{invoices[0]['id']}").status_code == 200
    assert sb.call("GET", f"/v1/customers/{cid}/invoices/{d.rate_card_id}").status_code == 404
    # the writes of golive test-customer and golive cleanup, on objects of their own
    body = {"name": "spec test customer", "ingest_aliases": ["spec-golive-test"]}
    made = sb.json(sb.call("POST", "/v1/customers", body=body))["data"]
    body = {"customer_id": made["id"], "rate_card_id": d.rate_card_id, "starting_at": iso(_now())}
    contract = sb.json(sb.call("POST", "/v1/contracts/create", body=body))["data"]
    body = {"customer_id": made["id"], "contract_id": contract["id"], "void_invoices": False}
    assert sb.call("POST", "/v1/contracts/archive", body=body).status_code == 200
    assert sb.call("POST", "/v1/customers/archive", body={"id": made["id"]}).status_code == 200

    # every Metronome route was exercised, and every answer matches the spec
    exercised = {(r.method, _template(sb.app.router, r.method, r.path)) for r in sb.app.recorded()}
    routes = [(m, t) for m, t in sb.app.router.templates() if not t.startswith("/_sandbox/")]
    assert [rt for rt in routes if rt not in exercised] == []
    assert _spec_problems(sb.app) == []


def _template(router: Router, method: str, path: str) -> str | None:
    for route in router.routes:
        if route.method == method and route.pattern.fullmatch(path):
            return route.template
    return None


def test_probes_pass_against_the_clean_sandbox_and_send_valid_requests(sb: Sandbox) -> None:
    results = sb.probes()
    assert {p: r.status for p, r in results.items()} == {p: "pass" for p in results}, {
        p: r.summary for p, r in results.items() if r.status != "pass"
    }
    assert len(results) >= 10
    for r in sb.app.recorded():
        if r.path.startswith("/_sandbox/"):
            continue
        assert request_errors("metronome", r.method, r.path, r.query, r.body) == [], r
    assert _spec_problems(sb.app) == []


# --- ingest, dedup, search ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "needle"),
    [
        ([], "1 to 100"),
        ([_event(f"t{i}", "nimbus-test") for i in range(101)], "1 to 100"),
        ([_event("old", "nimbus-test", when=_now() - timedelta(days=35))], "34 days"),
        ([_event("future", "nimbus-test", when=_now() + timedelta(hours=25))], "24 hours"),
        (
            [
                _event("ok", "nimbus-test"),
                {"transaction_id": "x", "customer_id": "c", "event_type": "e"},
            ],
            "events[1].timestamp",
        ),
        ([{**_event("nofmt", "nimbus-test"), "timestamp": "2026/01/01 10:00"}], "RFC 3339"),
        ([{**_event("long", "nimbus-test"), "transaction_id": "x" * 129}], "transaction_id"),
        ([{**_event("props", "nimbus-test"), "properties": ["a"]}], "properties"),
        ({"transaction_id": "not-an-array"}, "array"),
    ],
)
def test_ingest_rejects_bad_batches_whole(sb: Sandbox, events: Any, needle: str) -> None:
    before = len(sb.app.account.events)
    resp = sb.ingest(events, valid=False)
    assert resp.status_code == 400
    assert needle in resp.json()["message"]
    assert len(sb.app.account.events) == before  # nothing from a rejected batch is kept


def test_ingest_accepts_33_days_back_with_an_empty_200(sb: Sandbox) -> None:
    resp = sb.ingest([_event("back33", "nimbus-test", when=_now() - timedelta(days=33))])
    assert resp.status_code == 200 and resp.content == b""
    assert sb.settled("back33")[0]["timestamp"].startswith(iso(_now() - timedelta(days=33))[:10])


def test_a_repeated_transaction_id_is_flagged_and_not_counted(sb: Sandbox) -> None:
    ev = _event("dup-1", "nimbus-test", model="atlas-2-pro", input_tokens="100")
    assert sb.ingest([ev]).status_code == 200
    assert sb.ingest([ev]).status_code == 200
    found = sb.settled("dup-1")
    assert [r["is_duplicate"] for r in found] == [False, True]
    assert len({r["id"] for r in found}) == 2


def test_search_is_a_bare_array_with_camelcase_key_and_waits_for_processing(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    sb = make_sandbox(processing_delay=0.3)
    assert (
        sb.ingest([_event("slow-proc", "nimbus-test", model="m", input_tokens="1")]).status_code
        == 200
    )
    assert sb.search("slow-proc") == []  # not processed yet
    time.sleep(0.35)
    (rec,) = sb.search("slow-proc")
    assert rec["processed_at"] and rec["customer_id"] == "nimbus-test"
    wrong = sb.call(
        "POST", "/v1/events/search", body={"transaction_ids": ["slow-proc"]}, valid=False
    )
    assert wrong.status_code == 400 and "transactionIds" in wrong.json()["message"]


class _Clock:
    """A sandbox clock the test moves by hand (the sandbox reads it for every request)."""

    def __init__(self) -> None:
        self.at = _now()

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def test_staggered_events_appear_one_by_one_then_processed_then_billed(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    clock = _Clock()
    sb = make_sandbox(variants=["staggered"], clock=clock)
    d = sb.demo
    q0 = _line(_draft(sb), d.input_tokens_product_id)["quantity"]
    tids = [f"stag-{i}" for i in range(4)]
    events = [
        _event(t, "nimbus-test", when=clock.at - timedelta(minutes=1), model="m", input_tokens="5")
        for t in tids
    ]
    assert sb.ingest(events).status_code == 200
    assert sb.search(*tids) == []  # accepted, nothing searchable yet
    clock.advance(1.2)  # event i searchable at 0.1 + i s, processed 1 s later
    seen = sb.search(*tids)
    assert [r["transaction_id"] for r in seen] == tids[:2]
    assert "processed_at" in seen[0] and "processed_at" not in seen[1]  # optional in the spec
    assert seen[1]["matched_customer"]["id"] == d.customer_id  # matched before processed
    assert _line(_draft(sb), d.input_tokens_product_id)["quantity"] == q0 + 5
    clock.advance(3.0)
    seen = sb.search(*tids)
    assert len(seen) == 4 and all(r["processed_at"] for r in seen)
    assert _line(_draft(sb), d.input_tokens_product_id)["quantity"] == q0 + 20
    assert _spec_problems(sb.app) == []


def test_matching_by_id_and_alias_and_metric_filters(sb: Sandbox) -> None:
    d = sb.demo
    sb.ingest(
        [
            _event(
                "by-id", d.customer_id, model="atlas-2-pro", input_tokens="5", output_tokens="2"
            ),
            _event("by-alias", "nimbus-test", model="atlas-2-pro", input_tokens="5"),
            _event("nobody", "no-such-customer", model="atlas-2-pro", input_tokens="5"),
            _event("no-model", "nimbus-test", input_tokens="5"),
            _event("req", "nimbus-test", etype="api.request", endpoint="/v1/chat"),
            _event("req-no-endpoint", "nimbus-test", etype="api.request"),
            _event("legacy", "nimbus-test", etype="text.processed", characters="10"),
        ]
    )
    tids = ["by-id", "by-alias", "nobody", "no-model", "req", "req-no-endpoint", "legacy"]
    recs = {r["transaction_id"]: r for r in sb.settled(*tids)}
    metrics = {t: {m["id"] for m in recs[t]["matched_billable_metrics"]} for t in tids}
    assert recs["by-id"]["matched_customer"] == {"id": d.customer_id, "name": d.customer_name}
    assert recs["by-alias"]["matched_customer"]["id"] == d.customer_id
    assert "matched_customer" not in recs["nobody"]
    assert metrics["by-id"] == {d.input_tokens_metric_id, d.output_tokens_metric_id}
    assert metrics["by-alias"] == {d.input_tokens_metric_id}
    assert metrics["no-model"] == set()  # the `model` property filter
    assert metrics["req"] == {d.api_requests_metric_id}
    assert metrics["req-no-endpoint"] == set()
    assert metrics["legacy"] == set()  # archived metrics match nothing new


# --- lists, pagination, auth, rate limits ---------------------------------------------------


def test_limit_one_walks_every_customer_and_limits_are_checked(sb: Sandbox) -> None:
    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": "1", **({"next_page": cursor} if cursor else {})}
        body = sb.json(sb.call("GET", "/v1/customers", params=params))
        seen += [c["id"] for c in body["data"]]
        cursor = body["next_page"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 3
    for bad in ("101", "0", "x"):
        resp = sb.call("GET", "/v1/customers", params={"limit": bad}, valid=False)
        assert resp.status_code == 400 and "limit" in resp.json()["message"]
    resp = sb.call("GET", "/v1/customers", params={"next_page": "bogus"})
    assert resp.status_code == 400
    # POST list endpoints page through the query string too
    page = sb.json(
        sb.call(
            "POST",
            "/v1/contract-pricing/products/list",
            params={"limit": "2"},
            body={"archive_filter": "ALL"},
        )
    )
    assert len(page["data"]) == 2 and page["next_page"]
    alias = sb.json(sb.call("GET", "/v1/customers", params={"ingest_alias": "nimbus-test"}))
    assert [c["id"] for c in alias["data"]] == [sb.demo.customer_id]


def test_archived_metrics_are_hidden_unless_asked_for(sb: Sandbox) -> None:
    default = sb.json(sb.call("GET", "/v1/billable-metrics"))["data"]
    everything = sb.json(
        sb.call("GET", "/v1/billable-metrics", params={"include_archived": "true"})
    )["data"]
    assert sb.demo.legacy_metric_id not in {m["id"] for m in default}
    assert sb.demo.legacy_metric_id in {m["id"] for m in everything}


def test_bad_or_missing_token_is_401_but_the_webhook_receiver_needs_none(sb: Sandbox) -> None:
    for headers in ({"Authorization": "Bearer wrong"}, {"Authorization": ""}, {}):
        resp = httpx.get(sb.url + "/v1/customers", headers=headers)
        assert resp.status_code == 401 and resp.json() == {"message": "Unauthorized"}
    resp = httpx.post(sb.url + "/_sandbox/webhook", content=b"{}")
    assert resp.status_code == 401 and "signature" in resp.json()["message"].lower()


def test_unknown_routes_and_methods_answer_json(sb: Sandbox) -> None:
    assert sb.http.get("/v1/nope").status_code == 404
    resp = sb.http.delete("/v1/customers")
    assert resp.status_code == 405 and "GET" in resp.headers["allow"] and resp.json()["message"]
    resp = sb.http.post("/v1/ingest", content=b"{not json")
    assert resp.status_code == 400 and "JSON" in resp.json()["message"]


def test_past_the_rate_limit_answers_429_with_metronome_headers(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    sb = make_sandbox(rate_limit=5.0)
    statuses = [sb.http.get("/v1/services") for _ in range(12)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited and statuses[0].status_code == 200
    assert limited[0].headers["x-metronome-rate-limit-type"] == "client"
    assert int(limited[0].headers["retry-after"]) >= 1


def test_event_search_has_its_own_tight_rate_limit(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox()  # the general limit is 1000/s here; search is limited on its own
    body = {"transactionIds": ["a", "b"]}
    statuses = [sb.http.post("/v1/events/search", json=body) for _ in range(8)]
    limited = [r for r in statuses if r.status_code == 429]
    assert statuses[0].status_code == 200 and len(limited) >= 3
    assert limited[0].headers["x-metronome-rate-limit-type"] == "client"
    assert int(limited[0].headers["retry-after"]) >= 1
    assert sb.http.get("/v1/services").status_code == 200  # other endpoints are not held


# --- invoices ------------------------------------------------------------------------------


def test_graduated_tiers_by_hand() -> None:
    rate = Rate(
        "p",
        "TIERED",
        _now(),
        tiers=[
            Tier(Decimal("0.0003"), Decimal(1_000_000)),
            Tier(Decimal("0.00025"), Decimal(9_000_000)),
            Tier(Decimal("0.0002")),
        ],
    )
    # 1,000,000 × 0.0003 + 9,000,000 × 0.00025 + 2,345,678 × 0.0002
    assert rate.amount(Decimal(12_345_678)) == Decimal("300") + Decimal("2250") + Decimal(
        "469.1356"
    )
    assert rate.amount(Decimal(999)) == Decimal("0.2997")
    assert rate.amount(Decimal(12_345_678), first_tier_only=True) == Decimal("3703.7034")


def _draft(sb: Sandbox) -> dict[str, Any]:
    body = sb.json(
        sb.call(
            "GET",
            f"/v1/customers/{sb.demo.customer_id}/invoices",
            params={"status": "DRAFT", "sort": "date_desc"},
        )
    )
    now = iso(_now())  # in a month's first 24 h, last month is still DRAFT too
    (draft,) = [i for i in body["data"] if i["start_timestamp"] <= now < i["end_timestamp"]]
    return dict(draft)


def _line(invoice: dict[str, Any], product_id: str) -> dict[str, Any]:
    (line,) = [li for li in invoice["line_items"] if li.get("product_id") == product_id]
    return dict(line)


@pytest.mark.parametrize(
    ("faults", "expected_total"),
    # seeded input tokens this month: 2,039,000; the test adds 10,000,000 (+1 duplicate)
    # 1,000,000 × 0.0003 + 9,000,000 × 0.00025 + 2,039,000 × 0.0002 = 2957.8
    [((), Decimal("2957.8")), (("wrong-tier-math",), Decimal("3611.7"))],
)
def test_the_draft_invoice_is_priced_live_from_usage(
    make_sandbox: Callable[..., Sandbox], faults: tuple[str, ...], expected_total: Decimal
) -> None:
    sb = make_sandbox(faults=faults)
    d = sb.demo
    before = _draft(sb)
    assert _line(before, d.input_tokens_product_id)["quantity"] == 2_039_000
    ev = _event("inv-1", "nimbus-test", model="atlas-2-pro", input_tokens="10000000")
    sb.ingest([ev, ev])  # the repeat must not be billed
    sb.settled("inv-1")
    after = _draft(sb)
    line = _line(after, d.input_tokens_product_id)
    assert line["quantity"] == 12_039_000
    assert line["total"] == expected_total
    assert after["total"] == sum(li["total"] for li in after["line_items"])
    assert _line(after, d.platform_fee_product_id)["total"] == 50_000
    assert after["credit_type"]["id"] == "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
    assert after["status"] == "DRAFT" and after["type"] == "USAGE"
    assert after["contract_id"] == d.contract_id
    assert after["start_timestamp"] <= iso(_now()) < after["end_timestamp"]


def test_last_month_is_finalized_and_invoices_are_gettable(sb: Sandbox) -> None:
    cid = sb.demo.customer_id
    body = sb.json(sb.call("GET", f"/v1/customers/{cid}/invoices", params={"sort": "date_asc"}))
    in_grace = _now() - month_start(_now()) < timedelta(hours=24)
    expected = ["DRAFT", "DRAFT"] if in_grace else ["FINALIZED", "DRAFT"]
    assert [i["status"] for i in body["data"]] == expected
    if in_grace:
        return
    final = body["data"][0]
    assert final["issued_at"] and final["total"] > 50_000
    got = sb.json(sb.call("GET", f"/v1/customers/{cid}/invoices/{final['id']}"))["data"]
    assert got == final
    # a backdated event into last month leaves the finalized invoice alone
    last_month = datetime.fromisoformat(final["end_timestamp"].replace("Z", "+00:00"))
    if _now() - last_month < timedelta(days=30):
        when = last_month - timedelta(hours=1)
        sb.ingest([_event("late", "nimbus-test", when=when, model="m", input_tokens="999")])
        sb.settled("late")
        again = sb.json(sb.call("GET", f"/v1/customers/{cid}/invoices/{final['id']}"))["data"]
        assert again["total"] == final["total"]


def test_grouped_usage_adds_up_and_compound_keys_must_be_whole(sb: Sandbox) -> None:
    d = sb.demo
    start, end = iso(_now() - timedelta(days=20)), iso(_now() + timedelta(hours=1))
    base = {
        "customer_id": d.customer_id,
        "billable_metric_id": d.input_tokens_metric_id,
        "window_size": "none",
        "starting_on": start,
        "ending_before": end,
    }
    total = sb.json(
        sb.call(
            "POST",
            "/v1/usage",
            body={
                "window_size": "none",
                "starting_on": start,
                "ending_before": end,
                "customer_ids": [d.customer_id],
                "billable_metrics": [{"id": d.input_tokens_metric_id}],
            },
        )
    )["data"][0]["value"]
    groups = sb.json(sb.call("POST", "/v1/usage/groups", body={**base, "group_key": ["model"]}))
    assert sum(g["value"] for g in groups["data"]) == total
    assert {g["group"]["model"] for g in groups["data"]} >= {"atlas-2-pro", "atlas-2-mini"}
    bad = sb.call("POST", "/v1/usage/groups", body={**base, "group_key": ["model", "project_id"]})
    assert bad.status_code == 400


# --- faults --------------------------------------------------------------------------------

PROBE_FOR_FAULT = {
    "dedup-off": ("ingest-dedup", "fail"),
    "wrong-tier-math": ("invoice-draft", "fail"),
    "archived-metric": ("pricing-setup", "fail"),
    "missing-alias": ("customer-contract", "fail"),
    "no-contract": ("customer-contract", "fail"),
    "permanent-500": ("auth", "error"),
    "webhook-accepts-forged": ("webhook-signature", "fail"),
    "webhook-accepts-unsigned": ("webhook-signature", "fail"),
    "webhook-accepts-tampered": ("webhook-signature", "fail"),
    "webhook-rejects-replay": ("webhook-signature", "fail"),
    "webhook-ip-allowlist": ("webhook-signature", "warn"),
    "group-key-missing": ("grouped-usage", "fail"),
    "5xx-burst": ("allowlist", "pass"),  # recovered by the retry policy …
    "429-storm": ("allowlist", "pass"),
}


def test_every_fault_is_covered() -> None:
    from golive_tui.cli import build_parser
    from golive_tui.core import providers

    assert set(PROBE_FOR_FAULT) | {"slow"} == set(FAULTS)
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    parser = sub.choices["sandbox"]  # type: ignore[index]
    fault = next(a for a in parser._actions if a.dest == "fault")
    assert providers.get("metronome").faults == FAULTS
    assert set(FAULTS) <= set(fault.choices)
    with pytest.raises(ValueError, match="unknown fault"):
        MetronomeSandbox(TOKEN, faults=["nope"])
    assert providers.get("metronome").variants == VARIANTS
    with pytest.raises(ValueError, match="unknown variant"):
        MetronomeSandbox(TOKEN, variants=["nope"])


@pytest.mark.parametrize("fault", sorted(PROBE_FOR_FAULT))
def test_each_fault_is_caught_by_its_probe(
    make_sandbox: Callable[..., Sandbox], fault: str
) -> None:
    sb = make_sandbox(faults=[fault])
    probe_id, expected = PROBE_FOR_FAULT[fault]
    result = sb.probes(probe_id)[probe_id]
    assert result.status == expected, result.summary
    statuses = [r.status for r in sb.app.recorded(path="/v1/services")]
    if fault == "5xx-burst":  # … which is what the evidence shows
        assert statuses == [503, 503, 200]
    if fault == "429-storm":
        assert statuses == [429, 429, 429, 200]
        first = sb.app.recorded(path="/v1/services")[0].response_headers
        assert first["X-Metronome-Rate-Limit-Type"] == "client" and first["Retry-After"] == "0"


def test_fault_effects_at_the_api(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(faults=["dedup-off", "missing-alias", "no-contract", "archived-metric"])
    d = sb.demo
    ev = _event("again", d.customer_id, model="m", input_tokens="1")
    sb.ingest([ev, ev])
    assert [r["is_duplicate"] for r in sb.settled("again")] == [False, False]
    assert (
        sb.json(sb.call("GET", "/v1/customers", params={"ingest_alias": "nimbus-test"}))["data"]
        == []
    )
    contracts = sb.call("POST", "/v2/contracts/list", body={"customer_id": d.customer_id})
    assert sb.json(contracts)["data"] == []
    metric = sb.json(sb.call("GET", f"/v1/billable-metrics/{d.input_tokens_metric_id}"))["data"]
    assert metric["archived_at"]


def test_slow_fault_delays_api_responses_only(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(faults=["slow"], slow_seconds=0.3)
    t0 = time.monotonic()
    assert sb.http.get("/v1/services").status_code == 200
    assert time.monotonic() - t0 >= 0.3
    t0 = time.monotonic()
    sb.http.post("/_sandbox/webhook", content=b"{}")
    assert time.monotonic() - t0 < 0.3


# --- webhook receiver -----------------------------------------------------------------------


def test_official_signature_test_vector() -> None:
    assert sign_webhook(VECTOR_SECRET, VECTOR_DATE, VECTOR_BODY) == VECTOR_SIGNATURE
    headers = {"metronome-webhook-signature": VECTOR_SIGNATURE, "x-metronome-date": VECTOR_DATE}
    at = datetime(2006, 1, 2, 22, 6, tzinfo=UTC)
    assert verify_webhook(VECTOR_SECRET, headers, VECTOR_BODY, at) is None
    assert verify_webhook(VECTOR_SECRET, headers, VECTOR_BODY + b" ", at) is not None
    assert "5 minutes" in str(verify_webhook(VECTOR_SECRET, headers, VECTOR_BODY, _now()))


def test_webhook_receiver_over_http(make_sandbox: Callable[..., Sandbox]) -> None:
    vector = make_sandbox(
        webhook_secret=VECTOR_SECRET, clock=lambda: datetime(2006, 1, 2, 22, 5, tzinfo=UTC)
    )
    ok = httpx.post(
        vector.url + "/_sandbox/webhook",
        content=VECTOR_BODY,
        headers={"Metronome-Webhook-Signature": VECTOR_SIGNATURE, "X-Metronome-Date": VECTOR_DATE},
    )
    assert ok.status_code == 200

    sb = make_sandbox()
    from email.utils import format_datetime

    def send(date: datetime, secret: str) -> int:
        stamp = format_datetime(date, usegmt=True)
        sig = sign_webhook(secret, stamp, VECTOR_BODY)
        headers = {"Metronome-Webhook-Signature": sig, "X-Metronome-Date": stamp}
        return httpx.post(
            sb.url + "/_sandbox/webhook", content=VECTOR_BODY, headers=headers
        ).status_code

    assert send(datetime.now(UTC), SECRET) == 200
    assert send(datetime.now(UTC), "forged") == 401
    assert send(datetime.now(UTC) - timedelta(minutes=10), SECRET) == 401
    assert [w.accepted for w in sb.app.webhooks] == [True, False, False]


HOOK_BODY = b'{"id": "n-1", "type": "invoice.finalized", "properties": {}}'


def _hook_headers(secret: str, body: bytes = HOOK_BODY) -> dict[str, str]:
    from email.utils import format_datetime

    stamp = format_datetime(datetime.now(UTC), usegmt=True)
    sig = sign_webhook(secret, stamp, body)
    return {"Metronome-Webhook-Signature": sig, "X-Metronome-Date": stamp}


# fault → (unsigned, tampered, genuine, replay) statuses; healthy: () → reject, reject, 200, 200
RECEIVER_FAULTS = {
    (): (401, 401, 200, 200),
    ("webhook-accepts-unsigned",): (200, 401, 200, 200),
    ("webhook-accepts-tampered",): (401, 200, 200, 200),
    ("webhook-rejects-replay",): (401, 401, 200, 409),
    ("webhook-ip-allowlist",): (403, 403, 403, 403),
}


@pytest.mark.parametrize("faults", sorted(RECEIVER_FAULTS))
def test_webhook_receiver_faults_at_the_endpoint(
    make_sandbox: Callable[..., Sandbox], faults: tuple[str, ...]
) -> None:
    sb = make_sandbox(faults=list(faults))
    url = sb.url + "/_sandbox/webhook"
    genuine = _hook_headers(SECRET)
    unsigned = {k: v for k, v in genuine.items() if k != "Metronome-Webhook-Signature"}
    tampered = HOOK_BODY.replace(b"invoice.finalized", b"invoice.voided")
    order = [(unsigned, HOOK_BODY), (genuine, HOOK_BODY), (genuine, tampered), (genuine, HOOK_BODY)]
    got = [httpx.post(url, content=b, headers=h).status_code for h, b in order]
    unsigned_s, genuine_s, tampered_s, replay_s = got
    assert (unsigned_s, tampered_s, genuine_s, replay_s) == RECEIVER_FAULTS[faults]
    assert [w.status for w in sb.app.webhooks] == got  # every delivery is recorded
    if not faults:  # the repeat is acknowledged as a duplicate, not processed twice
        assert httpx.post(url, content=HOOK_BODY, headers=genuine).json()["duplicate"] is True


# --- machinery ------------------------------------------------------------------------------


def test_decimals_are_encoded_exactly() -> None:
    assert dumps({"a": Decimal("0.00025"), "b": Decimal("1E+3"), "c": [Decimal("2.50")]}) == (
        '{"a":0.00025,"b":1000,"c":[2.50]}'
    )


def test_server_start_stop_frees_the_port_and_refuses_non_loopback() -> None:
    router = Router()
    router.add("GET", "/ping/{name}", lambda req: Response(200, {"pong": req.path_params["name"]}))
    app = App(router)
    with SandboxServer(app) as server:
        port = server.port
        assert httpx.get(server.base_url + "/ping/x").json() == {"pong": "x"}
        assert app.recorded()[0].status == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/ping/x", timeout=1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # free again
    for host in ("0.0.0.0", "192.168.1.5", "example.com"):
        with pytest.raises(ValueError, match="loopback"):
            SandboxServer(app, host=host)


def test_golive_sandbox_cli_serves_then_stops_on_ctrl_c() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive_tui", "sandbox", "--provider", "metronome"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("Ctrl-C"):
            line = proc.stdout.readline()
            assert line, "the sandbox exited before printing its banner"
            lines.append(line)
        url = lines[0].split()[-1]
        token = lines[1].split()[-1]
        assert url.startswith("http://127.0.0.1:")
        resp = httpx.get(url + "/v1/customers", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200 and len(resp.json()["data"]) == 3
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    banner = "".join(lines)
    assert "GOLIVE_SANDBOX_TOKEN" in banner and "--token-env" in banner and "nimbus-test" in banner
    assert "golive check" in banner and token not in banner.split("golive check")[1]
    assert "sandbox stopped" in rest and "Traceback" not in err
