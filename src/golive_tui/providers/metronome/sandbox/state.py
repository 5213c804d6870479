"""The Metronome sandbox's account model, one import away.

The parts live by concern: fixed values and time/decimal maths (`values`), the
catalogue with its pricing maths (`catalog`), per-customer records (`records`) and
the account with its usage invoices (`account`). Shapes follow the official spec
(`shared/specs/metronome-openapi.json`); facts follow `shared/reference/metronome-api.md`.
"""

from __future__ import annotations

from golive_tui.providers.metronome.sandbox.account import Account
from golive_tui.providers.metronome.sandbox.catalog import Metric, Product, Rate, RateCard, Tier
from golive_tui.providers.metronome.sandbox.records import Alert, Contract, Customer, Event
from golive_tui.providers.metronome.sandbox.values import (
    BACKDATE_LIMIT,
    CREATED_BY,
    DEDUP_WINDOW,
    FUTURE_LIMIT,
    GRACE_PERIOD,
    NAMESPACE,
    USD_CENTS,
    USD_CENTS_ID,
    WEBHOOK_IPS,
    add_months,
    decimal_or_none,
    is_uuid,
    iso,
    month_start,
    parse_time,
    sid,
    windows,
)

__all__ = [
    "BACKDATE_LIMIT",
    "CREATED_BY",
    "DEDUP_WINDOW",
    "FUTURE_LIMIT",
    "GRACE_PERIOD",
    "NAMESPACE",
    "USD_CENTS",
    "USD_CENTS_ID",
    "WEBHOOK_IPS",
    "Account",
    "Alert",
    "Contract",
    "Customer",
    "Event",
    "Metric",
    "Product",
    "Rate",
    "RateCard",
    "Tier",
    "add_months",
    "decimal_or_none",
    "is_uuid",
    "iso",
    "month_start",
    "parse_time",
    "sid",
    "windows",
]
