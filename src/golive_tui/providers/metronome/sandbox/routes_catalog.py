"""The Metronome sandbox's catalogue routes: customers, billable metrics, products,
rate cards with their rates, contracts, and the services (IP) list."""

from __future__ import annotations

from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.providers.metronome.sandbox.routes_common import MetronomeRoutes
from golive_tui.providers.metronome.sandbox.values import WEBHOOK_IPS, is_uuid, iso


class CatalogRoutes(MetronomeRoutes):
    def list_customers(self, request: Request) -> Response:
        customers = list(self.account.customers.values())
        only_archived = self._flag(request, "only_archived")
        customers = [c for c in customers if (c.archived_at is not None) == only_archived]
        alias = request.query.get("ingest_alias")
        if alias is not None:
            customers = [c for c in customers if alias in c.ingest_aliases]
        ids = request.values("customer_ids")
        if ids:
            customers = [c for c in customers if c.id in ids]
        return Response(200, self._page(request, [c.to_api() for c in customers]))

    def get_customer(self, request: Request) -> Response:
        c = self._customer(request.path_params["customer_id"])
        return Response(200, {"data": c.to_api()})

    def customer_metrics(self, request: Request) -> Response:
        c = self._customer(request.path_params["customer_id"])
        include_archived = self._flag(request, "include_archived")
        self._flag(request, "on_current_plan")
        ids: list[str] = []
        for k in self.account.contracts_of(c.id):
            card = self.account.rate_cards.get(k.rate_card_id)
            for rate in card.rates if card else []:
                p = self.account.products.get(rate.product_id)
                if p and p.billable_metric_id and p.billable_metric_id not in ids:
                    ids.append(p.billable_metric_id)
        metrics = [self.account.metrics[i] for i in ids if i in self.account.metrics]
        metrics = [m for m in metrics if include_archived or m.archived_at is None]
        return Response(200, self._page(request, [m.to_api(deprecated=True) for m in metrics]))

    def list_metrics(self, request: Request) -> Response:
        include_archived = self._flag(request, "include_archived")
        metrics = [
            m.to_api()
            for m in self.account.metrics.values()
            if include_archived or m.archived_at is None
        ]
        return Response(200, self._page(request, metrics))

    def get_metric(self, request: Request) -> Response:
        m = self._metric(request.path_params["billable_metric_id"])
        return Response(200, {"data": m.to_api()})

    def list_products(self, request: Request) -> Response:
        body = self._body(request, optional=True)
        which = str(body.get("archive_filter", "NOT_ARCHIVED")).upper()
        if which not in ("ARCHIVED", "NOT_ARCHIVED", "ALL"):
            raise HttpError(400, "archive_filter must be ARCHIVED, NOT_ARCHIVED or ALL")
        products = [
            p.to_api()
            for p in self.account.products.values()
            if which == "ALL" or (p.archived_at is not None) == (which == "ARCHIVED")
        ]
        return Response(200, self._page(request, products))

    def list_rate_cards(self, request: Request) -> Response:
        self._body(request, optional=True)
        cards = [c.to_api() for c in self.account.rate_cards.values()]
        return Response(200, self._page(request, cards))

    def get_rate_card(self, request: Request) -> Response:
        body = self._body(request)
        card_id = body.get("id")
        if not is_uuid(card_id):
            raise HttpError(400, "id: required, a rate card uuid")
        card = self.account.rate_cards.get(str(card_id))
        if card is None:
            raise HttpError(404, f"rate card {card_id} not found")
        return Response(200, {"data": card.to_api()})

    def get_rates(self, request: Request) -> Response:
        body = self._body(request)
        card_id = body.get("rate_card_id")
        if not is_uuid(card_id):
            raise HttpError(400, "rate_card_id: required, a rate card uuid")
        at = self._time(body.get("at"), "at")
        assert at is not None
        card = self.account.rate_cards.get(str(card_id))
        if card is None:
            raise HttpError(404, f"rate card {card_id} not found")
        selectors = body.get("selectors") or []
        wanted = {s.get("product_id") for s in selectors if isinstance(s, dict)} - {None}
        items = []
        for rate in card.rates:
            if not rate.active(at) or (wanted and rate.product_id not in wanted):
                continue
            product = self.account.products.get(rate.product_id)
            item: dict[str, Any] = {
                "product_id": rate.product_id,
                "product_name": product.name if product else "",
                "product_tags": list(product.tags) if product else [],
                "product_custom_fields": {},
                "starting_at": iso(rate.starting_at),
                "entitled": rate.entitled,
                "rate": rate.rate_api(),
            }
            if rate.ending_before is not None:
                item["ending_before"] = iso(rate.ending_before)
            if rate.billing_frequency:
                item["billing_frequency"] = rate.billing_frequency
            items.append(item)
        return Response(200, self._page(request, items))

    def list_contracts(self, request: Request) -> Response:
        body = self._body(request)
        customer_id = body.get("customer_id")
        if not is_uuid(customer_id):
            raise HttpError(400, "customer_id: required, a customer uuid")
        if customer_id not in self.account.customers:
            raise HttpError(400, f"customer {customer_id} not found", code="CustomerNotFound")
        if body.get("covering_date") is not None and body.get("starting_at") is not None:
            raise HttpError(400, "covering_date and starting_at cannot be combined")
        covering = self._time(body.get("covering_date"), "covering_date", required=False)
        starting = self._time(body.get("starting_at"), "starting_at", required=False)
        include_archived = bool(body.get("include_archived", False))
        out = []
        for k in self.account.contracts_of(customer_id):
            if k.archived_at is not None and not include_archived:
                continue
            if covering is not None and not k.covers(covering):
                continue
            if starting is not None and k.starting_at < starting:
                continue
            out.append(k.to_api())
        return Response(200, {"data": out})

    def services(self, request: Request) -> Response:
        return Response(
            200,
            {
                "services": [
                    {
                        "name": "webhooks",
                        "usage": "makes_connections_from",
                        "ips": list(WEBHOOK_IPS),
                    },
                    {
                        "name": "api (golive sandbox)",
                        "usage": "accepts_connections_at",
                        "ips": ["127.0.0.1"],
                    },
                ]
            },
        )
