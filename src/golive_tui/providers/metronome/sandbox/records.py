"""The Metronome sandbox's per-customer records: customers, contracts, alerts and
ingested events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from golive_tui.providers.metronome.sandbox.values import CREATED_BY, USD_CENTS, iso

if TYPE_CHECKING:  # contracts.py imports the catalogue, which imports this module
    from golive_tui.providers.metronome.sandbox.contracts import Commit, Override, UsageFilter


@dataclass
class Customer:
    id: str
    name: str
    ingest_aliases: list[str]
    created_at: datetime
    custom_fields: dict[str, str] = field(default_factory=dict)
    archived_at: datetime | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "external_id": self.ingest_aliases[0] if self.ingest_aliases else self.id,
            "ingest_aliases": list(self.ingest_aliases),
            "name": self.name,
            "customer_config": {"salesforce_account_id": None},
            "custom_fields": dict(self.custom_fields),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.created_at),
            "archived_at": iso(self.archived_at) if self.archived_at else None,
            "current_billable_status": {"value": "billable", "effective_at": iso(self.created_at)},
        }


@dataclass
class Contract:
    id: str
    customer_id: str
    name: str
    rate_card_id: str
    starting_at: datetime
    created_at: datetime
    ending_before: datetime | None = None
    archived_at: datetime | None = None
    uniqueness_key: str | None = None
    overrides: list[Override] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)  # PREPAID and POSTPAID
    credits: list[Commit] = field(default_factory=list)  # type CREDIT
    usage_filter: list[UsageFilter] = field(default_factory=list)

    def covers(self, at: datetime) -> bool:
        return self.starting_at <= at and (self.ending_before is None or at < self.ending_before)

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "customer_id": self.customer_id,
            "name": self.name,
            "rate_card_id": self.rate_card_id,
            "starting_at": iso(self.starting_at),
            "commits": [c.to_api(self.id) for c in self.commits],
            "credits": [c.to_api(self.id) for c in self.credits],
            "overrides": [o.to_api() for o in self.overrides],
            "scheduled_charges": [],
            "transitions": [],
            "usage_statement_schedule": {
                "frequency": "MONTHLY",
                "billing_anchor_date": iso(self.starting_at),
            },
            "usage_filter": [f.to_api() for f in self.usage_filter],
            "created_at": iso(self.created_at),
            "created_by": CREATED_BY,
            "custom_fields": {},
            "priority": 1,
        }
        if self.ending_before is not None:
            out["ending_before"] = iso(self.ending_before)
        if self.archived_at is not None:
            out["archived_at"] = iso(self.archived_at)
        if self.uniqueness_key:
            out["uniqueness_key"] = self.uniqueness_key
        return out


@dataclass
class Alert:
    id: str
    customer_id: str
    name: str
    type: str
    threshold: Decimal
    updated_at: datetime
    status: str = "enabled"  # enabled | disabled | archived
    uniqueness_key: str | None = None

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "threshold": self.threshold,
            "updated_at": iso(self.updated_at),
            "credit_type": dict(USD_CENTS),
            "custom_field_filters": [],
        }
        if self.uniqueness_key:
            out["uniqueness_key"] = self.uniqueness_key
        return out


@dataclass
class Event:
    id: str
    transaction_id: str
    customer_id: str  # as sent: a customer id or an ingest alias
    event_type: str
    timestamp: datetime
    properties: dict[str, Any]
    accepted_at: datetime
    processed_at: datetime  # from then on invoices count it and search shows `processed_at`
    is_duplicate: bool = False
    # Searchable from (None: when processed). Real pipelines match an event before it
    # is processed; the spec makes `processed_at` optional for that window.
    searchable_at: datetime | None = None

    def searchable(self, now: datetime) -> bool:
        return (self.searchable_at or self.processed_at) <= now
