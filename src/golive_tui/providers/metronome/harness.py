"""Metronome's ingest API for `golive harness serve`: `POST /v1/ingest`.

The rules are the sandbox's (sandbox/routes_events.py `ingest`, from the spec's
`ingest-v1` and docs.metronome.com/guides/events/send-usage-events; see
docs/research/metronome-api-facts.md §7): a JSON array of 1–100 events, each with
`transaction_id` (1–128 chars), `customer_id`, `event_type` and an RFC 3339
`timestamp` no more than 34 days back or 24 h ahead; 200 with no body; errors are
`{"message": …}`. A 429 carries `X-Metronome-Rate-Limit-Type: client`; Retry-After
is not documented, but the SDKs honour one and the sandbox sends it (≥ 1 s), so the
harness does too (`_base_client.py` reads `retry-after`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from golive_tui.core.harness.dialect import IngestDialect, Reply, Template, json_reply

BACKDATE = 34 * 86400.0
FUTURE = 24 * 3600.0
_OK = Reply(200)


def _bad(message: str) -> Reply:
    return json_reply(400, {"message": message})


def _missing(i: int, e: dict[str, Any]) -> Reply:
    for name in ("transaction_id", "customer_id", "event_type", "timestamp"):
        v = e.get(name)
        if type(v) is not str or not v:
            return _bad(f"events[{i}].{name}: required, a non-empty string")
    raise AssertionError("called for a valid event")


def _instant(value: str) -> datetime | None:
    """records.epoch_of's RFC 3339 check, as an aware datetime (cheaper to compare)."""
    if len(value) < 20 or value[10] not in "Tt" or value[4] != "-":
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo is not None else None


class MetronomeIngest(IngestDialect):
    name = "metronome"
    title = "Metronome"
    id_field = "transaction_id"
    customer_field = "customer_id"
    type_field = "event_type"
    routes = MappingProxyType({"/v1/ingest": "ingest"})
    answer_headers = ("retry-after", "x-metronome-rate-limit-type")
    batch_limit = 100
    # The sandbox demo account's test customer (its ingest alias) and its usage:
    # sandbox/demo.py seeds llm.completion (model, project_id, tokens) and api.request.
    default_customer = "nimbus-test"
    templates = (
        Template("llm.completion", {"model": "atlas-2-pro", "project_id": "support-bot",
                                    "input_tokens": "1840", "output_tokens": "412"}),
        Template("llm.completion", {"model": "atlas-2-mini", "project_id": "doc-search",
                                    "input_tokens": "3225", "output_tokens": "880"}),
        Template("api.request", {"endpoint": "/v1/chat"}),
    )  # fmt: skip

    def token(self, headers: Mapping[bytes, bytes]) -> str | None:
        scheme, _, given = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        return given.strip() or None if scheme.lower() == "bearer" else None

    def credential(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def unauthorized(self) -> Reply:
        return json_reply(401, {"message": "Unauthorized"})

    def not_found(self, method: str, path: str) -> Reply:
        return json_reply(404, {"message": f"no route for {method} {path}"})

    def parse(self, route: str, body: bytes, now: float) -> list[dict[str, Any]] | Reply:
        if not body.strip():
            return _bad("request body is empty; expected JSON")
        try:
            batch = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return _bad(f"request body is not valid JSON: {exc}")
        if not isinstance(batch, list):
            return _bad("request body must be a JSON array of events")
        if not 1 <= len(batch) <= 100:
            return _bad(f"a batch must hold 1 to 100 events, got {len(batch)}")
        oldest = datetime.fromtimestamp(now - BACKDATE, UTC)
        newest = datetime.fromtimestamp(now + FUTURE, UTC)
        for i, e in enumerate(batch):  # the hot path: one pass, few calls
            if type(e) is not dict:
                return _bad(f"events[{i}]: each event must be a JSON object")
            tid, ts = e.get("transaction_id"), e.get("timestamp")
            cid, etype = e.get("customer_id"), e.get("event_type")
            if not (type(tid) is type(ts) is type(cid) is type(etype) is str) or not (
                tid and ts and cid and etype
            ):
                return _missing(i, e)
            if len(tid) > 128:
                return _bad(f"events[{i}].transaction_id: longer than 128 characters")
            t = _instant(ts)
            if t is None:
                return _bad(
                    f"events[{i}].timestamp: {ts!r} is not an RFC 3339 date-time with a"
                    " 4-digit year"
                )
            if t < oldest:
                return _bad(f"events[{i}].timestamp: {ts} is more than 34 days in the past")
            if t > newest:
                return _bad(f"events[{i}].timestamp: {ts} is more than 24 hours in the future")
            props = e.get("properties")
            if props is not None and type(props) is not dict:
                return _bad(f"events[{i}].properties: must be a JSON object")
        return batch

    def accepted(self, route: str, records: list[dict[str, Any]]) -> Reply:
        return _OK

    def server_error(self) -> Reply:
        return json_reply(500, {"message": "Internal server error"})

    def retry_after(self, wait: float) -> int | None:
        return max(1, math.ceil(wait))

    def too_many(self, wait: float) -> Reply:
        return json_reply(
            429,
            {"message": "Too many requests: rate limit exceeded for this client"},
            (
                ("X-Metronome-Rate-Limit-Type", "client"),
                ("Retry-After", str(self.retry_after(wait))),
            ),
        )


INGEST = MetronomeIngest()
