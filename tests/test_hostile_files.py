"""Files that are not what they seem: FIFOs, devices, folders, symlinks, hard links, huge or
deeply nested files. Every case is a one-line error (exit 2), never a hang, a traceback,
a runaway read or a write through to somewhere else (issue #13).
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from golive_tui.cli import main
from golive_tui.core import checklist as checklists
from golive_tui.core import state as S
from golive_tui.core import validated_cache
from golive_tui.core.errors import StateError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and flock are POSIX")
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    # An unbounded read of /dev/zero must fail fast here, not wake the OOM killer.
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def golive(*args: str, cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """golive in a child with a timeout (a hang fails the test) and a memory cap."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "golive_tui", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"golive {' '.join(args)} hung (no answer in {timeout} s)")
    assert "Traceback" not in proc.stderr
    return proc


def one_line_error(proc: subprocess.CompletedProcess[str] | tuple[int, str], *words: str) -> str:
    code, err = (proc.returncode, proc.stderr) if not isinstance(proc, tuple) else proc
    err = err.strip()
    assert code == 2, err
    assert err.startswith("golive: error: ") and "\n" not in err, err
    for word in words:
        assert word in err, err
    return err


def run_main(capsys: Any, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.fixture
def state(mini: checklists.Checklist, mini_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "golive-state.toml"
    S.StateFile.open(path, checklist=mini, source=str(mini_path), create=True).close()
    return path


# --- 3: bounded reads ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["status"],
        ["export"],
        ["mark", "usage.token", "--status", "done"],
        ["set", "operator", "me"],
        ["doctor"],
        [],  # the app: refused before it starts
    ],
)
def test_no_command_hangs_on_a_fifo_state(tmp_path: Path, argv: list[str]) -> None:
    os.mkfifo(tmp_path / "golive-state.toml")
    proc = golive(*argv, "--state", "golive-state.toml", cwd=tmp_path)
    if argv == ["doctor"]:  # doctor reports problems in its table, one per line
        assert proc.returncode != 0 and "FIFO" in proc.stdout + proc.stderr
        return
    one_line_error(proc, "golive-state.toml", "FIFO", "regular file")
    assert stat.S_ISFIFO((tmp_path / "golive-state.toml").stat().st_mode)


def test_a_fifo_checklist_is_refused_without_hanging(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "list.toml")
    proc = golive("status", "--checklist", "list.toml", cwd=tmp_path)
    one_line_error(proc, "list.toml", "FIFO")
    assert not (tmp_path / "golive-state.toml").exists()


def test_dev_zero_as_checklist_is_not_read(tmp_path: Path) -> None:
    one_line_error(
        golive("status", "--checklist", "/dev/zero", cwd=tmp_path), "/dev/zero", "device"
    )


def test_a_state_tracking_dev_zero_is_refused_quickly(state: Path) -> None:
    text = re.sub(
        r"(?m)^checklist_source = .*$", "checklist_source = '/dev/zero'", state.read_text()
    )
    state.write_text(text)
    assert S.read(state).checklist_source == "/dev/zero"
    proc = golive("status", "--state", str(state), cwd=state.parent)
    one_line_error(proc, "/dev/zero", "device", "--checklist")


def test_a_folder_as_state_is_refused(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "dir.toml").mkdir()
    err = one_line_error(run_main(capsys, "status", "--state", str(tmp_path / "dir.toml")))
    assert "folder" in err or "directory" in err.lower()


def test_a_state_over_16_mb_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    with path.open("wb") as fh:
        fh.truncate(17 * 1024 * 1024)  # sparse: costs no disk
    with pytest.raises(StateError, match="larger than 16 MB"):
        S.read(path)


def _deepen(state: Path, depth: int) -> None:
    keys = ".".join(["a"] * depth)
    state.write_text(state.read_text() + f"\n[target.settings.{keys}]\nx = 1\n")


def test_deeply_nested_settings_are_one_line_errors(state: Path, capsys: Any) -> None:
    _deepen(state, 900)
    before = state.read_bytes()
    for argv in (["status"], ["set", "operator", "me"], ["export"]):
        err = one_line_error(run_main(capsys, *argv, "--state", str(state)), "nested more than")
        assert "target.settings.a.a" in err and len(err) < 400
    assert state.read_bytes() == before


def test_nesting_up_to_the_cap_still_loads(state: Path) -> None:
    _deepen(state, 25)
    assert S.read(state).target.settings["a"]["a"]


