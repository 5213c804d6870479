"""golive against a real Secret Service: gnome-keyring on a private D-Bus session.

Each test runs `dbus-run-session -- sh -c '<start gnome-keyring>; exec python driver.py'`
with a fresh HOME (so a new login keyring is created) and no DISPLAY (so any
unlock prompt fails at once instead of waiting for a person). The driver runs the
golive commands as subprocesses inside that session and reports their results as
JSON. `gnome-keyring-daemon --unlock` reads the password on stdin, creates the
login keyring if needed and leaves it unlocked.

What the locked case does in practice: when the collection is locked, keyring's
SecretService backend asks the daemon to unlock it; the daemon starts gcr-prompter,
which cannot open a display and exits, so the prompt is dismissed within
milliseconds and keyring raises KeyringLocked ("Failed to unlock the collection!").
With no login keyring at all (daemon started without --unlock) creating one needs
the same prompt, which is dismissed too, and keyring raises InitError.

CI (.ci/run) installs the apt packages gnome-keyring and dbus when missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.keyring_integration

_missing = [t for t in ("dbus-run-session", "gnome-keyring-daemon") if shutil.which(t) is None]
if _missing:
    pytest.skip(
        f"needs {' and '.join(_missing)} (apt-get install dbus gnome-keyring; .ci/run does this)",
        allow_module_level=True,
    )

TOKEN = "mtr_live_IntegrationT0ken_5a4b3c2d1e"
PASSWORD = "golive-test-keyring-password"
TARGET = ["--provider", "metronome", "--environment", "production"]
SESSION_TIMEOUT = 90
STEP_TIMEOUT = 30

UNLOCK = 'printf %s "$KEYRING_PW" | gnome-keyring-daemon --unlock --components=secrets >/dev/null'
START_LOCKED = "gnome-keyring-daemon --start --components=secrets >/dev/null"

# Runs inside the D-Bus session; each step is either a golive command line or a
# Python snippet; prints one JSON list of {rc, out, err, secs}.
DRIVER = r"""
import json, subprocess, sys, time
steps = json.load(open(sys.argv[1]))
results = []
for step in steps:
    if "golive" in step:
        argv = [sys.executable, "-m", "golive_tui", *step["golive"]]
    else:
        argv = [sys.executable, "-c", step["python"]]
    t = time.monotonic()
    try:
        p = subprocess.run(argv, input=step.get("stdin", ""), capture_output=True, text=True,
                           timeout=step["timeout"])
        results.append({"rc": p.returncode, "out": p.stdout, "err": p.stderr,
                        "secs": time.monotonic() - t})
    except subprocess.TimeoutExpired:
        results.append({"rc": None, "out": "", "err": "TIMEOUT", "secs": time.monotonic() - t})
