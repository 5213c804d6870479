"""One writer at a time: a second golive on the same state file is told who holds it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from golive_tui.core import checklist as checklists
from golive_tui.core import state as S
from golive_tui.core.errors import StateLockedError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")

HOLDER = r"""
import sys
from golive_tui.core import state as S
sf = S.StateFile.open(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()  # hold until the parent says so
sf.close()
print("closed", flush=True)
"""


def _holder(path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line == "holding\n", proc.stderr.read() if proc.stderr else ""
    return proc


def _golive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


@pytest.fixture
def state_path(mini: checklists.Checklist, mini_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "golive-state.toml"
    S.StateFile.open(path, checklist=mini, source=str(mini_path), create=True).close()
    return path


def test_second_open_in_process_is_refused(state_path: Path) -> None:
    sf = S.StateFile.open(state_path)
    try:
        with pytest.raises(StateLockedError) as exc:
            S.StateFile.open(state_path)
        msg = str(exc.value)
        assert f"in use by PID {os.getpid()}" in msg
        assert msg.startswith(f"{state_path}: ") and "\n" not in msg
        assert S.read(state_path) == sf.state  # readers are never blocked
    finally:
        sf.close()
    with S.StateFile.open(state_path) as again:  # released on close
        again.save()


def test_context_manager_releases_on_error(state_path: Path) -> None:
    with pytest.raises(RuntimeError), S.opened(state_path):
        raise RuntimeError("boom")
    S.StateFile.open(state_path).close()


def _release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None and holder.stdout is not None
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.stdout.readline() == "closed\n"
    holder.wait(timeout=30)


def test_second_writer_gets_exit_2_naming_the_holder(
    state_path: Path, mini_path: Path, tmp_path: Path
) -> None:
    holder = _holder(state_path)
    try:
        before = state_path.read_bytes()
        for cmd in (
            ["mark", "usage.token", "--status", "done"],
            ["set", "plan_id", "pro"],
        ):
            proc = _golive(*cmd, "--state", str(state_path), cwd=tmp_path)
            assert proc.returncode == 2, proc.stderr
            assert proc.stdout == ""
            lines = proc.stderr.splitlines()
            assert len(lines) == 1, proc.stderr
            assert lines[0].startswith("golive: error: ")
            assert f"in use by PID {holder.pid}" in lines[0]
            assert str(state_path) in lines[0]
        assert state_path.read_bytes() == before
    finally:
        _release(holder)

    proc = _golive(
        "mark", "usage.token", "--status", "done", "--state", str(state_path), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "usage.token: done\n"
    assert S.read(state_path).items["usage.token"].status is S.ItemStatus.DONE


SAVING_HOLDER = r"""
import sys
from golive_tui.core import checklist as C, state as S
sf = S.StateFile.open(sys.argv[1])
item = C.load(sf.state.checklist_source).by_id["usage.token"]
sf.mark(item, S.ItemStatus.DONE)  # saved while holding the lock, as the app does
sf.state.target = S.Target(provider="metronome", settings={"plan_id": "pro"})
sf.save()
print("holding", flush=True)
sys.stdin.readline()
sf.close()
print("closed", flush=True)
"""


def test_read_only_commands_work_while_another_process_holds_the_lock(
    state_path: Path, tmp_path: Path
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", SAVING_HOLDER, str(state_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "holding\n", holder.stderr.read() if holder.stderr else ""
    try:
        with pytest.raises(StateLockedError):  # the lock really is held
            S.StateFile.open(state_path)
        state = ["--state", str(state_path)]
        status = _golive("status", "--items", *state, cwd=tmp_path)
        assert status.returncode == 0, status.stderr
        assert "overall: 1/3 done" in status.stdout  # what the holder saved
        export = _golive("export", "--format", "json", *state, cwd=tmp_path)
        assert export.returncode == 0, export.stderr
        assert '"done"' in export.stdout
        listing = _golive("set", "--list", *state, cwd=tmp_path)
        assert listing.returncode == 0, listing.stderr
        assert '"pro"' in listing.stdout
        # Nothing was written, and the holder's lock file still names it.
        assert state_path.with_name(state_path.name + ".lock").read_text() == f"{holder.pid}\n"
    finally:
        _release(holder)


def test_lock_of_a_killed_holder_is_free(state_path: Path) -> None:
    holder = _holder(state_path)
    with pytest.raises(StateLockedError, match=f"PID {holder.pid}"):
        S.StateFile.open(state_path)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    with S.StateFile.open(state_path) as sf:  # the kernel dropped the flock
        sf.save()
    assert state_path.with_name(state_path.name + ".lock").read_text() == f"{os.getpid()}\n"
