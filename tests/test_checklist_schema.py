"""Checklist schema errors: one line naming the file, the item id and the field."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from golive_tui.core import checklist as checklists
from golive_tui.core.errors import ChecklistError

MINI = Path(__file__).parent / "fixtures" / "mini.toml"
PATH = "lists/my-checklist.toml"

Doc = dict[str, Any]


def _doc() -> Doc:
    return tomllib.loads(MINI.read_text(encoding="utf-8"))


def _item(doc: Doc, item_id: str) -> Doc:
    for section in doc["sections"]:
        for item in section["items"]:
            if item["id"] == item_id:
                return item  # type: ignore[no-any-return]
    raise KeyError(item_id)


def _error(doc: Doc) -> str:
    with pytest.raises(ChecklistError) as exc:
        checklists.parse(tomli_w.dumps(doc).encode(), PATH)
    msg = str(exc.value)
    assert "\n" not in msg, msg
    assert msg.startswith(f"{PATH}: "), msg
    return msg


def test_fixture_is_valid() -> None:
    cl = checklists.parse(tomli_w.dumps(_doc()).encode(), PATH)
    assert [i.id for i in cl.items()] == ["usage.token", "usage.metrics", "launch.rollback"]


def _set(item_id: str, field: str, value: Any) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        _item(doc, item_id)[field] = value

    return edit


def _drop(item_id: str, field: str) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        del _item(doc, item_id)[field]

    return edit


def _dup(doc: Doc) -> None:
    _item(doc, "launch.rollback")["id"] = "usage.token"


# (edit, item id named, field named, other words the message must contain)
CASES: dict[str, tuple[Callable[[Doc], None], str, str, tuple[str, ...]]] = {
    "duplicate-id": (_dup, "usage.token", "id", ("duplicate",)),
    "unknown-field": (
        _set("usage.metrics", "severty", "blocker"),
        "usage.metrics",
        "severty",
        ("unknown field",),
    ),
    "missing-title": (_drop("launch.rollback", "title"), "launch.rollback", "title", ("missing",)),
    "empty-title": (
        _set("launch.rollback", "title", "   "),
        "launch.rollback",
        "title",
        ("at least 1",),
    ),
    "missing-why": (_drop("usage.token", "why"), "usage.token", "why", ("missing",)),
    "unknown-severity": (
        _set("usage.token", "severity", "critical"),
        "usage.token",
        "severity",
        ("'critical'", "blocker"),
    ),
    "probe-and-manual": (_set("usage.token", "manual", True), "usage.token", "probe", ("manual",)),
    "neither-probe-nor-manual": (
        _drop("launch.rollback", "manual"),
        "launch.rollback",
        "probe",
        ("manual",),
    ),
    "manual-false-no-probe": (
        _set("launch.rollback", "manual", False),
        "launch.rollback",
        "probe",
        ("manual",),
    ),
    "bad-item-id": (_set("usage.token", "id", "Usage Token"), "Usage Token", "id", ("lowercase",)),
    "bad-probe-name": (
        _set("usage.token", "probe", "Auth Probe"),
        "usage.token",
        "probe",
        ("probe name",),
    ),
    "docs-not-a-link": (
        _set("usage.metrics", "docs", "see the wiki"),
        "usage.metrics",
        "docs",
        ("http",),
    ),
    "wrong-type": (_set("usage.metrics", "title", 42), "usage.metrics", "title", ("string",)),
    "wrong-type-bool": (_set("usage.metrics", "manual", 3), "usage.metrics", "manual", ("bool",)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_item_errors_name_file_item_and_field(case: str) -> None:
    edit, item_id, field, words = CASES[case]
    doc = _doc()
    edit(doc)
    msg = _error(doc)
    assert f"'{item_id}'" in msg, msg
    assert f"'{field}'" in msg, msg
    for word in words:
        assert word in msg, msg


def test_item_without_id_is_named_by_position() -> None:
    doc = _doc()
    del doc["sections"][1]["items"][0]["id"]
    msg = _error(doc)
    assert "section 'launch' item #1" in msg and "field 'id'" in msg


def test_section_and_top_level_errors() -> None:
    doc = _doc()
    doc["sections"][1]["id"] = "usage"
    assert "duplicate section id 'usage'" in _error(doc)

    doc = _doc()
    doc["sections"][0]["id"] = "Bad Section"
    msg = _error(doc)
    assert "section 'Bad Section'" in msg and "field 'id'" in msg

    doc = _doc()
    doc["sections"][0]["items"] = []
    msg = _error(doc)
    assert "section 'usage'" in msg and "field 'items'" in msg

    doc = _doc()
    doc["sections"] = []
    assert "field 'sections'" in _error(doc)

    doc = _doc()
    doc["colour"] = "blue"
    msg = _error(doc)
    assert "field 'colour'" in msg and "unknown field" in msg

    doc = _doc()
    doc["provider"] = "stripe"
    msg = _error(doc)
    assert "field 'provider'" in msg and "'stripe'" in msg

    doc = _doc()
    doc["schema_version"] = 2
    assert "field 'schema_version'" in _error(doc)


def test_toml_syntax_error_names_the_line() -> None:
    raw = MINI.read_bytes().replace(b'title = "Launch"', b'title = "Launch', 1)
    with pytest.raises(ChecklistError) as exc:
        checklists.parse(raw, PATH)
    msg = str(exc.value)
    assert msg.startswith(f"{PATH}: invalid TOML") and "line 34" in msg and "\n" not in msg


def test_duplicate_toml_key_is_a_syntax_error() -> None:
    raw = MINI.read_bytes().replace(
        b'severity = "blocker"\n', b'severity = "blocker"\nseverity = "x"\n', 1
    )
    with pytest.raises(ChecklistError, match=r"invalid TOML.*line \d+"):
        checklists.parse(raw, PATH)


def test_not_utf8() -> None:
    with pytest.raises(ChecklistError, match=rf"^{PATH}: not UTF-8 text \(byte 3\)"):
        checklists.parse(b"id \xff= 1", PATH)


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(ChecklistError, match="checklist file not found") as exc:
        checklists.load(tmp_path / "nope.toml")
    assert str(tmp_path / "nope.toml") in str(exc.value)
    with pytest.raises(ChecklistError, match="no built-in checklist by that name"):
        checklists.load("no-such-builtin")
    with pytest.raises(ChecklistError, match="cannot read checklist"):
        checklists.load(tmp_path)  # a folder


def test_load_names_the_real_path(tmp_path: Path) -> None:
    doc = _doc()
    _item(doc, "usage.token")["sevrity"] = "blocker"
    path = tmp_path / "mine.toml"
    path.write_text(tomli_w.dumps(doc))
    with pytest.raises(ChecklistError) as exc:
        checklists.load(path)
    assert str(exc.value).startswith(f"{path}: item 'usage.token': field 'sevrity'")


def test_fingerprint_follows_the_definition() -> None:
    a = checklists.parse(tomli_w.dumps(_doc()).encode(), PATH)
    doc = _doc()
    _item(doc, "usage.metrics")["verify"] = "Review each metric again."
    b = checklists.parse(tomli_w.dumps(doc).encode(), PATH)
    assert a.by_id["usage.token"].fingerprint == b.by_id["usage.token"].fingerprint
    assert a.by_id["usage.metrics"].fingerprint != b.by_id["usage.metrics"].fingerprint
    assert a.fingerprint != b.fingerprint