print("GOLIVE-RESULTS " + json.dumps(results))
"""

LOAD = (
    "from golive_tui.core.secrets import SecretKey, load\n"
    "s = load(SecretKey('metronome', 'production', 'https://api.metronome.com/'))\n"
    "import sys; sys.stdout.write('NONE' if s is None else s.reveal())\n"
)
LOCK = (
    "import secretstorage\n"
    "c = secretstorage.get_default_collection(secretstorage.dbus_init())\n"
    "c.lock()\n"
    "print('locked' if c.is_locked() else 'still unlocked')\n"
)


def golive(*args: str, stdin: str = "") -> dict[str, Any]:
    return {"golive": list(args), "stdin": stdin, "timeout": STEP_TIMEOUT}


def python(code: str) -> dict[str, Any]:
    return {"python": code, "timeout": STEP_TIMEOUT}


def in_session(tmp_path: Path, start: str, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    home = tmp_path / "home"
    runtime = tmp_path / "run"
    # The steps hold the token (as stdin); keep them outside the tree searched for it.
    harness = tmp_path.parent / f"{tmp_path.name}-harness"
    for d in (home, runtime, harness):
        d.mkdir(mode=0o700, exist_ok=True)
    (harness / "driver.py").write_text(DRIVER, encoding="utf-8")
    (harness / "steps.json").write_text(json.dumps(steps), encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(runtime),
        "LANG": "C.UTF-8",
        "KEYRING_PW": PASSWORD,
        "PY": sys.executable,
        # No DISPLAY / WAYLAND_DISPLAY: an unlock prompt must fail, not wait.
    }
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    script = f'{start}; exec "$PY" "{harness}/driver.py" "{harness}/steps.json"'
    proc = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", script],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=SESSION_TIMEOUT,
    )
    marker = [ln for ln in proc.stdout.splitlines() if ln.startswith("GOLIVE-RESULTS ")]
    assert marker, f"driver did not report (rc {proc.returncode}): {proc.stdout}\n{proc.stderr}"
    results: list[dict[str, Any]] = json.loads(marker[0].removeprefix("GOLIVE-RESULTS "))
    assert len(results) == len(steps)
    return results


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def _one_line_error(r: dict[str, Any]) -> str:
    assert r["rc"] == 2, r
    assert "Traceback" not in r["err"]
    lines = r["err"].splitlines()
    assert len(lines) == 1, r["err"]
    assert lines[0].startswith("golive: error: ")
    return str(lines[0])


def test_set_status_load_delete_with_gnome_keyring(tmp_path: Path) -> None:
    set_, status, loaded, webhook, delete, status_after, load_after = in_session(
        tmp_path,
        UNLOCK,
        [
            golive("token", "set", *TARGET, stdin=TOKEN + "\n"),
            golive("token", "status", *TARGET),
            python(LOAD),
            golive("token", "status", *TARGET, "--webhook-secret"),
            golive("token", "delete", *TARGET),
            golive("token", "status", *TARGET),
            python(LOAD),
        ],
    )
    assert set_["rc"] == 0, set_
    assert set_["out"] == (
        "stored the API token for metronome production (https://api.metronome.com)"
        " in the keyring (SecretService Keyring)\n"
    )
    assert status["rc"] == 0, status
    assert (
        f"metronome production (https://api.metronome.com): stored ({len(TOKEN)} characters)"
        in (status["out"])
    )
    assert "keyring: SecretService Keyring" in status["out"]
    assert loaded == {**loaded, "rc": 0, "out": TOKEN}
    assert ": not stored" in webhook["out"]  # a separate entry per kind
    assert delete["rc"] == 0
    assert delete["out"].startswith("removed the API token")
    assert ": not stored" in status_after["out"] and status_after["rc"] == 3
    assert load_after["out"] == "NONE"

    # Nothing golive printed contains the token, and no file holds it in plain text:
    # gnome-keyring's login.keyring is encrypted.
    printed = [set_, status, webhook, delete, status_after]
    assert all(TOKEN not in r["out"] + r["err"] for r in printed)
    keyring_file = tmp_path / "home" / ".local" / "share" / "keyrings" / "login.keyring"
    assert keyring_file.is_file()
    assert _files_containing(tmp_path, TOKEN.encode()) == []


def test_doctor_round_trip_passes_with_gnome_keyring(tmp_path: Path) -> None:
    (doctor,) = in_session(tmp_path, UNLOCK, [golive("doctor")])
    assert doctor["rc"] == 0, doctor
    assert "✓ ok   keyring SecretService Keyring: set, get and delete work" in doctor["out"]


def test_locked_keyring_fails_fast_with_one_line(tmp_path: Path) -> None:
    stored, lock, set_, status, doctor, loaded = in_session(
        tmp_path,
        UNLOCK,
        [
            golive("token", "set", *TARGET, stdin="an-earlier-token-value"),
            python(LOCK),
            golive("token", "set", *TARGET, stdin=TOKEN),
            golive("token", "status", *TARGET),
            golive("doctor"),
            python(LOAD.replace("sys.stdout.write", "print")),
        ],
    )
    assert stored["rc"] == 0, stored
    assert lock["out"].strip() == "locked", lock
    for r in (set_, status):
        line = _one_line_error(r)
        assert "keyring is locked" in line
        assert "SecretService Keyring" in line
        assert "unlock" in line
        assert "--token-env VAR" in line
        assert r["secs"] < STEP_TIMEOUT / 2, "must fail fast, not wait for a prompt"
    assert TOKEN not in set_["out"] + set_["err"]
    assert doctor["rc"] == 1
    assert "✗ FAIL keyring (SecretService Keyring): the keyring is locked" in doctor["out"]
    # The library API raises SecretStoreError (a one-line message), never a traceback.
    assert loaded["rc"] != 0
    assert "SecretStoreError" in loaded["err"]
    assert _files_containing(tmp_path, TOKEN.encode()) == []


def test_no_login_keyring_and_no_prompt_fails_fast(tmp_path: Path) -> None:
    # Daemon running but never unlocked: no login keyring exists, and creating one
    # needs a prompt that cannot be shown.
    (set_,) = in_session(tmp_path, START_LOCKED, [golive("token", "set", *TARGET, stdin=TOKEN)])
    line = _one_line_error(set_)
    assert "could not be opened" in line
    assert "SecretService Keyring" in line
    assert "--token-env VAR" in line
    assert set_["secs"] < STEP_TIMEOUT / 2
    assert _files_containing(tmp_path, TOKEN.encode()) == []
