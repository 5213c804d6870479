"""Random and corrupted input to the checklist and state loaders.

Whatever the bytes, a loader either succeeds or raises its own one-line error
(`ChecklistError` / `StateError`) naming the file; never any other exception, and
never a change on disk.
"""

from __future__ import annotations

import copy
import tempfile
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive_tui.core import checklist as checklists
from golive_tui.core import state as S
from golive_tui.core.errors import ChecklistError, GoliveError, StateError

FIXTURES = Path(__file__).parent / "fixtures"
MINI_BYTES = (FIXTURES / "mini.toml").read_bytes()
MINI = checklists.parse(MINI_BYTES, "mini.toml")
CL_PATH = "my checklists/mini.toml"  # a space, to be sure the path is named as is
ST_PATH = "some dir/golive-state.toml"

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _good_state() -> S.State:
    state = S.State.new(MINI, "mini", S.Target(operator="ana", settings={"event": "call"}))
    items = MINI.items()
    state.mark(items[0], S.ItemStatus.DONE, note="ok")
    state.mark(items[1], S.ItemStatus.FAILED, note="two\nlines")
    for n in range(3):
        state.add_probe_result(
            items[0].id,
            S.ProbeRecord(
                probe="auth",
                status=S.ProbeStatus.WARN,
                summary=f"run {n}",
                details=["d"],
                at=datetime(2025, 1, 1, tzinfo=UTC),
                duration_ms=n,
                evidence=[S.Evidence(label="resp", text='{"a": 1}')],
                run_id="r",
            ),
        )
    state.add_created(
        S.CreatedObject(
            run_id="r", probe="p", kind="customer", id="c", at=datetime(2025, 1, 1, tzinfo=UTC)
        )
    )
    return state


GOOD_STATE_TEXT = _good_state().to_toml()
GOOD_STATE = tomllib.loads(GOOD_STATE_TEXT)
GOOD_CHECKLIST = tomllib.loads(MINI_BYTES.decode())


# --- checks ----------------------------------------------------------------------


def _check_error(exc: GoliveError, path: str) -> None:
    msg = str(exc)
    assert "\n" not in msg and "\r" not in msg
    assert msg == exc.message
    assert path in msg, msg


def _parse_checklist(raw: bytes) -> None:
    try:
        cl = checklists.parse(raw, CL_PATH)
    except ChecklistError as exc:
        _check_error(exc, CL_PATH)
    else:  # what loads must be usable
        assert cl.fingerprint and all(item.fingerprint for item in cl.items())
        assert len(cl.by_id) == len(cl.items())


def _parse_state(text: str) -> None:
    try:
        state = S.State.from_toml(text, ST_PATH)
    except StateError as exc:
        _check_error(exc, ST_PATH)
    else:  # what loads must save and load again, stably
        once = S.State.from_toml(state.to_toml(), ST_PATH).to_toml()
        assert S.State.from_toml(once, ST_PATH).to_toml() == once


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="golive prop ") as d:
        yield Path(d)


def _read_state_file(directory: Path, raw: bytes, *, open_for_write: bool = False) -> None:
    path = directory / "golive-state.toml"
    path.write_bytes(raw)
    try:
        state = S.read(path)
        if open_for_write:
            S.StateFile.open(path, checklist=MINI, create=True).close()
    except StateError as exc:
        _check_error(exc, str(path))
        assert path.read_bytes() == raw  # never overwritten
    else:
        assert state.checklist_id
    assert path.read_bytes() == raw  # reading and opening never write
    assert sorted(p.name for p in directory.iterdir() if p.name.endswith("-tmp")) == []


# --- mutations of valid documents ---------------------------------------------------


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


# A fresh copy each draw: a shared [] or {} placed in one document and then mutated
# in place could end up inside itself (a cycle that _paths would recurse into forever).
WRONG = st.sampled_from(
    [
        *(0, -1, 2**40, 1.5, float("inf"), True, False, "", "x", "Bad Id!", [], {}, [1, "a"]),
        *({"x": 1}, datetime(2025, 1, 1), datetime(2025, 1, 1, tzinfo=UTC), "2025-13-45"),
    ]
).map(copy.deepcopy)


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(doc, path), path[-1]
        op = draw(st.sampled_from(["delete", "wrong-type", "inject", "duplicate", "rename"]))
        if op == "delete":
            del parent[key]
        elif op == "wrong-type":
            parent[key] = draw(WRONG)
        elif op == "inject":
            target = parent if isinstance(parent, dict) else doc
            target[draw(st.text(min_size=1, max_size=12))] = draw(WRONG)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))  # duplicate ids, sections, records
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = parent.pop(key)
    return doc


