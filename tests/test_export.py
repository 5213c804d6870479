"""`golive export`: Markdown structure (parsed as CommonMark), JSON schema, redaction, CLI."""

from __future__ import annotations

import copy
import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from markdown_it import MarkdownIt
from markdown_it.token import Token

from golive_tui.core import export
from golive_tui.core.checklist import Checklist, builtin_dir
from golive_tui.core.checklist import load as load_checklist
from golive_tui.core.export_mdsafe import slug
from golive_tui.core.progress import PROBE_GLYPH, Counts, progress, standing_label
from golive_tui.core.state import (
    CreatedObject,
    Evidence,
    ItemState,
    ItemStatus,
    ProbeRecord,
    ProbeStatus,
    State,
    Target,
)

GOLDEN = Path(__file__).parent / "golden"
T0 = datetime(2025, 3, 4, 9, 30, 0, tzinfo=UTC)
GENERATED = datetime(2025, 3, 5, 17, 0, 0, tzinfo=UTC)

HOSTILE_LINES = [
    "# not a heading",
    "| pipe | cell |",
    "```",
    "~~~",
    "<script>alert(1)</script>",
    "1. not a list",
    "- nor this",
    "===",
    "    not code",
    "> not a quote",
    "[link](http://evil.example) ![img](http://evil.example/x.png)",
    "*not em* _nor this_ &amp; \\ trailing #",
]
HOSTILE = "\n".join(HOSTILE_LINES)


# --- building states ---------------------------------------------------------------------


def _record(
    probe: str,
    status: ProbeStatus,
    *,
    summary: str = "",
    evidence: list[Evidence] | None = None,
    details: list[str] | None = None,
    minutes: int = 0,
) -> ProbeRecord:
    return ProbeRecord(
        probe=probe,
        status=status,
        summary=summary or f"{probe} {status.value}",
        details=details or [],
        at=T0 + timedelta(minutes=minutes),
        duration_ms=1234 if status is ProbeStatus.PASS else 87,
        evidence=evidence or [],
        run_id=f"run-{minutes}",
    )


def _new_state(checklist: Checklist, **target: Any) -> State:
    return State(
        checklist_id=checklist.id,
        checklist_source=checklist.id,
        checklist_fingerprint=checklist.fingerprint,
        created_at=T0,
        updated_at=T0 + timedelta(hours=5),
        target=Target(provider=checklist.provider, **target),
    )


def build_state(checklist: Checklist, *, note: str = "", text: str = "") -> State:
    """Every status, notes and probe records with evidence, for any checklist."""
    state = _new_state(
        checklist,
        environment="production",
        base_url="https://api.example.test",
        customer_id="cus_test_1",
        operator="alice",
    )
    cycle = [
        ItemStatus.DONE,
        ItemStatus.FAILED,
        ItemStatus.SKIPPED,
        ItemStatus.NOT_APPLICABLE,
        ItemStatus.TODO,
    ]
    for n, item in enumerate(checklist.items()):
        status = cycle[n % len(cycle)]
        st = ItemState(
            status=status,
            note=note or f"note for {item.id}",
            by="alice",
            at=T0 + timedelta(minutes=n),
            fingerprint=item.fingerprint,
        )
        if item.probe:
            outcome = ProbeStatus.PASS if status is ItemStatus.DONE else ProbeStatus.FAIL
            st.probe_results = [
                _record(item.probe, ProbeStatus.ERROR, minutes=n),
                _record(
                    item.probe,
                    outcome,
                    summary=text or f"{item.probe} said {outcome.value}",
                    details=[text or "first detail", "second detail"],
                    evidence=[
                        Evidence(label="request", text=text or f"GET /v1/{item.id}\n200 OK"),
                        Evidence(label="response", text='{"ok": true}'),
                    ],
                    minutes=n + 1,
                ),
            ]
        state.items[item.id] = st
    return state


def real_checklists() -> list[str]:
    """The built-in checklists; a test skips when one is not written yet."""
    return ["metronome", "flexprice"]


