"""What the setup form accepts, checked without any UI: base URLs, webhook URLs, event
names. The setup screen shows these one-line reasons beside the field; they are kept
short enough for 80 columns."""

from __future__ import annotations

import getpass
from urllib.parse import urlsplit

from golive_tui.core import providers, secrets
from golive_tui.core.errors import SecretStoreError
from golive_tui.core.net import has_userinfo, is_loopback
from golive_tui.core.provider import Host


def provider_hosts(name: str) -> tuple[Host, ...]:
    """The provider's production hosts, as the vendor gives them (its setup presets)."""
    found = providers.find(name)
    return found.hosts if found is not None else ()


def check_base_url(url: str, environment: str, provider: str = "") -> str:
    """The normalised base URL, or ValueError with a one-line reason."""
    url = url.strip()
    found = providers.find(provider) or next(iter(providers.all_providers().values()))
    example = found.hosts[0].url
    if not url:
        raise ValueError(f"give the API's base URL, e.g. {example}")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url} is not an http(s) URL; give one like {example}")
    if has_userinfo(url):
        raise ValueError("no user name or password in the URL: it is saved in plain text")
    if scheme == "http":
        if environment == "production":
            raise ValueError(
                "production requires https: plain http would send the token unencrypted"
            )
        if not is_loopback(parts.hostname):
            raise ValueError(
                "plain http is only for a loopback sandbox (localhost, 127.0.0.1); use https"
            )
    problem = found.base_url_problem(url) if found.name == provider else None
    if problem:
        raise ValueError(problem)
    try:
        return secrets.normalise_base_url(url)
    except SecretStoreError as exc:
        raise ValueError(exc.message) from None


def check_webhook_url(url: str, environment: str) -> str:
    """The webhook endpoint URL ("" when not given), or ValueError with a one-line reason.

    The reasons are short enough to stay on one line beside the field at 80 columns.
    """
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL, e.g. https://app.example/webhooks")
    if parts.username is not None or parts.password is not None:
        raise ValueError("no credentials in the URL: it is saved in plain text")
    if scheme == "http":
        if environment == "production":
            raise ValueError("production requires https for the webhook")
        if not is_loopback(parts.hostname):
            raise ValueError("use https (plain http only for a localhost sandbox)")
    return url


def parse_event_names(text: str) -> list[str]:
    """Comma-separated names: case kept, spaces around commas and empty entries dropped."""
    names = (name.strip() for name in text.split(","))
    return list(dict.fromkeys(name for name in names if name))


def default_operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): leave the field empty
        return ""