def _damage(draw: st.DrawFn, raw: bytes) -> bytes:
    op = draw(st.sampled_from(["none", "truncate", "insert", "flip"]))
    if op == "none" or not raw:
        return raw
    at = draw(st.integers(0, len(raw)))
    if op == "truncate":
        return raw[:at]
    if op == "insert":
        return raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    at = min(at, len(raw) - 1)
    return raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1 :]


@st.composite
def corrupted(draw: st.DrawFn, base: dict[str, Any]) -> bytes:
    doc = draw(mutated(base)) if draw(st.booleans()) else base
    raw = tomli_w.dumps(doc, multiline_strings=draw(st.booleans())).encode()
    return _damage(draw, raw)


TOML_BITS = st.sampled_from(
    [
        *("[", "]", "[[", "]]", "{", "}", "=", ",", ".", '"', "'", '"""', "\n", " ", "#", "\\"),
        *("a", "id", "items", "sections", "schema_version", "1", "2", "-", "true", "inf", "é"),
        *("2025-01-01T00:00:00Z", "1979-02-30", "0x1F", "\x00", "\r", "\ud7ff"),
    ]
)
TOMLISH = st.lists(TOML_BITS, max_size=60).map("".join)


# --- checklist loader ---------------------------------------------------------------


@FAST
@given(st.text())
def test_checklist_random_text(text: str) -> None:
    _parse_checklist(text.encode("utf-8"))


@FAST
@given(st.binary())
def test_checklist_random_bytes(raw: bytes) -> None:
    _parse_checklist(raw)


@FAST
@given(TOMLISH)
def test_checklist_tomlish_text(text: str) -> None:
    _parse_checklist(text.encode("utf-8"))


@FAST
@given(corrupted(GOOD_CHECKLIST))
def test_checklist_mutated(raw: bytes) -> None:
    _parse_checklist(raw)


@FAST
@given(st.integers(0, len(MINI_BYTES)))
def test_checklist_truncated_anywhere(at: int) -> None:
    _parse_checklist(MINI_BYTES[:at])


def test_checklist_nested_too_deeply() -> None:
    with pytest.raises(ChecklistError, match="nested too deeply") as exc:
        checklists.parse(b"a = " + b"[" * 5000, CL_PATH)
    _check_error(exc.value, CL_PATH)


# --- state loader -----------------------------------------------------------------------


@FAST
@given(st.text())
def test_state_random_text(text: str) -> None:
    _parse_state(text)


@FAST
@given(TOMLISH)
def test_state_tomlish_text(text: str) -> None:
    _parse_state(text)


@FAST
@given(corrupted(GOOD_STATE))
def test_state_mutated(raw: bytes) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return  # bytes that are not UTF-8 are covered through read() below
    _parse_state(text)


@FAST
@given(st.integers(0, len(GOOD_STATE_TEXT)))
def test_state_truncated_anywhere(at: int) -> None:
    _parse_state(GOOD_STATE_TEXT[:at])


@FAST
@given(raw=st.binary() | corrupted(GOOD_STATE))
def test_state_read_file(raw: bytes, workdir: Path) -> None:
    _read_state_file(workdir, raw)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=corrupted(GOOD_STATE))
def test_state_open_for_write_on_corrupted_file(raw: bytes, workdir: Path) -> None:
    # What `golive mark` / `status` do: open (lock, maybe create) — never a write here.
    _read_state_file(workdir, raw, open_for_write=True)


def test_state_nested_too_deeply(workdir: Path) -> None:
    raw = b"schema_version = 1\nitems = " + b"[" * 5000
    with pytest.raises(StateError, match="nested too deeply") as exc:
        S.State.from_toml(raw.decode(), ST_PATH)
    _check_error(exc.value, ST_PATH)
    _read_state_file(workdir, raw, open_for_write=True)


def test_mutation_strategy_reaches_errors_and_successes() -> None:
    """Guard against a strategy that only ever fails (or only ever passes) at parse time."""
    outcomes: set[str] = set()

    @settings(max_examples=150, deadline=None, database=None)
    @given(corrupted(GOOD_STATE))
    def probe(raw: bytes) -> None:
        try:
            S.State.from_toml(raw.decode("utf-8", "replace"), ST_PATH)
            outcomes.add("ok")
        except StateError as exc:
            outcomes.add("toml" if "not a valid" in str(exc) else "field")

    probe()
    assert outcomes == {"ok", "toml", "field"}
