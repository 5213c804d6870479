"""One API client outside a probe run: for the re-read (core/recheck.py) and the
commands that write on their own (`test-customer`, `cleanup`).

The same HTTP policy as probes: no redirects followed, golive's User-Agent, the
transport tests install (`engine.DEFAULT_TRANSPORT`), and a redactor that knows the token.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from golive_tui.core.probes.http import ApiClient, Dialect
from golive_tui.core.redact import Redactor, Secret
from golive_tui.core.state import Target

USER_AGENT = "golive/0.1 (+go-live checks)"


def http_client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The HTTP client every golive request goes through."""
    from golive_tui.core.probes import engine

    chosen = transport if transport is not None else engine.DEFAULT_TRANSPORT
    return httpx.AsyncClient(
        transport=chosen, follow_redirects=False, headers={"User-Agent": USER_AGENT}
    )


@contextlib.asynccontextmanager
async def api_session(
    target: Target,
    token: Secret,
    dialect: Dialect,
    *,
    timeout: float,
    transport: Any = None,
) -> AsyncIterator[ApiClient]:
    """An `ApiClient` for `target`, with `timeout` seconds for everything it sends."""
    async with http_client(transport) as http:
        yield ApiClient(
            http=http,
            base_url=target.base_url,
            token=token,
            dialect=dialect,
            redactor=Redactor([token.reveal()]),
            deadline=time.monotonic() + timeout,
        )
