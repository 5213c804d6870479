"""Small helpers every provider's probes share: time, exact numbers, URL safety."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from golive_tui.core.net import is_loopback


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(t: datetime) -> str:
    """RFC 3339 in UTC with a Z, the form both vendors document."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def dec(value: Any) -> Decimal:
    """A number or decimal string as Decimal; anything unreadable counts as 0."""
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def fmt(d: Decimal) -> str:
    """A Decimal without exponent noise: 1.50E+3 → 1500, 0.0300 → 0.03."""
    return format(d.normalize(), "f")


def insecure_url(url: str, fix: str) -> str | None:
    """Why `url` must not carry a credential (not http(s), or plain http off this host)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"base URL {url!r} is not an http(s) URL; use {fix}"
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        return (
            f"base URL {url!r} is plain http; the key would cross the network unencrypted —"
            f" use {fix}"
        )
    return None
