"""The webhook-signature check every provider shares.

golive sends the user's endpoint three deliveries of one test payload: one signed
with a forged key, one correctly signed but ten minutes old, and one genuine. A
safe endpoint rejects the first two and accepts the third with 2xx. Only how a
delivery is signed differs per provider: each gives a `Scheme` and a `Signer`, and
`signature_probe` registers the probe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from golive_tui.core.net import has_userinfo, is_loopback
from golive_tui.core.probes.body import read_head
from golive_tui.core.probes.engine import (
    ProbeContext,
    ProbeFn,
    Verdict,
    failed,
    passed,
    probe,
    warned,
)


@dataclass(frozen=True)
class Scheme:
    """How a provider signs deliveries, in the words a reviewer needs."""

    signature_header: str
    signed_content: str  # what the signature covers
    timestamp_header: str
    secret_hint: str  # where the user finds the secret
    noun: str = "delivery"  # what the vendor calls one webhook send, e.g. "notification"


@dataclass(frozen=True)
class Deliveries:
    """One test payload and the headers of its three sends, already signed."""

    body: bytes
    forged: dict[str, str]
    stale: dict[str, str]  # correctly signed, ten minutes ago
    genuine: dict[str, str]


# Signs the deliveries with the revealed secret (may end the probe with `Concluded`).
Signer = Callable[[ProbeContext, str], Deliveries]


def signature_probe(provider: str, scheme: Scheme, sign: Signer) -> ProbeFn:
    """Register `provider`'s webhook-signature probe, signing deliveries with `sign`."""

    @probe(
        provider,
        "webhook-signature",
        "Webhook endpoint rejects forged signatures",
        writes=True,
        deadline=20,
    )
    async def webhook_signature(ctx: ProbeContext) -> Verdict:
        problem = endpoint_problem(ctx, scheme)
        if problem:
            return problem
        assert ctx.webhook_secret is not None
        d = sign(ctx, ctx.webhook_secret.reveal())
        return await check_endpoint(
            ctx, scheme, d.body, forged=d.forged, stale=d.stale, genuine=d.genuine
        )

    return webhook_signature


def endpoint_problem(ctx: ProbeContext, scheme: Scheme) -> Verdict | None:
    """Why the check cannot run (no URL, not https, no secret), or None."""
    url = str(ctx.settings.get("webhook_url") or "")
    if not url:
        return warned(
            f"no webhook endpoint configured; run golive set webhook_url https://… so golive can"
            f" send it a forged and a genuine test {scheme.noun}"
        )
    if has_userinfo(url):
        return failed(
            "the webhook URL contains a user name or password; remove the 'user:password@'"
            " part (golive set webhook_url https://…)"
        )
    parts = urlsplit(url)
    loopback_http = parts.scheme == "http" and is_loopback(parts.hostname or "")
    if parts.scheme != "https" and not loopback_http:
        return failed(f"webhook URL {url!r} is not https; deliveries only go to https endpoints")
    if ctx.webhook_secret is None:
        return warned(
            "no webhook secret given; store it with golive token set --webhook-secret (or"
            " pass --webhook-secret-env VAR) with"
            f" {scheme.secret_hint} so the genuine test {scheme.noun} can be signed"
        )
    return None


async def check_endpoint(
    ctx: ProbeContext,
    scheme: Scheme,
    body: bytes,
    forged: dict[str, str],
    stale: dict[str, str],
    genuine: dict[str, str],
) -> Verdict:
    """Send the three deliveries (headers already signed) and judge the answers."""
    url = str(ctx.settings["webhook_url"])
    outcomes: list[tuple[str, bool, int]] = []
    for label, headers in (
        ("forged signature", forged),
        ("stale timestamp (10 min)", stale),
        ("genuine", genuine),
    ):
        ctx.doing(f"sending a {label} test {scheme.noun} to the webhook endpoint")
        req = ctx.http.build_request(
            "POST",
            url,
            content=body,
            headers={"Content-Type": "application/json", **headers},
            timeout=min(10.0, max(0.1, ctx.remaining())),
        )
        resp = await ctx.http.send(req, stream=True)
        try:
            # Only the status counts; the start of the body is kept as evidence.
            head = await read_head(resp, 1200)
        finally:
            await resp.aclose()
        outcomes.append((label, 200 <= resp.status_code < 300, resp.status_code))
        text = head.decode("utf-8", errors="replace")  # "replace" leaves no lone surrogate
        ctx.note(f"webhook {label} → {resp.status_code}", ctx.redactor(text)[:300])
    details = [f"{label}: HTTP {code}" for label, _, code in outcomes]
    (_, forged_ok, forged_code), (_, stale_ok, _), (_, genuine_ok, genuine_code) = outcomes
    if forged_ok:
        return failed(
            f"the endpoint accepted a {scheme.noun} with a forged signature (HTTP {forged_code});"
            f" verify {scheme.signature_header} before trusting any payload",
            *details,
        )
    if not genuine_ok:
        return failed(
            f"the endpoint rejected a correctly signed {scheme.noun} (HTTP {genuine_code});"
            f" check the secret and that the signature covers {scheme.signed_content}",
            *details,
        )
    if stale_ok:
        return warned(
            f"forged signatures are rejected, but a 10-minute-old signed {scheme.noun} was"
            f" accepted; reject {scheme.timestamp_header} more than 5 minutes off to stop replays",
            *details,
        )
    return passed(
        f"forged and stale {scheme.noun}s rejected, genuine one accepted with 2xx", *details
    )
