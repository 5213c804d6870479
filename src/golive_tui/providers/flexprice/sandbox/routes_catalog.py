"""The Flexprice sandbox's catalogue routes: features (ref §4), customers and
their subscriptions (ref §5), and plans (ref §6)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from golive_tui.core.sandbox.asgi import Request, Response
from golive_tui.providers.flexprice.sandbox.routes_common import (
    SUBSCRIPTIONS_FOR_CUSTOMER,
    FlexpriceRoutes,
    not_found,
    validate_expand,
)


class CatalogRoutes(FlexpriceRoutes):
    # --- features (ref §4) ---

    def _features(self, body: Mapping[str, Any], expand: set[str]) -> list[dict[str, Any]]:
        ids = self._strings(body, "feature_ids")
        meter_ids = self._strings(body, "meter_ids")
        keys = self._strings(body, "lookup_keys") or []
        if self._string(body, "lookup_key"):
            keys.append(str(body["lookup_key"]))
        contains = (self._string(body, "name_contains") or "").lower()
        with_meters = bool(expand & {"meters", "meter"})
        return [
            f.to_api(self.account, expand_meter=with_meters)
            for f in self.account.features.values()
            if (ids is None or f.id in ids)
            and (meter_ids is None or f.meter_id in meter_ids)
            and (not keys or f.lookup_key in keys)
            and contains in f.name.lower()
        ]

    def search_features(self, request: Request) -> Response:
        body = self._body(request, optional=True)
        limit, offset = self._window(body.get("limit"), body.get("offset"))
        items = self._features(body, self._expand(body.get("expand")))
        return Response(200, self._page(items, limit, offset))

    def list_features(self, request: Request) -> Response:
        limit, offset = self._query_window(request)
        q: dict[str, Any] = {}
        if request.values("feature_ids"):
            q["feature_ids"] = request.values("feature_ids")
        if request.query.get("lookup_key"):
            q["lookup_key"] = request.query["lookup_key"]
        items = self._features(q, self._expand(request.query.get("expand")))
        return Response(200, self._page(items, limit, offset))

    # --- customers (ref §5) ---

    def _customers(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        ext = self._string(body, "external_id")
        exts = self._strings(body, "external_ids")
        ids = self._strings(body, "customer_ids")
        email = self._string(body, "email")
        return [
            c.to_api(self.account)
            for c in self.account.customers.values()
            if c.status == "published"
            and (not ext or c.external_id == ext)
            and (exts is None or c.external_id in exts)
            and (ids is None or c.id in ids)
            and (not email or c.email == email)
        ]

    def search_customers(self, request: Request) -> Response:
        body = self._body(request, optional=True)
        limit, offset = self._window(body.get("limit"), body.get("offset"))
        return Response(200, self._page(self._customers(body), limit, offset))

    def list_customers(self, request: Request) -> Response:
        limit, offset = self._query_window(request)
        q: dict[str, Any] = {}
        if request.query.get("external_id"):
            q["external_id"] = request.query["external_id"]
        return Response(200, self._page(self._customers(q), limit, offset))

    def customer_by_external(self, request: Request) -> Response:
        c = self._customer_by_external(request.path_params["external_id"])
        return Response(200, c.to_api(self.account))

    def get_customer(self, request: Request) -> Response:
        cid = request.path_params["id"]
        c = self.account.customers.get(cid)
        if c is None or c.status != "published":
            raise not_found(f"Customer with ID {cid} was not found")
        return Response(200, c.to_api(self.account))

    def customer_subscriptions(self, request: Request) -> Response:
        c = self._customer_by_external(request.path_params["external_id"])
        expand = self._expand(request.query.get("expand"))
        # internal/ee/service/subscription.go GetSubscriptionsForCustomer validates first
        validate_expand(expand, SUBSCRIPTIONS_FOR_CUSTOMER)
        items = [
            self._sub_api(s, expand, line_items=False) for s in self.account.subscriptions_of(c.id)
        ]
        pagination = {"total": len(items), "limit": len(items), "offset": 0}
        return Response(200, {"items": items, "pagination": pagination})

    # --- plans (ref §6) ---

    def search_plans(self, request: Request) -> Response:
        body = self._body(request, optional=True)
        limit, offset = self._window(body.get("limit"), body.get("offset"))
        expand = self._expand(body.get("expand"))
        ids = self._strings(body, "plan_ids")
        key = self._string(body, "lookup_key")
        items = [
            p.to_api(
                self.account,
                with_prices=bool(expand & {"prices", "prices.meters", "meters"}),
                expand_meters=bool(expand & {"prices.meters", "meters"}),
            )
            for p in self.account.plans.values()
            if (ids is None or p.id in ids) and (not key or p.lookup_key == key)
        ]
        return Response(200, self._page(items, limit, offset))

    def get_plan(self, request: Request) -> Response:
        pid = request.path_params["id"]
        plan = self.account.plans.get(pid)
        if plan is None:
            raise not_found(f"Plan with ID {pid} was not found")
        return Response(200, plan.to_api(self.account, with_prices=True, expand_meters=True))
