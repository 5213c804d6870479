"""`golive set`: target fields and probe settings, validated, never a secret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from golive_tui.core import state as S


def golive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def _new_state(tmp_path: Path, checklist: str = "flexprice") -> Path:
    assert golive("status", "--checklist", checklist, cwd=tmp_path).returncode == 0
    return tmp_path / "golive-state.toml"


def test_settings_and_target_fields_are_saved_with_the_right_types(tmp_path: Path) -> None:
    path = _new_state(tmp_path)
    for args in (
        ("event_names", " llm.tokens , api.call,,"),
        ("webhook_url", "https://hooks.example.com/billing"),
        ("backdate_days", "14"),
        ("sample_events", '{"llm.tokens": {"tokens": "10", "model": "gpt"}}'),
        ("customer_id", "quill-test"),
        ("environment", "production"),
    ):
        result = golive("set", *args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    target = S.read(path).target
    assert target.settings["event_names"] == ["llm.tokens", "api.call"]
    assert target.settings["backdate_days"] == 14
    assert target.settings["sample_events"] == {"llm.tokens": {"tokens": "10", "model": "gpt"}}
    assert (target.customer_id, target.environment) == ("quill-test", "production")
    listing = golive("set", "--list", cwd=tmp_path).stdout
    assert "webhook_url" in listing and "plan_id" in listing  # unset known keys are listed too
    assert "webhook_ip_allowlist" in listing  # read by the webhook-signature probe
    assert golive("set", "webhook_url", "--unset", cwd=tmp_path).returncode == 0
    assert "webhook_url" not in S.read(path).target.settings


def test_secrets_and_bad_values_are_refused_and_the_file_is_untouched(tmp_path: Path) -> None:
    path = _new_state(tmp_path)
    before = path.read_bytes()
    canary = "sk_live_CANARY0123456789ABCDEF"
    for args in (
        ("api_token", canary),
        ("webhook-secret", canary),
        ("environment", "staging"),
        ("sample_events", "{not json"),
        ("settings", "x"),
    ):
        result = golive("set", *args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert canary not in result.stdout + result.stderr
    assert path.read_bytes() == before


def test_set_needs_an_existing_session(tmp_path: Path) -> None:
    result = golive("set", "webhook_url", "https://x.example", cwd=tmp_path)
    assert result.returncode == 2 and "--checklist" in result.stderr
    assert not (tmp_path / "golive-state.toml").exists()


def test_history_limit_is_set_through_golive_set(tmp_path: Path) -> None:
    path = _new_state(tmp_path)
    assert golive("set", "history_limit", "12", cwd=tmp_path).returncode == 0
    assert S.read(path).target.history_limit == 12
    assert "history_limit" in golive("set", "--list", cwd=tmp_path).stdout
    before = path.read_bytes()
    for bad in ("0", "abc", "1000"):
        result = golive("set", "history_limit", bad, cwd=tmp_path)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert "history_limit: must be a whole number from 1 to 100" in result.stderr
    assert path.read_bytes() == before


def test_json_flag_may_sit_between_key_and_value(tmp_path: Path) -> None:
    path = _new_state(tmp_path, "metronome")
    event = '{"event_type": "api.call", "properties": {"n": 1}}'
    for args in (
        ("sample_event", "--json", event),
        ("--json", "sample_event", event),
        ("backdate_days", "--json", "7"),
    ):
        result = golive("set", *args, cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)
    settings = S.read(path).target.settings
    assert settings["sample_event"] == {"event_type": "api.call", "properties": {"n": 1}}
    assert settings["backdate_days"] == 7
    # Still exactly KEY and VALUE: a third word is refused, not dropped.
    result = golive("set", "plan_id", "--json", '"a"', "b", cwd=tmp_path)
    assert result.returncode == 2 and "unexpected value" in result.stderr
    assert "plan_id" not in S.read(path).target.settings


def test_set_with_checklist_starts_the_state_like_status_does(tmp_path: Path) -> None:
    result = golive("set", "webhook_url", "https://hooks.example.com/b", "--checklist",
                    "flexprice", "--state", "new.toml", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    state = S.read(tmp_path / "new.toml")
    assert state.checklist_id == "flexprice"
    assert state.target.settings["webhook_url"] == "https://hooks.example.com/b"
    # A bad value is refused before any file is started.
    result = golive("set", "environment", "staging", "--checklist", "flexprice",
                    "--state", "bad.toml", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2 and "environment" in result.stderr
    assert not (tmp_path / "bad.toml").exists()
