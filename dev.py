#!/usr/bin/env python3
"""One entry point for a fresh machine that has nothing but python3.

    python3 dev.py demo      # the main job: golive against its local sandbox
    python3 dev.py test      # the whole test suite (lint, types, pytest)
    python3 dev.py golive …  # any golive command, from the project's venv

Each command first makes `.venv/` and installs golive with its pinned test
dependencies (`constraints.txt` pins every transitive package). The install is
skipped when pyproject.toml and constraints.txt have not changed since the last one.
Only the standard library is used here, on purpose.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".golive-install-stamp"


def _say(msg: str) -> None:
    print(f"dev.py: {msg}", file=sys.stderr, flush=True)


def _run(*cmd: str | os.PathLike[str], env: dict[str, str] | None = None) -> int:
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)


def _install_fingerprint() -> str:
    h = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        p = ROOT / name
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()


def ensure_venv() -> None:
    # dev.py runs under whatever python3 the machine has, so this check is real.
    if sys.version_info < (3, 11):  # noqa: UP036
        found = ".".join(map(str, sys.version_info[:2]))
        sys.exit(f"dev.py: golive needs Python 3.11 or newer (found {found})")
    if not PY.exists():
        _say(f"creating {VENV.relative_to(ROOT)}/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    want = _install_fingerprint()
    if STAMP.exists() and STAMP.read_text() == want:
        return
    _say("installing golive and its pinned dependencies (first run takes a minute)")
    cmd = [PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if (ROOT / "constraints.txt").exists():
        cmd += ["-c", ROOT / "constraints.txt"]
    cmd += ["-e", f"{ROOT}[test]"]
    if _run(*cmd) != 0:
        sys.exit("dev.py: pip install failed; see the messages above")
    STAMP.write_text(want)


def run_tests(extra: list[str]) -> int:
    code = [d for d in ("src", "tests", "benchmarks", "scripts", "dev.py") if (ROOT / d).exists()]
    steps: list[tuple[str, list[str | os.PathLike[str]]]] = [
        ("ruff check", [PY, "-m", "ruff", "check", *code]),
        ("ruff format", [PY, "-m", "ruff", "format", "--check", *code]),
        ("mypy (core)", [PY, "-m", "mypy"]),
    ]
    if not extra:
        for name, cmd in steps:
            _say(name)
            if _run(*cmd) != 0:
                _say(f"{name} failed")
                return 1
    if extra:
        _say("pytest")
        return _run(PY, "-m", "pytest", *extra)
    return run_pytest_groups()


# The suite mostly waits (sandboxes settling, held requests, app pauses): its CPU time
# is about a third of its wall time, so a few pytest processes side by side finish it
# in about a third of the time. Each group is whole test files, dealt round-robin.
GROUPS = 4


def run_pytest_groups() -> int:
    import tempfile

    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py"))
    groups = [files[i::GROUPS] for i in range(GROUPS)]
    _say(f"pytest: {len(files)} test files in {GROUPS} processes side by side")
    with tempfile.TemporaryDirectory() as tmp:
        running = []
        for i, group in enumerate(groups):
            log = open(Path(tmp) / f"group-{i}.log", "w+", encoding="utf-8")  # noqa: SIM115
            cmd = [str(PY), "-m", "pytest", "-p", "no:cacheprovider", *group]
            running.append((log, subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log)))
        failed = 0
        for i, (log, proc) in enumerate(running):
            code = proc.wait()
            log.seek(0)
            print(f"--- pytest group {i + 1}/{GROUPS} (exit {code}) ---", flush=True)
            print(log.read(), flush=True)
            log.close()
            failed += code != 0
    if failed:
        _say(f"pytest: {failed} of {GROUPS} groups failed (their output is above)")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    cmd, rest = argv[0], argv[1:]
    ensure_venv()
    golive = BIN / "golive"
    if cmd == "test":
        return run_tests(rest)
    if cmd == "demo":
        return _run(golive, "demo", *rest)
    if cmd == "golive":
        return _run(golive, *rest)
    if cmd == "setup":
        return 0
    _say(f"unknown command {cmd!r}; try: demo, test, golive …")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
