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
    body = json.dumps(
        {"event_type": "golive.signature_test", "golive_run": ctx.run_id}, separators=(",", ":")
    ).encode()
    serial = iter(range(3))

    def signed(key: str, at: int) -> dict[str, str]:
        msg_id = f"msg_golive_{ctx.run_id}_{next(serial)}"
        return {
            "svix-id": msg_id,
            "svix-timestamp": str(at),
            "svix-signature": svix_signature(key, msg_id, str(at), body),
        }

    now = int(time.time())
    forged_key = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    return Deliveries(
        body,
        forged=signed(forged_key, now),
        stale=signed(secret, now - 600),
        genuine=signed(secret, now),
    )


webhook_signature = signature_probe("flexprice", FLEXPRICE_WEBHOOKS, _deliveries)
