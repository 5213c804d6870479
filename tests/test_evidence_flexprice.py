"""Flexprice results bound to the account and configuration they verified (issue #11).

Every probe runs against the Flexprice sandbox over loopback HTTP; its results go into
a State (saved as TOML and read back); then the cheap re-read (core/recheck.py through
providers/flexprice/recheck.py) compares what they rest on with the account as it is
now. The account changes only the way the real server lets it change
(sandbox/routes_changes.py cites the server files), or directly where no API can.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import spec_check
from golive_tui.core.checklist import Checklist
from golive_tui.core.checklist import load as load_checklist
from golive_tui.core.probes import engine
from golive_tui.core.probes.engine import ProbeResult, Runner
from golive_tui.core.recheck import Recheck, recheck
from golive_tui.core.redact import Secret
from golive_tui.core.review import Standing, review
from golive_tui.core.sandbox.asgi import Request, Response
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.state import State, Target
from golive_tui.core.state import read as read_state
from golive_tui.providers.flexprice.dialect import FLEXPRICE
from golive_tui.providers.flexprice.sandbox.app import VARIANTS, FlexpriceSandbox
from golive_tui.providers.flexprice.sandbox.state import ENVIRONMENT_ID, TENANT_ID

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"golive-test-webhook-secret-bytes").decode()
CHECKLIST: Checklist = load_checklist("flexprice")
PREVIEW = "invoicing.test-invoice"  # invoice-preview: rests on the plan, a meter, the account
EVENT_NAMES = "catalog.event-names"  # event-names: rests on the meters the app's events hit
SUBSCRIPTION = "customers.subscriptions"  # customer-subscription
AUTH = "environment.auth-header-base-url"  # auth: the key's environment (not a prod-only item)
GRACE = "invoicing.grace-period"  # grace-period: rests on the subscription_config setting


class DownSandbox(FlexpriceSandbox):
    """The sandbox, with a switch that makes every API answer 503."""

    down = False

    async def handle(self, request: Request) -> Response:
        if self.down and request.path.startswith("/v1/"):
            raise self.unavailable()
        return await super().handle(request)


class Sandbox:
    def __init__(self, variants: tuple[str, ...] = ()) -> None:
        self.token = "sk_" + secrets.token_hex(13).upper()
        self.app = DownSandbox(self.token, variants=variants, webhook_secret=WEBHOOK_SECRET)
        self.server = SandboxServer(self.app).start()
        self.url = self.server.base_url

    def target(self) -> Target:
        settings = self.app.target_settings(self.url)
        return Target(
            provider="flexprice",
            environment="sandbox",
            base_url=self.url,
            customer_id=settings["customer_id"],
            operator="tests",
            settings=settings,
        )

    async def passed_state(self, tmp: Path) -> State:
        """Every probe run, its results kept in a state file, read back from disk."""
        runner = Runner(
            target=self.target(),
            token=Secret(self.token),
            dialect=FLEXPRICE,
            webhook_secret=Secret(WEBHOOK_SECRET),
        )
        results: dict[str, ProbeResult] = {
            r.probe: r for r in await runner.run(list(engine.specs_for("flexprice").values()))
        }
        failing = {k: r.summary for k, r in results.items() if r.status != "pass"}
        assert not failing, failing
        state = State.new(CHECKLIST, "flexprice", self.target())
        for item in CHECKLIST.items():
            record = results[item.probe].to_record() if item.probe in results else None
            if record is not None:
                state.add_probe_result(item.id, record, item.fingerprint)
        path = tmp / "golive-state.toml"
        path.write_text(state.to_toml())
        return read_state(path)

    async def reread(self, state: State) -> Recheck:
        return await recheck(CHECKLIST, state, Secret(self.token), Secret(WEBHOOK_SECRET))

    def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """A request the real API accepts (where the spec has the route), answered as the
        spec documents."""
        documented = not path.startswith(("/v1/meters/", "/v1/settings/"))  # not in the spec
        if documented:
            assert spec_check.request_errors("flexprice", method, path, {}, body) == []
        resp = httpx.request(
            method, self.url + path, json=body, headers={"x-api-key": self.token}, timeout=5
        )
        if documented:
            answer = resp.json()
            assert (
                spec_check.response_errors("flexprice", method, path, resp.status_code, answer)
                == []
            )
        return resp


@pytest.fixture
def make() -> Iterator[Any]:
    started: list[Sandbox] = []

    def start(*variants: str) -> Sandbox:
        sb = Sandbox(variants)
        started.append(sb)
        return sb

    yield start
    for sb in started:
        sb.server.stop()


def standing(state: State, drift: dict[str, str], item: str) -> tuple[Standing, str]:
    judged = review(CHECKLIST, state, drift=drift).of(item)
    return judged.standing, judged.stale


# --- what a pass records -------------------------------------------------------------


async def test_results_record_the_account_and_the_configuration_they_rest_on(
    make, tmp_path: Path
) -> None:
    sb = make()
    state = await sb.passed_state(tmp_path)
    auth = state.item(AUTH).latest
    assert auth is not None
    assert auth.account["environment id"] == ENVIRONMENT_ID
    assert auth.account["environment type"] == "development"  # GET /v1/environments/{id}
    assert auth.account["tenant id"] == TENANT_ID
    preview = state.item(PREVIEW).latest
    assert preview is not None
    demo = sb.app.demo
    assert demo is not None
    customer = sb.app.account.customer_by_external(demo.customer_external_id)
    assert customer is not None
    assert preview.account["customer id"] == customer.id
    assert preview.account["customer name"] == customer.name
    kinds = {(s.kind, s.ref) for s in preview.verified}
    sub = sb.app.account.subscriptions_of(customer.id)[0]
    assert ("plan", sub.plan_id) in kinds and ("subscription", sub.id) in kinds
    plan = next(s for s in preview.verified if s.kind == "plan")
    assert plan.name == sb.app.account.plans[sub.plan_id].name
    # values in words, amounts as decimal strings
    assert plan.values["LLM tokens tier 2 unit amount"] == "$0.0000015"
    assert plan.values["LLM tokens tier mode"] == "slab"
    assert plan.values["Platform fee amount"] == "$49.00"
    names = state.item(EVENT_NAMES).latest
    assert names is not None
    meters = [s for s in names.verified if s.kind == "meter"]
    assert {m.values["event name"] for m in meters} == {
        demo.tokens_event,
        demo.api_event,
        demo.storage_event,
    }


# --- (a) unchanged -------------------------------------------------------------------


async def test_an_unchanged_account_shows_no_drift_and_every_pass_stays_verified(
    make, tmp_path: Path
) -> None:
    sb = make()
    state = await sb.passed_state(tmp_path)
    again = await sb.reread(state)
    assert again.drift == {} and again.notes == [], again
    assert again.read >= 5  # meters, the plan, the subscription, the account
    assert "nothing changed" in again.summary
    for item in (PREVIEW, EVENT_NAMES, SUBSCRIPTION, AUTH):
        assert standing(state, again.drift, item)[0] is Standing.VERIFIED, item


@pytest.mark.parametrize("variant", VARIANTS)
async def test_each_healthy_variant_shows_no_drift_right_after_a_pass(
    make, tmp_path: Path, variant: str
) -> None:
    sb = make(variant)
    state = await sb.passed_state(tmp_path)
    again = await sb.reread(state)
    assert again.drift == {} and again.notes == [], again


# --- (b) a plan price changes ------------------------------------------------------


async def test_a_price_change_makes_the_invoice_result_stale_naming_the_plan_and_the_change(
    make, tmp_path: Path
) -> None:
    sb = make()
    state = await sb.passed_state(tmp_path)
    demo = sb.app.demo
    assert demo is not None
    price = sb.app.account.prices[demo.tokens_price_id]
    plan_name = sb.app.account.plans[price.plan_id].name
    tiers = [t.to_api() for t in price.tiers]
    tiers[1]["unit_amount"] = "0.0000012"
    # ee/service/price.go UpdatePrice: new tiers end this price and create another one
    # (from a minute ago: the probes read prices in force at whole seconds)
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    resp = sb.call("PUT", f"/v1/prices/{price.id}", {"tiers": tiers, "effective_from": since})
    assert resp.status_code == 200, resp.text
    assert resp.json()["id"] != price.id and resp.json()["parent_price_id"] == price.id
    # until the plan is synced the subscription still bills the ended price: that is drift too
    ended = await sb.reread(state)
    assert f"plan {plan_name!r} changed since this pass: LLM tokens ends" in ended.drift[PREVIEW]
    assert sb.call("POST", f"/v1/plans/{price.plan_id}/sync/subscriptions").status_code == 200
    again = await sb.reread(state)
    assert again.drift[PREVIEW] == (
        f"plan {plan_name!r} changed since this pass: LLM tokens tier 2 unit amount"
        " $0.0000015 → $0.0000012"
    )
    stale = (Standing.STALE, f"{again.drift[PREVIEW]}; re-run the probe")
    assert standing(state, again.drift, PREVIEW) == stale
    # customer-subscription rests on the subscription's terms, which did not change
    assert SUBSCRIPTION not in again.drift


async def test_the_sandbox_refuses_price_updates_the_real_server_refuses(make) -> None:
    sb = make()
    demo = sb.app.demo
    assert demo is not None
    path = f"/v1/prices/{demo.api_calls_price_id}"
    # dto/price.go UpdatePriceRequest.Validate
    resp = sb.call("PUT", path, {"effective_from": "2030-01-01T00:00:00Z"})
    assert resp.status_code == 400
    assert resp.json()["message"].startswith("When providing effective_from, you must also")
    assert resp.json()["code"] == "validation_error"
    assert sb.call("PUT", path, {"amount": "0.0005"}).status_code == 200
    # the old price is terminated now: a second critical change is refused
    again = sb.call("PUT", path, {"amount": "0.0006"})
    assert (
        again.status_code == 400 and again.json()["message"] == "Cannot update a terminated price"
    )
    assert sb.call("PUT", "/v1/prices/price_nope", {"amount": "1"}).status_code == 404


# --- (c) a meter changes ---------------------------------------------------------------


async def test_a_meter_filter_added_through_the_api_makes_event_names_stale_naming_the_meter(
    make, tmp_path: Path
) -> None:
    sb = make()
    state = await sb.passed_state(tmp_path)
    demo = sb.app.demo
    assert demo is not None
    meter = next(m for m in sb.app.account.meters.values() if m.event_name == demo.tokens_event)
    key = meter.filters[0][0]
    # ee/service/meter.go UpdateMeter: only filters, merged into the meter's own
    resp = sb.call("PUT", f"/v1/meters/{meter.id}", {"filters": [{"key": key, "values": ["x"]}]})
    assert resp.status_code == 200, resp.text
    again = await sb.reread(state)
    why = again.drift[EVENT_NAMES]
    assert why.startswith(f"meter {meter.name!r} changed since this pass: filters ")
    assert ", x]" in why
    assert standing(state, again.drift, EVENT_NAMES)[0] is Standing.STALE
    empty = sb.call("PUT", f"/v1/meters/{meter.id}", {"filters": []})
    assert empty.status_code == 400
    assert empty.json()["message"] == "At least one filter must be provided"


async def test_a_meter_aggregating_another_field_makes_its_results_stale(
    make, tmp_path: Path
) -> None:
    sb = make()
    state = await sb.passed_state(tmp_path)
    demo = sb.app.demo
    assert demo is not None
    meter = next(m for m in sb.app.account.meters.values() if m.event_name == demo.tokens_event)
    old_field = meter.agg_field
    # No API changes a meter's aggregation (dto/meter.go UpdateMeterRequest has filters
    # only): a direct edit stands for a meter re-created under the same id.
    meter.agg_field = "output_tokens"
    again = await sb.reread(state)
    assert again.drift[EVENT_NAMES] == (
        f"meter {meter.name!r} changed since this pass: aggregation field {old_field}"
        " → output_tokens"
    )
    assert standing(state, again.drift, PREVIEW)[0] is Standing.STALE


async def test_filters_merged_back_in_another_order_are_no_change(make, tmp_path: Path) -> None:
    sb = make()
    demo = sb.app.demo
    assert demo is not None
    # a second filter key, one the app's own sample events carry (sandbox/app.py)
    body = {"filters": [{"key": "project", "values": ["insights", "atlas"]}]}
    assert sb.call("PUT", f"/v1/meters/{demo.tokens_meter_id}", body).status_code == 200
    state = await sb.passed_state(tmp_path)
    # mergeFilters (ee/service/meter.go) rebuilds them through a Go map: any order
    for meter in sb.app.account.meters.values():
        meter.filters = [(k, list(reversed(v))) for k, v in reversed(meter.filters)]
    again = await sb.reread(state)
    assert again.drift == {} and again.notes == [], again


# --- (d) the key reaches another environment -------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "shown", "items"),
    [
        # only `auth` reads the environment's type (GET /v1/environments/{id}); the others
        # see the environment id every object carries, and are compared on that
        ("environment_type", "production", "environment type development → production", [AUTH]),
        ("environment_id", "env_01OTHER", f"environment id {ENVIRONMENT_ID} → env_01OTHER",
         [AUTH, SUBSCRIPTION, PREVIEW, EVENT_NAMES]),
    ],
)  # fmt: skip
async def test_a_key_reaching_another_environment_makes_results_stale_naming_it(
    make, tmp_path: Path, field: str, value: str, shown: str, items: list[str]
) -> None:
    sb = make()
    state = await sb.passed_state(tmp_path)
    # A key is bound to one environment: no API moves it, so the sandbox is edited.
    setattr(sb.app.account, field, value)
    again = await sb.reread(state)
    for item in items:
        why = again.drift[item]
        assert why == f"the token now reaches another account than this pass ran against: {shown}"
        assert standing(state, again.drift, item) == (Standing.STALE, f"{why}; re-run the probe")


# --- (e) the re-read cannot answer ------------------------------------------------------


async def test_a_re_read_that_gets_5xx_calls_nothing_changed_and_says_so(
    make, tmp_path: Path
) -> None:
    sb = make()
    state = await sb.passed_state(tmp_path)
    sb.app.down = True
    again = await sb.reread(state)
    assert again.drift == {}
    assert len(again.notes) == 1 and again.notes[0].startswith("could not re-read: ")
    assert "503" in again.notes[0]
    assert standing(state, again.drift, PREVIEW)[0] is Standing.VERIFIED


async def test_a_stopped_server_calls_nothing_changed_and_says_so(make, tmp_path: Path) -> None:
    sb = make()
    state = await sb.passed_state(tmp_path)
    sb.server.stop()
    again = await sb.reread(state)
    assert again.drift == {}
    assert again.notes and again.notes[0].startswith("could not re-read: ")


# --- an environment setting changes ---------------------------------------------------


async def test_a_changed_grace_period_makes_the_grace_period_result_stale(
    make, tmp_path: Path
) -> None:
    sb = make()
    state = await sb.passed_state(tmp_path)
    # ee/service/settings.go UpdateSettingByKey: the value is validated, then merged
    refused = sb.call(
        "PUT", "/v1/settings/subscription_config", {"value": {"grace_period_days": 0}}
    )
    assert refused.status_code == 400 and refused.json()["message"] == "Request validation failed"
    put = {"value": {"grace_period_days": 7}}
    resp = sb.call("PUT", "/v1/settings/subscription_config", put)
    assert resp.status_code == 200, resp.text
    assert resp.json()["value"] == {"grace_period_days": 7, "auto_cancellation_enabled": False}
    again = await sb.reread(state)
    assert again.drift[GRACE] == (
        "environment setting 'subscription_config' changed since this pass: grace period days 3 → 7"
    )
    assert standing(state, again.drift, GRACE)[0] is Standing.STALE
