"""The whole state of one go-live session (`State`): which checklist it follows,
where probes point, each item's progress and what probes created.

Changes here are pure: the caller saves (see `state_file.StateFile`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from golive_tui.core import state_toml
from golive_tui.core.checklist import Checklist, Item
from golive_tui.core.errors import StateError
from golive_tui.core.fields import Invalid, Table
from golive_tui.core.state_records import (
    CreatedObject,
    Cursor,
    ItemState,
    ItemStatus,
    Override,
    ProbeRecord,
    Signoff,
    now,
    trimmed,
)
from golive_tui.core.state_target import Target
from golive_tui.core.state_toml import DEFAULT_STATE_FILE, SCHEMA_VERSION


@dataclass(slots=True, kw_only=True)
class State:
    schema_version: int = SCHEMA_VERSION
    checklist_id: str
    checklist_source: str
    checklist_fingerprint: str
    created_at: datetime
    updated_at: datetime
    target: Target = field(default_factory=Target)
    cursor: Cursor = field(default_factory=Cursor)
    items: dict[str, ItemState] = field(default_factory=dict)
    created_objects: list[CreatedObject] = field(default_factory=list)
    signoffs: list[Signoff] = field(default_factory=list)

    @classmethod
    def new(cls, checklist: Checklist, source: str, target: Target | None = None) -> State:
        t = now()
        first = checklist.sections[0]
        return cls(
            checklist_id=checklist.id,
            checklist_source=source,
            checklist_fingerprint=checklist.fingerprint,
            created_at=t,
            updated_at=t,
            target=target or Target(provider=checklist.provider),
            cursor=Cursor(section=first.id, item=first.items[0].id),
        )

    # --- queries ---------------------------------------------------------------

    def item(self, item_id: str) -> ItemState:
        return self.items.get(item_id) or ItemState()

    def stale_items(self, checklist: Checklist) -> list[str]:
        """Items the user acted on whose definition has changed since."""
        stale = []
        for item in checklist.items():
            st = self.items.get(item.id)
            if st and st.fingerprint and st.fingerprint != item.fingerprint:
                stale.append(item.id)
        return stale

    # --- changes (pure; the caller saves) --------------------------------------

    def mark(
        self,
        item: Item,
        status: ItemStatus,
        *,
        note: str | None = None,
        by: str = "",
        override: tuple[str, str] | None = None,
    ) -> None:
        """Set the item's status. `override` is (reason, what it overrides) when the
        status goes against the evidence (`review.override_needed` says when); any
        other mark clears an earlier override."""
        st = self.items.setdefault(item.id, ItemState())
        st.status = ItemStatus(status)
        if note is not None:
            st.note = note
        st.by = by or self.target.operator
        st.at = now()
        st.fingerprint = item.fingerprint
        st.override = (
            Override(reason=override[0], over=override[1], by=st.by, at=st.at)
            if override is not None
            else None
        )
        self.updated_at = st.at

    def sign_off(
        self, name: str, role: str, basis: tuple[str, list[str]], note: str = ""
    ) -> Signoff:
        """Record an approval of `basis` (`review.facts_basis`: the verdict and the
        overridden items); a later one by the same name and role replaces it."""
        verdict, overrides = basis
        signoff = Signoff(
            name=name, role=role, verdict=verdict, at=now(), note=note, overrides=overrides
        )
        kept = [s for s in self.signoffs if (s.name, s.role) != (name, role)]
        self.signoffs = [*kept, signoff]
        self.updated_at = signoff.at
        return signoff

    def set_note(self, item: Item, note: str, *, by: str = "") -> None:
        st = self.items.setdefault(item.id, ItemState())
        st.note = note
        st.by = by or self.target.operator
        st.at = now()
        self.updated_at = st.at

    def add_probe_result(
        self, item_id: str, record: ProbeRecord, item_fingerprint: str = ""
    ) -> None:
        """Keep `record` in the item's history, stamped with where it ran (the target's
        identity, environment and account) and the item's text it verified."""
        st = self.items.setdefault(item_id, ItemState())
        t = self.target
        where = {"provider": t.provider, "base url": t.base_url, "customer": t.customer_id}
        record = dataclasses.replace(
            record,
            target=record.target or t.identity,
            environment=record.environment or t.environment,
            account={**{k: v for k, v in where.items() if v}, **record.account},
            item=record.item or item_fingerprint,
        )
        st.probe_results = trimmed([*st.probe_results, record], self.target.history_limit)
        self.updated_at = now()

    def compact(self) -> None:
        """Trim every item's history to the limit (a state from an older golive kept 20
        results per item, each with its evidence: ~120 KB a run)."""
        limit = self.target.history_limit
        for st in self.items.values():
            st.probe_results = trimmed(st.probe_results, limit)

    def add_created(self, obj: CreatedObject) -> None:
        """Keep `obj` for `golive cleanup`, stamped with the account it is in."""
        if not obj.account:
            obj = dataclasses.replace(obj, account=self.target.account)
        self.created_objects = [*self.created_objects, obj]
        self.updated_at = now()

    def move_cursor(self, section: str, item: str) -> None:
        self.cursor = Cursor(section=section, item=item)

    # --- data and TOML ------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        """Plain values in file order (TOML has no null: absent optional fields are left out)."""
        return {
            "schema_version": self.schema_version,
            "checklist_id": self.checklist_id,
            "checklist_source": self.checklist_source,
            "checklist_fingerprint": self.checklist_fingerprint,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "target": self.target.to_data(),
            "cursor": {"section": self.cursor.section, "item": self.cursor.item},
            "items": {k: v.to_data() for k, v in self.items.items()},
            "created_objects": [o.to_data() for o in self.created_objects],
            "signoffs": [s.to_data() for s in self.signoffs],
        }

    @classmethod
    def from_data(cls, data: object) -> State:
        """Check every field of a parsed state file; raises `Invalid` naming the first bad one."""
        t = Table(data)
        items = t.table("items")
        state = cls(
            schema_version=t.integer("schema_version", SCHEMA_VERSION, minimum=1),
            checklist_id=t.text("checklist_id", nonempty=True),
            checklist_source=t.text("checklist_source"),
            checklist_fingerprint=t.text("checklist_fingerprint"),
            created_at=t.timestamp("created_at"),
            updated_at=t.timestamp("updated_at"),
            target=Target.from_data(t.raw("target", {}), ("target",)),
            cursor=Cursor.from_data(t.raw("cursor", {}), ("cursor",)),
            items={k: ItemState.from_data(v, ("items", k)) for k, v in items.data.items()},
            created_objects=t.list_of("created_objects", CreatedObject.from_data),
            signoffs=t.list_of("signoffs", Signoff.from_data),
        )
        t.done()
        return state

    def to_toml(self) -> str:
        return state_toml.dumps(self.to_data())

    @classmethod
    def from_toml(cls, text: str, path: Path | str = DEFAULT_STATE_FILE) -> State:
        data = state_toml.parse(text, path)
        try:
            return cls.from_data(data)
        except Invalid as exc:
            raise StateError(
                f"{path}: field {exc.field!r}: {exc.message}; the file was left as it is —"
                " fix that field or pass --state for a new file"
            ) from None
