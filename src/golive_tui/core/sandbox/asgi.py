"""A tiny ASGI toolkit for the sandboxes: requests, responses, a router, a request log.

No framework: an emulator needs exact control over status codes, headers and
bodies (an empty 200, a bare JSON array, a 429 with vendor headers), and must
record every exchange so tests can check it against the vendor's spec.
"""

from __future__ import annotations

import inspect
import json
import re
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY = 5 * 1024 * 1024  # bytes; far above any real request, stops runaway uploads


class HttpError(Exception):
    """Raised anywhere in a handler: becomes a JSON error response."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra
        self.headers: dict[str, str] = {}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]  # last value wins
    query_list: dict[str, list[str]]  # every value, in order
    headers: dict[str, str]  # lower-case names
    raw_body: bytes = b""
    path_params: dict[str, str] = field(default_factory=dict)
    _parsed: Any = field(default=None, repr=False)
    _has_parsed: bool = field(default=False, repr=False)

    def json(self) -> Any:
        """The body parsed as JSON (floats as Decimal); a 400 when it is not JSON."""
        if not self._has_parsed:
            if not self.raw_body.strip():
                raise HttpError(400, "request body is empty; expected JSON")
            try:
                self._parsed = json.loads(self.raw_body, parse_float=Decimal)
            except (ValueError, UnicodeDecodeError) as exc:
                raise HttpError(400, f"request body is not valid JSON: {exc}") from None
            self._has_parsed = True
        return self._parsed

    def json_or_none(self) -> Any:
        """Parsed body, None when empty or not JSON (for the request log)."""
        try:
            return self.json()
        except HttpError:
            return None if not self.raw_body else self.raw_body.decode("utf-8", "replace")

    def values(self, name: str) -> list[str]:
        """A query parameter as a list: repeated and comma-separated forms both count."""
        out: list[str] = []
        for raw in self.query_list.get(name, []):
            out += [v for v in raw.split(",") if v]
        return out


@dataclass
class Response:
    status: int = 200
    body: Any = None  # JSON-able, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    response_body: Any
    headers: dict[str, str]  # the request's headers
    response_headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], "Response | Awaitable[Response]"]


def _number(d: Decimal) -> str:
    if not d.is_finite():
        raise ValueError(f"{d} cannot be encoded as JSON")
    text = format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
    return text


def dumps(value: Any) -> str:
    """JSON text; Decimals become JSON numbers with every digit kept."""
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


@dataclass
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Method + path template (`/v1/customers/{customer_id}`) → handler."""

    def __init__(self) -> None:
        self.routes: list[_Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        regex = "".join(
            f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[a-zA-Z_][a-zA-Z0-9_]*\})", template)
        )
        self.routes.append(_Route(method.upper(), template, re.compile(regex), handler))

    def route(self, method: str, template: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.add(method, template, fn)
            return fn

        return register

    def find(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        """The handler and path params; HttpError 404/405 when there is none."""
        allowed: list[str] = []
        for r in self.routes:
            m = r.pattern.fullmatch(path)
            if m is None:
                continue
            if r.method == method:
                return r.handler, dict(m.groupdict())
            allowed.append(r.method)
        if allowed:
            err = HttpError(405, f"method {method} is not allowed on {path}")
            err.headers["Allow"] = ", ".join(sorted(set(allowed)))
            raise err
        raise HttpError(404, f"no route for {method} {path}")

    def templates(self) -> list[tuple[str, str]]:
        return [(r.method, r.template) for r in self.routes]

    async def dispatch(self, request: Request) -> Response:
        handler, params = self.find(request.method, request.path)
        request.path_params = params
        result = handler(request)
        if inspect.isawaitable(result):
            result = await result
        assert isinstance(result, Response)
        return result


class App:
    """An ASGI application over a Router, with a thread-safe request log.

    Subclasses override `handle` (auth, rate limits, faults …) and `error_body`
    (the vendor's error shape).
    """

    def __init__(self, router: Router | None = None) -> None:
        self.router = router or Router()
        self.log: list[Recorded] = []
        self._log_lock = threading.Lock()

    def error_body(self, status: int, message: str, extra: Mapping[str, Any]) -> Any:
        return {**extra, "message": message}

    async def handle(self, request: Request) -> Response:
        return await self.router.dispatch(request)

    def recorded(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        with self._log_lock:
            items = list(self.log)
        return [
            r
            for r in items
            if (method is None or r.method == method) and (path is None or r.path == path)
        ]

    def clear_log(self) -> None:
        with self._log_lock:
            self.log.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1000})
            return
        raw = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            raw += message.get("body", b"")
            if len(raw) > MAX_BODY:
                break
            if not message.get("more_body"):
                break
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        query_list: dict[str, list[str]] = {}
        for k, v in pairs:
            query_list.setdefault(k, []).append(v)
        request = Request(
            method=scope["method"].upper(),
            path=scope["path"],
            query={k: v[-1] for k, v in query_list.items()},
            query_list=query_list,
            headers=headers,
            raw_body=bytes(raw),
        )
        try:
            if len(raw) > MAX_BODY:
                raise HttpError(413, "request body too large")
            response = await self.handle(request)
        except HttpError as exc:
            response = Response(
                exc.status, self.error_body(exc.status, exc.message, exc.extra), exc.headers
            )
        body = b"" if response.body is None else dumps(response.body).encode()
        out_headers = dict(response.headers)
        if response.body is not None:
            out_headers.setdefault("Content-Type", "application/json")
        out_headers["Content-Length"] = str(len(body))
        with self._log_lock:
            self.log.append(
                Recorded(
                    method=request.method,
                    path=request.path,
                    query=dict(request.query),
                    body=request.json_or_none(),
                    status=response.status,
                    response_body=response.body,
                    headers=headers,
                    response_headers=out_headers,
                )
            )
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.lower().encode(), v.encode()) for k, v in out_headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": body})
