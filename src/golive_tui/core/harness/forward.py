"""`golive harness serve --forward`: the requests the sink takes go on to the platform.

What is forwarded (decided here, documented in the README, tested in
tests/test_harness_forward.py):
- a request with no fault: forwarded; the producer gets the platform's answer
  (status, body, Retry-After);
- `5xx`, `429` and --rate-limit's 429: answered by the sink, never forwarded;
- `timeout`: forwarded, then the platform's answer is held --hold s (the platform
  billed it; a producer that retries under a new id bills twice);
- `slow`: forwarded, answered after --hold/4;
- `reset`: forwarded, then the connection is reset (the platform billed it, the
  producer never hears so; only the platform's dedupe on the id makes its retry safe).

The ledger counts what the sink took, as without --forward; `delivered` marks the
records the platform answered 2xx for, so the report can say which it never took.
httpx is imported only here: the no-forward hot path never loads it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from golive_tui.core.harness.dialect import IngestDialect, Reply, json_reply
from golive_tui.core.harness.records import SEQ

UPSTREAM_TIMEOUT = 30.0


@dataclass(slots=True)
class Forward:
    """A request the sink took, to pass on: then hold `delay` s, or reset if `reset`."""

    path: str
    body: bytes
    records: list[dict[str, Any]]
    delay: float = 0.0
    reset: bool = False


class Forwarder:
    """One pooled async httpx client to the platform, with the real token (kept here,
    never printed: the report shows only the host)."""

    def __init__(self, base_url: str, dialect: IngestDialect, token: str, n: int) -> None:
        import httpx

        self._httpx = httpx
        self.base = base_url.rstrip("/")
        self.host = urlsplit(self.base).netloc
        self.d = dialect
        self._headers = {**dialect.credential(token), "Content-Type": "application/json"}
        self._client: Any = None
        self.delivered = bytearray(n)  # 1: the platform answered 2xx for this golive_seq
        self.requests = 0
        self.records = 0
        self.status: Counter[int] = Counter()
        self.errors = 0  # no answer at all (connect error, timeout)

    async def send(self, fw: Forward) -> Reply:
        httpx = self._httpx
        if self._client is None:  # made in the sink's loop, which also closes it
            self._client = httpx.AsyncClient(
                timeout=UPSTREAM_TIMEOUT,
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
                follow_redirects=False,  # a redirect would carry the token elsewhere
            )
        self.requests += 1
        self.records += len(fw.records)
        try:
            r = await self._client.post(self.base + fw.path, content=fw.body, headers=self._headers)
        except httpx.HTTPError as exc:
            self.errors += 1
            return json_reply(
                502,
                {"message": f"golive harness: {self.host} did not answer ({type(exc).__name__})"},
            )
        self.status[r.status_code] += 1
        if 200 <= r.status_code < 300:
            n, pf = len(self.delivered), self.d.props_field
            for rec in fw.records:
                props = rec.get(pf)
                seq = props.get(SEQ) if type(props) is dict else None
                if type(seq) is int and 0 <= seq < n:
                    self.delivered[seq] = 1
        keep = self.d.answer_headers
        headers = tuple((k.title(), r.headers[k]) for k in keep if k in r.headers)
        return Reply(r.status_code, r.content, headers)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    def summary(self, billed: Any) -> dict[str, Any]:
        """The report's `forward` section; `billed` is the ledger's billed array."""
        taken = sum(1 for i, b in enumerate(billed) if b and not self.delivered[i])
        return {
            "host": self.host,
            "requests": self.requests,
            "records": self.records,
            "status": {str(k): v for k, v in sorted(self.status.items())},
            "errors": self.errors,
            "not_delivered": taken,
        }
