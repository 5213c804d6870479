"""Peak memory of `golive check` against an API whose response bodies never end.

Run: .venv/bin/python benchmarks/body_memory.py [--provider metronome|flexprice]

Starts a loopback server that answers every request with 200 and an endless chunked
body, runs the provider's full `golive check` against it in a child process and
prints the child's own peak RSS (os.wait4) against the 200 MB target. The HTTP layer
streams bodies and stops at 8 MB, so each probe ends in an error naming the cap.
Exits 1 over the target. (tests/test_body_memory.py asserts the same.)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TARGET_MB = 200
FRAME = b"10000\r\n" + b"[" * 0x10000 + b"\r\n"  # one 64 KiB chunk of a chunked body


class Endless(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _any(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            while True:
                self.wfile.write(FRAME)

    do_GET = do_POST = _any


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=("metronome", "flexprice"), default="metronome")
    args = parser.parse_args()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    host, port = httpd.server_address[:2]
    env = {**os.environ, "GOLIVE_BENCH_TOKEN": "bench-token"}
    with tempfile.TemporaryDirectory() as cwd:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "golive_tui", "check", "--checklist", args.provider,
             "--base-url", f"http://{host!s}:{port}", "--customer-id", "c-1",
             "--token-env", "GOLIVE_BENCH_TOKEN"],
            cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    httpd.shutdown()
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    code = os.waitstatus_to_exitcode(status)
    print(f"{args.provider}: golive check exit {code} in {wall:.1f} s, peak RSS {peak:.0f} MB")
    print(f"target: ≤ {TARGET_MB} MB — {'met' if peak <= TARGET_MB else 'MISSED'}")
    return 0 if peak <= TARGET_MB and code == 3 else 1


if __name__ == "__main__":
    sys.exit(main())
