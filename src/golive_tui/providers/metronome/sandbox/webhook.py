"""The stand-in for the user's webhook endpoint: Metronome's signature scheme
(sign and verify) and the receiver route that records every delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from golive_tui.core.sandbox.asgi import Request, Response
from golive_tui.core.sandbox.webhook_receiver import WebhookReceiver
from golive_tui.providers.metronome.sandbox.routes_common import MetronomeRoutes

WEBHOOK_TOLERANCE = timedelta(minutes=5)


def sign_webhook(secret: str, date: str, body: bytes) -> str:
    """Metronome's signature: hex HMAC-SHA256(secret, X-Metronome-Date + "\\n" + raw body)."""
    return hmac.new(secret.encode(), date.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def verify_webhook(
    secret: str, headers: Mapping[str, str], body: bytes, now: datetime
) -> str | None:
    """Why a delivery must be rejected, or None when its signature and date are good.

    `headers` has lower-case names. X-Metronome-Date is preferred; the plain Date
    header is still accepted, as Metronome documents for backward compatibility.
    """
    signature = headers.get("metronome-webhook-signature", "")
    date = headers.get("x-metronome-date") or headers.get("date") or ""
    if not signature:
        return "missing Metronome-Webhook-Signature header"
    if not date:
        return "missing X-Metronome-Date header"
    expected = sign_webhook(secret, date, body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        return "signature does not match"
    try:
        sent = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return "X-Metronome-Date is not an HTTP date"
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    if abs(now - sent) > WEBHOOK_TOLERANCE:
        return "X-Metronome-Date is more than 5 minutes from now (replay?)"
    return None


@dataclass(frozen=True)
class ReceivedWebhook:
    date: str
    signature: str
    body: bytes
    accepted: bool
    reason: str | None
    status: int = 200


def payload_id(body: bytes) -> str:
    """The notification's `id`, which Metronome says to deduplicate on ("" if none)."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    return str(data.get("id") or "") if isinstance(data, dict) else ""


class WebhookRoutes(WebhookReceiver, MetronomeRoutes):
    """The healthy receiver verifies every delivery, then answers a repeated id 200
    without processing it again. Each `webhook-*` fault breaks one of those steps."""

    webhook_secret: str
    webhooks: list[ReceivedWebhook]

    def webhook(self, request: Request) -> Response:
        headers, body = request.headers, request.raw_body
        return self.receive(
            request,
            signature=headers.get("metronome-webhook-signature", ""),
            verify=lambda: verify_webhook(self.webhook_secret, headers, body, self.now()),
            delivery_id=payload_id(body),
            replay_refusal=("duplicate id refused", "duplicate notification"),
        )

    def delivery_id(self, webhook: ReceivedWebhook) -> str:
        return payload_id(webhook.body)

    def record(self, request: Request, status: int, reason: str | None) -> None:
        headers = request.headers
        self.webhooks.append(
            ReceivedWebhook(
                date=headers.get("x-metronome-date") or headers.get("date") or "",
                signature=headers.get("metronome-webhook-signature", ""),
                body=request.raw_body,
                accepted=reason is None,
                reason=reason,
                status=status,
            )
        )
