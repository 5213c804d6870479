"""A recording proxy for tests: install it as `engine.DEFAULT_TRANSPORT` and every
request any Runner sends (so any command, and the app) passes through it.

It records each request, answers canned JSON for listed path prefixes, forwards the
origins in `routes` (e.g. https://api.metronome.com → a loopback sandbox) and
loopback URLs as they are, and refuses everything else with 502: no real network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from golive_tui.core.net import is_loopback


@dataclass
class Seen:
    method: str
    url: httpx.URL
    headers: httpx.Headers


@dataclass
class RecordingProxy(httpx.AsyncBaseTransport):
    """Records every request; forwards `routes` (origin → loopback URL), refuses the rest."""

    routes: dict[str, str] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    answer: dict[str, bytes] = field(default_factory=dict)  # path prefix → canned JSON

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(Seen(request.method, request.url, request.headers))
        for prefix, body in self.answer.items():
            if request.url.path.startswith(prefix):
                return httpx.Response(
                    200, content=body, headers={"Content-Type": "application/json"}
                )
        origin = f"{request.url.scheme}://{request.url.host}"
        upstream = self.routes.get(origin)
        if upstream is None and is_loopback(request.url.host):
            upstream = origin + (f":{request.url.port}" if request.url.port else "")
        if upstream is None:
            return httpx.Response(502, content=b"the test proxy reaches no real network")
        up = httpx.URL(upstream)
        request.url = request.url.copy_with(scheme=up.scheme, host=up.host, port=up.port)
        async with httpx.AsyncHTTPTransport() as real:
            resp = await real.handle_async_request(request)
            content = await resp.aread()
        return httpx.Response(resp.status_code, headers=resp.headers, content=content)

    def carrying(self, token: str) -> list[Seen]:
        return [
            s
            for s in self.seen
            if token in s.headers.get("authorization", "") or token == s.headers.get("x-api-key")
        ]
