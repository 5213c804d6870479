"""The sandboxes' create/archive/cancel/delete routes refuse what the real servers
refuse (real HTTP on loopback). Sources: metronome-python src/metronome/types/v1
(customer_create_params, contract_create_params, contract_archive_params,
customer_archive_params); flexprice/flexprice internal/api/dto (customer.go,
subscription.go), internal/ee/service (customer.go DeleteCustomer, subscription.go
CancelSubscription), internal/types/proration.go."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.providers.flexprice.sandbox.app import FlexpriceSandbox
from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox


@pytest.fixture
def flexprice() -> Iterator[tuple[FlexpriceSandbox, httpx.Client]]:
    token = "sk_" + secrets.token_hex(12)
    sb = FlexpriceSandbox(token)
    with (
        SandboxServer(sb) as srv,
        httpx.Client(base_url=srv.base_url, headers={"x-api-key": token}) as http,
    ):
        yield sb, http


@pytest.fixture
def metronome() -> Iterator[tuple[MetronomeSandbox, httpx.Client]]:
    token = "mt_" + secrets.token_hex(12)
    sb = MetronomeSandbox(token, rate_limit=1000.0)
    with (
        SandboxServer(sb) as srv,
        httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        yield sb, http


def _sub(customer_id: str, plan_id: str, **over: Any) -> dict[str, Any]:
    body = {
        "customer_id": customer_id,
        "plan_id": plan_id,
        "currency": "usd",
        "billing_period": "MONTHLY",
        "billing_cycle": "calendar",
    }
    return {**body, **over}


def test_flexprice_customer_create_validates_and_refuses_a_taken_external_id(
    flexprice: tuple[FlexpriceSandbox, httpx.Client],
) -> None:
    sb, http = flexprice
    missing = http.post("/v1/customers", json={"name": "no external id"})
    assert missing.status_code == 400 and missing.json()["code"] == "validation_error"
    taken = http.post(
        "/v1/customers", json={"external_id": sb.demo.customer_external_id, "name": "x"}
    )
    assert taken.status_code == 409 and taken.json()["code"] == "already_exists"


def test_flexprice_subscription_create_refuses_what_the_server_refuses(
    flexprice: tuple[FlexpriceSandbox, httpx.Client],
) -> None:
    sb, http = flexprice
    cid = http.post("/v1/customers", json={"external_id": "lc-1", "name": "lc"}).json()["id"]
    plan = sb.demo.plan_id
    no_cycle = {k: v for k, v in _sub(cid, plan).items() if k != "billing_cycle"}
    assert http.post("/v1/subscriptions", json=no_cycle).status_code == 400
    bad_period = http.post("/v1/subscriptions", json=_sub(cid, plan, billing_period="FORTNIGHT"))
    assert bad_period.status_code == 400
    assert http.post("/v1/subscriptions", json=_sub(cid, "plan_missing")).status_code == 404
    no_prices = http.post("/v1/subscriptions", json=_sub(cid, plan, currency="jpy"))
    assert no_prices.status_code == 400
    assert no_prices.json()["message"] == "No prices match the subscription criteria"
    made = http.post("/v1/subscriptions", json=_sub(cid, plan))
    assert made.status_code == 201 and made.json()["subscription_status"] == "active"


def test_flexprice_cancel_then_delete_in_that_order_only(
    flexprice: tuple[FlexpriceSandbox, httpx.Client],
) -> None:
    sb, http = flexprice
    cid = http.post("/v1/customers", json={"external_id": "lc-2", "name": "lc"}).json()["id"]
    sub = http.post("/v1/subscriptions", json=_sub(cid, sb.demo.plan_id)).json()["id"]
    refused = http.delete(f"/v1/customers/{cid}")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_operation"
    assert "cancel all subscriptions" in refused.json()["message"]
    no_type = http.post(f"/v1/subscriptions/{sub}/cancel", json={})
    assert no_type.status_code == 400
    assert "immediate, end_of_period, or scheduled_date" in no_type.json()["message"]
    body = {"cancellation_type": "immediate", "cancel_immediately_inovice_policy": "skip"}
    done = http.post(f"/v1/subscriptions/{sub}/cancel", json=body)
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    again = http.post(f"/v1/subscriptions/{sub}/cancel", json=body)
    assert again.status_code == 400 and "already cancelled" in again.json()["message"]
    assert http.delete(f"/v1/customers/{cid}").status_code == 204
    assert http.get(f"/v1/customers/{cid}").status_code == 404
    assert http.get("/v1/customers/external/lc-2").status_code == 404
    assert http.delete(f"/v1/customers/{cid}").status_code == 404


def test_metronome_customer_create_validates_and_aliases_stay_taken(
    metronome: tuple[MetronomeSandbox, httpx.Client],
) -> None:
    sb, http = metronome
    assert http.post("/v1/customers", json={"ingest_aliases": ["x"]}).status_code == 400
    taken = http.post("/v1/customers", json={"name": "x", "ingest_aliases": ["nimbus-test"]})
    assert taken.status_code == 409
    made = http.post("/v1/customers", json={"name": "lc", "ingest_aliases": ["lc-alias"]})
    assert made.status_code == 200
    cid = made.json()["data"]["id"]
    body = {"customer_id": cid, "starting_at": "2026-01-01T00:00:00Z"}
    kid = http.post("/v1/contracts/create", json=body).json()["data"]["id"]
    assert http.post("/v1/customers/archive", json={"id": cid}).status_code == 200
    assert sb.account.contracts[kid].archived_at is not None  # its contracts go with it
    # archived: gone from the default list and from alias lookups, the alias still taken
    assert http.get("/v1/customers", params={"ingest_alias": "lc-alias"}).json()["data"] == []
    again = http.post("/v1/customers", json={"name": "lc2", "ingest_aliases": ["lc-alias"]})
    assert again.status_code == 409
    assert sb.account.customer_for("lc-alias") is None  # ingest no longer resolves to it


def test_metronome_contracts_create_and_archive_validate(
    metronome: tuple[MetronomeSandbox, httpx.Client],
) -> None:
    sb, http = metronome
    cid = http.post("/v1/customers", json={"name": "lc", "ingest_aliases": ["lc-c"]}).json()[
        "data"
    ]["id"]
    start = "2026-01-01T00:00:00Z"
    assert http.post("/v1/contracts/create", json={"customer_id": cid}).status_code == 400
    unknown_card = {"customer_id": cid, "starting_at": start, "rate_card_id": cid}
    assert http.post("/v1/contracts/create", json=unknown_card).status_code == 404
    body = {"customer_id": cid, "starting_at": start, "rate_card_id": sb.demo.rate_card_id}
    made = http.post("/v1/contracts/create", json={**body, "uniqueness_key": "k1"})
    assert made.status_code == 200
    dup = http.post("/v1/contracts/create", json={**body, "uniqueness_key": "k1"})
    assert dup.status_code == 409
    kid = made.json()["data"]["id"]
    no_void = {"customer_id": cid, "contract_id": kid}
    assert http.post("/v1/contracts/archive", json=no_void).status_code == 400
    archived = http.post("/v1/contracts/archive", json={**no_void, "void_invoices": False})
    assert archived.status_code == 200
    listed = http.post("/v2/contracts/list", json={"customer_id": cid}).json()["data"]
    assert kid not in {c["id"] for c in listed}
    assert sb.account.invoices(cid, sb.now()) == []  # its draft invoices are cancelled
