"""Secrets in the keyring: keys, round trips, env-var tokens, one-line errors, `Secret`.

The keyring here is an in-memory backend installed with `keyring.set_keyring()`
(restored after each test); the real Secret Service is exercised in
tests/integration/test_keyring_secret_service.py.
"""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Iterator
from typing import Any

import keyring
import keyring.backends.fail
import pytest
import tomli_w
from keyring.backend import KeyringBackend
from keyring.errors import InitError, KeyringLocked
from pydantic import BaseModel, ConfigDict

from golive_tui.core import secrets
from golive_tui.core.errors import GoliveError, SecretStoreError
from golive_tui.core.redact import Secret
from golive_tui.core.secrets import SecretKey
from memory_keyring import MemoryKeyring

TOKEN = "mtr_live_0123456789abcdefXYZ"


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str, *value: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    set_password = delete_password = get_password  # type: ignore[assignment]


class NoCollectionKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str, *value: str) -> str | None:
        raise InitError("Failed to create the collection: Prompt dismissed..")

    set_password = get_password  # type: ignore[assignment]


class DbusFailure(Exception):
    pass


DbusFailure.__module__ = "jeepney.wrappers"


class DbusBrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise DbusFailure("org.freedesktop.DBus.Error.ServiceUnknown")


class BuggyKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise ZeroDivisionError("a bug, not a keyring problem")


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring."""


class AltFileKeyring(MemoryKeyring):
    pass


AltFileKeyring.__module__ = "keyrings.alt.file"


@pytest.fixture
def use_backend() -> Iterator[Any]:
    before = keyring.get_keyring()

    def install(kr: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(kr)
        return kr

    yield install
    keyring.set_keyring(before)


@pytest.fixture
def mem(use_backend: Any) -> MemoryKeyring:
    kr = MemoryKeyring()
    use_backend(kr)
    return kr


def key(kind: secrets.Kind = "api-token", **kw: str) -> SecretKey:
    args = {"provider": "metronome", "environment": "production"}
    args |= kw
    return SecretKey(
        args["provider"],
        args["environment"],
        args.get("base_url", "https://api.metronome.com"),
        kind,
    )


# --- SecretKey ------------------------------------------------------------------------


def test_username_names_kind_provider_environment_and_url() -> None:
    assert key().username == "api-token:metronome:production:https://api.metronome.com"
    assert key("webhook-secret").username.startswith("webhook-secret:metronome:production:")


def test_base_url_is_normalised() -> None:
    k = SecretKey("metronome", "sandbox", "HTTPS://API.Metronome.COM/", "api-token")
    assert k.base_url == "https://api.metronome.com"
    assert k == SecretKey("metronome", "sandbox", "https://api.metronome.com", "api-token")
    assert SecretKey("flexprice", "sandbox", "https://X.io/v1/").base_url == "https://x.io/v1"


def test_bad_base_url_is_one_line_error_naming_the_flag() -> None:
    with pytest.raises(SecretStoreError, match=r"^--base-url 'api.metronome.com': not an http"):
        SecretKey("metronome", "sandbox", "api.metronome.com")


def test_set_command_tells_how_to_store_it() -> None:
    assert key("webhook-secret").set_command() == (
        "golive token set --provider metronome --environment production"
        " --base-url https://api.metronome.com --webhook-secret"
    )


# --- round trips ----------------------------------------------------------------------


def test_store_load_delete_round_trip(mem: MemoryKeyring) -> None:
    assert secrets.load(key()) is None
    secrets.store(key(), TOKEN)
    assert mem.entries == {("golive", key().username): TOKEN}
    got = secrets.load(key())
    assert isinstance(got, Secret)
    assert got.reveal() == TOKEN
    assert secrets.delete(key()) is True
    assert secrets.load(key()) is None
    assert secrets.delete(key()) is False


def test_entries_are_separate_per_target_and_kind(mem: MemoryKeyring) -> None:
    keys = [
        key(),
        key("webhook-secret"),
        key(environment="sandbox"),
        key(base_url="https://api.eu.metronome.com"),
        key(provider="flexprice", base_url="https://us.api.flexprice.io"),
        key(provider="flexprice", base_url="https://api.cloud.flexprice.io"),
    ]
    for i, k in enumerate(keys):
        secrets.store(k, f"value-{i}-xxxx")
    assert len(mem.entries) == len(keys)
    assert [secrets.load(k) for k in keys] == [Secret(f"value-{i}-xxxx") for i in range(len(keys))]
    secrets.delete(keys[0])
    assert secrets.load(keys[0]) is None
    assert secrets.load(keys[1]) == Secret("value-1-xxxx")


def test_store_refuses_empty_value(mem: MemoryKeyring) -> None:
    with pytest.raises(SecretStoreError, match="empty API token"):
        secrets.store(key(), "")
    assert mem.entries == {}


def test_store_accepts_a_secret(mem: MemoryKeyring) -> None:
    secrets.store(key(), Secret(TOKEN))
    assert mem.entries[("golive", key().username)] == TOKEN


def test_roundtrip_check_works_and_leaves_nothing_behind(mem: MemoryKeyring) -> None:
    ok, message = secrets.roundtrip_check()
    assert ok, message
    assert "MemoryKeyring" in message
    assert mem.entries == {}


# --- resolve_token ----------------------------------------------------------------------


def test_resolve_token_prefers_the_named_env_var(
    mem: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets.store(key(), "from-keyring")
    monkeypatch.setenv("GOLIVE_CI_TOKEN", "from-env-var\n")
    assert secrets.resolve_token(key(), "GOLIVE_CI_TOKEN") == Secret("from-env-var")
    assert secrets.resolve_token(key(), None) == Secret("from-keyring")


def test_resolve_token_env_var_missing_or_empty(
    mem: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets.store(key(), "from-keyring")  # must not be used as a fallback
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    with pytest.raises(SecretStoreError, match=r"^--token-env NOPE_TOKEN: .*NOPE_TOKEN is not set"):
        secrets.resolve_token(key(), "NOPE_TOKEN")
    monkeypatch.setenv("NOPE_TOKEN", "  ")
    with pytest.raises(SecretStoreError, match=r"NOPE_TOKEN is empty"):
        secrets.resolve_token(key(), "NOPE_TOKEN")


def test_resolve_token_nothing_stored_says_how_to_store_it(mem: MemoryKeyring) -> None:
    with pytest.raises(SecretStoreError) as info:
        secrets.resolve_token(key(environment="sandbox"), None)
    msg = info.value.message
    assert "golive token set --provider metronome --environment sandbox" in msg
    assert "--base-url https://api.metronome.com" in msg
    assert "--token-env VAR" in msg
    assert "\n" not in msg


# --- unusable backends ---------------------------------------------------------------------


def test_fail_backend_names_backend_and_options(use_backend: Any) -> None:
    use_backend(keyring.backends.fail.Keyring())
    for call in (
        lambda: secrets.store(key(), TOKEN),
        lambda: secrets.load(key()),
        lambda: secrets.delete(key()),
        lambda: secrets.resolve_token(key(), None),
    ):
        with pytest.raises(SecretStoreError) as info:
            call()
        msg = info.value.message
        assert "fail Keyring" in msg
        assert "--token-env" in msg
        assert "Secret Service" in msg
        assert "keyrings.alt" not in msg  # keyring's own text recommends it; we must not
        assert info.value.__suppress_context__
    assert secrets.backend_name() == "fail Keyring"
    ok, message = secrets.roundtrip_check()
    assert not ok
    assert "fail Keyring" in message


def test_locked_backend_says_locked_and_unlock(use_backend: Any) -> None:
    use_backend(LockedKeyring())
    with pytest.raises(SecretStoreError) as info:
        secrets.store(key(), TOKEN)
    msg = info.value.message
    assert "locked" in msg
    assert "unlock" in msg
    assert "LockedKeyring" in msg
    assert "--token-env" in msg


def test_init_error_and_dbus_failures_are_one_line(use_backend: Any) -> None:
    use_backend(NoCollectionKeyring())
    with pytest.raises(
        SecretStoreError, match=r"could not be opened.*Prompt dismissed.*--token-env"
    ):
        secrets.load(key())
    with pytest.raises(SecretStoreError, match="could not be opened"):
        secrets.store(key(), TOKEN)
    use_backend(DbusBrokenKeyring())
    with pytest.raises(SecretStoreError, match=r"did not answer.*ServiceUnknown.*--token-env"):
        secrets.load(key())


def test_a_bug_in_a_backend_is_not_disguised(use_backend: Any) -> None:
    use_backend(BuggyKeyring())
    with pytest.raises(ZeroDivisionError):
        secrets.load(key())


@pytest.mark.parametrize("backend_cls", [PlaintextKeyring, AltFileKeyring])
def test_plaintext_backends_are_refused(use_backend: Any, backend_cls: type[MemoryKeyring]) -> None:
    kr = use_backend(backend_cls())
    with pytest.raises(SecretStoreError, match=r"refusing the keyring backend.*plaintext"):
        secrets.store(key(), TOKEN)
    assert kr.entries == {}
    ok, message = secrets.roundtrip_check()
    assert not ok
    assert "refusing" in message


def test_null_backend_is_refused(use_backend: Any) -> None:
    import keyring.backends.null

    use_backend(keyring.backends.null.Keyring())
    with pytest.raises(SecretStoreError, match="refusing the keyring backend null Keyring"):
        secrets.store(key(), TOKEN)


def test_chainer_skips_plaintext_members(use_backend: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends.chainer import ChainerBackend

    real, plain = MemoryKeyring(), AltFileKeyring()
    monkeypatch.setattr(ChainerBackend, "backends", [plain, real])
    use_backend(ChainerBackend())
    secrets.store(key(), TOKEN)
    assert plain.entries == {}
    assert real.entries == {("golive", key().username): TOKEN}
    monkeypatch.setattr(ChainerBackend, "backends", [plain])
    with pytest.raises(SecretStoreError, match="refusing"):
        secrets.store(key(), TOKEN)


def test_errors_are_golive_errors_with_exit_2() -> None:
    assert issubclass(SecretStoreError, GoliveError)
    assert SecretStoreError("x").exit_code == 2


# --- Secret ------------------------------------------------------------------------------


def test_secret_never_reveals_itself_by_accident() -> None:
    s = Secret(TOKEN)
    old_style = ["%s" % s, "%r" % s, "{}".format(s), format(s, "")]  # noqa: UP031, UP032
    shown = [str(s), repr(s), f"{s}", f"{s!r}", *old_style, str([s]), str({"t": s})]
    assert all(TOKEN not in x for x in shown)
    assert str(s) == repr(s) == "Secret(****)"
    assert s.reveal() == TOKEN


def test_secret_equality_truthiness_and_length() -> None:
    assert Secret("abcd") == Secret("abcd")
    assert Secret("abcd") != Secret("abce")
    assert Secret("abcd") != "abcd"  # never equal to a bare string
    assert bool(Secret("x")) and not bool(Secret(""))
    assert len(Secret(TOKEN)) == len(TOKEN)
    assert len({Secret("abcd"), Secret("abcd")}) == 1


def test_secret_refuses_serialisation() -> None:
    s = Secret(TOKEN)
    with pytest.raises(TypeError):
        pickle.dumps(s)
    with pytest.raises(TypeError):
        json.dumps({"token": s})
    with pytest.raises(TypeError):
        tomli_w.dumps({"token": s})
    with pytest.raises((TypeError, AttributeError)):
        s._value = "other"  # type: ignore[misc]
    assert copy.deepcopy(s) is s


def test_secret_does_not_serialise_through_pydantic() -> None:
    class M(BaseModel):
        model_config = ConfigDict(arbitrary_types_allowed=True)
        token: Secret

    m = M(token=Secret(TOKEN))
    with pytest.raises(Exception) as info:
        m.model_dump_json()
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(m)


def test_importing_secrets_does_not_import_keyring() -> None:
    import subprocess
    import sys

    code = (
        "import sys, golive_tui.core.secrets, golive_tui.core.redact, golive_tui.commands.token\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('keyring', 'textual')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
