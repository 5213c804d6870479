"""Flexprice probes: webhook signatures (Svix)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from golive_tui.core.probes.engine import Concluded, ProbeContext, errored
from golive_tui.core.probes.webhooks import Deliveries, Scheme, signature_probe

FLEXPRICE_WEBHOOKS = Scheme(
    signature_header="svix-signature",
    signed_content="svix-id.svix-timestamp.raw body, keyed with the base64 part of whsec_",
    timestamp_header="svix-timestamp",
    secret_hint="the endpoint's whsec_… secret from the Flexprice (Svix) webhook portal",
    # Flexprice Cloud delivers through Svix, which sends from Svix's published IPs.
    sender_ips="Svix's IPs (Flexprice Cloud delivers through Svix)",
)


def svix_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """Svix's scheme: base64 HMAC-SHA256 over `id.timestamp.body` with the whsec_ key."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _deliveries(ctx: ProbeContext, secret: str) -> Deliveries:
    try:
        base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        raise Concluded(
            errored("the stored webhook secret is not a Svix whsec_… secret; store it again")
        ) from None
    payload = {"event_type": "golive.signature_test", "golive_run": ctx.run_id}
    body = json.dumps(payload, separators=(",", ":")).encode()
    tampered = json.dumps({**payload, "golive_run": "tampered"}, separators=(",", ":"))
    serial = iter(range(5))

    def signed(key: str, at: int, *also: str) -> dict[str, str]:
        msg_id = f"msg_golive_{ctx.run_id}_{next(serial)}"
        signatures = [svix_signature(k, msg_id, str(at), body) for k in (*also, key)]
        # svix-signature is a space-separated list; any v1 entry may match (SVIX how-manual).
        signature = " ".join(signatures)
        return {"svix-id": msg_id, "svix-timestamp": str(at), "svix-signature": signature}

    def random_key() -> str:
        return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()

    now = int(time.time())
    genuine = signed(secret, now)
    return Deliveries(
        body,
        genuine=genuine,
        forged=signed(random_key(), now),
        unsigned={k: v for k, v in signed(secret, now).items() if k != "svix-signature"},
        stale=signed(secret, now - 600),
        tampered_body=tampered.encode(),
        # Mid-rotation Svix signs with the old and the new secret: one entry each.
        rotated=signed(secret, now, random_key()),
    )


webhook_signature = signature_probe("flexprice", FLEXPRICE_WEBHOOKS, _deliveries)