@pytest.mark.parametrize("depth", [40, 900, 100_000])
def test_set_json_with_deep_json_is_a_one_line_error(state: Path, capsys: Any, depth: int) -> None:
    before = state.read_bytes()
    value = "[" * depth + "]" * depth
    err = one_line_error(
        run_main(capsys, "set", "--state", str(state), "--json", "shape", value), "nested"
    )
    assert value not in err
    assert state.read_bytes() == before


def test_a_long_bad_value_is_cut_in_the_message(state: Path, capsys: Any) -> None:
    state.write_text(
        state.read_text().replace("environment = 'sandbox'", f"environment = '{'x' * 5000}'")
    )
    err = one_line_error(run_main(capsys, "status", "--state", str(state)), "target.environment")
    assert "x" * 70 in err and "x" * 100 not in err


# --- 3: the app needs a terminal ---------------------------------------------------------------


@pytest.mark.parametrize("existing", [True, False])
def test_the_app_without_a_tty_refuses_to_start(
    tmp_path: Path, mini: checklists.Checklist, mini_path: Path, existing: bool
) -> None:
    if existing:
        path = tmp_path / "golive-state.toml"
        S.StateFile.open(path, checklist=mini, source=str(mini_path), create=True).close()
    proc = golive("--state", "golive-state.toml", cwd=tmp_path, timeout=60)
    one_line_error(proc, "terminal", "TTY")
    if existing:  # the lock was released again
        S.StateFile.open(tmp_path / "golive-state.toml").close()


# --- 4: files clobbered ---------------------------------------------------------------------


def test_export_o_onto_a_symlink_is_refused(state: Path, tmp_path: Path, capsys: Any) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "review.md"
    link.symlink_to(victim)
    err = one_line_error(run_main(capsys, "export", "--state", str(state), "-o", str(link)))
    assert "symlink" in err
    assert link.is_symlink() and victim.read_text() == "keep me"


def test_export_o_onto_a_fifo_is_refused_and_leaves_the_node(state: Path, tmp_path: Path) -> None:
    node = tmp_path / "review.md"
    os.mkfifo(node)
    proc = golive("export", "--state", str(state), "-o", str(node), cwd=tmp_path)
    one_line_error(proc, "FIFO")
    assert stat.S_ISFIFO(node.stat().st_mode)


def test_a_symlinked_state_is_saved_through_to_its_real_file(
    state: Path, tmp_path: Path, capsys: Any
) -> None:
    link = tmp_path / "alias.toml"
    link.symlink_to(state)
    assert run_main(capsys, "mark", "usage.token", "--status", "done", "--state", str(link))[0] == 0
    assert link.is_symlink()
    assert S.read(state).items["usage.token"].status == "done"
    assert not (tmp_path / "alias.toml.lock").exists()
    # Both names take the one lock, next to the real file.
    with S.StateFile.open(link), pytest.raises(StateError, match="in use by PID"):
        S.StateFile.open(state)


def test_a_hard_linked_state_is_refused_for_writing(
    state: Path, tmp_path: Path, capsys: Any
) -> None:
    alias = tmp_path / "alias.toml"
    os.link(state, alias)
    before = state.read_bytes()
    for path in (state, alias):
        err = one_line_error(
            run_main(capsys, "mark", "usage.token", "--status", "done", "--state", str(path))
        )
        assert "hard links" in err and str(path) in err
    assert state.read_bytes() == before and os.path.samefile(state, alias)
    assert run_main(capsys, "export", "--state", str(alias))[0] == 0  # reading is fine


def test_a_planted_lock_symlink_is_not_followed(state: Path, tmp_path: Path, capsys: Any) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    lock = state.with_name(state.name + ".lock")
    lock.unlink()
    lock.symlink_to(victim)
    err = one_line_error(
        run_main(capsys, "mark", "usage.token", "--status", "done", "--state", str(state))
    )
    assert "lock file" in err and "symlink" in err
    assert victim.read_text() == "keep me"


