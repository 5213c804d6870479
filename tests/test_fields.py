"""The state file's field reader: every problem names its field; nothing passes unchecked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import tomli_w

from golive_tui.core import state as S
from golive_tui.core.errors import StateError
from golive_tui.core.fields import Invalid, Table

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def _state(**changes: object) -> dict:
    doc = {
        "schema_version": 1,
        "checklist_id": "mini",
        "checklist_source": "mini",
        "checklist_fingerprint": "abc",
        "created_at": T0,
        "updated_at": T0,
        "items": {
            "a.one": {
                "status": "done",
                "probe_results": [
                    {
                        "probe": "auth",
                        "status": "pass",
                        "summary": "ok",
                        "at": T0,
                        "duration_ms": 3,
                        "evidence": [{"label": "GET /x", "text": "200"}],
                    }
                ],
            }
        },
    }
    doc.update(changes)
    return doc


def test_a_valid_state_round_trips() -> None:
    state = S.State.from_data(_state())
    assert state.items["a.one"].status is S.ItemStatus.DONE
    assert state.items["a.one"].latest is not None
    assert state.items["a.one"].latest.evidence[0].text == "200"
    assert S.State.from_toml(state.to_toml()) == state


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"checklist_id": 7}, "checklist_id", "must be text, not an integer"),
        ({"checklist_id": ""}, "checklist_id", "must not be empty"),
        ({"created_at": "yesterday"}, "created_at", "must be a date-time"),
        ({"schema_version": 0}, "schema_version", "at least 1"),
        ({"schema_version": True}, "schema_version", "must be an integer"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"items": {"a.one": {"status": "maybe"}}}, "items.a.one.status", "'todo'"),
        ({"items": {"a.one": []}}, "items.a.one", "must be a table"),
        ({"items": {"a.one": {"probe_results": {}}}}, "items.a.one.probe_results", "array"),
        (
            {"items": {"a.one": {"probe_results": [{"probe": "auth"}]}}},
            "items.a.one.probe_results.0.status",
            "required field is missing",
        ),
        ({"target": {"environment": "staging"}}, "target.environment", "'production'"),
        ({"target": {"settings": {"api_key": "x"}}}, "target.settings.api_key", "secret"),
        ({"cursor": {"item": 3}}, "cursor.item", "must be text"),
    ],
)
def test_each_problem_names_its_field(changes: dict, field: str, message: str) -> None:
    with pytest.raises(Invalid) as exc:
        S.State.from_data(_state(**changes))
    assert exc.value.field == field
    assert message in exc.value.message


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    doc = _state()
    del doc["checklist_fingerprint"]
    path = tmp_path / "s.toml"
    path.write_text(tomli_w.dumps(doc))
    with pytest.raises(StateError) as exc:
        S.read(path)
    assert str(exc.value) == (
        f"{path}: field 'checklist_fingerprint': required field is missing; add it;"
        " the file was left as it is — fix that field or pass --state for a new file"
    )


def test_json_date_times_are_read() -> None:
    # `golive check --json` and the benchmarks pass targets and records through JSON.
    rec = S.ProbeRecord.from_data(
        {"probe": "auth", "status": "warn", "summary": "", "at": T0.isoformat(), "duration_ms": 0}
    )
    assert rec.at == T0 and rec.status is S.ProbeStatus.WARN


def test_every_field_read_is_checked_before_unknown_ones_are_refused() -> None:
    t = Table({"a": "x", "b": 1})
    assert t.text("a") == "x"
    with pytest.raises(Invalid, match="unknown field") as exc:
        t.done()
    assert exc.value.loc == ("b",)
