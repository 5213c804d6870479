"""The Metronome emulator for `golive demo` and `golive sandbox`."""

from __future__ import annotations

import secrets

from golive_tui.core.sandbox.kit import Banner, SandboxKit
from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox


def _banner(app: MetronomeSandbox, url: str, token_shown: str) -> Banner:
    demo = app.demo
    assert demo is not None
    settings = app.target_settings(url)
    lines = [
        f"Metronome sandbox listening on {url}",
        f"token:            {token_shown}",
        f"demo customer:    {demo.customer_name} ({demo.customer_id})",
        f"ingest alias:     {demo.customer_alias}",
        f"rate card:        {demo.rate_card_id}",
        f"webhook receiver: {settings['webhook_url']}",
        f"webhook secret:   {app.webhook_secret}",
    ]
    return Banner(lines, "", demo.customer_alias)


KIT = SandboxKit(
    factory=MetronomeSandbox,
    demo_token=lambda: "mt_demo_" + secrets.token_hex(20),
    demo_webhook_secret=lambda: secrets.token_urlsafe(32),
    served_token=lambda: "sandbox_" + secrets.token_urlsafe(24),
    served_webhook_secret=lambda: secrets.token_hex(24),
    banner=_banner,
)
