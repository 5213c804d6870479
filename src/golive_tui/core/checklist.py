"""Checklists as data: the model, the loader, and the built-in catalogue.

A checklist is a TOML file of sections, each with items. Every item says why it
matters, how to verify it, and either names the probe that verifies it or is
marked `manual = true`. Files are validated strictly by the pydantic schema in
`checklist_schema` (unknown fields are errors) so that a typo in a user's own
checklist is caught, not silently ignored.

The model here is plain frozen dataclasses, so loading a checklist that was
validated before (same bytes, same schema: `validated_cache`) needs neither
pydantic nor even a TOML parse: that keeps start-up fast (benchmarks/startup.py).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from golive_tui.core import safefile, validated_cache
from golive_tui.core.errors import ChecklistError
from golive_tui.core.fields import Invalid, check_depth

SCHEMA_VERSION = 1
DEFAULT_TTL_DAYS = 7  # how long a probe's pass stays evidence unless the checklist says


class Severity(StrEnum):
    BLOCKER = "blocker"
    RECOMMENDED = "recommended"


@dataclass(frozen=True, kw_only=True)
class Item:
    """One thing to verify before go-live."""

    id: str
    title: str
    why: str  # why it matters, in our own words
    verify: str  # how to verify it
    docs: str  # link to the vendor's documentation
    severity: Severity
    irreversible: str | None = None  # shown as a warning: what cannot be undone later
    probe: str | None = None  # the probe that verifies the item
    manual: bool = False
    origin: str | None = None  # which source document the item comes from
    # It speaks of production (the production token, URL or environment): only a
    # production target can verify it; against a sandbox it is not applicable.
    production: bool = False
    # Days a probe's pass stays evidence before it must be re-run (None: the checklist's).
    ttl_days: int | None = None

    @property
    def automatable(self) -> bool:
        return self.probe is not None

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever what the user was asked to verify changes (not its TTL: how
        long evidence lasts is policy, and changing it must not void the evidence)."""
        data = self.to_data()
        data.pop("ttl_days", None)
        return _digest(data)

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "why": self.why,
            "verify": self.verify,
            "docs": self.docs,
            "severity": self.severity.value,
            "irreversible": self.irreversible,
            "probe": self.probe,
            "manual": self.manual,
            "origin": self.origin,
            # Only when set: items without them keep their fingerprint.
            **({"production": True} if self.production else {}),
            **({"ttl_days": self.ttl_days} if self.ttl_days is not None else {}),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Item:
        return cls(**{**data, "severity": Severity(data["severity"])})


@dataclass(frozen=True, kw_only=True)
class Section:
    id: str
    title: str
    summary: str = ""
    items: list[Item]

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "items": [i.to_data() for i in self.items],
        }


