"""The Flexprice sandbox's records over time: ingested events and stored invoices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from golive_tui.core.sandbox.dates import iso

if TYPE_CHECKING:
    from golive_tui.providers.flexprice.sandbox.account import Account


@dataclass
class Event:
    id: str
    external_customer_id: str
    event_name: str
    timestamp: datetime
    properties: dict[str, Any]
    ingested_at: datetime
    visible_at: datetime  # when the consumer has written it to the events table
    customer_id: str = ""
    source: str = ""
    # when the meter_usage consumer has counted it (invoices, `processed`); None: visible_at
    billed_at: datetime | None = None

    def billed_by(self, now: datetime) -> bool:
        return (self.billed_at or self.visible_at) <= now

    def to_api(self, account: Account) -> dict[str, Any]:
        return {
            "id": self.id,
            "external_customer_id": self.external_customer_id,
            "customer_id": self.customer_id,
            "event_name": self.event_name,
            "timestamp": iso(self.timestamp),
            "properties": dict(self.properties),
            "source": self.source,
            "environment_id": account.environment_id,
        }


@dataclass
class Invoice:
    """A stored invoice: the live DRAFT of a period, or a FINALIZED snapshot."""

    id: str
    number: str
    subscription_id: str
    period_start: datetime
    period_end: datetime
    created_at: datetime
    status: str = "DRAFT"
    payment_status: str = "PENDING"
    finalized_at: datetime | None = None
    snapshot: dict[str, Any] | None = None
