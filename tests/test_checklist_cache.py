"""The validated-checklist cache: fast loads that are exactly what the schema produced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from golive_tui.core import checklist as checklists
from golive_tui.core import checklist_schema, validated_cache
from golive_tui.core.errors import ChecklistError


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("GOLIVE_CACHE_DIR", str(folder))
    return folder


@pytest.mark.parametrize("name", checklists.builtin_ids())
def test_plain_model_matches_the_schema_and_keeps_fingerprints(name: str, cache: Path) -> None:
    # Fingerprints key "changed since you checked it": the plain model must hash
    # exactly what the pydantic model dumps, or every saved item would look stale.
    path = checklists.resolve(name)
    dump = checklist_schema.Checklist.model_validate(tomllib.loads(path.read_text())).model_dump(
        mode="json"
    )
    fresh = checklists.load(name, use_cache=False)
    assert fresh.to_data() == dump
    assert fresh.fingerprint == checklists._digest(dump)
    raw_items = [i for s in dump["sections"] for i in s["items"]]
    for item, raw in zip(fresh.items(), raw_items, strict=True):
        # (ttl_days is policy, not what is verified: left out of the fingerprint)
        assert item.fingerprint == checklists._digest(
            {k: v for k, v in raw.items() if k != "ttl_days"}
        )
    first = checklists.load(name)  # validates and stores
    second = checklists.load(name)  # from the cache
    assert first == second == fresh
    assert second.fingerprint == fresh.fingerprint
    assert len(list(cache.glob("checklist-*.json"))) == 1


def test_use_cache_false_neither_reads_nor_writes(mini_path: Path, cache: Path) -> None:
    checklists.load(mini_path, use_cache=False)
    assert not cache.exists()


def test_a_cached_checklist_loads_without_pydantic(mini_path: Path, cache: Path) -> None:
    code = (
        "import sys; from golive_tui.core import checklist as c;"
        f" cl = c.load({str(mini_path)!r});"
        " print(cl.id, 'pydantic' in sys.modules)"
    )
    env = dict(os.environ, GOLIVE_CACHE_DIR=str(cache))
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs[0] == ["mini", "True"]  # first sight: the schema validates it
    assert runs[1] == ["mini", "False"]  # same bytes again: no pydantic at all


def test_edited_file_is_validated_again(tmp_path: Path, mini_path: Path, cache: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_bytes(mini_path.read_bytes())
    assert checklists.load(path).id == "mini"
    path.write_text(mini_path.read_text().replace('severity = "blocker"', 'sevrity = "blocker"', 1))
    with pytest.raises(ChecklistError, match=r"item 'usage\.token': field 'severity'"):
        checklists.load(path)


@pytest.mark.parametrize(
    "damage",
    [
        lambda doc: "not json{",
        lambda doc: json.dumps({**doc, "key": "0" * 64}),
        lambda doc: json.dumps({**doc, "checklist": {"id": "mini"}}),
        lambda doc: json.dumps({**doc, "checklist": {**doc["checklist"], "colour": "red"}}),
        lambda doc: json.dumps([1, 2]),
    ],
)
def test_a_damaged_entry_is_ignored(mini_path: Path, cache: Path, damage) -> None:
    expected = checklists.load(mini_path)
    (entry,) = cache.glob("checklist-*.json")
    entry.write_text(damage(json.loads(entry.read_text())))
    assert checklists.load(mini_path) == expected


def test_an_unwritable_cache_costs_only_speed(
    mini_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("GOLIVE_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    assert checklists.load(mini_path).id == "mini"
    assert validated_cache.lookup(mini_path.read_bytes()) is None


def test_the_key_covers_the_schema_source(mini_path: Path, cache: Path, monkeypatch) -> None:
    checklists.load(mini_path)
    raw = mini_path.read_bytes()
    assert validated_cache.lookup(raw) is not None
    monkeypatch.setattr(validated_cache, "_schema_stamp", lambda: b"another schema")
    assert validated_cache.lookup(raw) is None
