"""The Flexprice emulator for `golive demo` and `golive sandbox`."""

from __future__ import annotations

import base64
import secrets

from golive_tui.core.sandbox.kit import Banner, SandboxKit
from golive_tui.providers.flexprice.sandbox.app import FlexpriceSandbox
from golive_tui.providers.flexprice.sandbox.state import ulid


def _banner(app: FlexpriceSandbox, url: str, token_shown: str) -> Banner:
    demo = app.demo
    assert demo is not None
    settings = app.target_settings(url)
    lines = [
        f"Flexprice sandbox listening on {url} (API routes under /v1)",
        f"API key:          {token_shown}",
        f"demo customer:    {demo.customer_name} (external id {demo.customer_external_id})",
        f"plan:             {demo.plan_name} ({demo.plan_id})",
        f"subscription:     {demo.subscription_id}",
        f"app event names:  {', '.join(settings['event_names'])}",
        f"webhook receiver: {settings['webhook_url']} (Svix signatures)",
        f"webhook secret:   {app.webhook_secret}",
    ]
    return Banner(lines, " --checklist flexprice", demo.customer_external_id)


KIT = SandboxKit(
    factory=FlexpriceSandbox,
    demo_token=lambda: ulid("sk"),  # shaped like a real private key: sk_<ULID>
    # Svix: `whsec_` + base64 of the signing key.
    demo_webhook_secret=lambda: "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
    served_token=lambda: ulid("sk"),
    served_webhook_secret=lambda: None,
    banner=_banner,
)
