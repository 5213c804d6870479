"""`golive demo` cleans up its throwaway session unless `--keep`, and says where it is."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest


def _golive(*args: str, cwd: Path, tmpdir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    env["GOLIVE_CACHE_DIR"] = os.environ["GOLIVE_CACHE_DIR"]
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["TMPDIR"] = str(tmpdir)  # where tempfile puts golive-demo-*
    proc = subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=90,
        env=env,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


def _demo_folders(tmpdir: Path) -> list[Path]:
    return sorted(tmpdir.glob("golive-demo-*"))


def test_headless_demo_removes_its_folder_unless_kept(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    proc = _golive("demo", "--headless", cwd=tmp_path, tmpdir=tmpdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _demo_folders(tmpdir) == []
    assert "pass --keep" in proc.stdout and "review:" not in proc.stdout

    proc = _golive("demo", "--headless", "--keep", "--format", "json", cwd=tmp_path, tmpdir=tmpdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (folder,) = _demo_folders(tmpdir)
    review = folder / "launch-review.md"
    assert f"review: {review}" in proc.stderr  # stdout stays pure JSON
    assert "Metronome" in review.read_text(encoding="utf-8")


def test_demo_help_describes_every_flag(tmp_path: Path) -> None:
    proc = _golive("demo", "--help", cwd=tmp_path, tmpdir=tmp_path)
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "--format {text,json,junit} with --headless: how to print the results" in text
    assert "--keep keep the throwaway session's folder" in text


@pytest.mark.parametrize("keep", [False, True])
def test_the_app_demo_cleans_up_or_says_where_the_review_is(
    keep: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from golive_tui.cli import main
    from golive_tui.commands import tui

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("GOLIVE_CONFIG", str(tmp_path / "no-config.toml"))

    def fake_run_app(app: Any) -> int:
        # What the app's export action leaves behind (the review next to the state).
        review = app.state_file.path.with_name("golive-state-review.md")
        review.write_text("# review\n", encoding="utf-8")
        app.last_export = review
        app.shutdown_state()
        return 0

    monkeypatch.setattr(tui, "run_app", fake_run_app)
    assert main(["demo", *(["--keep"] if keep else [])]) == 0
    err = capsys.readouterr().err
    folders = _demo_folders(tmp_path)
    if keep:
        (folder,) = folders
        assert f"review: {folder / 'golive-state-review.md'}" in err
        assert f"state:  {folder / 'golive-state.toml'}" in err
    else:
        assert folders == []
        assert "removed; pass --keep" in err
