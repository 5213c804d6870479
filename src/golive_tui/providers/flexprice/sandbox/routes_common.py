"""What every Flexprice sandbox route shares: the account it serves, offset
pagination, and the body binding whose failures are the server's 400 (ref §11)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request
from golive_tui.core.sandbox.dates import parse_time
from golive_tui.core.sandbox.emulator import Emulator
from golive_tui.core.sandbox.stagger import Stagger
from golive_tui.providers.flexprice.sandbox.account import Account
from golive_tui.providers.flexprice.sandbox.catalog import Customer
from golive_tui.providers.flexprice.sandbox.subscriptions import Subscription

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
_BIND = "Invalid request payload"


def bind_error() -> HttpError:
    return HttpError(400, _BIND, code="validation_error")


# internal/types/expand.go: each route validates `expand` against its own allow-list
# (root fields, and for each the fields allowed after a dot) before doing anything else.
ExpandConfig = tuple[frozenset[str], dict[str, frozenset[str]]]
_F = frozenset
SUBSCRIPTIONS_FOR_CUSTOMER: ExpandConfig = (  # SubscriptionsForCustomerExpandConfig
    _F({"subscription_line_items", "entitlements"}),
    {"subscription_line_items": _F({"meters"}), "entitlements": _F()},
)
SUBSCRIPTION: ExpandConfig = (  # SubscriptionExpandConfig
    _F(
        {
            "plan",
            "customer",
            "prices",
            "meters",
            "schedule",
            "coupon_associations",
            "coupon",
            "subscription_line_items",
            "entitlements",
        }
    ),
    {
        "plan": _F({"prices"}),
        "customer": _F(),
        "prices": _F({"meters"}),
        "schedule": _F(),
        "coupon_associations": _F({"coupon"}),
        "subscription_line_items": _F({"prices", "meters"}),
        "entitlements": _F(),
    },
)


def validate_expand(fields: set[str], config: ExpandConfig) -> None:
    """expand.go `Expand.Validate`: 400 validation_error naming the first bad field."""
    allowed, nested = config
    for item in sorted(fields):
        root, *rest = item.split(".")
        if root not in allowed:
            raise _expand_error("Field is not allowed to be expanded", root)
        if rest:
            if root not in nested:
                raise _expand_error("Field does not support nested expands", root)
            for sub in rest:
                if sub not in nested[root]:
                    raise _expand_error("Field is not allowed to be expanded", sub)


def _expand_error(hint: str, field: str) -> HttpError:
    # errhandler.go shows the hint as `message` and the reportable details as `details`.
    return HttpError(400, hint, code="validation_error", details={"field": field})


def not_found(message: str) -> HttpError:
    return HttpError(404, message, code="not_found")


class FlexpriceRoutes(Emulator):
    """The base of the route mixins; `FlexpriceSandbox` sets these up."""

    account: Account
    processing_delay: float
    stagger: Stagger  # when accepted events become visible and billed
    _queue_end: datetime
    _lookups: Counter[str]

    def _body(self, request: Request, *, optional: bool = False) -> dict[str, Any]:
        """The JSON object body; any bind failure is the server's 400 (ref §11)."""
        if optional and not request.raw_body.strip():
            return {}
        try:
            body = request.json()
        except HttpError:
            raise bind_error() from None
        if not isinstance(body, dict):
            raise bind_error()
        return body

    @staticmethod
    def _int(value: Any, default: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise bind_error()
        return value

    def _window(self, limit: Any, offset: Any) -> tuple[int, int]:
        lim, off = self._int(limit, DEFAULT_LIMIT), self._int(offset, 0)
        if not 1 <= lim <= MAX_LIMIT:
            raise HttpError(400, f"limit must be between 1 and {MAX_LIMIT}")
        if off < 0:
            raise HttpError(400, "offset must be greater than or equal to 0")
        return lim, off

    def _query_window(self, request: Request) -> tuple[int, int]:
        def parse(name: str) -> int | None:
            raw = request.query.get(name)
            if raw is None or raw == "":
                return None
            if not raw.lstrip("-").isdigit():
                raise bind_error()
            return int(raw)

        return self._window(parse("limit"), parse("offset"))

    @staticmethod
    def _page(items: list[Any], limit: int, offset: int) -> dict[str, Any]:
        """ref §2: `pagination.offset` is already the next offset."""
        return {
            "items": items[offset : offset + limit],
            "pagination": {"total": len(items), "limit": limit, "offset": offset + limit},
        }

    @staticmethod
    def _strings(body: Mapping[str, Any], name: str) -> list[str] | None:
        value = body.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bind_error()
        return value

    @staticmethod
    def _string(body: Mapping[str, Any], name: str) -> str | None:
        value = body.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise bind_error()
        return value

    def _time(self, body: Mapping[str, Any], name: str) -> datetime | None:
        value = body.get(name)
        if value is None:
            return None
        t = parse_time(value)
        if t is None:
            raise bind_error()
        return t

    @staticmethod
    def _expand(raw: Any) -> set[str]:
        if raw is None:
            return set()
        if not isinstance(raw, str):
            raise bind_error()
        return {part.strip() for part in raw.split(",") if part.strip()}

    def _subscription(self, sub_id: Any) -> Subscription:
        sub = self.account.subscriptions.get(str(sub_id))
        if sub is None:
            raise not_found(f"Subscription with ID {sub_id} was not found")
        return sub

    def _customer_by_external(self, external_id: str) -> Customer:
        c = self.account.customer_by_external(external_id)
        if c is None:
            raise not_found(f"Customer with lookup key {external_id} was not found")
        return c

    def _sub_api(self, sub: Subscription, expand: set[str], *, line_items: bool) -> dict[str, Any]:
        meters = bool(expand & {"subscription_line_items.meters", "meters"})
        return sub.to_api(
            self.account,
            self.now(),
            line_items=line_items or bool(expand & {"subscription_line_items", "line_items"}),
            meters=meters,
            plan="plan" in expand,
            customer="customer" in expand,
        )
