"""A sandbox's webhook receiver: verify, then acknowledge repeats, with faults.

Both providers' receivers follow the same steps (an IP filter, signature checks,
dedupe on the delivery id, 2xx for a repeat); each `webhook-*` fault breaks one step.
A provider supplies how to read the signature, verify it, and record a delivery.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response


class WebhookReceiver:
    faults: frozenset[str]
    webhooks: list[Any]  # the provider's records: .accepted, .signature, …

    def receive(
        self,
        request: Request,
        *,
        signature: str,
        verify: Callable[[], str | None],
        delivery_id: str,
        replay_refusal: tuple[str, str],
    ) -> Response:
        """Answer one delivery; `verify()` gives why it is not genuine, or None."""
        if "webhook-ip-allowlist" in self.faults:
            # An IP filter in front of the handler refuses golive's host before any check.
            return self._answer(request, 403, "source IP not allowlisted", "Forbidden")
        if "webhook-accepts-forged" in self.faults:
            reason = None
        elif "webhook-accepts-unsigned" in self.faults and not signature:
            reason = None  # "nothing to verify" instead of "unverifiable"
        elif "webhook-accepts-tampered" in self.faults and self._verified_before(signature):
            reason = None  # a cache of verified signatures, not bound to the body
        else:
            reason = verify()
        if reason is not None:
            return self._answer(request, 401, reason, f"webhook rejected: {reason}")
        seen = bool(delivery_id) and any(
            w.accepted and self.delivery_id(w) == delivery_id for w in self.webhooks
        )
        if seen and "webhook-rejects-replay" in self.faults:
            return self._answer(request, 409, *replay_refusal)
        self.record(request, 200, None)
        return Response(200, {"received": True, "duplicate": seen})

    def delivery_id(self, webhook: Any) -> str:
        raise NotImplementedError

    def record(self, request: Request, status: int, reason: str | None) -> None:
        raise NotImplementedError

    def _verified_before(self, signature: str) -> bool:
        return bool(signature) and any(
            w.accepted and w.signature == signature for w in self.webhooks
        )

    def _answer(self, request: Request, status: int, reason: str, message: str) -> Response:
        self.record(request, status, reason)
        raise HttpError(status, message)
