"""The `golive` command line as a user runs it: real subprocesses, exit codes, one-line
errors, no tracebacks, and no heavy imports for `--help` and `status`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from golive_tui.core import state as S

HEAVY = ("textual", "httpx", "keyring")


def golive(*args: str | bytes, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=60,
        env=_env(),
    )
    assert "Traceback" not in proc.stdout and "Traceback" not in proc.stderr, proc.stderr
    return proc


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    env["GOLIVE_CACHE_DIR"] = os.environ["GOLIVE_CACHE_DIR"]  # the session's, not ~/.cache
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("golive: error: "), lines[0]
    return lines[0]


def test_help_lists_the_commands(tmp_path: Path) -> None:
    proc = golive("--help", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    for command in ("status", "mark", "export", "token", "doctor", "checklists"):
        assert f"\n    {command} " in proc.stdout, command
    assert golive("--version", cwd=tmp_path).stdout.startswith("golive ")


def test_usage_errors_exit_2_in_one_line(tmp_path: Path) -> None:
    line = _one_error_line(golive("--no-such-flag", cwd=tmp_path))
    assert "--no-such-flag" in line
    line = _one_error_line(golive("mark", "usage.token", "--status", "maybe", cwd=tmp_path))
    assert "--status" in line
    line = _one_error_line(golive("frobnicate", cwd=tmp_path))
    assert "frobnicate" in line


def test_mark_creates_the_state_from_checklist(mini_path: Path, tmp_path: Path) -> None:
    proc = golive(
        "mark", "usage.metrics", "--status", "not-applicable", "--note", "no metrics yet",
        "--operator", "ana", "--checklist", str(mini_path), cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "usage.metrics: not-applicable\n"
    state = S.read(tmp_path / "golive-state.toml")
    item = state.items["usage.metrics"]
    assert (item.status, item.note, item.by) == (
        S.ItemStatus.NOT_APPLICABLE,
        "no metrics yet",
        "ana",
    )
    assert state.checklist_source == str(mini_path.resolve())
    # Later runs need no --checklist: the state remembers it.
    proc = golive("mark", "usage.token", "--status", "done", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert S.read(tmp_path / "golive-state.toml").items["usage.token"].status == "done"


def test_status_creates_the_state_and_shows_progress(mini_path: Path, tmp_path: Path) -> None:
    proc = golive("status", "--checklist", str(mini_path), "--items", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Mini test checklist" in proc.stdout
    assert "overall: 0/3 done" in proc.stdout
    assert "usage.token" in proc.stdout
    assert S.read(tmp_path / "golive-state.toml").checklist_id == "mini"


def test_status_without_state_or_checklist(tmp_path: Path) -> None:
    line = _one_error_line(golive("status", cwd=tmp_path))
    assert "golive-state.toml" in line and "--checklist" in line
    assert list(tmp_path.iterdir()) == []


def test_mark_unknown_item_suggests_the_closest(mini_path: Path, tmp_path: Path) -> None:
    golive("status", "--checklist", str(mini_path), cwd=tmp_path)
    before = (tmp_path / "golive-state.toml").read_bytes()
    line = _one_error_line(golive("mark", "usage.tokn", "--status", "done", cwd=tmp_path))
    assert "'usage.tokn'" in line and "did you mean 'usage.token'?" in line
    assert (tmp_path / "golive-state.toml").read_bytes() == before


def test_bad_checklist_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\ntitle = ', encoding="utf-8")
    line = _one_error_line(golive("status", "--checklist", str(bad), cwd=tmp_path))
    assert str(bad) in line and "line" in line
    line = _one_error_line(golive("status", "--checklist", "nope", cwd=tmp_path))
    assert "'nope'" in line
    assert not (tmp_path / "golive-state.toml").exists()


def test_note_that_is_not_utf8_is_refused(mini_path: Path, tmp_path: Path) -> None:
    golive("status", "--checklist", str(mini_path), cwd=tmp_path)
    before = (tmp_path / "golive-state.toml").read_bytes()
    line = _one_error_line(
        golive("mark", "usage.token", "--status", "done", "--note", b"caf\xe9", cwd=tmp_path)
    )
    assert "not valid UTF-8" in line
    assert (tmp_path / "golive-state.toml").read_bytes() == before


def _corrupt_files(mini_path: Path) -> dict[str, bytes]:
    from golive_tui.core import checklist

    good = S.State.new(checklist.load(mini_path), str(mini_path)).to_toml()
    return {
        "garbage": b"\x00\x01 certainly not toml {{{",
        "truncated": good[: len(good) * 2 // 3].encode(),
        "wrong-types": good.replace("environment = 'sandbox'", "environment = 7").encode(),
        "not-utf8": good.encode().replace(b"mini", b"m\xffni", 1),
        "newer-schema": good.replace("schema_version = 1", "schema_version = 2").encode(),
    }


@pytest.mark.parametrize("command", ["status", "mark", "export"])
def test_unreadable_state_is_never_overwritten(
    command: str, mini_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "golive-state.toml"
    args = {"status": ["status"], "mark": ["mark", "usage.token", "--status", "done"]}
    for kind, raw in _corrupt_files(mini_path).items():
        path.write_bytes(raw)
        argv = args.get(command, ["export"])
        line = _one_error_line(golive(*argv, "--checklist", str(mini_path), cwd=tmp_path))
        assert str(path.name) in line, (kind, line)
        assert path.read_bytes() == raw, kind
        if kind in ("garbage", "truncated"):
            assert "line" in line, (kind, line)


_PROBE = """
import runpy, sys
sys.argv = ["golive", *{args!r}]
try:
    runpy.run_module("golive_tui", run_name="__main__")
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print("\\nMODULES " + __import__("json").dumps([code, heavy]))
"""


@pytest.mark.parametrize("args", [["--help"], ["status"], ["status", "--items"]])
def test_help_and_status_do_not_import_heavy_modules(
    args: list[str], mini_path: Path, tmp_path: Path
) -> None:
    if args[0] == "status":
        args = [*args, "--checklist", str(mini_path)]
    code = _PROBE.format(args=args, heavy=set(HEAVY))
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    marker = proc.stdout.rsplit("MODULES ", 1)
    assert len(marker) == 2, proc.stderr
    exit_code, heavy = json.loads(marker[1])
    assert exit_code == 0, proc.stderr
    assert heavy == []
    # The same through -X importtime, which sees every import, even one undone later.
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "golive_tui", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "golive_tui" in imported  # the parsing works
    assert imported.isdisjoint(HEAVY), imported & set(HEAVY)
    if args == ["--help"]:
        assert "pydantic" not in imported  # --help is argparse only


def test_stray_values_on_the_command_line_are_never_echoed(tmp_path: Path) -> None:
    # A value pasted where no argument is expected may well be a token.
    canary = "mt_live_CANARY_0123456789abcdef"
    for argv in (
        ["token", "set", canary],
        ["status", canary, "--bogus=1"],
        ["export", "--format", "md", canary],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "golive_tui", *argv],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        assert result.returncode == 2, argv
        assert canary not in result.stdout + result.stderr
        assert "not shown" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["--token", "{canary}"],  # the token lands where the command is expected
        ["{canary}"],
        ["mark", "usage.token", "--status", "{canary}"],  # a choices flag
        ["status", "--items={canary}"],  # a value on a switch
    ],
)
def test_values_argparse_would_quote_are_never_echoed(tmp_path: Path, argv: list[str]) -> None:
    canary = "mt_live_CANARY_0123456789abcdef"
    result = subprocess.run(
        [sys.executable, "-m", "golive_tui", *(a.format(canary=canary) for a in argv)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 2, argv
    assert canary not in result.stdout + result.stderr
    refused = "(value not shown)" in result.stderr or "never taken as arguments" in result.stderr
    assert refused and result.stderr.count("\n") == 1, result.stderr


# --- the app's own arguments, parsed without building every subcommand -----------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--state", "s.toml"],
        ["--state=s.toml", "--checklist", "flexprice", "--config", "c.toml"],
        ["--sta", "s.toml"],  # an abbreviation, as argparse allows
        ["--c", "x"],  # ambiguous: the full parser reports it
        ["--state"],  # missing value
        ["--token", "sk_live_x"],  # a pasted token: refused without echoing it
        ["status"],
        ["--state", "s.toml", "tui"],
        ["--help"],
        ["--version"],
        ["stray"],
    ],
)
def test_the_app_fast_path_parses_exactly_as_the_full_parser(argv: list[str]) -> None:
    from golive_tui import cli

    fast = cli._app_args(list(argv))
    if fast is None:
        return  # the full parser handles it (see the error tests above)
    assert fast == cli.build_parser().parse_args(argv)


def test_the_fast_path_knows_every_command() -> None:
    import argparse

    from golive_tui import cli

    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(sub.choices) == cli._COMMANDS


def test_the_fast_path_takes_the_plain_app_invocations() -> None:
    from golive_tui import cli

    assert cli._app_args(["--state", "s.toml"]) is not None
    assert cli._app_args([]) is not None
    for argv in (["--c", "x"], ["--state"], ["--token", "x"], ["status"], ["--help"]):
        assert cli._app_args(argv) is None


# --- small ones: suggestions, aligned columns --------------------------------------------


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("usage.load-tset", "usage.load-test"),
        ("load-test", "usage.load-test"),  # the right name without its section
        ("usage.nonexistent", None),  # shares only `usage.` with the others: no guess
        ("usage.x", None),
    ],
)
def test_mark_suggests_only_a_similar_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    typed: str, suggested: str | None,
) -> None:  # fmt: skip
    from golive_tui.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOLIVE_STATE", raising=False)
    assert main(["mark", typed, "--status", "done", "--checklist", "metronome"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"ITEM {typed!r}: no such item" in err
    if suggested is None:
        assert "did you mean" not in err and "golive status --items" in err
    else:
        assert f"did you mean {suggested!r}?" in err


def test_status_items_columns_line_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from golive_tui.cli import main
    from golive_tui.core import checklist as C

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOLIVE_STATE", raising=False)
    assert main(["mark", "usage.load-test", "--status", "not-applicable", "--checklist",
                 "metronome"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["status", "--items"]) == 0
    lines = capsys.readouterr().out.splitlines()
    titles = {item.title for item in C.load("metronome").items()}
    rows = [line for line in lines if line.startswith("  ") and line.rstrip().endswith(
        tuple(titles))]  # fmt: skip
    assert len(rows) == len(titles)
    # Each title starts in the same column, whatever the id's or the status's length.
    starts = {row.index(t) for row in rows for t in titles if row.endswith("  " + t)}
    assert len(starts) == 1, starts


def test_pad_counts_terminal_columns() -> None:
    from golive_tui.commands.status import cells, pad

    assert cells("abc") == 3 and cells("日本") == 4 and cells("✅") == 2 and cells("é") == 1
    assert cells("e\u0301") == 1  # a combining accent takes no column
    assert pad("日本", 6) == "日本  " and pad("abcdefg", 3) == "abcdefg"