def _real(name: str) -> Checklist:
    path = builtin_dir() / f"{name}.toml"
    if not path.exists():
        pytest.skip(f"built-in checklist {path} not written yet")
    return load_checklist(path)


# --- reading the Markdown back ---------------------------------------------------------------


def parse(md: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(md)


def plain(inline: Token) -> str:
    """The text a reader sees for an inline token (escapes resolved, breaks as newlines)."""
    out = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


def headings(tokens: list[Token]) -> list[tuple[str, str]]:
    return [
        (tok.tag, plain(tokens[i + 1]))
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open"
    ]


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Every table as rows of cell texts (header row first)."""
    result: list[list[list[str]]] = []
    rows: list[list[str]] = []
    for i, tok in enumerate(tokens):
        if tok.type == "table_open":
            rows = []
        elif tok.type == "tr_open":
            rows.append([])
        elif tok.type in ("th_open", "td_open"):
            rows[-1].append(plain(tokens[i + 1]))
        elif tok.type == "table_close":
            result.append(rows)
    return result


def item_lines(part: list[Token]) -> list[str]:
    """The text of each top-level list item's first paragraph in `part`."""
    out = []
    depth = 0
    for i, t in enumerate(part):
        if t.type == "bullet_list_open":
            depth += 1
        elif t.type == "bullet_list_close":
            depth -= 1
        elif t.type == "list_item_open" and depth == 1:
            out.append(plain(part[i + 2]))
    return out


def target_fields(tokens: list[Token]) -> dict[str, str]:
    """The Target section's "**Name:** value · **Name:** value" lines as a dict."""
    fields: dict[str, str] = {}
    for t in section_after(tokens, "Target"):
        children = t.children or [] if t.type == "inline" else []
        name = ""
        label = -1  # the index of the text child that holds the current name
        for i, child in enumerate(children):
            if child.type == "strong_open" and children[i + 1].content.endswith(":"):
                name, label = children[i + 1].content.rstrip(":"), i + 1
                fields[name] = ""
            elif child.type in ("text", "code_inline") and name and i != label:
                fields[name] += child.content
        for key, value in fields.items():
            fields[key] = value.strip().removesuffix("·").strip()
    return fields


def section_after(tokens: list[Token], h2: str) -> list[Token]:
    """The tokens between the H2 titled `h2` and the next H2."""
    start = next(
        i
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag == "h2" and plain(tokens[i + 1]) == h2
    )
    end = next(
        (
            i
            for i, t in enumerate(tokens)
            if i > start and t.type == "heading_open" and t.tag == "h2"
        ),
        len(tokens),
    )
    return tokens[start + 3 : end]


def check_structure(md: str, checklist: Checklist, state: State | None) -> list[Token]:
    tokens = parse(md)
    heads = headings(tokens)
    # Judged at the review's own clock (TTLs count from it), which it states.
    stamp = re.search(r"\*\*Generated:\*\* (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", md)
    assert stamp is not None, "the review says when it was generated"
    at = datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    prog = progress(checklist, state, at=at)

    h1 = [text for tag, text in heads if tag == "h1"]
    assert h1 == [f"Go-live review: {checklist.title}"]

    h2 = [text for tag, text in heads if tag == "h2"]
    section_titles = [s.title for s in checklist.sections]
    verdict = prog.review.verdict
    # The review opens with its verdict, before anything else.
    assert h2[0] == f"Verdict: {verdict.decision}"
    assert h2.index("Target") < h2.index("Summary") < h2.index(section_titles[0])
    assert [t for t in h2 if t in section_titles] == section_titles
    if prog.stale:
        assert h2.index("Target") < h2.index("Stale results") < h2.index("Summary")
    else:
        assert "Stale results" not in h2

    # The verdict section's own H3s (overrides, sign-off), then one H3 per probe run.
    h3 = [text for tag, text in heads if tag == "h3"]
    assert ("Overrides" in h3) == bool(verdict.overrides)
    assert "Sign-off" in h3
    reviews = [prog.review.of(item.id) for item in checklist.items()]
    runs = {(rec.probe, rec.run_id, rec.at) for r in reviews if (rec := r.state.latest) is not None}
    probe_h3 = [t for t in h3 if t.startswith("Probe ")]
    assert len(probe_h3) == len(runs) and h3[-len(runs) or len(h3) :] == probe_h3

    # One line per item under its section, glyph and word for what it rests on first;
    # an item with a probe links to its run's block, and nothing repeats that block.
    for sp in prog.sections:
        lines = item_lines(section_after(tokens, sp.section.title))
        assert [line.split(" · ")[:2] for line in lines] == [
            [standing_label(prog.review.of(i.id)), i.title.strip()] for i in sp.section.items
        ]
    anchors = {"#" + slug(t) for t in probe_h3}
    hrefs = [
        c.attrs["href"]
        for t in tokens
        if t.type == "inline"
        for c in t.children or []
        if c.type == "link_open" and str(c.attrs["href"]).startswith("#")
    ]
    assert set(hrefs) == anchors
    assert len(hrefs) == sum(1 for r in reviews if r.state.latest is not None)

    # The summary table: one row per section, then the total.
    (summary,) = tables(section_after(tokens, "Summary"))
    assert summary[0] == [
        "Section",
        "Done",
        "Verified",
        "Attested",
        "Failing",
        "Stale",
        "Overridden",
        "N/A",
    ]
    body = summary[1:]
    assert len(body) == len(checklist.sections) + 1

    def counts(c: Counts) -> list[str]:
        return [
            f"{c.done}/{c.total}",
            *map(str, (c.verified, c.attested, c.failing, c.stale, c.overridden)),
            str(c.not_applicable + c.sandbox_only),
        ]

    for row, sp in zip(body, prog.sections, strict=False):
        assert row == [sp.section.title, *counts(sp.counts)]
    assert body[-1] == ["All sections", *counts(prog.overall)]

    # The verdict: one list entry per reason (up to 15), else the GO sentence.
    verdict_part = section_after(tokens, f"Verdict: {verdict.decision}")
    first_list = []
    for t in verdict_part:
        if t.type == "bullet_list_close":
            break
        first_list.append(t)
    entries = [t for t in first_list if t.type == "list_item_open"]
    if verdict.reasons:
        assert len(entries) == min(len(verdict.reasons), 15) + (len(verdict.reasons) > 15)

    # Nothing the user or a probe wrote becomes HTML.
    assert not [t for t in tokens if t.type in ("html_block", "html_inline")]
    for t in tokens:
        for child in t.children or []:
            assert child.type != "html_inline"

    # One fence per probe run that did not pass and has evidence; nothing else is code.
    failing_runs = {
        (rec.probe, rec.run_id, rec.at)
        for r in reviews
        if (rec := r.state.latest) is not None
        and rec.evidence
        and rec.status is not ProbeStatus.PASS
    }
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == len(failing_runs)
    assert all(f.info == "text" for f in fences)
    assert not [t for t in tokens if t.type == "code_block"]
    return tokens


# --- Markdown ------------------------------------------------------------------------------


def test_markdown_structure_mini(mini: Checklist) -> None:
    state = build_state(mini)
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    tokens = check_structure(md, mini, state)
    # The target: one "name: value" per field, production made obvious.
    fields = target_fields(tokens)
    assert fields["Environment"] == "PRODUCTION (live account)"
    assert "**PRODUCTION**" in md
    assert fields["Operator"] == "alice"
    assert fields["Test customer"] == "cus_test_1"
    assert fields["Base URL"] == "https://api.example.test"
    assert fields["Generated"] == "2025-03-05 17:00:00 UTC"
    assert fields["State created"] == "2025-03-04 09:30:00 UTC"
    assert mini.fingerprint in fields["Checklist"]
    # Glyph and word together for the probe result too.
    assert f"{PROBE_GLYPH[ProbeStatus.FAIL]} fail" in md
    # Every item links its docs.
    links = [
        c.attrs["href"]
        for t in tokens
        if t.type == "inline"
        for c in t.children or []
        if c.type == "link_open"
    ]
    for item in mini.items():
        assert item.docs in links


def test_markdown_evidence_fence_and_excerpt(mini: Checklist) -> None:
    state = build_state(mini)
    state.items["usage.token"].probe_results[-1].status = ProbeStatus.FAIL
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    (fence,) = [t for t in parse(md) if t.type == "fence"]
    assert fence.content == "GET /v1/usage.token\n200 OK\n"


def test_markdown_hostile_text_cannot_break_structure(mini: Checklist) -> None:
    backticks = "before\n```\n````\ninside ``` still\n`````\nafter"
    state = build_state(mini, note=HOSTILE, text=HOSTILE)
    latest = state.items["usage.token"].probe_results[-1]
    latest.status = ProbeStatus.FAIL  # a result that did not pass shows its evidence
    latest.evidence = [Evidence(label=HOSTILE, text=backticks), *latest.evidence]
    state.target = Target(
        provider="metronome",
        base_url="https://x | y \\| z",
        customer_id="# cus | <b>",
        operator="ops | team `x`",
    )
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    tokens = check_structure(md, mini, state)

    # The target's values read back intact.
    fields = target_fields(tokens)
    assert fields["Base URL"] == "https://x | y \\| z"
    assert fields["Test customer"] == "# cus | <b>"
    assert fields["Operator"] == "ops | team `x`"

    # The note is one blockquote paragraph that reads exactly as written (lines stripped).
    quotes = []
    for i, t in enumerate(tokens):
        if t.type == "blockquote_open":
            inner = []
            j = i + 1
            while tokens[j].type != "blockquote_close":
                if tokens[j].type == "inline":
                    inner.append(plain(tokens[j]))
                    # Plain text only: no emphasis, link, image, code or HTML.
                    kinds = {c.type for c in tokens[j].children or []}
                    assert kinds <= {"text", "softbreak"}, kinds
                j += 1
            quotes.append(inner)
    note_quotes = [q for q in quotes if q and q[0].startswith("# not a heading")]
    assert len(note_quotes) == len(mini.items())
    assert all(q == ["\n".join(line.strip() for line in HOSTILE_LINES)] for q in note_quotes)

    # The evidence fence is intact: its content is the evidence, byte for byte.
    fences = [t for t in tokens if t.type == "fence"]
    assert fences[0].content == backticks + "\n"
    assert fences[0].markup == "``````"

    # Probe summaries and details are escaped too: the only list items are ours.
    texts = [plain(t) for t in tokens if t.type == "inline"]
    assert any(t.startswith("✗ fail — # not a heading") and "<script>" in t for t in texts)
    assert not [t for t in tokens if t.type == "ordered_list_open"]


def test_markdown_indented_note_is_not_code(mini: Checklist) -> None:
    note = "    looks like code\n\n\tso does this\n\n        and this"
    state = build_state(mini, note=note, text=note)
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    check_structure(md, mini, state)  # asserts there is no code block


def test_markdown_control_characters_are_shown_not_sent(mini: Checklist) -> None:
    state = build_state(mini, note="red \x1b[31mALERT\x1b[0m\r\nbell\x07")
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    assert "\x1b" not in md and "\x07" not in md and "\r" not in md
    assert "\\x1b" in md


def test_markdown_excerpt_is_capped(mini: Checklist) -> None:
    state = build_state(mini)
    latest = state.items["usage.token"].probe_results[-1]
    latest.status = ProbeStatus.FAIL
    latest.evidence = [
        Evidence(label="many lines", text="\n".join(f"line {n}" for n in range(200)))
    ]
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    (fence,) = [t for t in parse(md) if t.type == "fence"]
    lines = fence.content.rstrip("\n").split("\n")
    cap = export.EXCERPT_MAX_LINES
    assert lines[:cap] == [f"line {n}" for n in range(cap)]
    assert lines[-1] == f"… {200 - cap} more lines in the JSON export"
    assert len(lines) == cap + 1

    latest.evidence = [Evidence(label="one long line", text="x" * 4000)]
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    (fence,) = [t for t in parse(md) if t.type == "fence"]
    assert fence.content == "x" * export.EXCERPT_MAX_CHARS + "…\n"


def test_markdown_says_how_to_read_cent_amounts_in_evidence(mini: Checklist) -> None:
    state = build_state(mini)
    latest = state.items["usage.token"].probe_results[-1]
    latest.status = ProbeStatus.FAIL
    body = '{"total":1990.25,"credit_type":{"id":"2714","name":"USD (cents)"}}'
    latest.evidence = [Evidence(label="GET /v1/invoices → 200 (3 ms)", text="response: " + body)]
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    (fence,) = [t for t in parse(md) if t.type == "fence"]
    assert '  "total": 1990.25,' in fence.content  # the API's data, as it was sent
    assert 'as the API\'s "USD (cents)" credit type does: 1990 there is $19.90.' in md


def test_markdown_empty_state_is_an_all_todo_view(mini: Checklist) -> None:
    md = export.to_markdown(mini, None, generated_at=GENERATED)
    tokens = check_structure(md, mini, None)
    fields = target_fields(tokens)
    assert fields["State"] == "no state file yet"
    assert fields["Environment"] == "sandbox"
    assert fields["Provider"] == "metronome"
    assert "PRODUCTION" not in md


def test_markdown_no_open_blockers(mini: Checklist) -> None:
    state = _new_state(mini)
    for item in mini.items():
        state.items[item.id] = ItemState(
            status=ItemStatus.DONE, at=T0, by="bob", fingerprint=item.fingerprint
        )
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    check_structure(md, mini, state)  # asserts the "None — …" sentence


def test_markdown_stale_items(mini: Checklist) -> None:
    state = build_state(mini)
    state.items["usage.metrics"].fingerprint = "0123456789abcdef"
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    tokens = check_structure(md, mini, state)
    stale_part = section_after(tokens, "Stale results")
    entries = [plain(t) for t in stale_part if t.type == "inline"]
    assert any("usage.metrics" in e for e in entries)
    assert "Stale:" in md and "the checklist changed this item" in md  # the item's own warning


def test_markdown_created_objects(mini: Checklist) -> None:
    state = build_state(mini)
    state.created_objects = [
        CreatedObject(run_id="run-1", probe="ingest", kind="customer", id="cus | 9", at=T0)
    ]
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    tokens = parse(md)
    assert headings(tokens)[-1] == ("h2", "Objects created by probes")
    (line,) = item_lines(section_after(tokens, "Objects created by probes"))
    assert line == "1 × customer by ingest (run run-1, 2025-03-04 09:30:00 UTC): cus | 9"


def test_markdown_is_deterministic(mini: Checklist) -> None:
    state = build_state(mini)
    a = export.to_markdown(mini, state, generated_at=GENERATED)
    b = export.to_markdown(mini, copy.deepcopy(state), generated_at=GENERATED)
    assert a == b
    assert a.endswith("\n") and not a.endswith("\n\n")


@pytest.mark.parametrize("name", real_checklists())
def test_markdown_structure_real_checklists(name: str) -> None:
    checklist = _real(name)
    for state in (None, build_state(checklist), build_state(checklist, note=HOSTILE)):
        md = export.to_markdown(checklist, state, generated_at=GENERATED)
        check_structure(md, checklist, state)


# --- golden files -----------------------------------------------------------------------


def golden_state(mini: Checklist) -> State:
    state = _new_state(
        mini,
        environment="sandbox",
        base_url="https://api.metronome.com",
        customer_id="cus_golden",
        operator="alice",
    )
    token, metrics, rollback = mini.items()
    state.items[token.id] = ItemState(
        status=ItemStatus.FAILED,
        note="Token was rotated on Monday; the new one is not in the vault yet.",
        by="alice",
        at=T0 + timedelta(minutes=10),
        fingerprint=token.fingerprint,
        probe_results=[
            _record("auth", ProbeStatus.PASS, minutes=1),
            _record(
                "auth",
                ProbeStatus.FAIL,
                summary="401 Unauthorized from /v1/customers",
                details=["the token is revoked or from another account"],
                evidence=[
                    Evidence(
                        label="response",
                        text='HTTP/1.1 401 Unauthorized\n{"message": "Unauthorized"}',
                    )
                ],
                minutes=9,
            ),
        ],
    )
    state.items[metrics.id] = ItemState(
        status=ItemStatus.DONE,
        note="Reviewed with finance: group keys `region` and `plan`.",
        by="bob",
        at=T0 + timedelta(minutes=20),
        fingerprint=metrics.fingerprint,
    )
    state.items[rollback.id] = ItemState(
        status=ItemStatus.SKIPPED,
        note="Runbook due next sprint.",
        by="alice",
        at=T0 + timedelta(minutes=30),
        fingerprint=rollback.fingerprint,
    )
    state.created_objects = [
        CreatedObject(run_id="run-9", probe="auth", kind="customer", id="cus_probe_1", at=T0)
    ]
    return state


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("export-mini.md", export.to_markdown),
        ("export-mini.json", export.to_json),
    ],
)
def test_golden(mini: Checklist, name: str, render: Callable[..., str]) -> None:
    got = render(mini, golden_state(mini), generated_at=GENERATED)
    path = GOLDEN / name
    if os.environ.get("GOLIVE_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"{path} missing; run with GOLIVE_UPDATE_GOLDEN=1 to create it"
    assert got == path.read_text(encoding="utf-8"), (
        f"{name} changed; review the diff and rerun with GOLIVE_UPDATE_GOLDEN=1 if intended"
    )


# --- JSON --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = export.load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _states(checklist: Checklist) -> list[State | None]:
    stale = build_state(checklist)
    first = checklist.items()[0]
    stale.items[first.id].fingerprint = "0000000000000000"
    return [
        None,
        _new_state(checklist),
        build_state(checklist),
        build_state(checklist, note=HOSTILE, text=HOSTILE),
        stale,
    ]


def _validate(validator: Draft202012Validator, doc: Any) -> None:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_json_validates_against_schema(mini: Checklist, validator: Draft202012Validator) -> None:
    for state in _states(mini):
        text = export.to_json(mini, state, generated_at=GENERATED)
        assert text.endswith("}\n")
        doc = json.loads(text)
        _validate(validator, doc)
        assert doc == export.to_dict(mini, state, generated_at=GENERATED)


@pytest.mark.parametrize("name", real_checklists())
def test_json_validates_real_checklists(name: str, validator: Draft202012Validator) -> None:
    checklist = _real(name)
    for state in _states(checklist):
        _validate(validator, json.loads(export.to_json(checklist, state, generated_at=GENERATED)))


def test_json_content(mini: Checklist) -> None:
    state = build_state(mini)
    state.items["usage.metrics"].fingerprint = "0123456789abcdef"
    doc = export.to_dict(mini, state, generated_at=GENERATED)
    assert doc["schema"] == "golive-export"
    assert doc["schema_version"] == export.EXPORT_SCHEMA_VERSION == 3
    assert doc["generated_at"] == "2025-03-05T17:00:00Z"
    assert doc["target"]["environment"] == "production"
    summary = doc["summary"]
    assert summary["stale"] == ["usage.metrics"]
    assert summary["open_blockers"] == [i.id for i in progress(mini, state).open_blockers]
    assert summary["total"] == 3
    (token,) = [i for s in doc["sections"] for i in s["items"] if i["id"] == "usage.token"]
    assert token["status"] == "done"
    assert token["probe"] == "auth"
    assert token["history_count"] == 2
    assert token["latest_probe"]["status"] == "pass"
    assert token["latest_probe"]["duration_ms"] == 1234
    assert [e["label"] for e in token["latest_probe"]["evidence"]] == ["request", "response"]
    metrics = doc["sections"][0]["items"][1]
    assert metrics["stale"] is True
    assert metrics["probe"] is None
    assert metrics["irreversible"] == "Billable metrics cannot be changed after creation."

    empty = export.to_dict(mini, None, generated_at=GENERATED)
    assert empty["state"] is None
    assert {i["status"] for s in empty["sections"] for i in s["items"]} == {"todo"}
    assert all(i["at"] is None for s in empty["sections"] for i in s["items"])


def test_json_rejects_unknown_fields(mini: Checklist, validator: Draft202012Validator) -> None:
    doc = export.to_dict(mini, build_state(mini), generated_at=GENERATED)
    doc["sections"][0]["items"][0]["token"] = "x"
    assert list(validator.iter_errors(doc))


# --- secrets never leave ---------------------------------------------------------------------


def test_canary_never_appears_in_any_export(mini: Checklist) -> None:
    canary = "sk_live_CANARY_" + secrets.token_hex(12)

    def redactor(s: str) -> str:
        return s.replace(canary, "[REDACTED]")

    state = build_state(mini, note=f"pasted by mistake: {canary}", text=f"Bearer {canary}")
    state.target = Target(
        provider="metronome",
        environment="production",
        base_url=f"https://api.example.test/?k={canary}",
        customer_id=canary,
        operator=f"alice {canary}",
        region=canary,
        settings={"event_name": canary},  # settings are never exported at all
    )
    latest = state.items["usage.token"].probe_results[-1]
    # Straddles the excerpt cut: truncating before redacting would leak a prefix.
    straddle = "x" * (export.EXCERPT_MAX_CHARS - 12) + canary
    latest.evidence = [Evidence(label=f"header {canary}", text=straddle), *latest.evidence]
    state.items["usage.token"].by = canary
    state.created_objects = [
        CreatedObject(run_id=canary, probe="auth", kind="customer", id=canary, at=T0)
    ]

    escaped = canary.replace("_", "\\_")
    md = export.to_markdown(mini, state, generated_at=GENERATED, redactor=redactor)
    js = export.to_json(mini, state, generated_at=GENERATED, redactor=redactor)
    for out in (md, js):
        assert canary not in out
        assert canary[:10] not in out  # no truncated or escaped piece of it either
        assert escaped not in out
        assert "REDACTED" in out
    # The redactor really reached each kind of field.
    doc = json.loads(js)
    assert doc["target"]["customer_id"] == "[REDACTED]"
    assert doc["created_objects"][0]["id"] == "[REDACTED]"
    assert doc["sections"][0]["items"][0]["by"] == "[REDACTED]"
    assert "[REDACTED]" in doc["sections"][0]["items"][0]["latest_probe"]["summary"]
    assert "\\[REDACTED\\]" in md  # redacted first, then escaped
    assert md.count("REDACTED") >= 10

    # Settings are not exported even without a redactor.
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    assert "event_name" not in md
    assert "event_name" not in export.to_json(mini, state, generated_at=GENERATED)


# --- the command line ---------------------------------------------------------------------


def _golive(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    env["GOLIVE_CACHE_DIR"] = os.environ["GOLIVE_CACHE_DIR"]  # the session's, not ~/.cache
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def state_file(tmp_path: Path, mini: Checklist, mini_path: Path) -> Path:
    state = build_state(mini)
    state.checklist_source = str(mini_path.resolve())
    path = tmp_path / "golive-state.toml"
    path.write_text(state.to_toml(), encoding="utf-8")
    return path


def _one_line_error(proc: subprocess.CompletedProcess[bytes]) -> str:
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.decode()
    assert err.startswith("golive: error: ") and err.endswith("\n")
    assert err.count("\n") == 1, err
    assert proc.stdout == b""
    return err


def test_cli_stdout_markdown(state_file: Path, mini: Checklist) -> None:
    before = state_file.read_bytes()
    proc = _golive("export", "--state", str(state_file), cwd=state_file.parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    md = proc.stdout.decode("utf-8")
    assert md.startswith("# Go-live review: Mini test checklist\n")
    check_structure(md, mini, State.from_toml(before.decode()))
    assert state_file.read_bytes() == before
    assert not list(state_file.parent.glob("*.golive-tmp"))


def test_cli_writes_json_file(state_file: Path, validator: Draft202012Validator) -> None:
    out = state_file.parent / "review.json"
    proc = _golive(
        "export",
        "--state",
        str(state_file),
        "--format",
        "json",
        "-o",
        str(out),
        cwd=state_file.parent,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b""
    assert proc.stderr.decode() == f"wrote {out}\n"
    _validate(validator, json.loads(out.read_text(encoding="utf-8")))

    # Overwriting an earlier export is fine (atomically).
    proc = _golive("export", "--state", str(state_file), "-o", "review.json", cwd=out.parent)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8").startswith("# Go-live review")


@pytest.mark.parametrize("spelling", ["same", "relative", "dotdot", "symlink"])
def test_cli_refuses_to_overwrite_the_state_file(state_file: Path, spelling: str) -> None:
    before = state_file.read_bytes()
    tmp = state_file.parent
    (tmp / "sub").mkdir()
    target = {
        "same": str(state_file),
        "relative": state_file.name,
        "dotdot": f"sub/../{state_file.name}",
        "symlink": "link.toml",
    }[spelling]
    if spelling == "symlink":
        (tmp / "link.toml").symlink_to(state_file)
    proc = _golive("export", "--state", str(state_file), "-o", target, cwd=tmp)
    err = _one_line_error(proc)
    assert "state file" in err
    assert state_file.read_bytes() == before


def test_cli_refuses_to_overwrite_the_checklist(tmp_path: Path, mini_path: Path) -> None:
    checklist = tmp_path / "mine.toml"
    checklist.write_bytes(mini_path.read_bytes())
    before = checklist.read_bytes()
    proc = _golive(
        "export",
        "--checklist",
        str(checklist),
        "--state",
        "none.toml",
        "-o",
        str(checklist),
        cwd=tmp_path,
    )
    _one_line_error(proc)
    assert checklist.read_bytes() == before


def test_cli_missing_state_file(tmp_path: Path, mini_path: Path, mini: Checklist) -> None:
    state = tmp_path / "golive-state.toml"
    proc = _golive("export", "--state", str(state), "-o", "out.md", cwd=tmp_path)
    err = _one_line_error(proc)
    assert str(state) in err
    assert not state.exists()
    assert not (tmp_path / "out.md").exists()

    # With --checklist: the all-to-do view (for a kickoff PR); still no state file made.
    proc = _golive("export", "--state", str(state), "--checklist", str(mini_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    check_structure(proc.stdout.decode("utf-8"), mini, None)
    assert not state.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"schema_version = 1\nthis is not toml [[[\n",
        b"\xff\xfe not utf-8",
        b"schema_version = 99\n",
    ],
)
def test_cli_broken_state_file(tmp_path: Path, content: bytes) -> None:
    state = tmp_path / "golive-state.toml"
    state.write_bytes(content)
    for extra in ([], ["-o", "out.md"], ["--format", "json"]):
        proc = _golive("export", "--state", str(state), *extra, cwd=tmp_path)
        err = _one_line_error(proc)
        assert str(state) in err
        assert state.read_bytes() == content
    assert not (tmp_path / "out.md").exists()


def test_cli_output_folder_missing(state_file: Path) -> None:
    proc = _golive(
        "export", "--state", str(state_file), "-o", "nowhere/out.md", cwd=state_file.parent
    )
    err = _one_line_error(proc)
    assert "does not exist" in err


def test_core_export_is_ui_free() -> None:
    code = (
        "import sys, golive_tui.core.export;"
        "bad = [m for m in ('textual', 'httpx', 'keyring') if m in sys.modules];"
        "print(bad)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert proc.stdout.decode().strip() == "[]"
