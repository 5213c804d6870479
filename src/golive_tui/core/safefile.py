"""Reading and writing the user's files without being tricked by what is at the path.

A state file, a checklist or an `-o` target may be a FIFO, a device, a folder, a
symlink or a hard link, planted or by mistake. The rules, each tested
(tests/test_hostile_files.py):
- reads take regular files only, up to `MAX_BYTES`, opened with O_NONBLOCK and
  checked with fstat, so a FIFO never blocks and /dev/zero never fills memory;
- writes replace a regular file only (never a symlink, a device or a FIFO), through
  a temp file with an unpredictable name created with O_EXCL|O_NOFOLLOW, keeping
  the replaced file's mode;
- lock files are opened with O_NOFOLLOW and must be regular, single-link files.

Every refusal is an `UnsafeFileError`, an `OSError` whose `strerror` says why, so
callers that already turn `OSError` into a one-line error need nothing new.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from pathlib import Path

MAX_BYTES = 16 * 1024 * 1024  # far above any real state or checklist file
TEMP_SUFFIX = ".golive-tmp"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOCTTY = getattr(os, "O_NOCTTY", 0)


class UnsafeFileError(OSError):
    """A path golive refuses to read or write; `strerror` is the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(errno.EINVAL, reason, str(path))


def kind(mode: int) -> str:
    """What a non-regular file is, for messages."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "not a regular file"


def read_bounded(path: Path | str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file at `path`; refuses anything else or anything over `limit`."""
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | _CLOEXEC | _NOCTTY)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(path, f"is {kind(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise UnsafeFileError(path, f"is larger than {limit // (1024 * 1024)} MB")
        chunks = []
        left = limit + 1  # the size may change under us: never read past the limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise UnsafeFileError(path, f"is larger than {limit // (1024 * 1024)} MB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_or_explain(
    path: Path, what: str, *, missing: str, unsafe_fix: str, error: type[Exception]
) -> bytes:
    """`read_bounded`, with every failure one `error` line naming `path` and `what` it is."""
    try:
        return read_bounded(path)
    except FileNotFoundError:
        raise error(f"{path}: {missing}") from None
    except UnsafeFileError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror}); {unsafe_fix}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror})") from None


def check_target(path: Path) -> os.stat_result | None:
    """The stat of a regular file `path` is about to replace, None if absent; refuses the rest."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeFileError(path, "is a symlink; golive does not write through symlinks")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFileError(path, f"is {kind(st.st_mode)}; golive replaces only regular files")
    return st


def refuse_hard_links(path: Path) -> None:
    """A file with other names: replacing it would split it in two and bypass its lock."""
    with contextlib.suppress(FileNotFoundError):
        st = os.lstat(path)
        if st.st_nlink > 1:
            raise UnsafeFileError(
                path,
                f"has {st.st_nlink} hard links; golive will not write it (the names would"
                " split and bypass the lock) — copy it to a file of its own",
            )


def atomic_write(path: Path, data: bytes, *, new_mode: int = 0o644) -> None:
    """Replace `path` with `data` so that readers only ever see old or new bytes.

    An existing file keeps its mode; a new one gets `new_mode` (less the umask).
    """
    import secrets  # only when saving: keeps it off the start-up path

    existing = check_target(path)
    directory = path.parent
    tmp = directory / f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}{TEMP_SUFFIX}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    fd = os.open(tmp, flags, 0o600 if existing is not None else new_mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            if existing is not None:
                os.fchmod(fh.fileno(), stat.S_IMODE(existing.st_mode))
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    # Make the rename itself durable.
    with contextlib.suppress(OSError):
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


_TEMP_PID = re.compile(r"([0-9]{1,9})(?:\.[0-9a-f]{16})?")


def remove_stale_temps(path: Path) -> None:
    """Delete temp files that a golive killed mid-save left behind (its PID is gone)."""
    import glob

    prefix = f".{path.name}."
    for tmp in path.parent.glob(f"{glob.escape(prefix)}*{TEMP_SUFFIX}"):
        m = _TEMP_PID.fullmatch(tmp.name[len(prefix) : -len(TEMP_SUFFIX)])
        if m is None or int(m.group(1)) in (0, os.getpid()):
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                if stat.S_ISREG(os.lstat(tmp).st_mode):
                    tmp.unlink()
        except OSError:
            pass  # alive but not ours (EPERM), or an odd PID: leave it


def open_lock(path: Path) -> int:
    """Open (creating, 0600) the lock file at `path` for read and write; never through a link."""
    flags = os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _NOCTTY
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFileError(path, "is a symlink; remove it (golive makes its own)") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(path, f"is {kind(st.st_mode)}; remove it (golive makes its own)")
        if st.st_nlink > 1:
            raise UnsafeFileError(path, "has other hard links; remove it (golive makes its own)")
    except BaseException:
        os.close(fd)
        raise
    return fd
