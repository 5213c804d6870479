"""The Metronome sandbox's configuration changes, as a real account goes through them:

- `POST /v1/contract-pricing/rate-cards/addRate` (spec `#S/AddRatePayload`, answer
  `{"data": #S/RateWithCommitRate}`): a new rate from `starting_at`. Metronome's
  "schedule a rate change" guide does exactly this (the same product, a later
  `starting_at`, the new price), so the rate in force until then ends at that moment;
  a rate card is a price timeline, and what is billed is the rate in force at the time.
- `POST /v1/billable-metrics/archive` (spec `archiveBillableMetric-v1`, body `#S/Id`):
  the metric gets `archived_at`; it stays readable with it.

What the sandbox cannot price (PERCENTAGE, CUSTOM, TIERED_PERCENTAGE rates, other credit
types) it refuses with a 400 that says so, rather than store what it would misprice.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.providers.metronome.sandbox.catalog import Product, Rate, Tier
from golive_tui.providers.metronome.sandbox.routes_common import MetronomeRoutes
from golive_tui.providers.metronome.sandbox.values import USD_CENTS_ID, is_uuid

RATE_TYPES = ("FLAT", "PERCENTAGE", "SUBSCRIPTION", "TIERED", "TIERED_PERCENTAGE", "CUSTOM")
PRICED_HERE = ("FLAT", "SUBSCRIPTION", "TIERED")
FREQUENCIES = ("MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY")


def _number(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise HttpError(400, f"{field}: must be a number")
    return Decimal(value)


def _rate_type(value: Any, field: str) -> str:
    # The spec lists each type in upper and lower case, nothing else.
    if not isinstance(value, str) or value not in (*RATE_TYPES, *(t.lower() for t in RATE_TYPES)):
        raise HttpError(400, f"{field}: required, one of {', '.join(RATE_TYPES)}")
    rate_type = value.upper()
    if rate_type not in PRICED_HERE:
        raise HttpError(400, f"{field}: {rate_type} rates are not supported by the golive sandbox")
    return rate_type


def _tiers(raw: Any, field: str) -> list[Tier]:
    if not isinstance(raw, list) or not raw:
        raise HttpError(400, f"{field}: required for TIERED rates, a non-empty list")
    tiers = []
    for i, t in enumerate(raw):
        if not isinstance(t, dict) or "price" not in t:
            raise HttpError(400, f"{field}[{i}].price: required")
        size = None if t.get("size") is None else _number(t["size"], f"{field}[{i}].size")
        if size is not None and size <= 0:
            raise HttpError(400, f"{field}[{i}].size: must be greater than 0")
        if size is None and i != len(raw) - 1:
            raise HttpError(400, f"{field}[{i}].size: only the last tier may be open-ended")
        tiers.append(Tier(_number(t["price"], f"{field}[{i}].price"), size))
    return tiers


def _priced(body: dict[str, Any], rate_type: str, where: str) -> tuple[Decimal | None, list[Tier]]:
    """The price or tiers of a rate; a rate type's own field only (`#S/AddRatePayload`)."""
    if rate_type == "TIERED":
        if body.get("price") is not None:
            raise HttpError(400, f"{where}price: not used by TIERED rates; set tiers")
        return None, _tiers(body.get("tiers"), f"{where}tiers")
    if body.get("tiers") is not None:
        raise HttpError(400, f"{where}tiers: only set for TIERED rates")
    if body.get("price") is None:
        raise HttpError(400, f"{where}price: required for {rate_type} rates")
    price = _number(body["price"], f"{where}price")
    if price < 0:
        raise HttpError(400, f"{where}price: must be >= 0 for {rate_type} rates")
    return price, []


