"""A small hostile API on 127.0.0.1 for tests: it answers every request badly on purpose.

`HostileServer(mode)` is a threaded `http.server` that gives the same kind of bad
answer to any path (probes ask for many). Modes:

- `garbage-json`: 200, `application/json`, a truncated JSON document;
- `html`: 200, an HTML login page (a proxy or captive portal in the way);
- `wrong-shape`: 200, valid JSON of the wrong shape (`{"ok": true}`);
- `wrong-value`: 200, `{"value": "off", "items": [], "data": "x"}`: keys there, values junk;
- `endless`: 200, a chunked body that never ends (until the client hangs up);
- `huge`: 200, 50 MB of junk with a Content-Length;
- `surrogate-error`: 400 whose JSON message holds a lone surrogate (`\\ud800`);
- `bad-retry-after`: 429 with `Retry-After: <garbage>` for the first `refusals`
  requests, then `{"data": [], "items": []}`;
- `redirect`: 302 to `location` (e.g. another server that must see nothing);
- `echo-token-error`: 400, plain text: 190 characters, then the token the request sent.

Every request is recorded (method, path, headers) in `requests`.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODES = (
    "garbage-json",
    "html",
    "wrong-shape",
    "wrong-value",
    "endless",
    "huge",
    "surrogate-error",
    "bad-retry-after",
    "redirect",
    "echo-token-error",
)
HUGE = 50 * 1024 * 1024
HTML = b"<!doctype html><html><head><title>Sign in</title></head><body>Sign in</body></html>"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class HostileServer:
    mode: str
    location: str = ""
    refusals: int = 2
    requests: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; one of {', '.join(MODES)}")
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with server._lock:
                    server.requests.append(Seen(self.command, self.path, dict(self.headers)))
                    count = len(server.requests)
                # The client may stop reading: what a capped reader does.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    server._answer(self, count, dict(self.headers))

            do_GET = do_POST = do_PUT = do_DELETE = _any

        return Handler

    def _answer(self, h: BaseHTTPRequestHandler, count: int, headers: dict[str, str]) -> None:
        mode = self.mode
        if mode == "echo-token-error":
            sent = headers.get("x-api-key") or headers.get("Authorization", "").split(" ")[-1]
            _send(h, 400, b"x" * 190 + sent.encode(), "text/plain")
        elif mode == "garbage-json":
            _send(h, 200, b'{"data": [{"id": "c1", "name": ', "application/json")
        elif mode == "html":
            _send(h, 200, HTML, "text/html; charset=utf-8")
        elif mode == "wrong-shape":
            _send(h, 200, b'{"ok": true}', "application/json")
        elif mode == "wrong-value":
            _send(h, 200, b'{"value": "off", "items": [], "data": "x"}', "application/json")
        elif mode == "surrogate-error":
            body = b'{"message": "bad input \\ud800 here", "code": "invalid"}'
            _send(h, 400, body, "application/json")
        elif mode == "bad-retry-after":
            if count <= self.refusals:
                _send(h, 429, b'{"message": "slow down"}', "application/json",
                      {"Retry-After": "soon-ish, maybe", "retry-after-ms": "NaN-ish"})  # fmt: skip
            else:
                _send(h, 200, b'{"data": [], "items": []}', "application/json")
        elif mode == "redirect":
            _send(h, 302, b"", "text/plain", {"Location": self.location})
        elif mode == "huge":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(HUGE))
            h.end_headers()
            chunk = b"x" * 65536
            for _ in range(HUGE // len(chunk)):
                h.wfile.write(chunk)
        elif mode == "endless":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            chunk = b"[" * 65536
            frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            while True:
                h.wfile.write(frame)


def _send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.end_headers()
    h.wfile.write(body)
