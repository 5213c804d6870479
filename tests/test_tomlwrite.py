"""The fast TOML writer: what it writes, and that everything it writes reads back.

The property tests build random documents from every supported value type (text with
control characters, quotes, backslashes, newlines, `\"\"\"`, DEL and emoji; keys with
dots, spaces, quotes and the empty key; nested tables, empty tables, arrays of tables
inside arrays of tables; datetimes with and without offsets and microseconds) and
check `tomllib.loads(dumps(doc)) == doc`, and that it agrees with `tomli_w`.
"""

from __future__ import annotations

import math
import tomllib
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import IntEnum, StrEnum
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive_tui.core import checklist as checklists
from golive_tui.core import state as S
from golive_tui.core.tomlwrite import dumps

PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same(a: Any, b: Any) -> bool:
    """Equality where NaN equals NaN and datetimes must match exactly (offset too)."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a == b and a.utcoffset() == b.utcoffset() and a.microsecond == b.microsecond
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _roundtrip(doc: dict[str, Any]) -> dict[str, Any]:
    text = dumps(doc)
    text.encode("utf-8")  # always encodable
    back = tomllib.loads(text)
    assert _same(back, doc), text
    return back


# --- strategies ----------------------------------------------------------------------

_tricky = st.sampled_from(
    ['"', '""', '"""', '""""', "\\", "\\n", "\n", "\r\n", "\r", "\t", "\x7f", "\x00", "\x1f",
     "\x08", "\x0c", "'''", "é", "😀", "\u2028", "\ufeff", "#", "=", "[", "]", ".", " "]
)  # fmt: skip
# Any code point except lone surrogates (which are not text and cannot be saved).
_chars = st.characters(exclude_categories=["Cs"])
_text = st.lists(st.one_of(_tricky, st.text(_chars, max_size=8)), max_size=8).map("".join)
_keys = st.one_of(
    st.sampled_from(["", "a", "a.b", "a b", '"', "'", "key-1_x", "ü", "1", "true", "[x]"]),
    st.text(_chars, max_size=10),
)
_offsets = st.one_of(
    st.none(),
    st.just(UTC),
    st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m))),
)
_datetimes = st.builds(
    lambda d, tz: d.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    _offsets,
)
_scalars = st.one_of(
    _text,
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    _datetimes,
    st.dates(),
)
# Inline values: scalars and arrays of them, arrays of arrays, and inline tables.
_inline = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=8,
)


def _docs() -> st.SearchStrategy[dict[str, Any]]:
    def extend(tables: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        value = st.one_of(
            _inline,
            tables,  # a sub-table (maybe empty)
            st.lists(tables, min_size=1, max_size=3),  # an array of tables
        )
        return st.dictionaries(_keys, value, max_size=5)

    return st.recursive(st.dictionaries(_keys, _inline, max_size=4), extend, max_leaves=20)


# --- properties ----------------------------------------------------------------------


@PROPS
@given(doc=_docs())
def test_everything_written_reads_back_the_same(doc: dict[str, Any]) -> None:
    _roundtrip(doc)


@PROPS
@given(doc=_docs())
def test_reads_back_the_same_as_tomli_w(doc: dict[str, Any]) -> None:
    assert _same(tomllib.loads(dumps(doc)), tomllib.loads(tomli_w.dumps(doc)))


@PROPS
@given(s=_text)
def test_any_text_round_trips_exactly_as_value_and_key(s: str) -> None:
    _roundtrip({"v": s, s: 1, "t": {s: [s, {s: s}]}, "a": [{s: s}]})


# --- what it writes --------------------------------------------------------------------


def test_golden_document() -> None:
    doc = {
        "title": "golive",
        "n": 3,
        "ratio": 0.5,
        "on": True,
        "when": datetime(2025, 3, 1, 12, 0, 0, 123000, tzinfo=UTC),
        "day": date(2025, 3, 1),
        "tags": ["a", 1, [2.0, False]],
        "note": 'line one\nsay "hi" \\ there\n',
        "target": {"base_url": "https://x", "settings": {"a.b": {"c d": 1}, "empty": {}}},
        "items": [
            {"id": "one", "evidence": [{"label": "r", "text": "x"}], "meta": {"k": 1}},
            {"id": "two", "evidence": []},
        ],
        "mixed": [1, {"k": "v"}, {}],
    }
    assert dumps(doc) == (
        "title = 'golive'\n"
        "n = 3\n"
        "ratio = 0.5\n"
        "on = true\n"
        "when = 2025-03-01T12:00:00.123000+00:00\n"
        "day = 2025-03-01\n"
        "tags = ['a', 1, [2.0, false]]\n"
        "note = '''\n"
        "line one\n"
        'say "hi" \\ there\n'
        "'''\n"
        "mixed = [1, { k = 'v' }, {}]\n"
        "\n"
        "[target]\n"
        "base_url = 'https://x'\n"
        "\n"
        "[target.settings]\n"
        "\n"
        '[target.settings."a.b"]\n'
        '"c d" = 1\n'
        "\n"
        "[target.settings.empty]\n"
        "\n"
        "[[items]]\n"
        "id = 'one'\n"
        "\n"
        "[[items.evidence]]\n"
        "label = 'r'\n"
        "text = 'x'\n"
        "\n"
        "[items.meta]\n"
        "k = 1\n"
        "\n"
        "[[items]]\n"
        "id = 'two'\n"
        "evidence = []\n"
    )
    _roundtrip(doc)


def test_control_characters_and_del_are_escaped() -> None:
    every = "".join(chr(c) for c in [*range(0x20), 0x7F])
    text = dumps({"s": every, every: every})
    assert not any(chr(c) in text for c in [*range(0x09), *range(0x0B, 0x20), 0x7F])
    assert "\\u007f" in text
    _roundtrip({"s": every, every: every})


@pytest.mark.parametrize(
    "s", ['"', '"""', 'ends with "', 'x"""y\n"', "\n", "\n\n", "a\r\nb\rc\n", "a\\\nb", "\\"]
)
def test_tricky_multiline_strings(s: str) -> None:
    _roundtrip({"s": s})


