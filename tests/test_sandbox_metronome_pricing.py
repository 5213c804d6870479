"""The Metronome sandbox prices the way contracts price, over real HTTP on loopback.

Shapes checked against the official spec (tests/spec_check.py) and modelled on
`#S/ContractRateSchedule`, `#S/InvoiceLineItem` (lowercase `type` values, negative
`applied_commit_or_credit` lines, POSTPAID applications outside the total),
`#S/PreviewEventsPayload` and the SDK's `contract_retrieve_rate_schedule_response.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox
from golive_tui.providers.metronome.sandbox.state import iso, sid
from spec_check import request_errors, response_errors

TOKEN = "sandbox-pricing-token"
D = Decimal


class Sb:
    def __init__(self, *variants: str) -> None:
        self.app = MetronomeSandbox(TOKEN, variants=variants, rate_limit=1000.0)
        self.server = SandboxServer(self.app).start()
        self.http = httpx.Client(
            base_url=self.server.base_url, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert self.app.demo is not None
        self.demo = self.app.demo

    def call(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        assert request_errors("metronome", method, path, params, body) == []
        resp = self.http.request(method, path, params=params, json=body)
        assert resp.status_code == 200, resp.text
        out = json.loads(resp.content, parse_float=Decimal)
        assert response_errors("metronome", method, path, 200, out) == []
        return out

    def schedule(self, contract_id: str | None = None, **body: Any) -> list[dict[str, Any]]:
        body = {
            "customer_id": self.demo.customer_id,
            "contract_id": contract_id or self.demo.contract_id,
            **body,
        }
        return self.call("POST", "/v1/contracts/getContractRateSchedule", body)["data"]

    def drafts(self) -> list[dict[str, Any]]:
        path = f"/v1/customers/{self.demo.customer_id}/invoices"
        return self.call("GET", path, status="DRAFT")["data"]

    def usage_draft(self, contract_id: str | None = None) -> dict[str, Any]:
        cid = contract_id or self.demo.contract_id
        [inv] = [i for i in self.drafts() if i["type"] == "USAGE" and i["contract_id"] == cid]
        return inv


@pytest.fixture
def make() -> Iterator[Callable[..., Sb]]:
    started: list[Sb] = []

    def start(*variants: str) -> Sb:
        started.append(Sb(*variants))
        return started[-1]

    yield start
    for sb in started:
        sb.http.close()
        sb.server.stop()


def _row(rows: list[dict[str, Any]], product_id: str) -> dict[str, Any]:
    [row] = [r for r in rows if r["product_id"] == product_id]
    return row


def test_contract_rate_schedule_applies_overwrites_and_the_lowest_multiplier(make) -> None:
    sb = make("overrides")
    d = sb.demo
    rows = sb.schedule()
    inp = _row(rows, d.input_tokens_product_id)
    # 0.9× and 0.8× both apply: LOWEST_MULTIPLIER (the default) takes 0.8×.
    assert [t["price"] for t in inp["override_rate"]["tiers"]] == [
        D("0.00024"),
        D("0.0002"),
        D("0.00016"),
    ]
    assert [t["price"] for t in inp["list_rate"]["tiers"]] == [
        D("0.0003"),
        D("0.00025"),
        D("0.0002"),
    ]
    out = _row(rows, d.output_tokens_product_id)["override_rate"]
    assert out == {
        "rate_type": "TIERED",
        "credit_type": out["credit_type"],
        "tiers": [{"size": 500000, "price": D("0.001")}, {"price": D("0.0007")}],
    }
    assert _row(rows, d.api_requests_product_id)["override_rate"]["price"] == D("0.008")
    assert "override_rate" not in _row(rows, d.platform_fee_product_id)
    # The draft is priced at the override, not the list rate.
    [line] = [
        li for li in sb.usage_draft()["line_items"] if li["product_id"] == d.api_requests_product_id
    ]
    assert line["unit_price"] == D("0.008") and line["total"] == line["quantity"] * D("0.008")


def test_contract_rate_schedule_pages_selects_and_honours_at(make) -> None:
    sb = make("overrides")
    d = sb.demo
    everything = sb.schedule()
    path = "/v1/contracts/getContractRateSchedule"
    body = {"customer_id": d.customer_id, "contract_id": d.contract_id}
    seen, cursor = [], None
    while True:
        params = {"limit": "1", **({"next_page": cursor} if cursor else {})}
        page = sb.call("POST", path, body, **params)
        seen += page["data"]
        cursor = page["next_page"]
        if not cursor:
            break
    assert seen == everything and len(seen) == 4
    picked = sb.schedule(
        selectors=[{"product_id": d.api_requests_product_id}, {"product_tags": ["llm"]}]
    )
    assert {r["product_id"] for r in picked} == {
        d.api_requests_product_id,
        d.input_tokens_product_id,
        d.output_tokens_product_id,
    }
    assert (
        sb.schedule(selectors=[{"billing_frequency": "monthly"}])[0]["product_id"]
        == d.platform_fee_product_id
    )
    long_ago = datetime.now(UTC) - timedelta(days=120)
    assert sb.schedule(at=iso(long_ago)) == []  # before the rates start


def test_commits_and_credits_are_their_own_negative_lines(make) -> None:
    with_credit = make("credits")
    listed = with_credit.call(
        "POST", "/v2/contracts/list", {"customer_id": with_credit.demo.customer_id}
    )["data"]
    assert [c["type"] for c in listed[0]["credits"]] == ["CREDIT"]
    credited = with_credit.usage_draft()
    credits = [li for li in credited["line_items"] if li["type"] == "applied_commit_or_credit"]
    assert credits and all(li["applied_commit_or_credit"]["type"] == "CREDIT" for li in credits)
    assert all(li["total"] < 0 and li["product_id"] for li in credits)  # one per product
    assert credited["total"] == sum(li["total"] for li in credited["line_items"])
    sb = make("commits")
    d = sb.demo
    inv = sb.usage_draft()
    by_type: dict[str, list[dict[str, Any]]] = {}
    for li in inv["line_items"]:
        by_type.setdefault(li["type"], []).append(li)
    applied = by_type["applied_commit_or_credit"]
    assert all(li["total"] < 0 for li in applied)
    kinds = {li["applied_commit_or_credit"]["type"] for li in applied}
    assert kinds == {"PREPAID", "POSTPAID"}
    # Postpaid applications are paid in arrears: not part of the total.
    billed = [
        li
        for li in inv["line_items"]
        if li.get("applied_commit_or_credit", {}).get("type") != "POSTPAID"
    ]
    assert inv["total"] == sum(li["total"] for li in billed)
    # Usage drawn from the COMMIT_RATE commit is priced at the commit rate and says so.
    [inp] = [li for li in by_type["usage"] if li["product_id"] == d.input_tokens_product_id]
    assert inp["commit_id"] == sid("commit", "prepaid-tokens")
    rate = _row(sb.schedule(), d.input_tokens_product_id)
    assert rate["commit_rate"]["tiers"][0]["price"] == D("0.0003") * D("0.85")
    # The postpaid commit's true-up is a SCHEDULED draft with a postpaid_commit line.
    [trueup] = [i for i in sb.drafts() if i["type"] == "SCHEDULED"]
    [line] = trueup["line_items"]
    assert line["postpaid_commit"]["id"] == line["commit_id"] and line["total"] > 0
    contract = sb.call("POST", "/v2/contracts/list", {"customer_id": d.customer_id})["data"][0]
    assert {c["type"] for c in contract["commits"]} == {"PREPAID", "POSTPAID"}


def test_several_contracts_have_one_invoice_each_and_covering_date_misses_the_renewal(make) -> None:
    sb = make("several-contracts")
    d = sb.demo
    everything = sb.call("POST", "/v2/contracts/list", {"customer_id": d.customer_id})["data"]
    names = [k["name"] for k in everything]
    assert names == [
        "Nimbus Labs — EU pilot",
        "Nimbus Labs — Standard 2026",
        "Nimbus Labs — Growth 2027",
    ]
    now = sb.call(
        "POST",
        "/v2/contracts/list",
        {"customer_id": d.customer_id, "covering_date": iso(datetime.now(UTC))},
    )["data"]
    assert "Nimbus Labs — Growth 2027" not in [k["name"] for k in now]  # starts later today
    usage = [i for i in sb.drafts() if i["type"] == "USAGE"]
    assert sorted(i["contract_id"] for i in usage) == sorted(k["id"] for k in everything[:2])
    pilot = sb.usage_draft(everything[0]["id"])
    [inp] = [li for li in pilot["line_items"] if li["product_id"] == d.input_tokens_product_id]
    assert inp["quantity"] == 104_000  # only the eu-pilot events reach the pilot contract


def test_pricing_groups_have_a_rate_per_value_and_other_values_go_unpriced(make) -> None:
    sb = make("pricing-groups")
    d = sb.demo
    rows = [r for r in sb.schedule() if r["product_id"] == d.input_tokens_product_id]
    assert sorted(r["pricing_group_values"]["model"] for r in rows) == [
        "atlas-2-mini",
        "atlas-2-pro",
        "atlas-embed-1",
    ]
    exact = sb.schedule(selectors=[{"pricing_group_values": {"model": "atlas-2-pro"}}])
    assert [r["pricing_group_values"] for r in exact] == [{"model": "atlas-2-pro"}]
    lines = [
        li for li in sb.usage_draft()["line_items"] if li["product_id"] == d.input_tokens_product_id
    ]
    assert {li["pricing_group_values"]["model"] for li in lines} == {
        "atlas-2-mini",
        "atlas-2-pro",
        "atlas-embed-1",
    }
    body = {
        "events": [
            {
                "event_type": "llm.completion",
                "properties": {"model": "golive-test", "project_id": "p", "input_tokens": "1000"},
            }
        ]
    }
    [preview] = sb.call("POST", f"/v1/customers/{d.customer_id}/previewEvents", body)["data"]
    priced = [li for li in preview["line_items"] if li["product_id"] == d.input_tokens_product_id]
    assert all(li["quantity"] == 0 for li in priced)  # no rate for this model: not priced


def test_preview_events_prices_without_writing(make) -> None:
    sb = make()
    d = sb.demo
    before = len(sb.app.account.events)
    ev = {
        "event_type": "api.request",
        "properties": {"endpoint": "/v1/x"},
        "transaction_id": "preview-1",
    }
    [inv] = sb.call(
        "POST",
        f"/v1/customers/{d.customer_id}/previewEvents",
        {"events": [ev, {**ev, "transaction_id": "preview-2"}]},
    )["data"]
    [req] = [li for li in inv["line_items"] if li["product_id"] == d.api_requests_product_id]
    assert req["quantity"] == 2 and req["total"] == D("0.02")  # replace: only these events
    assert inv["status"] == "DRAFT" and inv["contract_id"] == d.contract_id
    merged = sb.call(
        "POST", f"/v1/customers/{d.customer_id}/previewEvents", {"events": [ev], "mode": "merge"}
    )["data"][0]
    [req] = [li for li in merged["line_items"] if li["product_id"] == d.api_requests_product_id]
    assert req["quantity"] == 13  # the 12 seeded requests this month plus this one
    assert len(sb.app.account.events) == before
    dup = sb.http.post(f"/v1/customers/{d.customer_id}/previewEvents", json={"events": [ev, ev]})
    assert dup.status_code == 400 and "duplicate" in dup.text
