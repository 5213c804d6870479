"""`golive token …` and `golive doctor` through the real CLI, in subprocesses.

Two keyrings: keyring's `fail` backend (what headless Linux gets), and a small
test backend loaded with PYTHON_KEYRING_BACKEND that keeps entries obfuscated in
a JSON file, so a plain token found anywhere on disk can only have been written
by golive itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from golive_tui.core.state import State, Target

TOKEN = "mtr_live_S3cr3tT0kenValue_9f8e7d"
FAIL = "keyring.backends.fail.Keyring"
TIMEOUT = 60

TEST_BACKEND = """
import base64, json, os
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

def _enc(s): return base64.b64encode(s[::-1].encode()).decode()[::-1]
def _dec(s): return base64.b64decode(s[::-1]).decode()[::-1]

class Keyring(KeyringBackend):
    priority = -10
    path = os.environ["GOLIVE_TEST_KEYRING_FILE"]
    def _load(self):
        try:
            with open(self.path) as fh: return json.load(fh)
        except FileNotFoundError: return {}
    def _save(self, d):
        with open(self.path, "w") as fh: json.dump(d, fh)
    def get_password(self, service, username):
        v = self._load().get(service + "|" + username)
        return None if v is None else _dec(v)
    def set_password(self, service, username, password):
        d = self._load(); d[service + "|" + username] = _enc(password); self._save(d)
    def delete_password(self, service, username):
        d = self._load()
        if d.pop(service + "|" + username, None) is None:
            raise PasswordDeleteError("No such password!")
        self._save(d)