@dataclass(frozen=True, kw_only=True)
class Checklist:
    schema_version: int = SCHEMA_VERSION
    id: str
    title: str
    provider: str  # a registered provider's name, or "other"
    source: str  # the vendor page this checklist follows
    description: str = ""
    signoff_roles: tuple[str, ...] = ()  # roles whose approval a GO needs
    # Days a probe's pass stays evidence (`[evidence] ttl_days`); items may say otherwise.
    evidence_ttl_days: int = DEFAULT_TTL_DAYS
    sections: list[Section]

    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    @cached_property
    def by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items()}

    def section_of(self, item_id: str) -> Section:
        for section in self.sections:
            if any(i.id == item_id for i in section.items):
                return section
        raise KeyError(item_id)

    @cached_property
    def fingerprint(self) -> str:
        return _digest(self.to_data())

    def to_data(self) -> dict[str, Any]:
        """The same plain form the schema produces (`checklist_schema.validate`)."""
        return {
            "schema_version": self.schema_version,
            "id": self.id,
            "title": self.title,
            "provider": self.provider,
            "source": self.source,
            "description": self.description,
            # Only when set: checklists without roles keep their fingerprint.
            **({"signoff": {"roles": list(self.signoff_roles)}} if self.signoff_roles else {}),
            **(
                {"evidence": {"ttl_days": self.evidence_ttl_days}}
                if self.evidence_ttl_days != DEFAULT_TTL_DAYS
                else {}
            ),
            "sections": [s.to_data() for s in self.sections],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Checklist:
        """Build from validated data (the schema's output); does not validate."""
        sections = [
            Section(
                id=s["id"],
                title=s["title"],
                summary=s["summary"],
                items=[Item.from_data(i) for i in s["items"]],
            )
            for s in data["sections"]
        ]
        roles = tuple((data.get("signoff") or {}).get("roles", ()))
        ttl = (data.get("evidence") or {}).get("ttl_days", DEFAULT_TTL_DAYS)
        rest = {k: v for k, v in data.items() if k not in ("signoff", "evidence")}
        return cls(
            **{**rest, "signoff_roles": roles, "evidence_ttl_days": ttl, "sections": sections}
        )

    def ttl_days(self, item: Item) -> int:
        """How many days a pass of `item` stays evidence."""
        return item.ttl_days if item.ttl_days is not None else self.evidence_ttl_days


def _digest(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


# --- loading -----------------------------------------------------------------


def builtin_dir() -> Path:
    """Where the built-in checklists live: inside the wheel, or the repo in dev."""
    packaged = Path(__file__).resolve().parent.parent / "checklists"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "checklists"


def builtin_ids() -> list[str]:
    """Every id `--checklist` takes: golive's own, then those installed providers ship."""
    own = sorted(p.stem for p in builtin_dir().glob("*.toml"))
    return own + sorted(set(provided()) - set(own))


def provided() -> dict[str, Path]:
    """Checklist id → file, for installed providers that ship their checklist themselves.

    A third-party package cannot add to golive's checklists/ folder; golive's own
    file wins over one of the same id (a plug-in never shadows a built-in).
    """
    from golive_tui.core import providers  # reads entry points: only when asked

    own = {p.stem for p in builtin_dir().glob("*.toml")}
    found: dict[str, Path] = {}
    for provider in providers.all_providers().values():
        if provider.checklist_file and provider.checklist not in own:
            found.setdefault(provider.checklist, Path(provider.checklist_file))
    return found


def resolve(spec: str) -> Path:
    """Turn a checklist id (golive's or an installed provider's) or a path into a file path."""
    path = Path(spec).expanduser()
    if path.suffix == ".toml" or path.exists() or "/" in spec:
        return path
    candidate = builtin_dir() / f"{spec}.toml"
    if candidate.exists():
        return candidate
    if spec in (shipped := provided()):
        return shipped[spec]
    known = ", ".join(builtin_ids()) or "none"
    raise ChecklistError(
        f"--checklist {spec!r}: no built-in checklist by that name (built-in: {known});"
        " give a path to a .toml file for your own"
    )


def load(spec: str | Path, *, use_cache: bool = True) -> Checklist:
    """Load and validate a checklist; every problem is one `ChecklistError` line."""
    path = resolve(str(spec))
    raw_bytes = safefile.read_or_explain(
        path,
        "checklist",
        missing="checklist file not found; check the path",
        unsafe_fix="give a regular .toml file",
        error=ChecklistError,
    )
    return parse(raw_bytes, path, use_cache=use_cache)


def parse(raw_bytes: bytes, path: Path | str, *, use_cache: bool = True) -> Checklist:
    """Validate `raw_bytes` (a checklist file's content) unless these exact bytes were before.

    `use_cache=False` always runs the schema (and does not touch the cache).
    """
    if use_cache:
        cached = validated_cache.lookup(raw_bytes)
        if cached is not None:
            try:
                return Checklist.from_data(cached)
            except (KeyError, TypeError, ValueError):
                pass  # a cache entry golive did not write: validate again
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ChecklistError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistError(f"{path}: invalid TOML: {exc}; fix the syntax there") from None
    except RecursionError:
        raise ChecklistError(f"{path}: invalid TOML: values nested too deeply") from None
    try:
        check_depth(data)  # the schema's validators recurse: refuse a deep file first
    except Invalid as exc:
        raise ChecklistError(f"{path}: field {exc.field!r}: {exc.message}") from None
    checklist = validate_data(data, path)
    if use_cache:
        validated_cache.store(raw_bytes, checklist.to_data())
    return checklist


def validate_data(data: dict[str, Any], path: object) -> Checklist:
    """Run the pydantic schema over parsed TOML; one `ChecklistError` line per problem."""
    from golive_tui.core import checklist_schema  # pydantic: only when validating

    return Checklist.from_data(checklist_schema.validate(data, path))