def test_crlf_round_trips_exactly() -> None:
    assert tomllib.loads(dumps({"s": "a\r\nb\rc"}))["s"] == "a\r\nb\rc"


# --- literal or basic: which form each string gets ---------------------------------------

_CONTROLS = {chr(c) for c in [*range(0x20), 0x7F]}


def _literal_fits(s: str, *, multiline: bool) -> bool:
    """TOML 1.0, independently of the writer: can `s` be a (multi-line) literal string?"""
    allowed = {"\t", "\n"} if multiline else {"\t"}
    if any(c in _CONTROLS and c not in allowed for c in s):
        return False
    if multiline:
        return "'''" not in s and not s.endswith("'")  # the writer avoids a final '
    return "'" not in s


def _written(s: str) -> str:
    """How `s` is written as the value in a `key = value` line."""
    text = dumps({"v": s})
    assert text.startswith("v = ") and text.endswith("\n")
    return text[4:-1]


@pytest.mark.parametrize(
    ("s", "written"),
    [
        ("", "''"),
        ("plain", "'plain'"),
        ('say "hi" \\ there \\n', "'say \"hi\" \\ there \\n'"),
        ("tab\there", "'tab\there'"),
        ("\x85 \xa0 \u2028 \ufeff é 😀", "'\x85 \xa0 \u2028 \ufeff é 😀'"),  # not ASCII controls
        ('"""', '\'"""\''),
        ("it's", "'''it's'''"),
        ("'quoted' first", "''''quoted' first'''"),  # leading quotes are fine
        ("''two", "'''''two'''"),
        ("one ' and '' in the middle", "'''one ' and '' in the middle'''"),
        ("tab\t'q' x", "'''tab\t'q' x'''"),
        ("ends with '", '"ends with \'"'),  # would touch the closing '''
        ("ends with ''", "\"ends with ''\""),
        ("'", '"\'"'),
        ("a'''b", "\"a'''b\""),
        ("a\rb", '"a\\rb"'),
        ("x\x7fy", '"x\\u007fy"'),
        ("x\x00y\x1b", '"x\\u0000y\\u001b"'),
        ("it's\x08", '"it\'s\\b"'),
        # Multi-line: the newline after the opening delimiter is trimmed when read.
        ('{"a": 1}\n{"b": "\\\\"}', "'''\n{\"a\": 1}\n{\"b\": \"\\\\\"}'''"),
        ("it's\nmulti", "'''\nit's\nmulti'''"),
        ("\nstarts with a newline", "'''\n\nstarts with a newline'''"),
        ("ends with a newline\n", "'''\nends with a newline\n'''"),
        ("\n", "'''\n\n'''"),
        ("tab\t\nline", "'''\ntab\t\nline'''"),
        ("'\nquote first", "'''\n'\nquote first'''"),
        ("line\nends with '", '"""\nline\nends with \'"""'),
        ("line\nends with ''", '"""\nline\nends with \'\'"""'),
        ("a'''\nb", '"""\na\'\'\'\nb"""'),
        ("a\r\nb", '"""\na\\r\nb"""'),
        ("a\nb\x7f", '"""\na\nb\\u007f"""'),
        ("a\nb\x0c", '"""\na\nb\\f"""'),
        ('a\n"q" \\ \x00', '"""\na\n\\"q\\" \\\\ \\u0000"""'),
    ],
)
def test_strings_are_literal_when_that_reads_back_exactly(s: str, written: str) -> None:
    assert _written(s) == written
    _roundtrip({"v": s, "in": [s, {"k": s}]})


