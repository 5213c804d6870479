"""Flexprice's cheap re-read (core/recheck.py `ConfigReader`): read-only, one or two
requests a piece, through the endpoints the probes read and the snapshot builders
they used (probes/fingerprints.py), so an unchanged account compares equal."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from golive_tui.core.fingerprint import Snapshot
from golive_tui.core.probes.common import utc_now
from golive_tui.core.probes.http import ApiClient, ApiError
from golive_tui.core.state import Target
from golive_tui.providers.flexprice.environment import environment_id, read_environment
from golive_tui.providers.flexprice.probes.fingerprints import (
    METER,
    PLAN,
    SETTING,
    SUBSCRIPTION,
    meter_snapshot,
    plan_snapshot,
    prices_in_force,
    setting_snapshot,
    subscription_snapshot,
)


def _external_id(target: Target) -> str:
    """The test customer as the probes take it (steps.customer_ref)."""
    return (target.customer_id or str(target.settings.get("customer_id", ""))).strip()


async def _customer(api: ApiClient, ext: str) -> dict[str, Any] | None:
    """GET /v1/customers/external/{id}, as the probes' customer step; None on 404."""
    try:
        resp = await api.request(
            "GET", f"/v1/customers/external/{quote(ext, safe='')}", expect="object", keys=("id",)
        )
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise
    return resp.body if isinstance(resp.body, dict) else None


async def _subscriptions(api: ApiClient, ext: str) -> list[dict[str, Any]]:
    """The customer's subscriptions as lookups._subscriptions reads them. The server lists
    only active and trialing ones (ee/service/subscription.go GetSubscriptionsForCustomer),
    so a cancelled subscription is gone: "no longer exists"."""
    resp = await api.request(
        "GET",
        f"/v1/customers/external/{quote(ext, safe='')}/subscriptions",
        params={"expand": "subscription_line_items"},
        expect="object",
        keys=("items",),
    )
    items = resp.body.get("items") if isinstance(resp.body, dict) else None
    return [s for s in items or [] if isinstance(s, dict)]


class FlexpriceReader:
    async def account(self, api: ApiClient, target: Target) -> dict[str, str]:
        """Environment id, type and tenant, and the test customer's id when one is set.

        Not its name: a renamed customer is the same account (the probes record the
        name for the review, and the re-read compares only facts both sides give)."""
        facts: dict[str, str] = {}
        ext = _external_id(target)
        customer = await _customer(api, ext) if ext else None
        if customer is not None:
            env_id, tenant = customer.get("environment_id"), customer.get("tenant_id")
            facts["customer id"] = str(customer.get("id") or "")
        else:
            if ext:  # the customer the passes were bound to is gone from this environment
                facts["customer id"] = f"none with external id {ext!r}"
            resp = await api.request(
                "POST",
                "/v1/customers/search",
                json_body={"limit": 1},
                expect="object",
                keys=("items",),
            )
            items = resp.body["items"]
            env_id = environment_id(items)
            tenant = items[0].get("tenant_id") if env_id else None
        if env_id:
            facts["environment id"] = str(env_id)
            body = await read_environment(api, str(env_id))
            facts["environment type"] = str(body.get("type") or "").strip().lower()
        if tenant:
            facts["tenant id"] = str(tenant)
        return {k: v for k, v in facts.items() if v}

    async def snapshot(self, api: ApiClient, target: Target, old: Snapshot) -> Snapshot | None:
        if old.kind == METER:
            return await self._meter(api, old.ref)
        if old.kind in (SUBSCRIPTION, PLAN):
            ext = _external_id(target)
            if not ext:
                raise ApiError(f"no test customer is set to find {old.label} through")
            subs = await _subscriptions(api, ext)
            if old.kind == SUBSCRIPTION:
                sub = next((s for s in subs if str(s.get("id")) == old.ref), None)
                return subscription_snapshot(sub) if sub is not None else None
            return await self._plan(api, subs, old.ref, target)
        if old.kind == SETTING:
            return await self._setting(api, old.ref)
        raise ApiError(f"golive does not know how to re-read a Flexprice {old.kind}")

    async def _setting(self, api: ApiClient, key: str) -> Snapshot:
        # as the grace-period probe reads it: 404 means nothing stored, the defaults apply
        try:
            resp = await api.request(
                "GET", f"/v1/settings/{quote(key, safe='')}", expect="object", keys=("value",)
            )
        except ApiError as exc:
            if exc.status == 404:
                return setting_snapshot(key, None)
            raise
        value = resp.body["value"]
        if not isinstance(value, dict):
            raise ApiError(f"GET /v1/settings/{key} answered without a readable value")
        return setting_snapshot(key, value)

    async def _meter(self, api: ApiClient, meter_id: str) -> Snapshot | None:
        # The probes read meters through the features they meter (lookups._meters).
        resp = await api.request(
            "POST",
            "/v1/features/search",
            json_body={"meter_ids": [meter_id], "expand": "meters", "limit": 10},
            expect="object",
            keys=("items",),
        )
        for feature in resp.body.get("items") or []:
            meter = feature.get("meter") if isinstance(feature, dict) else None
            if isinstance(meter, dict) and str(meter.get("id")) == meter_id:
                return meter_snapshot(meter)
        return None

    async def _plan(
        self, api: ApiClient, subs: list[dict[str, Any]], plan_id: str, target: Target
    ) -> Snapshot | None:
        live = [
            s
            for s in subs
            if str(s.get("plan_id")) == plan_id
            and str(s.get("subscription_status", "")).lower() in ("active", "trialing")
        ]
        if not live:
            return None  # the customer is no longer billed on this plan
        wanted = target.settings.get("plan_id")
        sub = next((s for s in live if not wanted or s.get("plan_id") == wanted), live[0])
        resp = await api.request(
            "GET",
            f"/v1/subscriptions/{quote(str(sub['id']), safe='')}",
            expect="object",
            keys=("id",),
        )
        full = resp.body if isinstance(resp.body, dict) else {}
        return plan_snapshot(full, prices_in_force(full, utc_now()))


READER = FlexpriceReader()
