"""The sink: a raw asyncio HTTP/1.1 server (keep-alive, Content-Length bodies only) that
serves a dialect's ingest routes, injects faults and feeds the ledger.

No framework: at 110,000 records/s in batches of 100 the budget is ~9 µs a record
for parsing, validation and accounting together, on a shared core.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import signal
import time
from array import array
from collections import Counter
from collections.abc import Callable
from typing import Any

from golive_tui.core.harness.dialect import DEFAULT_BACKOFF, IngestDialect, Reply
from golive_tui.core.harness.faults import Bucket, FaultPlan
from golive_tui.core.harness.forward import Forward
from golive_tui.core.harness.ledger import CODE, REFUSED, Ledger

MAX_HEAD = 64 * 1024
MAX_BODY = 32 * 1024 * 1024  # the larger platforms' ingest cap (32 MiB)
_REASONS = {
    200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
    405: "Method Not Allowed", 411: "Length Required", 413: "Payload Too Large",
    429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
}  # fmt: skip
_F429, _TIMEOUT, _RESET, _SLOW = CODE["429"], CODE["timeout"], CODE["reset"], CODE["slow"]


def encode(reply: Reply, close: bool = False) -> bytes:
    head = [f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Status')}"]
    if reply.body:
        head.append("Content-Type: application/json")
    head.append(f"Content-Length: {len(reply.body)}")
    head += [f"{k}: {v}" for k, v in reply.headers]
    if close:
        head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body


class Sink:
    """What happens to each request: routing, auth, validation, the fault, the ledger."""

    def __init__(
        self,
        dialect: IngestDialect,
        ledger: Ledger,
        plan: FaultPlan,
        *,
        hold: float = 5.0,
        rate_limit: float = 0.0,
        token: str | None = None,
        forwarder: Any = None,
    ) -> None:
        self.d, self.ledger, self.plan = dialect, ledger, plan
        self.hold = hold
        self.bucket = Bucket(rate_limit) if rate_limit else None
        self.token = token
        self.forwarder = forwarder  # forward.Forwarder for --forward, else None
        self.t0 = time.monotonic()
        self.requests = 0
        self.rejected = 0  # requests the platform's validation refuses (400)
        self.rate_limited = 0
        self.accepted = 0  # records taken (duplicates included)
        self.per_second: Counter[int] = Counter()
        self.first = self.last = -1.0  # seconds since t0 of the first and last request
        self.latency = array("f")  # ms from the request's last byte to the reply's
        self.pending = 0  # replies being held
        self.activity = 0.0
        self.conns: set[asyncio.Transport] = set()
        self.tasks: set[asyncio.Task[None]] = set()  # forwards under way

    def handle(self, method: str, path: str, headers: dict[bytes, bytes], body: bytes) -> Any:
        """(reply or None to reset the connection, seconds to hold it)."""
        now = time.monotonic() - self.t0
        self.requests += 1
        self.activity = now
        if self.first < 0:
            self.first = now
        self.last = now
        d = self.d
        route = d.routes.get(path.partition("?")[0])
        if route is None or method != "POST":
            return d.not_found(method, path), 0.0
        given = d.token(headers)
        if given is None or (
            self.token is not None and not hmac.compare_digest(given.encode(), self.token.encode())
        ):
            return d.unauthorized(), 0.0
        records = d.parse(route, body, time.time())
        if isinstance(records, Reply):
            self.rejected += 1
            if records.taken:
                self.ledger.receive(list(records.taken), 0, now, 0.0)
                self.accepted += len(records.taken)
            return records, 0.0
        fault = self.plan.pick()
        wait = 1.0
        if not fault and self.bucket is not None:
            wait = self.bucket.take(len(records), now)
            if wait:
                fault = _F429
                self.rate_limited += 1
        said = d.retry_after(wait) if fault == _F429 else None
        fw = self.forwarder
        # Forwarded, a reset request reaches the platform: its records are taken.
        taken = fault not in REFUSED or (fw is not None and fault == _RESET)
        self.ledger.receive(
            records, fault, now, DEFAULT_BACKOFF if said is None else said, taken=taken
        )
        if taken:
            self.accepted += len(records)
            self.per_second[int(now)] += len(records)
        if fw is not None and taken:
            delay = self.hold if fault == _TIMEOUT else self.hold / 4 if fault == _SLOW else 0.0
            return Forward(path, body, records, delay, fault == _RESET), 0.0
        if fault == _RESET:
            return None, 0.0
        if fault == _F429:
            # Told to wait: that silence is not the idle time --idle-exit counts.
            self.activity = max(self.activity, now + (said or DEFAULT_BACKOFF))
            return d.too_many(wait), 0.0
        if fault and fault not in REFUSED:
            delay = self.hold if fault == _TIMEOUT else self.hold / 4 if fault == _SLOW else 0.0
            return d.accepted(route, records), delay
        if fault:
            return d.server_error(), 0.0
        return d.accepted(route, records), 0.0


class _Conn(asyncio.Protocol):
    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.buf = bytearray()
        self.busy = False
        self.continued = False  # "100 Continue" sent for the request being read
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.sink.conns.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.sink.conns.discard(self.transport)
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.busy:
            self._drain()

    def _fail(self, status: int, message: str) -> None:
        body = json.dumps({"message": message}).encode()
        if self.transport is not None:
            self.transport.write(encode(Reply(status, body), close=True))
            self.transport.close()
        self.buf.clear()

    def _drain(self) -> None:
        buf = self.buf
        while self.transport is not None:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD:
                    self._fail(431, "request head too large")
                return
            lines = bytes(buf[:end]).split(b"\r\n")
            parts = lines[0].split(b" ")
            if len(parts) != 3:
                return self._fail(400, "malformed request line")
            headers: dict[bytes, bytes] = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
                return self._fail(411, "send the body with a Content-Length")
            try:
                size = int(headers.get(b"content-length", b"0"))
            except ValueError:
                return self._fail(400, "bad Content-Length")
            if size > MAX_BODY:
                return self._fail(413, "request body too large")
            start = end + 4
            if len(buf) < start + size:
                # curl and others wait (1 s) for this before sending a body over 1 KB.
                if not self.continued and headers.get(b"expect", b"").lower() == b"100-continue":
                    self.continued = True
                    self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                return
            self.continued = False
            body = bytes(buf[start : start + size])
            del buf[: start + size]
            close = headers.get(b"connection", b"").lower() == b"close" or parts[2] == b"HTTP/1.0"
            t = time.monotonic()
            reply, delay = self.sink.handle(parts[0].decode(), parts[1].decode(), headers, body)
            if reply is None:
                self.transport.abort()  # RST: the client sees a reset, not an answer
                return
            if type(reply) is Forward:
                self.busy = True
                self.sink.pending += 1
                task = asyncio.get_running_loop().create_task(self._forward(reply, close, t))
                self.sink.tasks.add(task)
                task.add_done_callback(self.sink.tasks.discard)
                return
            if delay:
                self.busy = True
                self.sink.pending += 1
                asyncio.get_running_loop().call_later(delay, self._later, reply, close, t)
                return
            self._send(reply, close, t)

    def _send(self, reply: Reply, close: bool, t: float) -> None:
        if self.transport is None:
            return
        self.transport.write(encode(reply, close))
        now = time.monotonic()
        self.sink.latency.append((now - t) * 1000)
        self.sink.activity = max(self.sink.activity, now - self.sink.t0)
        if close:
            self.transport.close()

    async def _forward(self, fw: Forward, close: bool, t: float) -> None:
        """Pass the request on, hold it if its fault says so, then answer (or reset)."""
        try:
            reply = await self.sink.forwarder.send(fw)
            if fw.delay:
                await asyncio.sleep(fw.delay)
        finally:
            self.sink.pending -= 1
            self.busy = False
        if fw.reset:
            if self.transport is not None:
                self.transport.abort()
            return
        self._send(reply, close, t)
        if not close:
            self._drain()

    def _later(self, reply: Reply, close: bool, t: float) -> None:
        self.sink.pending -= 1
        self.busy = False
        self._send(reply, close, t)
        if not close:
            self._drain()


async def serve(
    sink: Sink,
    port: int,
    idle_exit: float,
    ready: Callable[[str], None],
    host: str = "127.0.0.1",
) -> None:
    """Serve until Ctrl+C or `idle_exit` s without traffic once it began (0: Ctrl+C only)."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Conn(sink), host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    try:
        loop.add_signal_handler(signal.SIGINT, stop.set)
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    except (NotImplementedError, RuntimeError, ValueError):
        pass  # not the main thread (tests): idle-exit or cancellation stops it
    sink.t0 = time.monotonic()
    ready(f"http://{host}:{bound}")
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)
            # The clock starts at the first request: the pipeline may take a while to start.
            idle = time.monotonic() - sink.t0 - sink.activity
            if idle_exit and sink.requests and not sink.pending and idle >= idle_exit:
                break
    finally:
        server.close()
        for task in list(sink.tasks):
            task.cancel()
        for transport in list(sink.conns):
            transport.abort()
        await server.wait_closed()
        if sink.forwarder is not None:
            await sink.forwarder.aclose()
        try:
            loop.remove_signal_handler(signal.SIGINT)
            loop.remove_signal_handler(signal.SIGTERM)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