def _group_values(raw: Any, product: Product) -> dict[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise HttpError(400, "pricing_group_values: must be an object of strings")
    unknown = set(raw) - set(product.pricing_group_key)
    if unknown:
        raise HttpError(
            400,
            f"pricing_group_values: {', '.join(sorted(unknown))} not in the product's"
            f" pricing_group_key ({', '.join(product.pricing_group_key) or 'none'})",
        )
    return dict(raw) or None


class ConfigRoutes(MetronomeRoutes):
    def add_rate(self, request: Request) -> Response:
        body = self._body(request)
        card_id, product_id = body.get("rate_card_id"), body.get("product_id")
        if not is_uuid(card_id):
            raise HttpError(400, "rate_card_id: required, a rate card uuid")
        if not is_uuid(product_id):
            raise HttpError(400, "product_id: required, a product uuid")
        start = self._time(body.get("starting_at"), "starting_at")
        end = self._time(body.get("ending_before"), "ending_before", required=False)
        assert start is not None
        if end is not None and end <= start:
            raise HttpError(400, "ending_before: must be after starting_at")
        if not isinstance(body.get("entitled"), bool):
            raise HttpError(400, "entitled: required, true or false")
        rate_type = _rate_type(body.get("rate_type"), "rate_type")
        card = self.account.rate_cards.get(str(card_id))
        if card is None:
            raise HttpError(404, f"rate card {card_id} not found")
        product = self.account.products.get(str(product_id))
        if product is None:
            raise HttpError(404, f"product {product_id} not found")
        credit = body.get("credit_type_id")
        if credit is not None and credit != USD_CENTS_ID:
            raise HttpError(400, "credit_type_id: the golive sandbox only has USD (cents)")
        freq = body.get("billing_frequency")
        if freq is not None and (not isinstance(freq, str) or freq.upper() not in FREQUENCIES):
            raise HttpError(400, f"billing_frequency: one of {', '.join(FREQUENCIES)}")
        if product.type == "SUBSCRIPTION" and rate_type == "FLAT" and freq is None:
            raise HttpError(
                400, "billing_frequency: required for a subscription product's FLAT rate"
            )
        price, tiers = _priced(body, rate_type, "")
        rate = Rate(
            product.id,
            rate_type,
            start,
            price=price,
            tiers=tiers,
            ending_before=end,
            billing_frequency=freq.upper() if isinstance(freq, str) else None,
            pricing_group_values=_group_values(body.get("pricing_group_values"), product),
            commit_rate=self._commit_rate(body.get("commit_rate"), product.id, start),
            entitled=body["entitled"],
        )
        if rate_type == "SUBSCRIPTION" and body.get("quantity") is not None:
            rate.quantity = _number(body["quantity"], "quantity")
        self._supersede(card.rates, rate)
        card.rates.append(rate)
        out = rate.rate_api()
        if rate.commit_rate is not None:
            commit = rate.commit_rate.rate_api()
            commit.pop("credit_type", None)  # #S/CommitRate has no credit_type
            out["commit_rate"] = commit
        return Response(200, {"data": out})

    def _commit_rate(self, raw: Any, product_id: str, start: datetime) -> Rate | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise HttpError(400, "commit_rate: must be an object")
        rate_type = _rate_type(raw.get("rate_type"), "commit_rate.rate_type")
        price, tiers = _priced(raw, rate_type, "commit_rate.")
        return Rate(product_id, rate_type, start, price=price, tiers=tiers)

    @staticmethod
    def _supersede(rates: list[Rate], new: Rate) -> None:
        """End the same product's rate in force at the new rate's start (same pricing
        group and billing frequency); refuse one that would overlap a later rate."""
        same = [
            r
            for r in rates
            if r.product_id == new.product_id
            and (r.pricing_group_values or None) == (new.pricing_group_values or None)
            and r.billing_frequency == new.billing_frequency
        ]
        for r in same:
            later = r.starting_at >= new.starting_at
            if later and (new.ending_before is None or r.starting_at < new.ending_before):
                raise HttpError(
                    400,
                    f"starting_at: a rate for this product already starts at"
                    f" {r.starting_at.isoformat()}; add the change after it",
                )
        for r in same:
            if r.starting_at < new.starting_at and (
                r.ending_before is None or r.ending_before > new.starting_at
            ):
                r.ending_before = new.starting_at

    def archive_metric(self, request: Request) -> Response:
        body = self._body(request)
        m = self._metric(body.get("id"), "id")
        if m.archived_at is None:
            m.archived_at = self.now()
        return Response(200, {"data": {"id": m.id}})
