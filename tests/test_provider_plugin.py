"""A third-party provider, installed for real (its files and a dist-info in a temp dir
on PYTHONPATH: how importlib.metadata finds installed packages), runs `golive check`
against its own sandbox on 127.0.0.1; a broken entry point is a one-line warning."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive_tui.core.sandbox.server import SandboxServer

TOY = Path(__file__).parent / "fixtures" / "golive_provider_toy"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The toy package installed as pip would lay it out (the venv has no `wheel` offline):
    its files plus a `*.dist-info` with METADATA and the pyproject's entry points."""
    target = tmp_path_factory.mktemp("site")
    shutil.copytree(TOY / "golive_toy", target / "golive_toy")
    meta = tomllib.loads((TOY / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    info = target / f"golive_provider_toy-{meta['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n"
    )
    eps = meta["entry-points"]["golive.providers"]
    lines = "".join(f"{k} = {v}\n" for k, v in eps.items())
    (info / "entry_points.txt").write_text(f"[golive.providers]\n{lines}")
    sys.path.insert(0, str(target))  # for the in-process sandbox below
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        for name in [m for m in sys.modules if m.split(".")[0] == "golive_toy"]:
            del sys.modules[name]


def golive(*args: str, site: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    base["GOLIVE_CACHE_DIR"] = os.environ["GOLIVE_CACHE_DIR"]
    base["PYTHONPATH"] = str(site)
    base["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    proc = subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=cwd, capture_output=True, text=True, timeout=90, env={**base, **env},
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


@pytest.mark.parametrize("faults", [(), ("customer-missing",)])
def test_installed_provider_runs_golive_check(site: Path, tmp_path: Path, faults: tuple) -> None:
    from golive_toy.sandbox import CUSTOMER, ToySandbox  # the installed copy

    token = "toy_" + secrets.token_hex(16)
    with SandboxServer(ToySandbox(token, faults=faults)) as server:
        proc = golive(
            "check", "--checklist", "toy", "--base-url", server.base_url,
            "--customer-id", CUSTOMER, "--token-env", "TOY_TOKEN", "--format", "json",
            site=site, cwd=tmp_path, TOY_TOKEN=token,
        )  # fmt: skip
    assert token not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    status = {row["probe"]: row["status"] for row in report["results"] if row["probe"]}
    if faults:
        assert status == {"auth": "pass", "customer": "fail"}, proc.stdout
        assert proc.returncode != 0
    else:
        assert status == {"auth": "pass", "customer": "pass"}, proc.stdout
        assert proc.returncode == 0, proc.stderr


def test_installed_provider_is_listed(site: Path, tmp_path: Path) -> None:
    proc = golive("checklists", site=site, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "toy" in proc.stdout and "Toy Billing go-live" in proc.stdout
    assert proc.stdout.index("metronome") < proc.stdout.index("toy")  # built-ins first


def _plugin(site: Path, name: str, value: str) -> Path:
    """A second installed distribution whose only content is one entry point."""
    dist = site.parent / f"bad-{name}"
    info = dist / "golive_bad_plugin-0.1.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: golive-bad-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[golive.providers]\n{name} = {value}\n")
    return dist


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("metronome", "golive_toy:PROVIDER", "is a built-in provider; rename"),
        ("nothere", "golive_nothere:PROVIDER", "failed to import (ModuleNotFoundError"),
        ("notprov", "golive_toy.sandbox:FAULTS", "is a tuple, not a golive_tui"),
        ("toy2", "golive_toy:PROVIDER", "its Provider is named 'toy'"),
    ],
)
def test_bad_entry_point_is_one_line_warning(
    site: Path, tmp_path: Path, name: str, value: str, says: str
) -> None:
    bad = _plugin(site, name, value)
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{bad}"}
    proc = subprocess.run(
        [sys.executable, "-m", "golive_tui", "checklists"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    (line,) = [ln for ln in proc.stderr.splitlines() if "warning" in ln]
    assert f"entry point {name} = {value!r}" in line and says in line, line
    assert "metronome" in proc.stdout and "toy" in proc.stdout  # nothing shadowed or lost
