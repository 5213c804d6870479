"""The stand-in for the user's webhook endpoint: Metronome's signature scheme
(sign and verify) and the receiver route that records every delivery."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
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


class WebhookRoutes(MetronomeRoutes):
    webhook_secret: str
    webhooks: list[ReceivedWebhook]

    def webhook(self, request: Request) -> Response:
        body = request.raw_body
        headers = request.headers
        if "webhook-accepts-forged" in self.faults:
            reason = None
        else:
            reason = verify_webhook(self.webhook_secret, headers, body, self.now())
        self.webhooks.append(
            ReceivedWebhook(
                date=headers.get("x-metronome-date") or headers.get("date") or "",
                signature=headers.get("metronome-webhook-signature", ""),
                body=body,
                accepted=reason is None,
                reason=reason,
            )
        )
        if reason is not None:
            raise HttpError(401, f"webhook rejected: {reason}")
        return Response(200, {"received": True})
