"""The state model: what it holds, round trips, limits, resume and staleness.

Also the "never overwrite" rule at the library level: a file that cannot be read is
reported as one `StateError` line naming the path, and its bytes stay as they were.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tomllib
import typing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive_tui.core import checklist as checklists
from golive_tui.core import state as S
from golive_tui.core.errors import GoliveError, StateError, StateLockedError
from golive_tui.core.fields import Invalid

T0 = datetime(2025, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)


def _record(n: int, status: S.ProbeStatus = S.ProbeStatus.PASS, text: str = "") -> S.ProbeRecord:
    return S.ProbeRecord(
        probe="auth",
        status=status,
        summary=f"run {n}",
        details=[f"detail {n}", "second line\nwith a newline"],
        at=T0 + timedelta(seconds=n),
        duration_ms=10 + n,
        evidence=[S.Evidence(label="response", text=text or f'{{"n": {n}}}')],
        run_id=f"run-{n}",
    )


def _full_state(mini: checklists.Checklist) -> S.State:
    """A state that uses every field, every item status and every probe status."""
    target = S.Target(
        provider="metronome",
        environment="production",
        base_url="https://api.metronome.com",
        customer_id="cust_123",
        operator="ana",
        region="eu",
        settings={"event_type": "api_call", "sample": {"units": 3, "tags": ["a", "b"]}},
    )
    state = S.State.new(mini, "mini", target)
    items = mini.items()
    state.mark(items[0], S.ItemStatus.DONE, note="verified by probe", by="ana")
    state.mark(items[1], S.ItemStatus.NOT_APPLICABLE, note='multi\nline "note" \\ ok')
    state.mark(items[2], S.ItemStatus.FAILED, by="bo")
    state.items["extra.skipped"] = S.ItemState(status=S.ItemStatus.SKIPPED, note="skip")
    state.items["extra.todo"] = S.ItemState(note="just a note")
    for n, status in enumerate(S.ProbeStatus):
        state.add_probe_result(items[0].id, _record(n, status))
    state.add_created(
        S.CreatedObject(run_id="run-1", probe="ingest", kind="customer", id="c_1", at=T0)
    )
    state.move_cursor("launch", "launch.rollback")
    return state


# --- what the state holds ----------------------------------------------------------


def test_new_state_records_schema_checklist_and_target(mini: checklists.Checklist) -> None:
    state = S.State.new(mini, "mini")
    assert state.schema_version == S.SCHEMA_VERSION
    assert state.checklist_id == "mini"
    assert state.checklist_fingerprint == mini.fingerprint
    assert state.target.provider == "metronome"
    assert state.target.environment == "sandbox"
    assert state.cursor == S.Cursor(section="usage", item="usage.token")
    text = state.to_toml()
    assert f"schema_version = {S.SCHEMA_VERSION}" in text
    assert f"checklist_fingerprint = '{mini.fingerprint}'" in text


def test_mark_records_who_when_and_fingerprint(mini: checklists.Checklist) -> None:
    state = S.State.new(mini, "mini", S.Target(operator="ana"))
    item = mini.by_id["usage.metrics"]
    state.mark(item, S.ItemStatus.DONE, note="checked")
    st_ = state.items[item.id]
    assert (st_.status, st_.note, st_.by, st_.fingerprint) == (
        S.ItemStatus.DONE,
        "checked",
        "ana",
        item.fingerprint,
    )
    assert st_.at is not None and st_.at.tzinfo is not None
    assert state.updated_at == st_.at
    state.mark(item, S.ItemStatus.FAILED, by="bo")  # note=None keeps the note
    assert (state.items[item.id].note, state.items[item.id].by) == ("checked", "bo")
    assert state.item("no.such.item") == S.ItemState()


def test_every_status_value_is_known() -> None:
    assert {s.value for s in S.ItemStatus} == {
        "todo",
        "done",
        "skipped",
        "not-applicable",
        "failed",
    }
    assert {s.value for s in S.ProbeStatus} == {"pass", "warn", "fail", "error"}
    with pytest.raises(ValueError):
        S.ItemState(status="maybe")
    with pytest.raises(ValueError):
        S.ProbeRecord(probe="x", status="ok", summary="", at=T0, duration_ms=0)
    with pytest.raises(Invalid, match="at least 0"):
        S.ProbeRecord(probe="x", status="pass", summary="", at=T0, duration_ms=-1)


def test_environment_is_sandbox_or_production() -> None:
    assert S.Target(environment="production").environment == "production"
    with pytest.raises(Invalid, match="'sandbox', 'production'"):
        S.Target(environment="staging")


@pytest.mark.parametrize(
    "key", ["token", "api_token", "API_KEY", "apikey", "client-secret", "password", "Authorization"]
)
def test_secret_like_target_settings_are_refused(key: str, tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="looks like a secret"):
        S.Target(settings={key: "x"})
    target = S.Target()
    target.settings = {key: "x"}  # an in-place edit: check() (run before every save) refuses it
    with pytest.raises(Invalid, match="looks like a secret"):
        target.check()
    # ...and a file someone edited by hand is refused on load, and left alone.
    path = tmp_path / "s.toml"
    data = tomllib.loads(S.State(**_minimal()).to_toml())
    data["target"] = {"settings": {key: "x"}}
    path.write_text(tomli_w.dumps(data))
    before = path.read_bytes()
    with pytest.raises(StateError, match=r"target\.settings") as exc:
        S.read(path)
    assert str(path) in str(exc.value)
    assert path.read_bytes() == before


def test_the_model_has_no_field_for_a_secret() -> None:
    def fields(model: type, prefix: str = "") -> list[str]:
        out = []
        hints = typing.get_type_hints(model)
        for f in dataclasses.fields(model):
            out.append(prefix + f.name)
            ann = hints[f.name]
            for sub in (ann, *typing.get_args(ann)):
                if isinstance(sub, type) and dataclasses.is_dataclass(sub):
                    out += fields(sub, f"{prefix}{f.name}.")
        return out

    names = fields(S.State)
    assert "target.settings" in names and "items" in names
    assert [n for n in names if S.looks_secret(n.rsplit(".", 1)[-1])] == []


def _minimal() -> dict[str, object]:
    return {
        "checklist_id": "mini",
        "checklist_source": "mini",
        "checklist_fingerprint": "f" * 16,
        "created_at": T0,
        "updated_at": T0,
    }


# --- round trip ------------------------------------------------------------------


def test_full_round_trip_through_the_file(mini: checklists.Checklist, tmp_path: Path) -> None:
    path = tmp_path / "golive-state.toml"
    with S.StateFile.open(path, checklist=mini, source="mini", create=True) as sf:
        sf.state = _full_state(mini)
        sf.save()
        saved = sf.state
    loaded = S.read(path)
    assert loaded == saved
    # Spot checks, so a broken __eq__ could not hide a loss.
    assert loaded.cursor == S.Cursor(section="launch", item="launch.rollback")
    assert loaded.target.settings["sample"] == {"units": 3, "tags": ["a", "b"]}
    assert [r.status for r in loaded.items["usage.token"].probe_results] == list(S.ProbeStatus)
    assert loaded.items["usage.metrics"].note == 'multi\nline "note" \\ ok'
    assert loaded.created_objects[0].id == "c_1"
    # Opening for writing restores the same state too.
    with S.StateFile.open(path) as sf:
        assert sf.state == saved


_text = st.text(max_size=60).filter(lambda s: "\r\n" not in s)
_when = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
_evidence = st.builds(
    S.Evidence, label=_text, text=st.text(max_size=5000).filter(lambda s: "\r\n" not in s)
)
_records = st.builds(
    S.ProbeRecord,
    probe=_text,
    status=st.sampled_from(S.ProbeStatus),
    summary=_text,
    details=st.lists(_text, max_size=3),
    at=_when,
    duration_ms=st.integers(0, 2**62),
    evidence=st.lists(_evidence, max_size=2),
    run_id=st.none() | _text,
)
_item_states = st.builds(
    S.ItemState,
    status=st.sampled_from(S.ItemStatus),
    note=_text,
    by=_text,
    at=st.none() | _when,
    fingerprint=_text,
    probe_results=st.lists(_records, max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(
    items=st.dictionaries(_text, _item_states, max_size=4),
    operator=_text,
    environment=st.sampled_from(["sandbox", "production"]),
    cursor=st.builds(S.Cursor, section=_text, item=_text),
)
def test_round_trip_property(
    items: dict[str, S.ItemState], operator: str, environment: str, cursor: S.Cursor
) -> None:
    state = S.State(
        **_minimal(),
        target=S.Target(operator=operator, environment=environment),
        items=items,
        cursor=cursor,
    )
    assert S.State.from_toml(state.to_toml()) == state


def test_crlf_in_text_comes_back_exactly(mini: checklists.Checklist) -> None:
    """Windows line ends survive a save (the writer always escapes `\\r`)."""
    state = S.State.new(mini, "mini")
    state.mark(mini.items()[0], S.ItemStatus.DONE, note="a\r\nb\rc")
    assert S.State.from_toml(state.to_toml()).items["usage.token"].note == "a\r\nb\rc"


def test_timestamps_keep_their_instant(mini: checklists.Checklist) -> None:
    state = S.State.new(mini, "mini")
    state.items["x"] = S.ItemState(at=datetime(2025, 1, 1, 9, tzinfo=timezone(timedelta(hours=2))))
    back = S.State.from_toml(state.to_toml())
    assert back.items["x"].at == datetime(2025, 1, 1, 7, tzinfo=UTC)
    assert back.created_at == state.created_at  # millisecond precision survives


# --- limits ----------------------------------------------------------------------


def test_history_is_capped_oldest_first(mini: checklists.Checklist, tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    with S.StateFile.open(path, checklist=mini, create=True) as sf:
        for n in range(S.HISTORY_LIMIT + 7):
            sf.add_probe_result("usage.token", _record(n))
        kept = sf.state.items["usage.token"].probe_results
    assert len(kept) == S.HISTORY_LIMIT
    assert [r.summary for r in kept] == [f"run {n}" for n in range(7, S.HISTORY_LIMIT + 7)]
    assert S.read(path).items["usage.token"].latest.summary == f"run {S.HISTORY_LIMIT + 6}"


def test_only_the_latest_result_keeps_its_evidence(mini: checklists.Checklist) -> None:
    state = S.State.new(mini, "mini")
    for n in range(8):
        state.add_probe_result("usage.token", _record(n))
    kept = state.items["usage.token"].probe_results
    assert [r.summary for r in kept] == [f"run {n}" for n in range(3, 8)]  # default 5
    assert kept[-1].evidence and kept[-1].details == ["detail 7", "second line\nwith a newline"]
    for older in kept[:-1]:
        assert (older.evidence, older.details) == ([], [])
        assert older.status is S.ProbeStatus.PASS and older.at and older.run_id


def test_history_limit_setting_is_used_and_checked(mini: checklists.Checklist) -> None:
    state = S.State.new(mini, "mini", S.Target(settings={"history_limit": 2}))
    for n in range(4):
        state.add_probe_result("usage.token", _record(n))
    assert [r.summary for r in state.items["usage.token"].probe_results] == ["run 2", "run 3"]
    for bad in (0, 101, "5", True, 2.5):
        with pytest.raises(Invalid, match="whole number from 1 to 100") as exc:
            S.Target(settings={"history_limit": bad})
        assert exc.value.loc == ("settings", "history_limit")


def test_an_older_state_loads_and_shrinks_on_its_first_save(
    mini: checklists.Checklist, tmp_path: Path
) -> None:
    """A state from a golive that kept 20 full results per item (migration)."""
    path = tmp_path / "old.toml"
    old = S.State.new(mini, "mini")
    old.items["usage.token"] = S.ItemState(
        probe_results=[_record(n, text="e" * 3000) for n in range(20)]
    )
    path.write_text(old.to_toml(), encoding="utf-8")
    before = path.stat().st_size
    assert len(S.read(path).items["usage.token"].probe_results) == 20  # still reads as it is
    with S.StateFile.open(path) as sf:
        sf.save()
    after = S.read(path).items["usage.token"].probe_results
    assert [r.summary for r in after] == [f"run {n}" for n in range(15, 20)]
    assert [len(r.evidence) for r in after] == [0, 0, 0, 0, 1]
    assert path.stat().st_size < before / 10


def test_evidence_is_truncated() -> None:
    exact = S.Evidence(label="r", text="x" * S.EVIDENCE_LIMIT)
    assert exact.text == "x" * S.EVIDENCE_LIMIT
    long = S.Evidence(label="r", text="y" * (S.EVIDENCE_LIMIT * 5))
    assert len(long.text) <= S.EVIDENCE_LIMIT
    assert long.text.startswith("y" * 100) and long.text.endswith("(truncated)")
    with pytest.raises(dataclasses.FrozenInstanceError):  # and it cannot grow later
        long.text = "z" * (S.EVIDENCE_LIMIT + 1)  # type: ignore[misc]


def test_oversized_evidence_in_a_file_is_truncated_on_load(mini: checklists.Checklist) -> None:
    state = S.State.new(mini, "mini")
    state.add_probe_result("usage.token", _record(1))
    data = tomllib.loads(state.to_toml())
    data["items"]["usage.token"]["probe_results"][0]["evidence"][0]["text"] = "q" * 100_000
    back = S.State.from_toml(tomli_w.dumps(data))
    assert len(back.items["usage.token"].probe_results[0].evidence[0].text) <= S.EVIDENCE_LIMIT


# --- resume and staleness ----------------------------------------------------------


def _edited_copy(src: Path, dst: Path, old: str, new: str) -> Path:
    text = src.read_text(encoding="utf-8")
    assert text.count(old) == 1
    dst.write_text(text.replace(old, new), encoding="utf-8")
    return dst


def test_resume_restores_cursor_and_flags_changed_items(
    mini_path: Path, mini: checklists.Checklist, tmp_path: Path
) -> None:
    path = tmp_path / "s.toml"
    with S.StateFile.open(path, checklist=mini, create=True) as sf:
        sf.mark(mini.by_id["usage.token"], S.ItemStatus.DONE)
        sf.mark(mini.by_id["usage.metrics"], S.ItemStatus.DONE)
        sf.state.move_cursor("launch", "launch.rollback")
        sf.save()
        before = sf.state

    # Same checklist: resume restores everything, nothing is stale.
    with S.StateFile.open(path) as sf:
        assert sf.state == before
        assert sf.state.cursor.item == "launch.rollback"
        assert sf.state.stale_items(mini) == []

    # The checklist changed: one acted-on item's text, and one untouched item's text.
    edited = _edited_copy(
        mini_path, tmp_path / "mini.toml", "Review each metric.", "Review each metric twice."
    )
    edited = _edited_copy(edited, edited, "Link the runbook", "Link the rollback runbook")
    changed = checklists.load(edited)
    assert changed.by_id["usage.metrics"].fingerprint != mini.by_id["usage.metrics"].fingerprint
    assert changed.fingerprint != before.checklist_fingerprint
    state = S.read(path)
    assert state.stale_items(changed) == ["usage.metrics"]  # launch.rollback never acted on
    # Re-checking the item clears the flag.
    state.mark(changed.by_id["usage.metrics"], S.ItemStatus.DONE)
    assert state.stale_items(changed) == []


# --- opening, saving, never overwriting ----------------------------------------------


def test_open_missing_file_without_create(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="no state file here") as exc:
        S.StateFile.open(tmp_path / "none.toml")
    assert str(tmp_path / "none.toml") in str(exc.value)
    with pytest.raises(StateError, match="does not exist"):
        S.StateFile.open(tmp_path / "no-dir" / "s.toml")
    assert not (tmp_path / "none.toml").exists()


def test_save_is_atomic_and_leaves_no_temp_file(mini: checklists.Checklist, tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    with S.StateFile.open(path, checklist=mini, create=True) as sf:
        ino = path.stat().st_ino
        sf.mark(mini.items()[0], S.ItemStatus.DONE)
        assert path.stat().st_ino != ino  # replaced, not rewritten in place
        assert sf.saved_at == sf.state.updated_at
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml", "s.toml.lock"]


def _dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(proc.stdout)


def test_open_removes_temp_files_of_dead_writers_only(
    mini: checklists.Checklist, tmp_path: Path
) -> None:
    path = tmp_path / "golive-state.toml"
    S.StateFile.open(path, checklist=mini, create=True).close()
    dead = tmp_path / f".golive-state.toml.{_dead_pid()}.golive-tmp"
    alive = tmp_path / f".golive-state.toml.{os.getppid()}.golive-tmp"
    other = tmp_path / f".other.toml.{_dead_pid()}.golive-tmp"
    odd = [
        tmp_path / f".golive-state.toml.{name}.golive-tmp"
        for name in ("notapid", "²", "0", "9" * 40, "-1", "")
    ]
    for p in (dead, alive, other, *odd):
        p.write_bytes(b"half a state")
    with S.StateFile.open(path) as sf:
        sf.save()
    assert not dead.exists()
    assert alive.exists() and other.exists() and all(p.exists() for p in odd)


CORRUPT = {
    "garbage": b"\x00\x01 this is not toml at all {{{",
    "truncated": None,  # filled from a real state below
    "wrong-types": None,
    "not-utf8": b'schema_version = 1\nchecklist_id = "mini\xff\xfe"\n',
    "newer-schema": None,
    "empty": b"",
    "missing-fields": b"schema_version = 1\n",
}


def _corrupt(kind: str, mini: checklists.Checklist) -> bytes:
    good = S.State.new(mini, "mini").to_toml()
    if kind == "truncated":
        return good[: len(good) // 2].encode()
    if kind == "wrong-types":
        return good.replace("environment = 'sandbox'", "environment = 42").encode()
    if kind == "newer-schema":
        return good.replace("schema_version = 1", "schema_version = 99").encode()
    raw = CORRUPT[kind]
    assert raw is not None
    return raw


@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_unreadable_file_is_one_line_and_never_overwritten(
    kind: str, mini: checklists.Checklist, tmp_path: Path
) -> None:
    path = tmp_path / "golive-state.toml"
    raw = _corrupt(kind, mini)
    path.write_bytes(raw)
    for attempt in range(2):  # twice: a failed open must release the lock
        with pytest.raises(StateError) as exc:
            S.StateFile.open(path, checklist=mini, create=True)
        assert not isinstance(exc.value, StateLockedError), attempt
        msg = str(exc.value)
        assert "\n" not in msg and msg.startswith(f"{path}: ")
        with pytest.raises(StateError):
            S.read(path)
    assert path.read_bytes() == raw
    if kind in ("garbage", "truncated"):
        assert "line" in msg  # TOML syntax errors say where
    if kind == "newer-schema":
        assert "newer golive" in msg and "99" in msg
    if kind == "wrong-types":
        assert "'target.environment'" in msg
    if kind == "not-utf8":
        assert "UTF-8" in msg


def test_unencodable_text_is_a_state_error_and_the_file_is_kept(
    mini: checklists.Checklist, tmp_path: Path
) -> None:
    path = tmp_path / "s.toml"
    with S.StateFile.open(path, checklist=mini, create=True) as sf:
        before = path.read_bytes()
        with pytest.raises(StateError, match="not valid UTF-8"):
            sf.set_note(mini.items()[0], "bad \udcff byte")  # as argv delivers it
    assert path.read_bytes() == before


def test_errors_are_golive_errors() -> None:
    assert issubclass(StateLockedError, StateError)
    assert issubclass(StateError, GoliveError)
    assert StateError("a\n  b\tc").message == "a b c"


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(note=st.text(max_size=200).filter(lambda s: "\r\n" not in s))
def test_statefile_round_trip_property(note: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    mini = checklists.load(Path(__file__).parent / "fixtures" / "mini.toml")
    path = tmp_path_factory.mktemp("rt") / "s.toml"
    with S.StateFile.open(path, checklist=mini, create=True) as sf:
        sf.mark(mini.items()[1], S.ItemStatus.SKIPPED, note=note)
        saved = sf.state
    assert S.read(path) == saved


# --- secret-looking settings, None values and in-place edits ---------------------------


@pytest.mark.parametrize(
    "key", ["api_token", "webhook-secret", "API_KEY", "apiKey", "password", "token_count"]
)
def test_secret_named_settings_are_refused(key: str) -> None:
    with pytest.raises(Invalid):
        S.Target(settings={key: "x"})


@pytest.mark.parametrize("key", ["input_tokens", "output_tokens", "tokens_used", "keys"])
def test_usage_properties_that_mention_tokens_are_allowed(key: str) -> None:
    # AI usage billing sends properties like input_tokens; they are not credentials.
    assert S.Target(settings={key: "x"}).settings == {key: "x"}


def test_nested_secret_keys_are_refused() -> None:
    with pytest.raises(Invalid, match=r"sample_event\.headers\.Authorization"):
        S.Target(settings={"sample_event": {"headers": {"Authorization": "Bearer x"}}})


def test_in_place_edits_cannot_smuggle_a_secret_into_the_file(tmp_path: Path, mini) -> None:
    path = tmp_path / "s.toml"
    with S.StateFile.open(path, checklist=mini, create=True) as sf:
        before = path.read_bytes()
        sf.state.target.settings["api_key"] = "sk_live_should_never_be_saved"
        with pytest.raises(StateError, match="not saved"):
            sf.save()
        sf.state.target.settings.pop("api_key")
        sf.state.target.settings["weird"] = None
        with pytest.raises(StateError, match="not saved"):
            sf.save()
    assert path.read_bytes() == before


def test_schema_version_below_one_is_refused(tmp_path: Path, mini) -> None:
    text = S.State.new(mini, "mini").to_toml().replace("schema_version = 1", "schema_version = 0")
    with pytest.raises(StateError, match="schema_version"):
        S.State.from_toml(text, tmp_path / "s.toml")
