"""The live progress line of `golive check` / `golive demo --headless`: on a TTY's stderr
only, never on stdout, never on a pipe. The real CLI in a subprocess whose stderr is a
pseudo-terminal, against a slow Metronome sandbox on loopback."""

from __future__ import annotations

import io
import json
import os
import pty
import secrets
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from golive_tui.core.liveline import LiveLine
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    env["GOLIVE_CACHE_DIR"] = os.environ["GOLIVE_CACHE_DIR"]
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["COLUMNS"] = "200"
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path, *, tty: bool) -> tuple[int, str, str]:
    """Run golive; stderr on a pseudo-terminal when `tty`. Returns (code, stdout, stderr)."""
    cmd = [sys.executable, "-m", "golive_tui", *args]
    if not tty:
        proc = subprocess.run(
            cmd, cwd=cwd, env=env, capture_output=True, stdin=subprocess.DEVNULL, timeout=90
        )
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    out, _ = proc.communicate(timeout=90)
    reader.join(timeout=10)
    os.close(master)
    return proc.returncode, out.decode(), b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def slow_sandbox():
    token, hook = "mt_test_" + secrets.token_hex(16), secrets.token_urlsafe(24)
    sb = MetronomeSandbox(token, faults=("slow",), webhook_secret=hook, slow_seconds=0.5)
    with SandboxServer(sb) as server:
        assert sb.demo is not None
        flags = ["--checklist", "metronome", "--base-url", server.base_url]
        flags += ["--customer-id", sb.demo.customer_alias, "--token-env", "SANDBOX_TOKEN"]
        yield flags, _env(SANDBOX_TOKEN=token)


def test_check_on_a_tty_shows_the_running_probe_and_wipes_the_line(
    slow_sandbox: tuple[list[str], dict[str, str]], tmp_path: Path
) -> None:
    flags, env = slow_sandbox
    # (auth's items are production ones: n/a to this sandbox, so it would not run.)
    args = ["check", *flags, "--only", "customer-contract", "metrics-active", "--format", "json"]
    code, out, err = _run(args, env, tmp_path, tty=True)
    assert code == 0, err
    assert "\r" not in out and json.loads(out)["summary"]["pass"] >= 2  # stdout untouched
    frames = [f for f in err.split("\r") if f.strip()]
    assert any("customer-contract" in f for f in frames), err
    assert any("metrics-active" in f for f in frames), err
    assert any("done" in f for f in frames), err
    # The elapsed time moves while a slow probe runs (more than one frame per probe) …
    assert len({f.strip() for f in frames}) >= 4, err
    # … at most ~10 redraws a second (two slow requests each: ≥ 1 s in all) …
    assert len(frames) <= 10 * 3 + 5, len(frames)
    # … and the line is wiped at the end: the last write is spaces and a return.
    assert err.endswith("\r") and err.rsplit("\r", 2)[-2].strip() == "", repr(err[-80:])
    assert env["SANDBOX_TOKEN"] not in err + out


def test_check_on_a_pipe_writes_no_progress(
    slow_sandbox: tuple[list[str], dict[str, str]], tmp_path: Path
) -> None:
    flags, env = slow_sandbox
    code, out, err = _run(["check", *flags, "--only", "metrics-active"], env, tmp_path, tty=False)
    assert code == 0, err
    assert err == "" and "\r" not in out and "⏳" not in out
    assert "metrics-active" in out  # the table itself


def test_demo_headless_on_a_tty_shows_progress_outside_stdout(tmp_path: Path) -> None:
    args = ["demo", "--headless", "--format", "junit", "--keep"]
    code, out, err = _run(args, _env(TMPDIR=str(tmp_path)), tmp_path, tty=True)
    assert code in (0, 4), err
    assert out.startswith("<?xml") and "\r" not in out and "⏳" not in out
    assert "⏳ running" in err and "done" in err
    # With --keep the kept paths go to stderr with a machine format, after the line.
    assert "state:" in err.rsplit("⏳", 1)[-1]


def test_redraws_are_throttled_and_cut_to_the_width() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    class Spec:
        def __init__(self, probe_id: str) -> None:
            self.id = probe_id

    now = [0.0]
    stream = Tty()
    line = LiveLine(stream, clock=lambda: now[0], width=30)
    for n in range(20):  # twenty events within 0.05 s: one redraw
        line.started(Spec(f"probe-{n}"))  # type: ignore[arg-type]
        now[0] += 0.0025
    assert stream.getvalue().count("\r") == 1
    now[0] += 0.1
    line.draw()
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 2 and all(len(f) <= 29 for f in frames)
    line.clear()
    assert stream.getvalue().endswith("\r" + " " * 29 + "\r")
    assert not LiveLine(io.StringIO()).enabled  # not a TTY: nothing is ever drawn
