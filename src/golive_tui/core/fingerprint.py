"""What a probe result is bound to: the configuration it verified (`Snapshot`) and
how to say what changed since (`changes`).

A probe that passed because the rate card said 0.08 per token proves nothing once the
rate card says 0.07. So a probe keeps, next to its verdict, a small flattened copy of
each piece of configuration its verdict rests on ("tier 2 price" → "0.08") and a digest
of it. A later cheap re-read (core/recheck.py) builds the same snapshot from the live
API and compares: a different digest makes the result stale, and the values say what
changed in words a reviewer understands.

Never a secret: a webhook signing secret is kept as a keyed fingerprint
(`secret_fingerprint`), which tells "the same secret" from "another secret" and
cannot be turned back into it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from golive_tui.core.fields import Loc, Table
from golive_tui.core.redact import Secret

WEBHOOK = "webhook endpoint"  # the snapshot kind core builds and compares itself
MAX_VALUES = 200  # per snapshot: a rate card with more rates is cut (its digest still covers all)
MAX_VALUE_CHARS = 200
MAX_CHANGES_SHOWN = 3
# A fixed context for the keyed fingerprint: the same secret always gives the same
# fingerprint, in every state file, so a rotation shows as a change.
_SECRET_CONTEXT = b"golive: webhook signing secret fingerprint v1"


def digest_of(values: Mapping[str, str]) -> str:
    blob = json.dumps(dict(values), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def secret_fingerprint(secret: str) -> str:
    """A 48-bit keyed fingerprint of a secret: equal for the same secret, and useless
    for recovering it (the secret is the HMAC key, the message is public)."""
    return hmac.new(secret.encode(), _SECRET_CONTEXT, hashlib.sha256).hexdigest()[:12]


def _clip(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """One piece of configuration as a probe saw it.

    `kind` and `ref` say which object it is (the re-read fetches it again by them);
    `values` are its verified fields, flattened, in words: {"tier 2 price": "0.08"}.
    """

    kind: str  # "rate card", "billable metric", "meter", "plan", "webhook", …
    ref: str  # the object's id; "" for a singleton such as the webhook endpoint
    name: str  # what people call it: "Standard"
    values: Mapping[str, str] = field(default_factory=dict)
    digest: str = ""  # of every value, even those cut from `values` (see `build`)

    def __post_init__(self) -> None:
        if not self.digest:
            object.__setattr__(self, "digest", digest_of(self.values))

    @classmethod
    def build(cls, kind: str, ref: str, name: str, values: Mapping[str, object]) -> Snapshot:
        """A snapshot of `values` (any JSON-able values; kept as short text)."""
        flat = {str(k): _clip(v) for k, v in values.items()}
        kept = dict(sorted(flat.items())[:MAX_VALUES])
        return cls(kind=kind, ref=ref, name=name, values=kept, digest=digest_of(flat))

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.ref)

    @property
    def label(self) -> str:
        """ "rate card 'Standard'" """
        return f"{self.kind} {self.name!r}" if self.name else f"{self.kind} {self.ref}".strip()

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ref": self.ref,
            "name": self.name,
            "digest": self.digest,
            "values": dict(self.values),
        }

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> Snapshot:
        t = Table(data, loc)
        values = t.table("values").data
        snap = cls(
            kind=t.text("kind", nonempty=True),
            ref=t.text("ref", ""),
            name=t.text("name", ""),
            values={str(k): str(v) for k, v in values.items()},
            digest=t.text("digest", ""),
        )
        t.done()
        return snap


def changes(old: Snapshot, new: Snapshot | None) -> str | None:
    """What changed from `old` to `new`, in one line; None when nothing did.

    "rate card 'Standard' changed since this pass: tier 2 price 0.08 → 0.07"
    """
    if new is None:
        return f"{old.label} no longer exists (or can no longer be read) since this pass"
    if new.digest == old.digest:
        return None
    parts: list[str] = []
    # What changed before when it took effect: "… starting at …" entries go last.
    keys = sorted(set(old.values) | set(new.values), key=lambda k: (k.endswith(" at"), k))
    for key in keys:
        before, after = old.values.get(key), new.values.get(key)
        if before == after:
            continue
        if before is None:
            parts.append(f"{key} {after} added")
        elif after is None:
            parts.append(f"{key} {before} removed")
        else:
            parts.append(f"{key} {before} → {after}")
    if new.name and old.name and new.name != old.name and not any("name" in p for p in parts):
        parts.insert(0, f"name {old.name!r} → {new.name!r}")
    shown = "; ".join(parts[:MAX_CHANGES_SHOWN]) or "fields beyond those kept changed"
    more = len(parts) - MAX_CHANGES_SHOWN
    if more > 0:
        shown += f"; and {more} more"
    return f"{old.label} changed since this pass: {shown}"


def account_changes(old: Mapping[str, str], new: Mapping[str, str]) -> str | None:
    """How the account a token reaches differs from the one a result ran against, over
    the facts both sides know (an API that says less now is not a change)."""
    parts = [f"{k} {old[k]} → {new[k]}" for k in sorted(set(old) & set(new)) if old[k] != new[k]]
    if not parts:
        return None
    return "the token now reaches another account than this pass ran against: " + "; ".join(
        parts[:MAX_CHANGES_SHOWN]
    )


def webhook_snapshot(url: str, secret: Secret | None) -> Snapshot:
    """The webhook endpoint a signature probe checked: its URL and which secret."""
    values = {"url": url or "(none)"}
    if secret is not None:
        values["signing secret"] = "fingerprint " + secret_fingerprint(secret.reveal())
    return Snapshot.build(WEBHOOK, "", "", values)
