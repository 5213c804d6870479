"""API tokens and webhook secrets in the OS keyring.

One keyring entry per target and kind, under service `golive`; the username is
`<kind>:<provider>:<environment>:<base url>`. For CI the token can come from an
environment variable the user names (`--token-env VAR`) instead. Tokens are never
taken from the command line and never written to a file, a log or an export.

Every keyring failure becomes a one-line `SecretStoreError` that names the
backend keyring picked and the ways out: unlock the keyring, install and start a
Secret Service (gnome-keyring or KeePassXC), or `--token-env VAR`. Plaintext
backends (`keyrings.alt`, which becomes the default silently when installed) and
the null backend are refused rather than used.

`keyring` is imported inside the functions: start-up never pays for it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets as _random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from golive_tui.core.errors import SecretStoreError
from golive_tui.core.redact import Secret

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "golive"

Kind = Literal["api-token", "webhook-secret"]
KINDS: tuple[Kind, ...] = ("api-token", "webhook-secret")
KIND_LABEL: dict[str, str] = {"api-token": "API token", "webhook-secret": "webhook secret"}

OPTIONS = (
    "unlock the keyring, or install and start a Secret Service (gnome-keyring or KeePassXC),"
    " or use --token-env VAR to read the token from an environment variable (CI)"
)

# Exceptions from these packages come from the D-Bus / Secret Service layer.
_DBUS_MODULES = ("secretstorage", "jeepney", "dbus")


def normalise_base_url(url: str) -> str:
    """`HTTPS://API.Example.com/` → `https://api.example.com` (path kept as is)."""
    url = url.strip()
    parts = urlsplit(url)
    if "@" in parts.netloc:
        # Never echoed: the part before @ is a password more often than not.
        raise SecretStoreError(
            "--base-url: the URL contains a user name or password; remove the 'user:password@' part"
        )
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise SecretStoreError(
            f"--base-url {url!r}: not an http(s) URL; pass one like https://api.example.com"
        )
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


@dataclass(frozen=True)
class SecretKey:
    """Which secret: a target (provider, environment, base URL) and a kind."""

    provider: str
    environment: str
    base_url: str
    kind: Kind = "api-token"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        object.__setattr__(self, "provider", self.provider.strip().lower())
        object.__setattr__(self, "environment", self.environment.strip().lower())
        object.__setattr__(self, "base_url", normalise_base_url(self.base_url))

    @property
    def username(self) -> str:
        """The keyring entry's username, e.g. `api-token:PROVIDER:production:https://…`."""
        return f"{self.kind}:{self.provider}:{self.environment}:{self.base_url}"

    @property
    def label(self) -> str:
        """For people: `API token for PROVIDER production (https://api.example.com)`."""
        return f"{KIND_LABEL[self.kind]} for {self.provider} {self.environment} ({self.base_url})"

    def set_command(self) -> str:
        """The command that stores this secret."""
        cmd = (
            f"golive token set --provider {self.provider} --environment {self.environment}"
            f" --base-url {self.base_url}"
        )
        return cmd + (" --webhook-secret" if self.kind == "webhook-secret" else "")


# --- the backend ------------------------------------------------------------------


def _is_plaintextish(kr: object) -> bool:
    cls = type(kr)
    module = cls.__module__
    return (
        module == "keyrings.alt"
        or module.startswith("keyrings.alt.")
        or "plaintext" in cls.__name__.lower()
        or module == "keyring.backends.null"
    )


def _name(kr: object) -> str:
    name = getattr(type(kr), "name", None)
    return name if isinstance(name, str) else f"{type(kr).__module__}.{type(kr).__name__}"


def _resolve() -> KeyringBackend:
    """The backend to use; refuses plaintext and null ones (also inside a chain)."""
    try:
        import keyring
        from keyring.backends.chainer import ChainerBackend
    except ImportError as exc:  # pragma: no cover - keyring is a dependency
        raise SecretStoreError(f"the keyring package is not installed ({exc}); {OPTIONS}") from None
    try:
        kr = keyring.get_keyring()
    except Exception as exc:
        # A bad PYTHON_KEYRING_BACKEND or keyringrc.cfg ends up here.
        raise SecretStoreError(
            f"cannot load a keyring backend ({type(exc).__name__}: {exc}); check"
            f" PYTHON_KEYRING_BACKEND and keyringrc.cfg, or {OPTIONS}"
        ) from None
    if isinstance(kr, ChainerBackend):
        chained = list(kr.backends)
        usable: list[KeyringBackend] = [b for b in chained if not _is_plaintextish(b)]
        if not usable:
            names = ", ".join(_name(b) for b in chained) or "none"
            raise _plaintext_error(names)
        return usable[0]
    if _is_plaintextish(kr):
        raise _plaintext_error(_name(kr))
    return kr


def _plaintext_error(names: str) -> SecretStoreError:
    return SecretStoreError(
        f"refusing the keyring backend {names}: it keeps secrets in plaintext or discards"
        " them (uninstall keyrings.alt, or set PYTHON_KEYRING_BACKEND to a real one); " + OPTIONS
    )


def backend_name() -> str:
    """The backend in use, e.g. "SecretService Keyring" or "fail Keyring". Never raises."""
    try:
        import keyring
        from keyring.backends.chainer import ChainerBackend

        kr = keyring.get_keyring()
    except Exception as exc:
        return f"unavailable ({type(exc).__name__})"
    if isinstance(kr, ChainerBackend):
        inner = ", ".join(_name(b) for b in kr.backends)
        return f"{_name(kr)} ({inner})"
    return _name(kr)


