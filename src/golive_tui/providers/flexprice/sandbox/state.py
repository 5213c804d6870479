"""The Flexprice sandbox's account model, one import away.

The parts live by concern: ids, decimals and the error envelope (`values`), the
catalogue (`catalog`: meters, features, customers, plans), prices with their maths
(`pricing`), subscriptions (`subscriptions`), events and invoices (`records`), and
the account with its events table, debugger and invoices (`account`). Shapes follow
the official spec (`shared/specs/flexprice-openapi.json`); behaviour follows
`shared/reference/flexprice-api.md` (section numbers cited as "ref §n").
"""

from __future__ import annotations

from golive_tui.core.sandbox.dates import add_months, iso, month_start, parse_time
from golive_tui.providers.flexprice.sandbox.account import Account
from golive_tui.providers.flexprice.sandbox.catalog import Customer, Feature, Meter, Plan
from golive_tui.providers.flexprice.sandbox.pricing import Price, Tier, slab_cost, volume_cost
from golive_tui.providers.flexprice.sandbox.records import Event, Invoice
from golive_tui.providers.flexprice.sandbox.subscriptions import LineItem, Subscription
from golive_tui.providers.flexprice.sandbox.values import (
    CENT,
    CREATED_BY,
    CROCKFORD,
    DEFAULT_SETTINGS,
    ENVIRONMENT_ID,
    TENANT_ID,
    decimal_text,
    error_obj,
    fid,
    go_v,
    to_decimal,
    ulid,
)

__all__ = [
    "CENT",
    "CREATED_BY",
    "CROCKFORD",
    "DEFAULT_SETTINGS",
    "ENVIRONMENT_ID",
    "TENANT_ID",
    "Account",
    "Customer",
    "Event",
    "Feature",
    "Invoice",
    "LineItem",
    "Meter",
    "Plan",
    "Price",
    "Subscription",
    "Tier",
    "add_months",
    "decimal_text",
    "error_obj",
    "fid",
    "go_v",
    "iso",
    "month_start",
    "parse_time",
    "slab_cost",
    "to_decimal",
    "ulid",
    "volume_cost",
]