"""


def _env(tmp_path: Path, backend: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("GOLIVE_DEBUG", None)
    env.pop("GOLIVE_STATE", None)
    env["HOME"] = str(tmp_path / "home")
    env["PYTHON_KEYRING_BACKEND"] = backend
    return env


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    (tmp_path / "cwd").mkdir()
    return tmp_path


@pytest.fixture
def test_backend(work: Path) -> dict[str, str]:
    """Env that makes golive use the obfuscating file backend (kept outside `work`)."""
    mod_dir = work.parent / f"{work.name}-kr"
    mod_dir.mkdir()
    (mod_dir / "golive_test_keyring.py").write_text(TEST_BACKEND, encoding="utf-8")
    env = _env(work, "golive_test_keyring.Keyring")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(mod_dir), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    env["GOLIVE_TEST_KEYRING_FILE"] = str(mod_dir / "entries.json")
    return env


def golive(
    cwd: Path, env: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


TARGET = ("--provider", "metronome", "--environment", "sandbox")


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def _assert_one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("golive: error: ")
    return lines[0]


# --- no usable keyring (the fail backend) ------------------------------------------------------


def test_token_set_without_keyring_is_one_line_naming_backend_and_options(work: Path) -> None:
    proc = golive(work / "cwd", _env(work, FAIL), "token", "set", *TARGET, stdin=TOKEN + "\n")
    line = _assert_one_line_error(proc)
    assert "fail Keyring" in line
    assert "Secret Service" in line
    assert "--token-env VAR" in line
    assert "unlock" in line
    assert proc.stdout == ""
    assert TOKEN not in proc.stdout + proc.stderr
    assert _files_containing(work, TOKEN.encode()) == []


@pytest.mark.parametrize("action", ["status", "delete"])
def test_other_actions_without_keyring_fail_the_same_way(work: Path, action: str) -> None:
    line = _assert_one_line_error(golive(work / "cwd", _env(work, FAIL), "token", action, *TARGET))
    assert "fail Keyring" in line


@pytest.mark.parametrize(
    "argv",
    [
        ["--token", TOKEN],
        [f"--token={TOKEN}"],
        ["--api-key", TOKEN],
        ["--tok", TOKEN],  # no abbreviation of any flag may take it either
    ],
)
def test_token_set_has_no_flag_that_takes_the_token(work: Path, argv: list[str]) -> None:
    proc = golive(work / "cwd", _env(work, FAIL), "token", "set", *TARGET, *argv)
    if argv[0] == "--tok":
        # An unknown flag: argparse's top-level "unrecognized arguments" error.
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        return
    line = _assert_one_line_error(proc)
    assert "never taken as arguments" in line
    assert TOKEN not in proc.stdout + proc.stderr


def test_doctor_fails_with_the_fail_backend_and_names_it(work: Path) -> None:
    proc = golive(work / "cwd", _env(work, FAIL), "doctor")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "✗ FAIL keyring (fail Keyring): no usable keyring" in proc.stdout
    assert "state file golive-state.toml: none yet" in proc.stdout
    assert "check(s) failed" in proc.stdout


# --- a working keyring -----------------------------------------------------------------------


def test_set_status_delete_never_show_or_write_the_token(
    work: Path, test_backend: dict[str, str]
) -> None:
    cwd = work / "cwd"
    proc = golive(cwd, test_backend, "token", "set", *TARGET, stdin=TOKEN + "\n")
    assert proc.returncode == 0, proc.stderr
    assert "stored the API token for metronome sandbox (https://api.metronome.com)" in proc.stdout
    outputs = [proc.stdout + proc.stderr]

    proc = golive(cwd, test_backend, "token", "status", *TARGET)
    assert proc.returncode == 0, proc.stderr
    assert f"stored ({len(TOKEN)} characters)" in proc.stdout
    assert "api-token:metronome:sandbox:https://api.metronome.com" in proc.stdout
    assert TOKEN[-4:] not in proc.stdout  # not even a suffix
    outputs.append(proc.stdout + proc.stderr)

    proc = golive(cwd, test_backend, "token", "set", *TARGET, stdin=TOKEN)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("replaced the API token")

    proc = golive(cwd, test_backend, "token", "status", *TARGET, "--webhook-secret")
    assert "webhook secret for metronome sandbox (https://api.metronome.com): not stored" in (
        proc.stdout
    )
    assert proc.returncode == 3  # nothing stored: scripts can tell
    assert "golive token set --provider metronome" in proc.stdout  # and how to store it

    proc = golive(cwd, test_backend, "token", "delete", *TARGET)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("removed the API token")
    proc = golive(cwd, test_backend, "token", "delete", *TARGET)
    assert "nothing removed" in proc.stdout
    proc = golive(cwd, test_backend, "token", "status", *TARGET)
    assert ": not stored" in proc.stdout and proc.returncode == 3

    assert all(TOKEN not in out for out in outputs)
    assert _files_containing(work, TOKEN.encode()) == []


def test_empty_or_multiline_stdin_is_refused(work: Path, test_backend: dict[str, str]) -> None:
    line = _assert_one_line_error(golive(work / "cwd", test_backend, "token", "set", *TARGET))
    assert "empty API token" in line
    proc = golive(work / "cwd", test_backend, "token", "set", *TARGET, stdin="a-token\nanother\n")
    assert "more than one line" in _assert_one_line_error(proc)
    assert "a-token" not in proc.stderr
    proc = golive(work / "cwd", test_backend, "token", "status", *TARGET)
    assert ": not stored" in proc.stdout


def test_target_comes_from_the_state_file(
    work: Path, test_backend: dict[str, str], mini: object
) -> None:
    state = State.new(mini, "mini", Target(provider="metronome", environment="production"))  # type: ignore[arg-type]
    (work / "cwd" / "golive-state.toml").write_text(state.to_toml(), encoding="utf-8")
    proc = golive(work / "cwd", test_backend, "token", "set", stdin=TOKEN)
    assert proc.returncode == 0, proc.stderr
    assert "metronome production (https://api.metronome.com)" in proc.stdout
    # The flags win over the state file.
    proc = golive(work / "cwd", test_backend, "token", "status", "--environment", "sandbox")
    assert "metronome sandbox (https://api.metronome.com): not stored" in proc.stdout
    assert _files_containing(work, TOKEN.encode()) == []


def test_missing_target_fields_name_the_flag(work: Path, test_backend: dict[str, str]) -> None:
    cwd = work / "cwd"
    line = _assert_one_line_error(golive(cwd, test_backend, "token", "status"))
    assert line.startswith("golive: error: --provider: missing")
    proc = golive(cwd, test_backend, "token", "status", "--provider", "metronome")
    assert "--environment: missing" in _assert_one_line_error(proc)
    proc = golive(cwd, test_backend, "token", "status", "--provider", "flexprice", "--environment",
                  "sandbox")  # fmt: skip
    line = _assert_one_line_error(proc)
    assert "--base-url: missing" in line
    assert "https://us.api.flexprice.io" in line
    assert "https://api.cloud.flexprice.io" in line


def test_doctor_passes_with_a_working_keyring(work: Path, test_backend: dict[str, str]) -> None:
    proc = golive(work / "cwd", test_backend, "doctor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "✓ ok   keyring golive test keyring Keyring: set, get and delete work" in proc.stdout
    for name in ("python", "golive", "textual", "httpx", "keyring", "pydantic", "tomli-w"):
        assert f"✓ ok   {name} " in proc.stdout
    assert "all checks passed" in proc.stdout


def test_doctor_reports_a_broken_state_file(work: Path, test_backend: dict[str, str]) -> None:
    (work / "cwd" / "golive-state.toml").write_text("this is = = not toml", encoding="utf-8")
    proc = golive(work / "cwd", test_backend, "doctor")
    assert proc.returncode == 1
    assert "✗ FAIL state file: golive-state.toml: not a valid golive state file" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_doctor_summarises_a_good_state_file(
    work: Path, test_backend: dict[str, str], mini: object, mini_path: Path
) -> None:
    state = State.new(mini, str(mini_path), Target(provider="metronome"))  # type: ignore[arg-type]
    (work / "cwd" / "golive-state.toml").write_text(state.to_toml(), encoding="utf-8")
    proc = golive(work / "cwd", test_backend, "doctor")
    assert proc.returncode == 0, proc.stdout
    assert "state file golive-state.toml: checklist mini, no items touched" in proc.stdout
