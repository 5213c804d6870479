"""The webhook-signature check every provider shares.

golive sends the user's endpoint a matrix of deliveries of one test payload (see
`CASES`): forgeries a safe receiver must reject (wrong key, signature header
missing, a genuine signature over a swapped body, a 10-minute-old signature) and
sends it must accept with 2xx (the genuine one, the same one re-sent, and, where
the scheme lists several signatures, one signed during a secret rotation). Only
how a delivery is signed differs per provider: each gives a `Scheme` and a
`Signer`, and `signature_probe` registers the probe. `webhook_verdict` judges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from golive_tui.core.fingerprint import webhook_snapshot
from golive_tui.core.net import has_userinfo, is_loopback
from golive_tui.core.probes.body import read_head
from golive_tui.core.probes.engine import (
    ProbeContext,
    ProbeFn,
    Verdict,
    failed,
    probe,
    warned,
)
from golive_tui.core.probes.webhook_verdict import Answer, judge


@dataclass(frozen=True)
class Scheme:
    """How a provider signs deliveries, in the words a reviewer needs."""

    signature_header: str
    signed_content: str  # what the signature covers
    timestamp_header: str
    secret_hint: str  # where the user finds the secret
    noun: str = "delivery"  # what the vendor calls one webhook send, e.g. "notification"
    sender_ips: str = "the platform's IPs"  # what an IP allowlist on the endpoint admits


@dataclass(frozen=True)
class Deliveries:
    """One test payload and the headers of each send, already signed.

    `tampered_body` goes out under the genuine headers; the replay re-sends the
    genuine headers and body unchanged. `rotated` is None where the scheme has a
    single signature per delivery (nothing to rotate through).
    """

    body: bytes
    genuine: dict[str, str]
    forged: dict[str, str]  # signed with a key that is not the secret
    unsigned: dict[str, str]  # the genuine headers without the signature header(s)
    stale: dict[str, str]  # correctly signed, ten minutes ago
    tampered_body: bytes
    rotated: dict[str, str] | None = None  # several signatures, only the last one genuine


# Signs the deliveries with the revealed secret (may end the probe with `Concluded`).
Signer = Callable[[ProbeContext, str], Deliveries]

# (case, what it is) in sending order. The tampered body and the replay follow the
# genuine send: they reuse its headers, as a captured or retried delivery would.
CASES = (
    ("forged", "forged signature"),
    ("unsigned", "signature header missing"),
    ("stale", "stale timestamp (10 min)"),
    ("rotated", "several signatures, one genuine (secret rotation)"),
    ("genuine", "genuine"),
    ("tampered", "genuine signature, tampered body"),
    ("replay", "genuine delivery re-sent (same id and signature)"),
)


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
        # Bound to this URL and this secret: a rotated secret makes the pass stale.
        ctx.verified(webhook_snapshot(str(ctx.settings.get("webhook_url", "")), ctx.webhook_secret))
        return await check_endpoint(ctx, scheme, sign(ctx, ctx.webhook_secret.reveal()))

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


def allowlist_declared(ctx: ProbeContext) -> bool:
    """The user said (golive set webhook_ip_allowlist true) the endpoint filters by IP."""
    value = ctx.settings.get("webhook_ip_allowlist")
    return value is True or str(value).strip().lower() in ("true", "yes", "1")


async def check_endpoint(ctx: ProbeContext, scheme: Scheme, d: Deliveries) -> Verdict:
    """Send every case of `d` (headers already signed) and judge the answers."""
    url = str(ctx.settings["webhook_url"])
    sends = {
        "forged": (d.forged, d.body),
        "unsigned": (d.unsigned, d.body),
        "stale": (d.stale, d.body),
        "rotated": (d.rotated, d.body),
        "genuine": (d.genuine, d.body),
        "tampered": (d.genuine, d.tampered_body),
        "replay": (d.genuine, d.body),
    }
    answers: list[Answer] = []
    for case, label in CASES:
        headers, body = sends[case]
        if headers is None:
            continue  # the scheme has no such case (e.g. no rotation)
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
        text = ctx.redactor(head.decode("utf-8", errors="replace"))  # no lone surrogate
        answers.append(Answer(case, label, resp.status_code, text[:300]))
        ctx.note(f"webhook {label} → {resp.status_code}", text[:300])
    return judge(scheme, answers, allowlist=allowlist_declared(ctx))
