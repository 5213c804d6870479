#!/usr/bin/env python3
"""A small usage producer: reads the records `golive harness generate` wrote and sends
them to an ingest API in batches, with the retries a billing pipeline needs:

- the same record keeps its id on every retry (the platform deduplicates on it);
- a 429 waits its Retry-After, or backs off (≥ 250 ms, doubling) when none is sent;
- 5xx, timeouts and connection resets are retried with the same back-off;
- any other 4xx is a bad record: retrying cannot help, so it goes to a dead-letter file.

`--bug` breaks one rule on purpose, so you can watch `golive harness serve` catch it:
drop-on-5xx, new-id-on-retry, ignore-429, lose-on-reset.

    python examples/producer.py --provider metronome --url http://127.0.0.1:8787 \\
        --input events.jsonl

Standard library only: copy it, or read it next to your own producer.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import time
import uuid
from urllib.parse import urlsplit

# Where each platform takes a batch, how it is wrapped, and which field is the id.
ROUTES = {
    "metronome": ("/v1/ingest", lambda batch: batch, "transaction_id", 100),
    "flexprice": ("/v1/events/bulk", lambda batch: {"events": batch}, "event_id", 1000),
}
BUGS = ("drop-on-5xx", "new-id-on-retry", "ignore-429", "lose-on-reset")
MIN_BACKOFF = 0.25  # s
MAX_BACKOFF = 4.0


class Sender:
    def __init__(self, url: str, provider: str, token: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path, self.wrap, self.id_field, self.limit = ROUTES[provider]
        self.headers = {"Content-Type": "application/json"}
        if provider == "flexprice":
            self.headers["x-api-key"] = token
        else:
            self.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def post(self, batch: list[dict]) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body); raises TimeoutError or ConnectionError."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        body = json.dumps(self.wrap(batch)).encode()
        try:
            self.conn.request("POST", self.path, body, self.headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except TimeoutError:
            self.close()  # a late answer must not be read as the next request's
            raise
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            self.close()
            raise ConnectionResetError(str(exc)) from exc
        if resp.getheader("connection", "").lower() == "close":
            self.close()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def backoff(attempt: int) -> float:
    return min(MIN_BACKOFF * 2**attempt, MAX_BACKOFF)


def retry_after(headers: dict[str, str], attempt: int) -> float:
    raw = headers.get("retry-after", "")
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return backoff(attempt)  # none sent (or a date): back off ourselves


def send_batch(s: Sender, batch: list[dict], bug: str | None, max_tries: int) -> str:
    """Deliver one batch; returns "ok", "dropped" (a bug) or "dead-letter"."""
    for attempt in range(max_tries):
        if attempt and bug == "new-id-on-retry":  # THE BUG: a retry looks like new usage
            batch = [{**r, s.id_field: str(uuid.uuid4())} for r in batch]
        try:
            status, headers, _ = s.post(batch)
        except TimeoutError:
            time.sleep(backoff(attempt))  # it may have been taken: same ids make it safe
            continue
        except ConnectionResetError:
            if bug == "lose-on-reset":  # THE BUG: the batch is forgotten
                return "dropped"
            time.sleep(backoff(attempt))
            continue
        if 200 <= status < 300:
            return "ok"
        if status == 429:
            if bug != "ignore-429":  # THE BUG would hammer the API at once
                time.sleep(retry_after(headers, attempt))
            continue
        if status >= 500:
            if bug == "drop-on-5xx":  # THE BUG: the batch is forgotten
                return "dropped"
            time.sleep(backoff(attempt))
            continue
        return "dead-letter"  # a 4xx other than 429: retrying cannot fix the record
    return "dead-letter"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--provider", choices=tuple(ROUTES), required=True)
    p.add_argument("--url", required=True, help="the ingest API, e.g. http://127.0.0.1:8787")
    p.add_argument("--input", required=True, help="the .jsonl `golive harness generate` wrote")
    p.add_argument("--batch", type=int, default=100, help="records per request (default 100)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    p.add_argument("--rate", type=float, default=0.0, help="records/s at most (default: flat out)")
    p.add_argument("--token-env", default="INGEST_TOKEN", help="variable holding the API token")
    p.add_argument("--max-tries", type=int, default=20, help="attempts per batch")
    p.add_argument("--dead-letter", default="dead-letter.jsonl", help="where refused records go")
    p.add_argument("--bug", choices=BUGS, help="misbehave on purpose")
    a = p.parse_args(argv)
    s = Sender(a.url, a.provider, os.environ.get(a.token_env, "local-test-token"), a.timeout)
    size = max(1, min(a.batch, s.limit))
    with open(a.input, encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    counts = {"ok": 0, "dropped": 0, "dead-letter": 0}
    start = time.monotonic()
    for i in range(0, len(records), size):
        batch = records[i : i + size]
        outcome = send_batch(s, batch, a.bug, a.max_tries)
        counts[outcome] += len(batch)
        if outcome == "dead-letter":
            with open(a.dead_letter, "a", encoding="utf-8") as dl:
                dl.writelines(json.dumps(r) + "\n" for r in batch)
        if a.rate:  # pace to --rate records/s
            ahead = (i + len(batch)) / a.rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    s.close()
    print(
        f"sent {counts['ok']} records; {counts['dead-letter']} to {a.dead_letter};"
        f" {counts['dropped']} dropped (--bug {a.bug})" if a.bug else
        f"sent {counts['ok']} records; {counts['dead-letter']} to {a.dead_letter}",
        file=sys.stderr,
    )  # fmt: skip
    return 0 if not counts["dead-letter"] else 1


if __name__ == "__main__":
    sys.exit(main())
