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
)


def sign(secret: str, date: str, body: bytes) -> str:
    """Metronome's webhook signature: hex HMAC-SHA256 over `date + "\\n" + body`."""
    return hmac.new(secret.encode(), date.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def _deliveries(ctx: ProbeContext, secret: str) -> Deliveries:
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "type": "golive.signature_test",
            "properties": {"golive_run": ctx.run_id},
        },
        indent=2,
    ).encode()

    def signed(key: str, when: datetime) -> dict[str, str]:
        date = format_datetime(when, usegmt=True)
        return {
            "User-Agent": "Metronome",
            "X-Metronome-Date": date,
            "Date": date,
            "Metronome-Webhook-Signature": sign(key, date, body),
        }

    now = datetime.now(UTC)
    return Deliveries(
        body,
        forged=signed("golive-forged-key", now),
        stale=signed(secret, now - timedelta(minutes=10)),
        genuine=signed(secret, now),
    )


webhook_signature = signature_probe("metronome", METRONOME_WEBHOOKS, _deliveries)
