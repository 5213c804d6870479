"""Serve a sandbox app over real HTTP on loopback, in a background thread.

uvicorn is imported inside the functions that need it: golive's start-up never
pays for it. The socket is bound here (port 0 → a free port chosen by the OS),
so `base_url` is known before the server thread starts.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
from types import TracebackType
from typing import Any

from golive_tui.core.net import is_loopback

STARTUP_TIMEOUT = 10.0  # seconds
SHUTDOWN_TIMEOUT = 5.0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class SandboxServer:
    """`with SandboxServer(app) as srv: httpx.get(srv.base_url + …)`."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        if not is_loopback(host):
            raise ValueError(
                f"sandbox host {host!r} is not a loopback address; a sandbox only ever listens"
                " on 127.0.0.1 or ::1"
            )
        self.app = app
        self.host = "127.0.0.1" if host == "localhost" else host.strip("[]")
        self.port = port
        self._sock: socket.socket | None = None
        self._server: Any = None  # uvicorn.Server
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def base_url(self) -> str:
        if self._sock is None:
            raise RuntimeError("the sandbox server is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> SandboxServer:
        """Bind, serve in a daemon thread, return once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("the sandbox server is already started")
        import uvicorn

        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say
        # so, and without it each response waits ~40 ms for Nagle + delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.listen(128)
        sock.setblocking(False)
        self._sock = sock
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            log_config=None,
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                self._cleanup()
                raise RuntimeError(f"the sandbox server failed to start: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start within 10 s")
            time.sleep(0.005)
        return self

    def _run(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._sock]))
        except BaseException as exc:  # reported by start(); a thread cannot raise
            self._error = exc

    def stop(self) -> None:
        """Graceful shutdown; joins the thread and frees the port."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(SHUTDOWN_TIMEOUT)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(SHUTDOWN_TIMEOUT)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._thread = None
        self._server = None

    def serve_forever(self) -> None:
        """Foreground: serve until Ctrl-C (or the server stops), then shut down cleanly."""
        restore: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            # A shell may start us with SIGINT ignored (background jobs): Ctrl-C and
            # SIGTERM must still stop the server, and stop it gracefully.
            restore[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
            restore[signal.SIGTERM] = signal.signal(signal.SIGTERM, _interrupt)
        try:
            if self._thread is None:
                self.start()
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
            for sig, handler in restore.items():
                signal.signal(sig, handler)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
