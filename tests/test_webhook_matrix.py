"""The webhook-signature probe's test matrix, over real HTTP on loopback.

The sandboxes' receivers (healthy and each `webhook-*` fault) are covered by the
fault tables in test_probes_*.py; here are the answers no sandbox fault gives: a
receiver that verifies, then refuses golive's unknown test event type; one that
refuses everything alike; a 401 that names an IP filter; a wrong secret with and
without the `webhook_ip_allowlist` setting; a stale signature accepted.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from golive_tui.core.probes import engine
from golive_tui.core.probes.engine import ProbeResult, Runner
from golive_tui.core.redact import Secret
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.state import Target
from golive_tui.providers.flexprice.dialect import FLEXPRICE
from golive_tui.providers.flexprice.sandbox.app import FlexpriceSandbox
from golive_tui.providers.flexprice.sandbox.webhook import verify_svix
from golive_tui.providers.metronome.dialect import METRONOME
from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox

SECRET = "whsec_" + base64.b64encode(b"golive-matrix-test-secret-bytes!").decode()


class Receiver:
    """A user's Svix endpoint: verifies like the Svix libraries, then answers
    `verified` (status, body) to a good delivery and `refused` to a bad one."""

    def __init__(
        self,
        verified: tuple[int, bytes] = (200, b"{}"),
        refused: tuple[int, bytes] = (401, b"bad signature"),
        *,
        check_time: bool = True,
    ) -> None:
        self.verified, self.refused, self.check_time = verified, refused, check_time
        self.seen: list[int] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        now = datetime.now(UTC)
        if not self.check_time and headers.get("svix-timestamp", "").isdigit():
            now = datetime.fromtimestamp(int(headers["svix-timestamp"]), UTC)
        ok = verify_svix(SECRET, headers, body, now) is None
        status, text = self.verified if ok else self.refused
        self.seen.append(status)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": text})


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[SandboxServer] = []

    def start(app: Any) -> str:
        servers.append(SandboxServer(app).start())
        return servers[-1].base_url

    yield start
    for srv in servers:
        srv.stop()


async def _flexprice_probe(hook_url: str, **settings: Any) -> ProbeResult:
    """The Flexprice webhook probe against `hook_url` (the API side is a sandbox)."""
    app = FlexpriceSandbox("fp_test_token_matrix", webhook_secret=SECRET)
    with SandboxServer(app) as srv:
        target = Target(
            provider="flexprice",
            base_url=srv.base_url,
            customer_id="quill-test",
            settings={"webhook_url": hook_url, **settings},
        )
        runner = Runner(
            target=target,
            token=Secret("fp_test_token_matrix"),
            dialect=FLEXPRICE,
            webhook_secret=Secret(SECRET),
        )
        specs, _ = engine.select("flexprice", ["webhook-signature"])
        return (await runner.run(specs))[0]


async def test_healthy_svix_receiver_passes_all_seven_cases(serve) -> None:
    receiver = Receiver()
    result = await _flexprice_probe(serve(receiver))
    assert result.status == "pass", result.summary
    assert "rotated-secret" in result.summary
    # forged, unsigned, stale refused; rotated, genuine accepted; tampered refused; replay ok
    assert receiver.seen == [401, 401, 401, 200, 200, 401, 200]
    assert len(result.details) == 7


async def test_unknown_event_type_refused_after_a_good_signature_warns(serve) -> None:
    hook = serve(Receiver(verified=(422, b'{"error":"unknown event type"}')))
    result = await _flexprice_probe(hook)
    assert result.status == "warn", result.summary
    assert "forgeries got 401/403" in result.summary
    assert "answer 2xx to event types you do not handle" in result.summary


async def test_a_rate_limited_genuine_delivery_is_not_taken_for_an_unknown_type(serve) -> None:
    result = await _flexprice_probe(serve(Receiver(verified=(429, b"slow down"))))
    assert result.status == "warn", result.summary
    assert "HTTP 429" in result.summary and "run the check again" in result.summary


async def test_a_receiver_refusing_everything_alike_cannot_be_judged(serve) -> None:
    hook = serve(Receiver(verified=(400, b"no"), refused=(400, b"no")))
    result = await _flexprice_probe(hook)
    assert result.status == "warn", result.summary
    assert "cannot tell whether signatures are checked" in result.summary


async def test_a_401_naming_an_ip_filter_suggests_the_allowlist(serve) -> None:
    refusal = (401, b'{"message":"request from IP 127.0.0.1 is not allowed"}')
    result = await _flexprice_probe(serve(Receiver(verified=refusal, refused=refusal)))
    assert result.status == "warn", result.summary
    assert "allowlist Svix's IPs" in result.summary and "check the secret" in result.summary


async def test_a_stale_signature_accepted_warns(serve) -> None:
    result = await _flexprice_probe(serve(Receiver(check_time=False)))
    assert result.status == "warn", result.summary
    assert "10-minute-old" in result.summary


async def test_forged_accepted_stays_a_fail_but_names_async_verification(serve) -> None:
    result = await _flexprice_probe(serve(Receiver(refused=(202, b"queued"))))
    assert result.status == "fail", result.summary
    assert "forged signature (HTTP 202)" in result.summary
    assert "acknowledges first and verifies asynchronously" in result.summary
    assert any("also accepted: signature header missing" in d for d in result.details)


@pytest.mark.parametrize(
    ("settings", "status", "needle"),
    [
        ({}, "fail", "check the secret and that the signature covers"),
        ({"webhook_ip_allowlist": True}, "warn", "allowlist Metronome's webhook IPs"),
        ({"webhook_ip_allowlist": "yes"}, "warn", "golive sends from this machine"),
    ],
)
async def test_a_wrong_secret_fails_unless_the_endpoint_allowlists_ips(
    settings: dict[str, Any], status: str, needle: str
) -> None:
    app = MetronomeSandbox("mt_matrix_token_000000", webhook_secret="the-real-secret")
    with SandboxServer(app) as srv:
        target = Target(
            provider="metronome",
            base_url=srv.base_url,
            customer_id=app.demo.customer_alias if app.demo else "",
            settings={**app.target_settings(srv.base_url), **settings},
        )
        runner = Runner(
            target=target,
            token=Secret("mt_matrix_token_000000"),
            dialect=METRONOME,
            webhook_secret=Secret("not-the-secret"),
        )
        specs, _ = engine.select("metronome", ["webhook-signature"])
        result = (await runner.run(specs))[0]
    assert result.status == status, result.summary
    assert needle in result.summary
    assert all(w.status == 401 for w in app.webhooks)  # the receiver refused every case
    # Metronome signs one signature per delivery: six cases, no rotation case.
    assert len(app.webhooks) == 6
    assert json.loads(app.webhooks[0].body)["type"] == "golive.signature_test"
