"""What a provider tells the harness about its ingest API: the `IngestDialect`.

An adapter (a provider's `harness.py`) subclasses it with the platform's routes,
request validation, status codes and error bodies; the core's server and ledger
only ever talk to this interface.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, JSON body (already encoded, b"" for none), extra headers."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    # Records the platform took before it refused the rest (a bulk route that
    # publishes events one by one): they count as billed.
    taken: tuple[dict[str, Any], ...] = ()


def json_reply(status: int, body: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, json.dumps(body, separators=(",", ":")).encode(), headers)


@dataclass(frozen=True)
class Template:
    """One kind of usage record `generate` writes: its event type and properties."""

    event_type: str
    properties: Mapping[str, Any] = field(default_factory=dict)


class IngestDialect:
    """A provider's ingest API as the harness serves it. Subclasses set the fields and
    implement the methods that raise NotImplementedError."""

    name = ""  # the provider's id, for the report
    title = ""
    id_field = ""  # the record's idempotency key (the one a retry must keep)
    customer_field = ""
    type_field = ""
    time_field = "timestamp"
    props_field = "properties"
    routes: Mapping[str, str] = MappingProxyType({})  # path → route kind the adapter understands
    answer_headers: tuple[str, ...] = ("retry-after",)  # what --forward passes back
    batch_limit = 1  # records per request the producer may send
    default_customer = ""  # the demo account's test customer
    templates: tuple[Template, ...] = ()  # the demo account's usage, for `generate`

    def token(self, headers: Mapping[bytes, bytes]) -> str | None:
        """The credential the request carries (None: none where the platform looks)."""
        raise NotImplementedError

    def credential(self, token: str) -> dict[str, str]:
        """The header that carries `token` to the platform (--forward)."""
        raise NotImplementedError

    def unauthorized(self) -> Reply:
        raise NotImplementedError

    def not_found(self, method: str, path: str) -> Reply:
        raise NotImplementedError

    def parse(self, route: str, body: bytes, now: float) -> list[dict[str, Any]] | Reply:
        """The request's records, or the platform's 400 for a body it would refuse.
        `now` is the Unix time (timestamp windows)."""
        raise NotImplementedError

    def accepted(self, route: str, records: list[dict[str, Any]]) -> Reply:
        raise NotImplementedError

    def server_error(self) -> Reply:
        raise NotImplementedError

    def retry_after(self, wait: float) -> int | None:
        """The Retry-After (s) the platform's 429 sends for a wait of `wait` s; None when
        it sends none (then a retry sooner than `DEFAULT_BACKOFF` ignores the 429)."""
        raise NotImplementedError

    def too_many(self, wait: float) -> Reply:
        """The platform's 429 for a wait of `wait` s (a fault's, or --rate-limit's)."""
        raise NotImplementedError

    def record(
        self, seq: int, record_id: str, customer: str, template: Template, timestamp: str
    ) -> dict[str, Any]:
        """One usage record in the ingest shape, carrying `golive_seq` in its properties."""
        return {
            self.id_field: record_id,
            self.customer_field: customer,
            self.type_field: template.event_type,
            self.time_field: timestamp,
            self.props_field: {**template.properties, "golive_seq": seq},
        }


DEFAULT_BACKOFF = 0.25  # s: the least a retry after a 429 without Retry-After should wait