@pytest.mark.parametrize(
    ("s", "written"),
    [
        ("x", "'x'"),
        ("it's", "'''it's'''"),
        ("a\nb", '"a\\nb"'),  # inline values stay on one line
        ("it's\nb", '"it\'s\\nb"'),
        ("", "''"),
    ],
)
def test_strings_in_inline_arrays_and_tables_stay_on_one_line(s: str, written: str) -> None:
    assert dumps({"a": [s, {"k": s}]}) == f"a = [{written}, {{ k = {written} }}]\n"
    _roundtrip({"a": [s, {"k": s}]})


@pytest.mark.parametrize(
    ("s", "start"),
    [
        ('{"id": "evt_1", "v": 42}\n' * 40_000, "'''\n"),  # ~1 MB of JSON lines
        ('{"msg": "it\'s"} ' * 60_000, "'''"),  # ~1 MB on one line, with quotes
        ('"x" ' * 250_000, "'"),
        ('{"id": 1}\n' * 100_000 + "\r", '"""\n'),  # one \r at the very end: basic
        ("x" * 1_000_000 + "'", '"'),
    ],
)
def test_very_long_strings(s: str, start: str) -> None:
    text = dumps({"v": s})
    assert text.startswith("v = " + start)
    assert tomllib.loads(text) == {"v": s}


@PROPS
@given(s=st.one_of(_text, st.text(_chars, max_size=40), st.text("ab'\"\\\t\n\r\x7f", max_size=12)))
def test_each_string_takes_the_first_form_that_fits(s: str) -> None:
    written = _written(s)
    if "\n" in s:
        if _literal_fits(s, multiline=True):
            assert written == "'''\n" + s + "'''"
        else:
            assert written.startswith('"""\n')
    elif _literal_fits(s, multiline=False):
        assert written == "'" + s + "'"
    elif _literal_fits(s, multiline=True):
        assert written == "'''" + s + "'''"
    else:
        assert written.startswith('"') and not written.startswith('"""')
    _roundtrip({"v": s, "a": [s], "t": {"k": {"x": s}}})


