"""One writer at a time: an advisory lock on `<state>.lock` that also records the
holder's PID, so a second golive on the same file is told who has it.
"""

from __future__ import annotations

import os
from pathlib import Path

from golive_tui.core import safefile
from golive_tui.core.errors import StateError, StateLockedError


class StateLock:
    """An advisory lock on `<state>.lock` that also records the holder's PID."""

    def __init__(self, state_path: Path) -> None:
        self.path = state_path.with_name(state_path.name + ".lock")
        self._fd: int | None = None

    def acquire(self, state_path: Path) -> None:
        import fcntl

        try:
            fd = safefile.open_lock(self.path)
        except OSError as exc:
            raise StateError(
                f"{state_path}: cannot open its lock file {self.path} ({exc.strerror});"
                " golive needs to write in that folder — fix its permissions or pass --state"
                " for a file elsewhere"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StateLockedError(
                f"{state_path}: in use by PID {holder} (another golive is open on it);"
                " close that one first, or pass --state to use another file"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
