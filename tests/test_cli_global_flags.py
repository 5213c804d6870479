"""--state, --checklist and --config before or after the command, through `main()`.

Every command that uses --state is run with it in both positions against a folder
that also holds ./golive-state.toml: the named file is the one read or written, and
the default one is left byte for byte as it was.
"""

from __future__ import annotations

import json
import secrets as pysecrets
from pathlib import Path
from typing import Any

import pytest

from golive_tui.cli import main
from golive_tui.core import checklist as checklists
from golive_tui.core import secrets
from golive_tui.core import state as S
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox
from memory_keyring import MemoryKeyring

POSITIONS = ("before", "after")
OTHER_URL = "https://us.api.flexprice.io"


def _argv(position: str, command: list[str], flags: list[str]) -> list[str]:
    return [*flags, *command] if position == "before" else [*command, *flags]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mini_path: Path) -> Path:
    """A folder with ./golive-state.toml (metronome target) and other.toml (flexprice)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOLIVE_STATE", raising=False)
    monkeypatch.setenv("GOLIVE_CONFIG", str(tmp_path / "no-config.toml"))
    mini = checklists.load(mini_path)
    for name, target in (
        ("golive-state.toml", S.Target(provider="metronome", environment="sandbox")),
        ("other.toml", S.Target(provider="flexprice", environment="sandbox", base_url=OTHER_URL)),
    ):
        S.StateFile.open(
            tmp_path / name, checklist=mini, source=str(mini_path), target=target, create=True
        ).close()
    return tmp_path


def _default_untouched(work: Path, before: bytes) -> None:
    assert (work / "golive-state.toml").read_bytes() == before


@pytest.mark.parametrize("position", POSITIONS)
def test_mark_writes_the_state_named_in_either_position(work: Path, position: str) -> None:
    before = (work / "golive-state.toml").read_bytes()
    argv = _argv(position, ["mark", "usage.token", "--status", "done"], ["--state", "other.toml"])
    assert main(argv) == 0
    assert S.read(work / "other.toml").items["usage.token"].status is S.ItemStatus.DONE
    _default_untouched(work, before)


@pytest.mark.parametrize("position", POSITIONS)
def test_status_creates_the_state_named_with_its_checklist(
    work: Path, mini_path: Path, position: str, capsys: Any
) -> None:
    before = (work / "golive-state.toml").read_bytes()
    flags = ["--state", "new.toml", "--checklist", str(mini_path)]
    assert main(_argv(position, ["status"], flags)) == 0
    assert "state: new.toml" in capsys.readouterr().out
    assert S.read(work / "new.toml").checklist_id == "mini"
    _default_untouched(work, before)


@pytest.mark.parametrize("position", POSITIONS)
def test_set_writes_the_state_named(work: Path, position: str) -> None:
    before = (work / "golive-state.toml").read_bytes()
    argv = _argv(position, ["set", "plan_id", "pro"], ["--state", "other.toml"])
    assert main(argv) == 0
    assert S.read(work / "other.toml").target.settings["plan_id"] == "pro"
    _default_untouched(work, before)


@pytest.mark.parametrize("position", POSITIONS)
def test_export_reads_the_state_named(work: Path, position: str, capsys: Any) -> None:
    with S.StateFile.open(work / "other.toml") as sf:
        item = checklists.load(sf.state.checklist_source).by_id["usage.metrics"]
        sf.mark(item, S.ItemStatus.NOT_APPLICABLE)
    before = (work / "golive-state.toml").read_bytes()
    argv = _argv(position, ["export", "--format", "json"], ["--state", "other.toml"])
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert "not-applicable" in json.dumps(data)
    assert data["target"]["provider"] == "flexprice"
    _default_untouched(work, before)


@pytest.mark.parametrize("position", POSITIONS)
def test_check_saves_into_the_state_named(
    work: Path, mini_path: Path, position: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    token = "mt_test_" + pysecrets.token_hex(16)
    monkeypatch.setenv("GOLIVE_TEST_TOKEN", token)
    sb = MetronomeSandbox(token, webhook_secret=pysecrets.token_urlsafe(24))
    before = (work / "golive-state.toml").read_bytes()
    with SandboxServer(sb) as server:
        command = ["check", "--only", "auth", "--token-env", "GOLIVE_TEST_TOKEN"]
        command += ["--base-url", server.base_url]
        flags = ["--state", "checked.toml", "--checklist", str(mini_path)]
        assert main(_argv(position, command, flags)) == 0
    capsys.readouterr()
    saved = S.read(work / "checked.toml")
    assert saved.items["usage.token"].probe_results  # created (explicit --state) and saved
    assert saved.target.base_url == server.base_url
    _default_untouched(work, before)


@pytest.mark.parametrize("position", POSITIONS)
def test_token_status_takes_the_target_from_the_state_named(
    work: Path, position: str, memory_keyring: MemoryKeyring, capsys: Any
) -> None:
    secrets.store(secrets.SecretKey("flexprice", "sandbox", OTHER_URL), "sk_test_value")
    argv = _argv(position, ["token", "status"], ["--state", "other.toml"])
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"API token for flexprice sandbox ({OTHER_URL}): stored" in out
    assert "sk_test_value" not in out


@pytest.mark.parametrize("position", POSITIONS)
def test_doctor_checks_the_state_named(
    work: Path, position: str, memory_keyring: MemoryKeyring, capsys: Any
) -> None:
    main(_argv(position, ["doctor"], ["--state", "other.toml"]))
    out = capsys.readouterr().out
    assert "state file other.toml: checklist mini" in out


@pytest.mark.parametrize("position", POSITIONS)
def test_tui_opens_the_state_and_config_named(
    work: Path, position: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from golive_tui.commands import tui

    seen: dict[str, Any] = {}

    def fake_run_app(app: Any) -> int:
        seen["path"] = app.state_file.path
        seen["config"] = app.config.path
        app.shutdown_state()
        return 0

    monkeypatch.setattr(tui, "run_app", fake_run_app)
    flags = ["--state", "other.toml", "--config", "c.toml"]
    assert main(_argv(position, ["tui"], flags)) == 0
    assert seen == {"path": Path("other.toml"), "config": Path("c.toml")}


# --- clashes and flags a command does not use -------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["mark", "usage.token", "--status", "done"],
        ["set", "plan_id", "pro"],
        ["export"],
        ["check", "--only", "auth"],
        ["token", "status"],
        ["doctor"],
        ["tui"],
    ],
)
def test_two_different_values_are_one_line_naming_both(
    work: Path, command: list[str], capsys: Any
) -> None:
    argv = ["--state", "a.toml", *command, "--state", "b.toml"]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("golive: error: --state given twice")
    assert "a.toml" in err and "b.toml" in err
    assert not (work / "a.toml").exists() and not (work / "b.toml").exists()


def test_the_same_value_in_both_positions_is_fine(work: Path) -> None:
    argv = ["--state", "other.toml", "mark", "usage.token", "--status", "done"]
    assert main([*argv, "--state", "./other.toml"]) == 0
    assert S.read(work / "other.toml").items["usage.token"].status is S.ItemStatus.DONE


@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize(
    ("command", "flag"),
    [
        (["demo", "--headless"], "--state"),
        (["demo", "--headless"], "--checklist"),
        (["sandbox", "--provider", "metronome"], "--state"),
        (["checklists"], "--checklist"),
        (["status"], "--config"),
        (["token", "status"], "--checklist"),
    ],
)
def test_a_flag_the_command_does_not_use_is_refused(
    work: Path, command: list[str], flag: str, position: str, capsys: Any
) -> None:
    before = sorted(p.name for p in work.iterdir())
    with pytest.raises(SystemExit) as exc:
        main(_argv(position, command, [flag, "x.toml"]))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"error: {flag}: `golive {command[0]}` does not use it" in err
    assert sorted(p.name for p in work.iterdir()) == before


def test_golive_state_in_the_environment_is_not_a_flag(
    work: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("GOLIVE_STATE", "other.toml")
    assert main(["checklists"]) == 0  # not refused: nobody typed --state
    assert main(["mark", "usage.token", "--status", "skipped", "--reason", "not ours"]) == 0
    assert S.read(work / "other.toml").items["usage.token"].status is S.ItemStatus.SKIPPED
    capsys.readouterr()
