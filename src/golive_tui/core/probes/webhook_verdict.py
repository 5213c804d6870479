"""Judging the answers to golive's webhook test matrix (see `webhooks.CASES`).

The order of the checks is the order of harm: a forgery accepted is a fail even
when everything else is right; a genuine delivery refused hides every later case;
then the cases a correct receiver must accept; a stale signature accepted only
warns (the receiver still verifies, it just keeps no replay window).

Decisions, with their sources:
- A re-sent genuine delivery (same id, same signature, inside the 5-minute window)
  must be *accepted* with 2xx, not rejected: one provider's docs say it may send a
  notification more than once (retries, several URLs) and to "use the
  notification's id field to deduplicate" (its Webhooks page, "Handling duplicate
  notifications"; cited in the provider's own webhook module); Svix offers
  "at least once" delivery and
  keeps `svix-id` across retries, so consumers skip ids already processed
  (docs.svix.com/idempotency, "Receiving idempotency (deduplication)"). Any
  non-2xx is retried: for two days by one provider, by Svix on its schedule until it
  disables the endpoint. Replays *outside* the window are what the timestamp
  check stops (the stale case).
- A genuine delivery refused with another 4xx (400, 404, 422 …) while the
  forgeries got 401/403 reads as "signature fine, event type unknown" (golive's
  test type is one no receiver handles). That is a warning, not a pass: both
  platforms retry every non-2xx and add event types over time, so the advice is
  to answer 2xx to types you do not handle (Svix retries docs; the provider
  reference notes correct a checklist's "4xx stops retries").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from golive_tui.core.probes.verdict import Verdict, failed, passed, warned

if TYPE_CHECKING:
    from golive_tui.core.probes.webhooks import Scheme

MUST_REJECT = ("forged", "unsigned", "tampered")
ACK_FIRST = (
    " — or your receiver acknowledges first and verifies asynchronously; if so, check its"
    " logs show the forgery rejected"
)
# Words an IP filter's refusal tends to carry ("IP not allowed", "not on the allowlist").
_ALLOWLIST_WORDS = re.compile(r"\b(ip|ips|allow-?list\w*|white-?list\w*|not allowed)\b", re.I)


@dataclass(frozen=True)
class Answer:
    case: str  # a key of webhooks.CASES
    label: str
    status: int
    text: str  # the start of the response body, redacted

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def judge(scheme: Scheme, answers: list[Answer], *, allowlist: bool = False) -> Verdict:
    """The verdict on one run of the matrix; `allowlist`: the user says the endpoint filters IPs."""
    by = {a.case: a for a in answers}
    details = [f"{a.label}: HTTP {a.status}" for a in answers]
    noun = scheme.noun
    accepted = [by[c] for c in MUST_REJECT if c in by and by[c].ok]
    if accepted:
        first = accepted[0]
        what = {
            "forged": (
                f"the endpoint accepted a {noun} with a forged signature",
                f"verify {scheme.signature_header} before trusting any payload",
            ),
            "unsigned": (
                f"the endpoint accepted a {noun} without a {scheme.signature_header} header",
                "treat a missing signature as a failed one, never as 'nothing to check'",
            ),
            "tampered": (
                f"the endpoint accepted a tampered body under a genuine {scheme.signature_header}",
                f"verify the signature over the raw body of every {noun}, repeated ids included,"
                " before acting on it",
            ),
        }[first.case]
        also = [f"also accepted: {a.label}" for a in accepted[1:]]
        return failed(f"{what[0]} (HTTP {first.status}); {what[1]}{ACK_FIRST}", *also, *details)
    genuine = by["genuine"]
    if not genuine.ok:
        return _genuine_refused(scheme, by, genuine, allowlist, details)
    rotated = by.get("rotated")
    if rotated is not None and not rotated.ok:
        return failed(
            f"the endpoint rejected a {noun} whose {scheme.signature_header} lists several"
            f" signatures (HTTP {rotated.status}); accept it when any v1 entry matches — during a"
            " secret rotation each delivery carries one signature per active secret",
            *details,
        )
    replay = by["replay"]
    if not replay.ok:
        return failed(
            f"the endpoint rejected the same genuine {noun} sent again (HTTP {replay.status});"
            " answer 2xx to a repeated id without processing it twice — retries reuse the id"
            " and every non-2xx is retried",
            *details,
        )
    if by["stale"].ok:
        return warned(
            f"forged signatures are rejected, but a 10-minute-old signed {noun} was"
            f" accepted; reject {scheme.timestamp_header} more than 5 minutes off to stop replays",
            *details,
        )
    kept = "genuine, re-sent and rotated-secret" if rotated is not None else "genuine and re-sent"
    return passed(
        f"forged, unsigned, tampered and stale {noun}s rejected; {kept} ones accepted with 2xx",
        *details,
    )


def _genuine_refused(
    scheme: Scheme, by: dict[str, Answer], genuine: Answer, allowlist: bool, details: list[str]
) -> Verdict:
    noun, code = scheme.noun, genuine.status
    if code in (401, 403):
        everything_same = all(a.status == code for a in by.values())
        if allowlist or _ALLOWLIST_WORDS.search(genuine.text) or (code == 403 and everything_same):
            return warned(
                f"your endpoint rejected golive's genuine {noun} too (HTTP {code}) — it may"
                f" allowlist {scheme.sender_ips} (golive sends from this machine); test from an"
                " allowed host or check the secret",
                *details,
            )
        return failed(
            f"the endpoint rejected a correctly signed {noun} (HTTP {code});"
            f" check the secret and that the signature covers {scheme.signed_content}",
            *details,
        )
    if code in (408, 429):  # busy, not a verdict on the signature
        return warned(
            f"the endpoint answered HTTP {code} to the genuine test {noun} (busy or rate-limited),"
            " so golive cannot judge it; run the check again in a minute",
            *details,
        )
    if 400 <= code < 500:
        forgeries = [by[c] for c in MUST_REJECT if c in by]
        if forgeries and all(a.status in (401, 403) for a in forgeries):
            return warned(
                f"forgeries got 401/403, but the genuine test {noun} (an event type your handler"
                f" does not know) got HTTP {code}; answer 2xx to event types you do not handle —"
                " every non-2xx is retried for days",
                *details,
            )
        return warned(
            f"the genuine test {noun} got HTTP {code} like the forgeries, so golive cannot tell"
            " whether signatures are checked; answer 2xx to unknown event types (every non-2xx"
            " is retried) or check the secret",
            *details,
        )
    return failed(
        f"the endpoint answered HTTP {code} to a correctly signed {noun}; it must answer 2xx"
        " (errors and redirects count as failed deliveries and are retried)",
        *details,
    )
