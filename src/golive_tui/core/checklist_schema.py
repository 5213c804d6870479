"""The pydantic schema of checklist files: strict, with one-line errors.

Every checklist file, built-in or the user's own, is checked here the first time
golive sees its exact bytes: unknown fields, missing titles, bad ids, duplicate ids
and unknown severities are `ChecklistError`s naming the file, the item and the
field. `checklist.parse` keeps the validated result in a cache keyed by the file's
hash (`validated_cache`), so pydantic (about 50 ms to import) stays off the
start-up path once a checklist has been validated.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from golive_tui.core.checklist import DEFAULT_TTL_DAYS, Severity
from golive_tui.core.errors import ChecklistError
from golive_tui.core.fields import shown

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_PROBE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _stable_id(v: str) -> str:
    if not _ID.match(v):
        raise ValueError("must be lowercase letters, digits, '.', '_' or '-'")
    return v


# Ids are what the state file keys progress by, so their format is strict.
StableId = Annotated[str, AfterValidator(_stable_id)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Item(_Strict):
    """One thing to verify before go-live."""

    id: StableId
    title: str = Field(min_length=1)
    why: str = Field(min_length=1, description="Why it matters, in our own words.")
    verify: str = Field(min_length=1, description="How to verify it.")
    docs: str = Field(min_length=1, description="Link to the vendor's documentation.")
    severity: Severity
    irreversible: str | None = Field(
        default=None, description="Shown as a warning: what cannot be undone later."
    )
    probe: str | None = Field(default=None, description="The probe that verifies the item.")
    manual: StrictBool = False
    origin: str | None = Field(
        default=None, description="Which source document the item comes from."
    )
    production: StrictBool = Field(
        default=False,
        description="It speaks of production: only a production target can verify it.",
    )
    ttl_days: int | None = Field(
        default=None, ge=1, le=365, description="Days a probe's pass stays evidence."
    )

    @model_serializer(mode="wrap")
    def _without_unset_options(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Options added after the first release are left out while at their default,
        # so items that do not use them keep their fingerprint.
        data: dict[str, Any] = handler(self)
        if not data.get("production"):
            data.pop("production", None)
        if data.get("ttl_days") is None:
            data.pop("ttl_days", None)
        return data

    @field_validator("probe")
    @classmethod
    def _probe_format(cls, v: str | None) -> str | None:
        if v is not None and not _PROBE.match(v):
            raise ValueError("must be a probe name such as 'auth' or 'ingest-dedup'")
        return v

    @field_validator("docs")
    @classmethod
    def _docs_is_url(cls, v: str) -> str:
        if not v.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) link")
        return v

    @model_validator(mode="after")
    def _probe_xor_manual(self) -> Item:
        if self.probe and self.manual:
            raise ValueError("set either 'probe' or 'manual = true', not both")
        if not self.probe and not self.manual:
            raise ValueError(
                "neither 'probe' nor 'manual' is set; set 'probe = \"<name>\"' or 'manual = true'"
            )
        return self


class Section(_Strict):
    id: StableId
    title: str = Field(min_length=1)
    summary: str = ""
    items: list[Item] = Field(min_length=1)


class Signoff(_Strict):
    """Who must approve the launch: `[signoff] roles = ["engineering", "finance"]`."""

    roles: list[StableId] = Field(default_factory=list)

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("each role may be listed once")
        return v


class EvidencePolicy(_Strict):
    """How long a probe's pass stays evidence: `[evidence] ttl_days = 7`."""

    ttl_days: int = Field(default=DEFAULT_TTL_DAYS, ge=1, le=365)


class Checklist(_Strict):
    schema_version: Literal[1] = 1
    id: StableId
    title: str = Field(min_length=1)
    provider: str  # a registered provider's name, or "other" (no probes: marked by hand)
    source: str = Field(min_length=1, description="The vendor page this checklist follows.")
    description: str = ""
    signoff: Signoff = Field(default_factory=Signoff)
    evidence: EvidencePolicy = Field(default_factory=EvidencePolicy)
    sections: list[Section] = Field(min_length=1)

    @model_serializer(mode="wrap")
    def _without_default_evidence(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("evidence") == {"ttl_days": DEFAULT_TTL_DAYS}:
            data.pop("evidence")
        return data

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, v: str) -> str:
        from golive_tui.core import providers

        known = [*providers.names(), "other"]
        if v not in known:
            choices = ", ".join(repr(k) for k in known[:-1]) + f" or {known[-1]!r}"
            raise ValueError(f"Input should be {choices} (got {shown(v)})")
        return v

    @model_validator(mode="after")
    def _unique_ids(self) -> Checklist:
        seen: set[str] = set()
        for section in self.sections:
            if section.id in seen:
                raise ValueError(f"duplicate section id {section.id!r}")
            seen.add(section.id)
        seen = set()
        for item in (i for section in self.sections for i in section.items):
            if item.id in seen:
                raise _DuplicateItem(item.id)
            seen.add(item.id)
        return self


class _DuplicateItem(ValueError):
    def __init__(self, item_id: str) -> None:
        super().__init__(f"duplicate item id {item_id!r}")
        self.item_id = item_id


def validate(data: dict[str, Any], path: object) -> dict[str, Any]:
    """The checklist in `data` (parsed TOML), normalised: defaults filled in, text stripped.

    Raises `ChecklistError` naming the file, the item id and the field of the first problem.
    """
    try:
        model = Checklist.model_validate(data)
    except ValidationError as exc:
        raise ChecklistError(_explain(exc, data, path)) from None
    return model.model_dump(mode="json")


def _explain(exc: ValidationError, data: dict[str, Any], path: object) -> str:
    """Name the file, the item id and the field of the first problem."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    where = _where(loc, data)
    field = _field_name(loc)
    ctx = err.get("ctx") or {}
    if isinstance(ctx.get("error"), _DuplicateItem):
        item_id = ctx["error"].item_id
        return (
            f"{path}: item {shown(item_id)}: field 'id': duplicate item id;"
            " every item id must be unique"
        )
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field; check the spelling (allowed fields are in the README)"
    elif err["type"] == "missing":
        msg = "required field is missing; add it"
    elif err["type"] in ("enum", "literal_error"):
        msg = f"{msg} (got {shown(err.get('input'))})"
    parts = [str(path)]
    if where:
        parts.append(where)
    if field:
        parts.append(f"field {field!r}")
    return ": ".join([*parts, msg])


def _where(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    try:
        if len(loc) >= 2 and loc[0] == "sections" and isinstance(loc[1], int):
            section = data["sections"][loc[1]]
            if len(loc) >= 4 and loc[2] == "items" and isinstance(loc[3], int):
                item = section["items"][loc[3]]
                item_id = item.get("id") if isinstance(item, dict) else None
                if item_id:
                    return f"item {shown(item_id)}"
                return f"section {shown(section.get('id', loc[1]))} item #{loc[3] + 1}"
            sid = section.get("id", loc[1]) if isinstance(section, dict) else loc[1]
            return f"section {shown(sid)}"
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return ""


def _field_name(loc: tuple[Any, ...]) -> str:
    names = [str(p) for p in loc if not isinstance(p, int)]
    if len(names) > 1 and names[0] == "sections":
        names = names[1:]
    if len(names) > 1 and names[0] == "items":
        names = names[1:]
    return ".".join(names)