def _translate(exc: BaseException, backend: str) -> SecretStoreError | None:
    """A one-line SecretStoreError for a keyring-layer failure, or None if it is a bug."""
    from keyring import errors

    if isinstance(exc, errors.KeyringLocked):
        return SecretStoreError(
            f"the keyring is locked (backend: {backend}) and could not be unlocked;"
            " unlock it (log in to the desktop session, or run gnome-keyring-daemon --unlock),"
            " or use --token-env VAR to read the token from an environment variable (CI)"
        )
    if isinstance(exc, errors.NoKeyringError):
        # keyring's own text recommends keyrings.alt (plaintext); do not repeat it.
        return SecretStoreError(
            f"no usable keyring (backend found: {backend}); install and start a Secret Service"
            " (gnome-keyring or KeePassXC) and unlock it, or use --token-env VAR to read the"
            " token from an environment variable (CI); golive never falls back to plaintext"
        )
    if isinstance(exc, errors.InitError):
        return SecretStoreError(
            f"the keyring could not be opened (backend: {backend}: {exc}); usually there is no"
            f" login keyring yet or it is locked and no unlock prompt could be shown; {OPTIONS}"
        )
    if isinstance(exc, errors.KeyringError):
        return SecretStoreError(f"keyring error (backend: {backend}: {exc}); {OPTIONS}")
    if type(exc).__module__.split(".")[0] in _DBUS_MODULES or isinstance(exc, OSError):
        return SecretStoreError(
            f"the Secret Service did not answer (backend: {backend}:"
            f" {type(exc).__name__}: {exc}); {OPTIONS}"
        )
    return None


def _call(kr: KeyringBackend, method: str, *args: str) -> Any:
    try:
        return getattr(kr, method)(*args)
    except Exception as exc:
        err = _translate(exc, _name(kr))
        if err is None:
            raise
        raise err from None


# --- the API ------------------------------------------------------------------------


def store(key: SecretKey, value: str | Secret) -> None:
    """Save `value` in the keyring (replacing any previous one)."""
    if isinstance(value, Secret):
        value = value.reveal()
    if not value:
        raise SecretStoreError(f"empty {KIND_LABEL[key.kind]}; nothing stored")
    _call(_resolve(), "set_password", SERVICE, key.username, value)


def load(key: SecretKey) -> Secret | None:
    """The stored secret, or None when there is none."""
    value = _call(_resolve(), "get_password", SERVICE, key.username)
    return Secret(value) if value else None


def delete(key: SecretKey) -> bool:
    """Remove the stored secret; False when there was none."""
    from keyring.errors import PasswordDeleteError

    kr = _resolve()
    if _call(kr, "get_password", SERVICE, key.username) is None:
        return False
    try:
        kr.delete_password(SERVICE, key.username)
    except PasswordDeleteError:
        return False
    except Exception as exc:
        err = _translate(exc, _name(kr))
        if err is None:
            raise
        raise err from None
    return True


# What `--token-env` takes: a variable's name, never its value (a pasted token is
# refused without being echoed).
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")


def from_env(var: str, flag: str = "--token-env", kind: Kind = "api-token") -> Secret:
    """The secret in environment variable `var` (named by `flag`); one-line errors."""
    if not ENV_NAME.fullmatch(var):
        raise SecretStoreError(
            f"{flag}: takes the NAME of an environment variable (A-Z, 0-9 and _, e.g."
            f" GOLIVE_TOKEN), not the {KIND_LABEL[kind]} itself (what you typed is not shown);"
            f" export the {KIND_LABEL[kind]} in a variable and pass its name"
        )
    value = os.environ.get(var, "").strip()
    if not value:
        state = "empty" if var in os.environ else "not set"
        raise SecretStoreError(
            f"{flag} {var}: environment variable {var} is {state};"
            f" export the {KIND_LABEL[kind]} in it, or drop {flag} to use the keyring"
        )
    return Secret(value)


def resolve_token(
    key: SecretKey, token_env: str | None = None, flag: str = "--token-env"
) -> Secret:
    """The secret for `key`: from `$token_env` when given, else from the keyring."""
    if token_env is not None:
        return from_env(token_env, flag, key.kind)
    found = load(key)
    if found is None:
        raise SecretStoreError(
            f"no {key.label} in the keyring; run `{key.set_command()}`"
            " or pass --token-env VAR to read it from an environment variable"
        )
    return found


def roundtrip_check() -> tuple[bool, str]:
    """Set, get and delete a throwaway entry (for `golive doctor`); never raises."""
    username = f"golive-doctor-{_random.token_hex(6)}"
    value = _random.token_urlsafe(24)
    try:
        kr = _resolve()
    except SecretStoreError as exc:
        return False, exc.message
    name = _name(kr)
    try:
        _call(kr, "set_password", SERVICE, username, value)
        try:
            got = _call(kr, "get_password", SERVICE, username)
        finally:
            with contextlib.suppress(Exception):
                kr.delete_password(SERVICE, username)
        if got != value:
            return False, f"{name}: stored a test entry but read back something else"
        leftover = _call(kr, "get_password", SERVICE, username)
        if leftover is not None:
            return False, f"{name}: the test entry {username} could not be deleted"
    except SecretStoreError as exc:
        return False, exc.message
    except Exception as exc:
        return False, f"{name}: {type(exc).__name__}: {exc}"
    return True, f"{name}: set, get and delete work"
