"""Metronome probes: webhook signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from golive_tui.core.probes.engine import ProbeContext
from golive_tui.core.probes.webhooks import Deliveries, Scheme, signature_probe

METRONOME_WEBHOOKS = Scheme(
    signature_header="Metronome-Webhook-Signature",
    signed_content="X-Metronome-Date + newline + the raw body",
    timestamp_header="X-Metronome-Date",
    secret_hint="the endpoint's secret from Metronome (Developer → Notifications → Webhooks)",
    noun="notification",
    # Metronome's webhook source IPs are a documented list (docs: setup-webhooks).
    sender_ips="Metronome's webhook IPs",
)


def sign(secret: str, date: str, body: bytes) -> str:
    """Metronome's webhook signature: hex HMAC-SHA256 over `date + "\\n" + body`."""
    return hmac.new(secret.encode(), date.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def _deliveries(ctx: ProbeContext, secret: str) -> Deliveries:
    payload = {
        "id": str(uuid.uuid4()),
        "type": "golive.signature_test",  # a type no receiver acts on
        "properties": {"golive_run": ctx.run_id},
    }
    body = json.dumps(payload, indent=2).encode()
    # The swapped body keeps the harmless test type: only a property changes.
    tampered = json.dumps({**payload, "properties": {"golive_run": "tampered"}}, indent=2)

    def signed(key: str, when: datetime) -> dict[str, str]:
        date = format_datetime(when, usegmt=True)
        return {
            "User-Agent": "Metronome",
            "X-Metronome-Date": date,
            "Date": date,
            "Metronome-Webhook-Signature": sign(key, date, body),
        }

    now = datetime.now(UTC)
    genuine = signed(secret, now)
    # Metronome sends one signature per delivery: no rotation case to test.
    return Deliveries(
        body,
        genuine=genuine,
        forged=signed("golive-forged-key", now),
        unsigned={k: v for k, v in genuine.items() if k != "Metronome-Webhook-Signature"},
        stale=signed(secret, now - timedelta(minutes=10)),
        tampered_body=tampered.encode(),
    )


webhook_signature = signature_probe("metronome", METRONOME_WEBHOOKS, _deliveries)