@pytest.mark.parametrize(
    ("doc", "where", "bad"),
    [
        ({"items": {"x": {"note": "ok \udcff"}}}, "items.x.note", "\udcff"),  # '...'
        ({"a": {"b": "it's \ud800!"}}, "a.b", "\ud800"),  # '''...'''
        ({"a": {"b": "line\n\udfff"}}, "a.b", "\udfff"),  # multi-line '''...'''
        ({"a": {"b": "cr\r\n\udfff"}}, "a.b", "\udfff"),  # multi-line basic
        ({"a": {"b": "\x7f\udfff"}}, "a.b", "\udfff"),  # basic
        ({"a": [1, {"c d": ["ok", "x\udcff'"]}]}, 'a[1]."c d"[1]', "\udcff"),  # inline
    ],
)
def test_lone_surrogates_name_their_key_in_every_string_form(
    doc: dict[str, Any], where: str, bad: str
) -> None:
    with pytest.raises(UnicodeEncodeError) as info:
        dumps(doc)
    exc = info.value
    assert exc.object[exc.start : exc.end] == bad
    assert f"(at {where})" in exc.reason


def test_multiline_strings_stay_readable() -> None:
    text = dumps({"evidence": '{"id": 1}\n{"id": 2}'})
    assert text == "evidence = '''\n{\"id\": 1}\n{\"id\": 2}'''\n"
    # A basic string (here for the \r) is one escaped line per line too.
    text = dumps({"evidence": '{"id": 1}\r\n{"id": 2}'})
    assert text == 'evidence = """\n{\\"id\\": 1}\\r\n{\\"id\\": 2}"""\n'


def test_floats() -> None:
    back = _roundtrip({"a": math.inf, "b": -math.inf, "c": math.nan, "d": -0.0, "e": 1e300})
    assert math.isnan(back["c"])
    assert dumps({"a": math.inf, "b": -math.inf, "c": math.nan}) == "a = inf\nb = -inf\nc = nan\n"


def test_datetimes_and_times() -> None:
    doc = {
        "naive": datetime(2025, 1, 2, 3, 4, 5),
        "micro": datetime(2025, 1, 2, 3, 4, 5, 6),
        "east": datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        "west": datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(-timedelta(hours=8))),
        "old": datetime(1, 1, 1),
        "t": time(1, 2, 3, 4),
    }
    text = dumps(doc)
    assert "naive = 2025-01-02T03:04:05\n" in text
    assert "east = 2025-01-02T03:04:05+05:30\n" in text
    assert "old = 0001-01-01T00:00:00\n" in text
    _roundtrip(doc)


def test_sub_minute_offsets_keep_the_instant() -> None:
    d = datetime(2025, 1, 1, 12, tzinfo=timezone(timedelta(seconds=30)))
    back = tomllib.loads(dumps({"d": d}))["d"]
    assert back == d and back.utcoffset() == timedelta(0)


def test_enums_are_written_as_their_values() -> None:
    class Colour(StrEnum):
        RED = "red"

    class Size(IntEnum):
        BIG = 3

    assert tomllib.loads(dumps({"c": Colour.RED, "s": Size.BIG, "l": (1, 2)})) == {
        "c": "red",
        "s": 3,
        "l": [1, 2],
    }


def test_empty_tables_and_documents() -> None:
    assert dumps({}) == ""
    _roundtrip({"a": {}})
    _roundtrip({"a": {"b": {}}, "c": [{}, {"d": {}}]})
    _roundtrip({"a": [{"b": [{"c": [{}]}]}, {"b": []}]})


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        ({"a": None}, "a"),
        ({"a": {"b c": [1, None]}}, 'a."b c"[1]'),
        ({"a": [{"x": 1}, {"y": object()}]}, "a[1].y"),
        ({"a": b"bytes"}, "a"),
        ({"a": {1: 2}}, "a"),
        ({"a": time(1, tzinfo=UTC)}, "a"),
    ],
)
def test_unsupported_values_are_type_errors_naming_the_key(doc: Any, where: str) -> None:
    with pytest.raises(TypeError, match="at " + __import__("re").escape(where)):
        dumps(doc)


