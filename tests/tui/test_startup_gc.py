"""`golive` starts with the cyclic GC off and always turns it back on."""

from __future__ import annotations

import argparse
import gc
from pathlib import Path
from typing import Any

import pytest

from golive_tui.commands import tui
from golive_tui.core import checklist as checklists
from golive_tui.core.errors import StateError
from golive_tui.core.state import StateFile
from golive_tui.tui.app import GoliveApp, freeze_long_lived


@pytest.fixture(autouse=True)
def _gc_back_on(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(tui, "require_tty", lambda: None)  # pytest has no terminal
    yield
    gc.enable()


def _state(tmp_path: Path) -> Path:
    path = tmp_path / "golive-state.toml"
    StateFile.open(path, checklist=checklists.load("metronome"), create=True).close()
    return path


def test_the_gc_is_off_until_the_app_runs_and_on_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    monkeypatch.setattr(GoliveApp, "run", lambda self, **kw: seen.append(gc.isenabled()))
    args = argparse.Namespace(state=str(_state(tmp_path)), config=str(tmp_path / "c.toml"))
    assert tui.run(args) == 0
    assert seen == [False]
    assert gc.isenabled()


def test_a_crashing_app_still_turns_the_gc_back_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(self: GoliveApp, **kw: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(GoliveApp, "run", boom)
    args = argparse.Namespace(state=str(_state(tmp_path)), config=str(tmp_path / "c.toml"))
    with pytest.raises(RuntimeError):
        tui.run(args)
    assert gc.isenabled()


def test_a_state_that_cannot_be_opened_turns_the_gc_back_on(tmp_path: Path) -> None:
    path = tmp_path / "golive-state.toml"
    path.write_text("not toml [")
    args = argparse.Namespace(state=str(path), config=str(tmp_path / "c.toml"))
    with pytest.raises(StateError, match="not a valid golive state file"):
        tui.run(args)
    assert gc.isenabled()


def test_freezing_after_the_first_frame_turns_the_gc_on() -> None:
    gc.disable()
    freeze_long_lived(collect=False)
    assert gc.isenabled()
    gc.unfreeze()
