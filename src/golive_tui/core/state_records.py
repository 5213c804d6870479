"""What the state keeps per item: its status, note and probe results, and the
objects probes created (listed for clean-up).

Each record checks its own fields on load (`from_data`) and gives plain values
back for the TOML writer (`to_data`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from golive_tui.core.fields import Invalid, Loc, Table, text_item
from golive_tui.core.fingerprint import Snapshot

EVIDENCE_LIMIT = 4096  # characters per evidence excerpt
# The probe id of a `golive harness` report saved as an item's result: its pass is
# evidence golive saw, so it verifies a manual item too (`review`).
HARNESS_PROBE = "harness"


def now() -> datetime:
    # Millisecond precision: enough for ordering, shorter for people reading the file.
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


class ItemStatus(StrEnum):
    TODO = "todo"
    DONE = "done"
    SKIPPED = "skipped"
    NOT_APPLICABLE = "not-applicable"
    FAILED = "failed"


class ProbeStatus(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """A redacted excerpt of what a probe saw (a request, a response, a finding).

    Frozen: the text is capped once, here, and can never grow past the cap later.
    """

    label: str
    text: str

    def __post_init__(self) -> None:
        if len(self.text) > EVIDENCE_LIMIT:
            capped = self.text[: EVIDENCE_LIMIT - 20] + "\n… (truncated)"
            object.__setattr__(self, "text", capped)

    def to_data(self) -> dict[str, Any]:
        return {"label": self.label, "text": self.text}

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> Evidence:
        t = Table(data, loc)
        evidence = cls(label=t.text("label"), text=t.text("text"))
        t.done()
        return evidence


@dataclass(slots=True, kw_only=True)
class ProbeRecord:
    probe: str
    status: ProbeStatus
    summary: str
    details: list[str] = field(default_factory=list)
    at: datetime
    duration_ms: int
    evidence: list[Evidence] = field(default_factory=list)
    run_id: str | None = None
    # Where it ran (`Target.identity`): a pass elsewhere is not evidence for this target.
    # Empty in files from before golive recorded it.
    target: str = ""
    # The target's environment then ("sandbox"/"production"): a production verdict
    # counts production results only. "" in files from before golive recorded it.
    environment: str = ""
    # What the API said about the account it reached (environment id and type, tenant,
    # the customer's id and name …): a re-read that sees others makes the result stale.
    account: dict[str, str] = field(default_factory=dict)
    # The configuration the verdict rests on, as the probe saw it (core/fingerprint.py).
    verified: list[Snapshot] = field(default_factory=list)
    # The checklist item's fingerprint when the result was recorded for it.
    item: str = ""

    def __post_init__(self) -> None:
        self.status = ProbeStatus(self.status)
        if self.duration_ms < 0:
            raise Invalid(("duration_ms",), f"must be at least 0, not {self.duration_ms}")

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "probe": self.probe,
            "status": self.status.value,
            "summary": self.summary,
            "details": list(self.details),
            "at": self.at,
            "duration_ms": self.duration_ms,
            "evidence": [e.to_data() for e in self.evidence],
        }
        if self.run_id is not None:
            data["run_id"] = self.run_id
        if self.target:
            data["target"] = self.target
        if self.environment:
            data["environment"] = self.environment
        if self.item:
            data["item"] = self.item
        if self.account:
            data["account"] = dict(self.account)
        if self.verified:
            data["verified"] = [v.to_data() for v in self.verified]
        return data

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> ProbeRecord:
        t = Table(data, loc)
        record = cls(
            probe=t.text("probe"),
            status=t.enum("status", ProbeStatus),
            summary=t.text("summary"),
            details=t.list_of("details", text_item),
            at=t.timestamp("at"),
            duration_ms=t.integer("duration_ms", minimum=0),
            evidence=t.list_of("evidence", Evidence.from_data),
            run_id=t.text("run_id", None),
            target=t.text("target", ""),
            environment=t.text("environment", ""),
            account={str(k): str(v) for k, v in t.table("account").data.items()},
            verified=t.list_of("verified", Snapshot.from_data),
            item=t.text("item", ""),
        )
        t.done()
        return record


def trimmed(records: list[ProbeRecord], limit: int) -> list[ProbeRecord]:
    """The last `limit` records; all but the latest keep only status, summary and time."""
    kept = records[-limit:]
    older = [
        # The fingerprints stay: they are small, and the export says what an old pass
        # rested on.
        dataclasses.replace(r, details=[], evidence=[]) if r.details or r.evidence else r
        for r in kept[:-1]
    ]
    return older + kept[-1:]


@dataclass(slots=True, kw_only=True)
class Override:
    """A person's decision against the evidence: marking done an item whose probe did not
    pass, or setting a blocker aside. Kept with its reason, and never counted as green."""

    reason: str
    over: str  # what it overrode, in words: "probe auth failed: token rejected"
    by: str
    at: datetime

    def to_data(self) -> dict[str, Any]:
        return {"reason": self.reason, "over": self.over, "by": self.by, "at": self.at}

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> Override:
        t = Table(data, loc)
        override = cls(
            reason=t.text("reason", nonempty=True),
            over=t.text("over"),
            by=t.text("by"),
            at=t.timestamp("at"),
        )
        t.done()
        return override


@dataclass(slots=True, kw_only=True)
class Signoff:
    """An approval of the launch: who, in which role, and the verdict they saw."""

    name: str
    role: str
    verdict: str  # the verdict before sign-offs, as it stood when signed
    at: datetime
    note: str = ""
    overrides: list[str] = field(default_factory=list)  # the overridden items it accepted

    def to_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "verdict": self.verdict,
            "at": self.at,
            "note": self.note,
            "overrides": list(self.overrides),
        }

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> Signoff:
        t = Table(data, loc)
        signoff = cls(
            name=t.text("name", nonempty=True),
            role=t.text("role", nonempty=True),
            verdict=t.text("verdict"),
            at=t.timestamp("at"),
            note=t.text("note", ""),
            overrides=t.list_of("overrides", text_item),
        )
        t.done()
        return signoff


@dataclass(slots=True, kw_only=True)
class ItemState:
    status: ItemStatus = ItemStatus.TODO
    note: str = ""
    by: str = ""
    at: datetime | None = None
    # The item's definition fingerprint when the user last acted on it; a different
    # current fingerprint means the checklist changed since and the item is stale.
    fingerprint: str = ""
    probe_results: list[ProbeRecord] = field(default_factory=list)
    override: Override | None = None

    def __post_init__(self) -> None:
        self.status = ItemStatus(self.status)

    @property
    def latest(self) -> ProbeRecord | None:
        return self.probe_results[-1] if self.probe_results else None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status.value, "note": self.note, "by": self.by}
        if self.at is not None:
            data["at"] = self.at
        data["fingerprint"] = self.fingerprint
        data["probe_results"] = [r.to_data() for r in self.probe_results]
        if self.override is not None:
            data["override"] = self.override.to_data()
        return data

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> ItemState:
        t = Table(data, loc)
        st = cls(
            status=t.enum("status", ItemStatus, ItemStatus.TODO),
            note=t.text("note", ""),
            by=t.text("by", ""),
            at=t.timestamp("at", None),
            fingerprint=t.text("fingerprint", ""),
            probe_results=t.list_of("probe_results", ProbeRecord.from_data),
        )
        raw = t.raw("override", None)
        if raw is not None:
            st.override = Override.from_data(raw, (*loc, "override"))
        t.done()
        return st


@dataclass(slots=True, kw_only=True)
class Cursor:
    section: str = ""
    item: str = ""

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> Cursor:
        t = Table(data, loc)
        cursor = cls(section=t.text("section", ""), item=t.text("item", ""))
        t.done()
        return cursor


@dataclass(slots=True, kw_only=True)
class CreatedObject:
    """Something golive created in the billing account, listed for clean-up.

    The optional fields are absent in files from before golive recorded them.
    """

    run_id: str
    probe: str  # the probe, or the command ("test-customer"), that created it
    kind: str  # "usage-event", "customer", "contract", "subscription"
    id: str
    at: datetime
    # The customer it belongs to: for an event, the reference it was sent with (an id
    # or an ingest alias); for a contract or subscription, the customer's id.
    customer: str = ""
    # For a customer: the reference events use for it (ingest alias, external id).
    alias: str = ""
    # For an event: the most it can add to an invoice, in currency units ("0.03").
    worth: Decimal | None = None
    currency: str = ""  # of `worth` ("USD")
    # Set by `golive cleanup` once done, with how ("archived", "deleted", "cancelled").
    removed_at: datetime | None = None
    removed: str = ""
    # The account it is in (`Target.account`): cleanup acts only where it was created.
    account: str = ""

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "probe": self.probe,
            "kind": self.kind,
            "id": self.id,
            "at": self.at,
        }
        for key in ("customer", "alias", "currency", "removed", "account"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.worth is not None:
            data["worth"] = str(self.worth)  # a string: TOML floats would round it
        if self.removed_at is not None:
            data["removed_at"] = self.removed_at
        return data

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> CreatedObject:
        t = Table(data, loc)
        worth = t.text("worth", "")
        try:
            amount = Decimal(worth) if worth else None
        except ArithmeticError:
            raise Invalid((*loc, "worth"), f"must be a decimal amount, not {worth!r}") from None
        if amount is not None and not amount.is_finite():
            raise Invalid((*loc, "worth"), f"must be a decimal amount, not {worth!r}")
        obj = cls(
            run_id=t.text("run_id"),
            probe=t.text("probe"),
            kind=t.text("kind"),
            id=t.text("id"),
            at=t.timestamp("at"),
            customer=t.text("customer", ""),
            alias=t.text("alias", ""),
            worth=amount,
            currency=t.text("currency", ""),
            removed_at=t.timestamp("removed_at", None),
            removed=t.text("removed", ""),
            account=t.text("account", ""),
        )
        t.done()
        return obj