def test_lone_surrogates_are_unicode_encode_errors() -> None:
    with pytest.raises(UnicodeEncodeError) as info:
        dumps({"items": {"x": {"note": "ok \udcff"}}})
    exc = info.value
    assert exc.object[exc.start : exc.end] == "\udcff"
    assert "items.x.note" in exc.reason
    with pytest.raises(UnicodeEncodeError):
        dumps({"\ud800": 1})


def test_not_a_mapping() -> None:
    with pytest.raises(TypeError):
        dumps([1, 2])  # type: ignore[arg-type]


# --- the real state ----------------------------------------------------------------------


def _rich_state(mini: checklists.Checklist) -> S.State:
    target = S.Target(
        operator="ana",
        environment="production",
        base_url="https://api.example",
        settings={"event_type": "api_call", "x.y": {"tags": ["a", "b"], "n": 1.5}, "e": {}},
    )
    state = S.State.new(mini, "mini", target)
    items = mini.items()
    state.mark(items[0], S.ItemStatus.DONE, note='multi\nline "note" \\ """ ok\x7f\r\n')
    state.mark(items[1], S.ItemStatus.FAILED, note="tab\there\x00")
    for n in range(25):
        state.add_probe_result(
            items[n % len(items)].id,
            S.ProbeRecord(
                probe="auth",
                status=list(S.ProbeStatus)[n % len(S.ProbeStatus)],
                summary=f"run {n} 😀",
                details=[f"detail {n}", "second\nline"],
                at=datetime(2025, 3, 1, 12, 0, n, 123456, tzinfo=UTC),
                duration_ms=n,
                evidence=[
                    S.Evidence(label="response", text=f'{{"id": "evt_{n}", "v": 42}}\n' * 20),
                    S.Evidence(label="empty", text=""),
                ],
                run_id=f"run-{n}",
            ),
        )
    state.add_created(
        S.CreatedObject(
            run_id="run-1",
            probe="ingest",
            kind="customer",
            id="c_1",
            at=datetime(2025, 3, 1, tzinfo=UTC),
        )
    )
    return state


def test_real_state_round_trips(mini: checklists.Checklist) -> None:
    state = _rich_state(mini)
    data = state.to_data()
    text = dumps(data)
    assert S.State.from_toml(text) == state
    assert "'''\n" + '{"id": "evt_24", "v": 42}\n' in text  # readable (latest) evidence


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(note=_text, label=_text, evidence=_text)
def test_real_state_round_trips_any_text(
    mini: checklists.Checklist, note: str, label: str, evidence: str
) -> None:
    state = S.State.new(mini, "mini")
    state.mark(mini.items()[0], S.ItemStatus.DONE, note=note)
    rec = S.ProbeRecord(
        probe="auth",
        status=S.ProbeStatus.PASS,
        summary=label,
        at=datetime(2025, 3, 1, tzinfo=UTC),
        duration_ms=1,
        evidence=[S.Evidence(label=label, text=evidence)],
    )
    state.add_probe_result(mini.items()[0].id, rec)
    data = state.to_data()
    assert S.State.from_toml(dumps(data)) == state


def test_a_secret_is_refused_not_written() -> None:
    from golive_tui.core.redact import Secret

    with pytest.raises(TypeError, match=r"at a\.token"):
        dumps({"a": {"token": Secret("sk_live_abc123")}})
    with pytest.raises(TypeError):
        dumps({"a": [1, {"t": Secret("sk_live_abc123")}]})
