"""Keeping secrets out of output: a `Secret` that never prints, and a `Redactor`.

No keyring here (and nothing heavy): probes, evidence excerpts and the app use
this on every piece of text they show or save.

- `Secret` wraps a token. `str()`, `repr()` and f-strings show `Secret(****)`;
  only `reveal()` returns the value. It refuses pickling and copying to another
  process, and `json`, `tomli_w` and golive's TOML writer reject it as an unknown type, so it
  cannot end up in a file by accident.
- `Redactor` replaces every known secret (and its base64 and URL-encoded forms)
  with `[REDACTED]`, and blanks sensitive headers entirely.
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn
from urllib.parse import quote, quote_plus

from golive_tui.core.textsafe import valid

REDACTED = "[REDACTED]"
MIN_SECRET_LENGTH = 4  # shorter strings would redact ordinary words

# Header values that are secret as a whole, whatever they contain (lower case).
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "svix-signature",
        "cookie",
        "set-cookie",
    }
)


# … and any vendor's `<vendor>-webhook-signature` header.
SENSITIVE_HEADER_SUFFIX = "-webhook-signature"


class Secret:
    """A secret string that does not reveal itself by accident."""

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"Secret wraps a str, not {type(value).__name__}")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """The value itself: pass it straight to the HTTP client, never to output."""
        return self._value

    def __repr__(self) -> str:
        return "Secret(****)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "Secret(****)"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Secret is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Secret is immutable")

    # Immutable, so copies can be the object itself; never via __reduce__.
    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or serialized")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or serialized")

    def __getstate__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or serialized")


def _forms(secret: str) -> set[str]:
    """The secret as it may appear in text: as is, base64 and URL-encoded."""
    raw = secret.encode("utf-8")
    b64 = base64.b64encode(raw).decode("ascii")
    b64url = base64.urlsafe_b64encode(raw).decode("ascii")
    forms = {secret, b64, b64.rstrip("="), b64url, b64url.rstrip("="), quote(secret, safe="")}
    forms.add(quote_plus(secret, safe=""))
    return {f for f in forms if len(f) >= MIN_SECRET_LENGTH}


# Credential-shaped text, scrubbed even when the secret itself is not known (a
# token pasted into a note, an echoed header or URL). Group 1, when present, is
# the label that stays: `Bearer [REDACTED]`, `?api_key=[REDACTED]`.
_CREDENTIAL_SHAPES = re.compile(
    r"(?i:(\bbearer\s+))[A-Za-z0-9._~+/=-]{8,}"
    r"|(?i:(x-api-key\"?\s*[:=]\s*\"?))[^\s\"',]{8,}"
    r"|\bwhsec_[A-Za-z0-9+/=_-]{8,}"
    # Stripe-style live/test keys, and `sk_<ULID>` / `pk_…` keys (as billing APIs issue).
    r"|\b[spr]k_(?:live|test)_[A-Za-z0-9]{8,}"
    r"|\b[sp]k_[A-Za-z0-9]{16,}"
    # `token=`, `api_key=`, `client_secret=`, … in a query string or a form body.
    r"|(?i:(\b[A-Za-z0-9_.-]*(?:token|key|secret|password)=))[^\s&#\"'<>]+"
)


def _keep_label(m: re.Match[str]) -> str:
    return (m.group(1) or m.group(2) or m.group(3) or "") + REDACTED


def scrub_credentials(s: str) -> str:
    """Blank anything shaped like a credential, known or not."""
    return _CREDENTIAL_SHAPES.sub(_keep_label, s) if s else s


class Redactor:
    """Replaces known secrets, and credential-shaped text, with `[REDACTED]`.

    Built once per run from the secrets in play; `text` is a single precompiled
    regex pass (longest form first), so it is cheap to call on every excerpt.
    """

    __slots__ = ("_pattern",)

    def __init__(self, secrets: Iterable[str | Secret] = ()) -> None:
        forms: set[str] = set()
        for s in secrets:
            value = s.reveal() if isinstance(s, Secret) else s
            if value and len(value) >= MIN_SECRET_LENGTH:
                forms |= _forms(value)
        # Longest first, so a secret is never half-replaced by a shorter one inside it.
        ordered = sorted(forms, key=lambda f: (-len(f), f))
        self._pattern: re.Pattern[str] | None = (
            re.compile("|".join(re.escape(f) for f in ordered)) if ordered else None
        )

    def __bool__(self) -> bool:
        # Always true: even with no known secret it scrubs credential shapes, so
        # `redactor or identity` must never skip it.
        return True

    @property
    def knows_secrets(self) -> bool:
        """Whether any secret (long enough to redact) was given."""
        return self._pattern is not None

    def __repr__(self) -> str:
        return "Redactor(****)"

    def text(self, s: str) -> str:
        """`s` without secrets or credential shapes (and without lone surrogates)."""
        if not s:
            return s
        s = valid(s)
        if self._pattern is not None:
            s = self._pattern.sub(REDACTED, s)
        return scrub_credentials(s)

    __call__ = text

    def headers(self, mapping: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
        """A copy with sensitive header values blanked and known secrets removed elsewhere."""
        items = mapping.items() if isinstance(mapping, Mapping) else mapping
        out: dict[str, str] = {}
        for name, value in items:
            lowered = name.lower()
            if lowered in SENSITIVE_HEADERS or lowered.endswith(SENSITIVE_HEADER_SUFFIX):
                out[name] = REDACTED
            else:
                out[name] = self.text(value)
        return out
