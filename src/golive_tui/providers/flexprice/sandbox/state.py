"""The Flexprice sandbox's account: objects, event matching, the debugger, invoice maths.

Money and quantities are `Decimal` throughout and leave as decimal strings, as
Flexprice sends them. Each concern lives in its own module (values, catalog, pricing,
events, billing, account); this module keeps the names others import.
"""

from __future__ import annotations

from golive_tui.providers.flexprice.sandbox.account import Account
from golive_tui.providers.flexprice.sandbox.billing import Invoice, LineItem, Subscription
from golive_tui.providers.flexprice.sandbox.catalog import Customer, Feature, Meter, Plan
from golive_tui.providers.flexprice.sandbox.events import Event
from golive_tui.providers.flexprice.sandbox.pricing import Price, Tier, slab_cost, volume_cost
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
from golive_tui.providers.metronome.sandbox.state import add_months, iso, month_start, parse_time

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
