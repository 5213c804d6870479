"""The stand-in for the user's webhook endpoint: Svix signatures (ref §9), as
Flexprice Cloud sends them, and the receiver route that records every delivery."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from golive_tui.core.sandbox.asgi import Request, Response
from golive_tui.core.sandbox.webhook_receiver import WebhookReceiver
from golive_tui.providers.flexprice.sandbox.routes_common import FlexpriceRoutes

WEBHOOK_TOLERANCE = timedelta(minutes=5)


def svix_key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a Svix secret is 'whsec_' followed by base64") from None


def sign_svix(secret: str, msg_id: str, timestamp: int | str, body: bytes) -> str:
    """The `svix-signature` header value: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(svix_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_svix(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    *,
    first_only: bool = False,
) -> str | None:
    """Why a delivery must be rejected, or None when it is genuine and fresh.

    `headers` has lower-case names; the white-labelled `webhook-*` names count too.
    `first_only` is the rotation bug: only the first signature entry is compared.
    """
    msg_id = headers.get("svix-id") or headers.get("webhook-id") or ""
    stamp = headers.get("svix-timestamp") or headers.get("webhook-timestamp") or ""
    signatures = headers.get("svix-signature") or headers.get("webhook-signature") or ""
    if not msg_id or not stamp or not signatures:
        return "missing svix-id, svix-timestamp or svix-signature header"
    try:
        sent = datetime.fromtimestamp(int(stamp), UTC)
    except (ValueError, OverflowError, OSError):
        return "svix-timestamp is not a unix timestamp"
    if abs(now - sent) > WEBHOOK_TOLERANCE:
        return "svix-timestamp is more than 5 minutes from now (replay?)"
    expected = sign_svix(secret, msg_id, stamp, body).encode()
    entries = signatures.split()
    for entry in entries[:1] if first_only else entries:
        version, _, _sig = entry.partition(",")
        if version == "v1" and hmac.compare_digest(entry.encode(), expected):
            return None
    return "no v1 signature matches"


@dataclass(frozen=True)
class ReceivedWebhook:
    msg_id: str
    timestamp: str
    signature: str
    body: bytes
    accepted: bool
    reason: str | None
    status: int = 200


def _header(headers: Mapping[str, str], name: str) -> str:
    return headers.get(f"svix-{name}") or headers.get(f"webhook-{name}") or ""


class WebhookRoutes(WebhookReceiver, FlexpriceRoutes):
    """The healthy receiver verifies every delivery, then answers an svix-id it has
    seen 200 without processing it again (docs.svix.com/idempotency). Each
    `webhook-*` fault breaks one of those steps."""

    webhook_secret: str
    webhooks: list[ReceivedWebhook]

    def webhook(self, request: Request) -> Response:
        headers = request.headers
        return self.receive(
            request,
            signature=_header(headers, "signature"),
            verify=lambda: verify_svix(
                self.webhook_secret,
                headers,
                request.raw_body,
                self.now(),
                first_only="webhook-no-rotation" in self.faults,
            ),
            delivery_id=_header(headers, "id"),
            replay_refusal=("duplicate svix-id refused", "duplicate message"),
        )

    def delivery_id(self, webhook: ReceivedWebhook) -> str:
        return webhook.msg_id

    def record(self, request: Request, status: int, reason: str | None) -> None:
        headers = request.headers
        self.webhooks.append(
            ReceivedWebhook(
                msg_id=_header(headers, "id"),
                timestamp=_header(headers, "timestamp"),
                signature=_header(headers, "signature"),
                body=request.raw_body,
                accepted=reason is None,
                reason=reason,
                status=status,
            )
        )