def test_a_planted_temp_symlink_is_not_written_through(state: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    planted = tmp_path / f".{state.name}.{os.getpid()}.golive-tmp"  # the old, predictable name
    planted.symlink_to(victim)
    with S.StateFile.open(state) as sf:
        sf.save()
    assert victim.read_text() == "keep me"
    assert S.read(state).checklist_id == "mini"


def test_temp_names_are_unpredictable(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any) -> None:
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    with S.StateFile.open(state) as sf:
        sf.save()
        sf.save()
    assert len(seen) == 2 and seen[0] != seen[1]
    assert all(name.startswith(f".{state.name}.{os.getpid()}.") for name in seen)


def test_a_dead_writers_new_style_temp_is_removed(state: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    dead = tmp_path / f".{state.name}.{int(proc.stdout)}.0123456789abcdef.golive-tmp"
    dead.write_text("half a state")
    S.StateFile.open(state).close()
    assert not dead.exists()


def test_the_state_keeps_its_mode_and_new_ones_are_private(
    mini: checklists.Checklist, tmp_path: Path
) -> None:
    old_umask = os.umask(0o022)
    try:
        new = tmp_path / "new.toml"
        S.StateFile.open(new, checklist=mini, create=True).close()
        assert stat.S_IMODE(new.stat().st_mode) == 0o600
        assert stat.S_IMODE(new.with_name("new.toml.lock").stat().st_mode) == 0o600
        new.chmod(0o640)
        with S.StateFile.open(new) as sf:
            sf.mark(mini.items()[0], S.ItemStatus.DONE)
        assert stat.S_IMODE(new.stat().st_mode) == 0o640
    finally:
        os.umask(old_umask)


# --- 7: unwritable places are one-line errors -----------------------------------------------------


def test_a_lock_that_cannot_be_opened_is_a_one_line_error(state: Path, capsys: Any) -> None:
    lock = state.with_name(state.name + ".lock")
    lock.unlink()
    lock.mkdir()
    err = one_line_error(run_main(capsys, "set", "operator", "me", "--state", str(state)))
    assert "lock file" in err


@pytest.mark.skipif(ROOT, reason="root writes into read-only folders")
def test_a_read_only_folder_is_a_one_line_error(state: Path, tmp_path: Path, capsys: Any) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        err = one_line_error(
            run_main(
                capsys, "status", "--checklist", "metronome", "--state", str(folder / "s.toml")
            )
        )
        assert "lock file" in err
    finally:
        folder.chmod(0o755)


# --- 7: the validated-checklist cache is checked ---------------------------------------------


def test_a_tampered_cache_entry_is_not_trusted(
    mini_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOLIVE_CACHE_DIR", str(tmp_path / "cache"))
    expected = checklists.load(mini_path)
    (entry,) = (tmp_path / "cache").glob("checklist-*.json")
    doc = json.loads(entry.read_text())
    doc["checklist"]["title"] = "All done, ship it"
    doc["checklist"]["sections"][0]["items"][0]["severity"] = "recommended"
    entry.write_text(json.dumps(doc))
    assert validated_cache.lookup(mini_path.read_bytes()) is None
    assert checklists.load(mini_path) == expected


def test_a_fifo_cache_entry_does_not_hang(
    mini_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOLIVE_CACHE_DIR", str(tmp_path / "cache"))
    expected = checklists.load(mini_path)
    (entry,) = (tmp_path / "cache").glob("checklist-*.json")
    entry.unlink()
    os.mkfifo(entry)

    def hung(*_: object) -> None:
        raise TimeoutError("checklists.load blocked on a FIFO cache entry")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        assert checklists.load(mini_path) == expected  # validated again, the FIFO left alone
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert stat.S_ISFIFO(entry.stat().st_mode)


def test_nesting_is_capped_at_32_exactly() -> None:
    from golive_tui.core.fields import Invalid, check_depth

    top = inner = {}
    for _ in range(31):  # tables at depths 0 to 31
        inner["a"] = inner = {}
    check_depth(top)
    inner["a"] = [[]]  # an array at depth 32
    with pytest.raises(Invalid, match="nested more than 32") as exc:
        check_depth(top)
    assert exc.value.loc == ("a",) * 32


def test_a_long_bad_value_in_a_checklist_is_cut(mini_path: Path, tmp_path: Path) -> None:
    from golive_tui.core.errors import ChecklistError

    path = tmp_path / "mine.toml"
    path.write_text(
        mini_path.read_text().replace('severity = "blocker"', f'severity = "{"y" * 5000}"', 1)
    )
    with pytest.raises(ChecklistError, match="field 'severity'") as exc:
        checklists.load(path, use_cache=False)
    assert "y" * 70 in exc.value.message and "y" * 100 not in exc.value.message


def test_a_symlink_loop_as_state_is_a_one_line_error(tmp_path: Path, capsys: Any) -> None:
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    err = one_line_error(
        run_main(capsys, "status", "--checklist", "metronome", "--state", str(loop))
    )
    assert "symlink" in err and loop.is_symlink()
