"""Snapshots and what changed between two (core/fingerprint.py)."""

from __future__ import annotations

from golive_tui.core.fingerprint import (
    MAX_CHANGES_SHOWN,
    MAX_VALUES,
    Snapshot,
    account_changes,
    changes,
    secret_fingerprint,
    webhook_snapshot,
)
from golive_tui.core.redact import Secret


def _card(**values: str) -> Snapshot:
    return Snapshot.build("rate card", "rc_1", "Standard", values)


def test_an_unchanged_snapshot_has_no_changes_and_a_stable_digest() -> None:
    a = _card(**{"tier 2 price": "$0.08", "starting at": "2026-11-01"})
    b = _card(**{"starting at": "2026-11-01", "tier 2 price": "$0.08"})
    assert a.digest == b.digest and changes(a, b) is None
    assert Snapshot.from_data(a.to_data()) == a


def test_changes_name_the_piece_and_the_values_what_before_when() -> None:
    old = _card(**{"tier 2 price": "$0.08", "starting at": "2026-11-01", "tier 3 size": "10"})
    new = _card(**{"tier 2 price": "$0.07", "starting at": "2026-12-03", "tier 4 size": "5"})
    why = changes(old, new)
    assert why == (
        "rate card 'Standard' changed since this pass: tier 2 price $0.08 → $0.07;"
        " tier 3 size 10 removed; tier 4 size 5 added; and 1 more"
    )
    assert MAX_CHANGES_SHOWN == 3
    assert changes(old, None) == (
        "rate card 'Standard' no longer exists (or can no longer be read) since this pass"
    )


def test_a_change_beyond_the_kept_values_still_changes_the_digest() -> None:
    many = {f"rate {i:04}": "1" for i in range(MAX_VALUES + 10)}
    a = Snapshot.build("rate card", "rc", "Big", many)
    b = Snapshot.build("rate card", "rc", "Big", {**many, f"rate {MAX_VALUES + 5:04}": "2"})
    assert len(a.values) == MAX_VALUES and a.values == b.values
    assert a.digest != b.digest
    assert (
        changes(a, b) == "rate card 'Big' changed since this pass: fields beyond those kept changed"
    )


def test_a_secret_is_kept_only_as_a_keyed_fingerprint() -> None:
    secret = "whsec_" + "k" * 32
    snap = webhook_snapshot("https://example.com/hook", Secret(secret))
    text = repr(snap.to_data())
    assert secret not in text and "k" * 8 not in text
    assert snap.values["signing secret"] == "fingerprint " + secret_fingerprint(secret)
    assert secret_fingerprint(secret) != secret_fingerprint(secret + "x")
    rotated = webhook_snapshot("https://example.com/hook", Secret(secret + "x"))
    assert "signing secret fingerprint" in (changes(snap, rotated) or "")


def test_account_changes_compare_only_what_both_sides_know() -> None:
    old = {"environment id": "env_a", "tenant": "t1"}
    assert account_changes(old, {"environment id": "env_a"}) is None
    moved = account_changes(old, {"environment id": "env_b", "tenant": "t1"})
    assert moved is not None and "environment id env_a → env_b" in moved
