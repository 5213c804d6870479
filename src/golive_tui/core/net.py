"""Network facts shared by the probes, the sandboxes, the commands and the setup screen.

The transport policy lives here so that every path that sends a token applies the
same rule: a token only travels over https, or over plain http to this machine
(loopback), and a URL never carries user info (it would be saved and printed).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit


def is_loopback(host: str) -> bool:
    """True for localhost and any loopback address (127.0.0.0/8, ::1, bracketed or not)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def has_userinfo(url: str) -> bool:
    """True when `url` has a `user:password@` part."""
    try:
        return "@" in urlsplit(url.strip()).netloc
    except ValueError:
        return False


def strip_userinfo(url: str) -> str:
    """`url` without its `user:password@` part (for values stored before it was refused)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def credential_url_problem(url: str, what: str = "the token") -> str | None:
    """Why `what` must not be sent to `url`, or None. The reason is one line and says
    what to do; callers prefix the flag or field it came from. Never echoes user info."""
    shown = strip_userinfo(url.strip())
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return f"{shown!r} is not a valid URL; give one like https://api.example.com"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        return f"{shown!r} is not an http(s) URL; give one like https://api.example.com"
    if "@" in parts.netloc:
        return (
            "the URL contains a user name or password; remove the 'user:password@' part"
            " (it would be saved and printed in reports)"
        )
    if scheme == "http" and not is_loopback(host):
        return (
            f"plain http to {host} would send {what} unencrypted; use https"
            " (plain http only for a loopback sandbox: localhost, 127.0.0.1, ::1)"
        )
    return None


def same_origin(a: str, b: str) -> bool:
    """Same scheme, host and port (a redirect between them keeps the token where it was)."""
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def is_production_host(provider: str, base_url: str) -> bool:
    """True for a vendor's official production API host (a target there is production
    unless the API itself confirms a sandbox environment)."""
    from golive_tui.core import providers

    found = providers.find(provider)
    try:
        host = urlsplit(base_url.strip()).hostname or ""
    except ValueError:
        return False
    return found is not None and host in found.production_hosts
