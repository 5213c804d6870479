"""Redaction of secrets in text and headers."""

from __future__ import annotations

import base64
from urllib.parse import quote, quote_plus

from golive_tui.core.redact import REDACTED, Redactor, Secret

TOKEN = "sk_live/abc+def=123"  # has characters that URL- and base64-encode differently
WEBHOOK = "whsec_Zm9vYmFyYmF6"


def test_redacts_every_occurrence_in_text() -> None:
    r = Redactor([TOKEN])
    out = r.text(f'{{"token": "{TOKEN}", "again": "{TOKEN}"}} tail')
    assert TOKEN not in out
    assert out == f'{{"token": "{REDACTED}", "again": "{REDACTED}"}} tail'
    assert r(f"x{TOKEN}y") == f"x{REDACTED}y"


def test_redacts_base64_and_url_encoded_forms() -> None:
    r = Redactor([TOKEN])
    b64 = base64.b64encode(TOKEN.encode()).decode()
    b64url = base64.urlsafe_b64encode(TOKEN.encode()).decode()
    for form in (b64, b64.rstrip("="), b64url, quote(TOKEN, safe=""), quote_plus(TOKEN)):
        out = r.text(f"before {form} after")
        assert out == f"before {REDACTED} after", form


def test_longest_first_leaves_no_fragment() -> None:
    short, long = "abcd1234", "abcd1234-and-more"
    r = Redactor([short, long])
    assert r.text(f"{long} {short}") == f"{REDACTED} {REDACTED}"


def test_short_and_empty_secrets_are_ignored() -> None:
    r = Redactor(["abc", "", "x"])
    assert not r.knows_secrets
    assert r.text("abc x abcdef") == "abc x abcdef"


def test_no_secrets_returns_text_unchanged() -> None:
    r = Redactor()
    s = "nothing to see"
    assert r.text(s) is s


def test_accepts_secret_objects() -> None:
    r = Redactor([Secret(WEBHOOK)])
    assert r.text(WEBHOOK) == REDACTED


def test_headers_blank_sensitive_values_and_scrub_the_rest() -> None:
    r = Redactor([TOKEN])
    headers = {
        "Authorization": "Bearer something-not-known",
        "X-API-KEY": "k",
        "metronome-webhook-signature": "sig",
        "Svix-Signature": "v1,abc",
        "Cookie": "session=1",
        "Content-Type": "application/json",
        "X-Echo": f"saw {TOKEN}",
    }
    out = r.headers(headers)
    assert out == {
        "Authorization": REDACTED,
        "X-API-KEY": REDACTED,
        "metronome-webhook-signature": REDACTED,
        "Svix-Signature": REDACTED,
        "Cookie": REDACTED,
        "Content-Type": "application/json",
        "X-Echo": f"saw {REDACTED}",
    }
    assert headers["Authorization"].startswith("Bearer")  # the input is not modified


def test_headers_accepts_pairs() -> None:
    out = Redactor().headers([("authorization", "Basic eHl6"), ("accept", "*/*")])
    assert out == {"authorization": REDACTED, "accept": "*/*"}


def test_redactor_repr_does_not_leak() -> None:
    assert TOKEN not in repr(Redactor([TOKEN]))


def test_credential_shapes_are_scrubbed_even_when_the_secret_is_unknown() -> None:
    from golive_tui.core.redact import scrub_credentials

    text = (
        "Authorization: Bearer mt_live_0123456789abcdef\n"
        'headers {"x-api-key": "sk_01J8Z3Q4R5S6T7V8W9X0Y1Z2A3"}\n'
        "secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"
        "keep transaction_id golive-abc-1 and sk_short"
    )
    out = scrub_credentials(text)
    for leaked in ("mt_live_0123456789abcdef", "sk_01J8Z3Q4R5S6T7V8W9X0Y1Z2A3", "whsec_MfKQ"):
        assert leaked not in out
    assert out.count("[REDACTED]") == 3
    # Ordinary identifiers that merely look technical survive.
    assert "transaction_id golive-abc-1 and sk_short" in out
