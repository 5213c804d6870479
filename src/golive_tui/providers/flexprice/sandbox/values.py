"""The Flexprice sandbox's fixed values and small helpers: ULID-shaped ids, decimals
as the server writes them, Go's `%v`, the error envelope and the audit fields.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from golive_tui.core.sandbox.dates import iso
from golive_tui.providers.flexprice.gofmt import go_v as go_v  # re-exported

if TYPE_CHECKING:
    from golive_tui.providers.flexprice.sandbox.account import Account

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CREATED_BY = "golive sandbox seed"
CENT = Decimal("0.01")
DEFAULT_SETTINGS: dict[str, dict[str, Any]] = {
    # ref §7: defaults the server returns when nothing is stored
    "subscription_config": {"grace_period_days": 3, "auto_cancellation_enabled": False},
    "invoice_config": {"due_date_days": 1, "finalization_delay_seconds": 7200},
}


def _b32(data: bytes, n: int) -> str:
    num = int.from_bytes(data, "big")
    out = []
    for _ in range(n):
        num, r = divmod(num, 32)
        out.append(CROCKFORD[r])
    return "".join(reversed(out))


def fid(prefix: str, *parts: str) -> str:
    """A deterministic ULID-shaped id (`cust_01…`) for a named sandbox object."""
    digest = hashlib.sha256("/".join((prefix, *parts)).encode()).digest()
    return f"{prefix}_01{_b32(digest, 24)}"


def ulid(prefix: str, at: datetime | None = None) -> str:
    """A fresh `<prefix>_<ULID>` (48-bit milliseconds, 80 random bits), as the server makes."""
    ms = int((at.timestamp() if at else time.time()) * 1000) & ((1 << 48) - 1)
    return f"{prefix}_{_b32(ms.to_bytes(6, 'big'), 10)}{_b32(secrets.token_bytes(10), 16)}"


def decimal_text(d: Decimal) -> str:
    """A decimal as shopspring's String() writes it: no exponent, no trailing zeros."""
    if d == 0:
        return "0"
    text = format(d.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def to_decimal(value: Any) -> Decimal | None:
    """A property value as a number (JSON number or numeric string); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal | float | str):
        try:
            d = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            return None
        return d if d.is_finite() else None
    return None


ENVIRONMENT_ID = fid("env", "sandbox")
TENANT_ID = fid("tenant", "quill")


def error_obj(code: str, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message, "http_status_code": status}


# --- catalogue ---------------------------------------------------------------------------


def audit(account: Account, created_at: datetime) -> dict[str, str]:
    """The tenant, environment and audit fields every Flexprice object carries."""
    return {
        "tenant_id": account.tenant_id,
        "environment_id": account.environment_id,
        "created_at": iso(created_at),
        "updated_at": iso(created_at),
        "created_by": CREATED_BY,
        "updated_by": CREATED_BY,
    }
