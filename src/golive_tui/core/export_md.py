"""The Markdown export: a review for a launch PR (see `export` for the guarantees).

Every user or probe string is scrubbed first (`scrubber`), then escaped, then, for
evidence, cut to an excerpt: truncation never splits a secret out of reach of the
redactor.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from golive_tui.core.checklist import Checklist, Severity
from golive_tui.core.export_common import (
    RedactFn,
    _duration,
    _human,
    _now,
    _target,
    scrubber,
)
from golive_tui.core.export_verdict import verdict_blocks
from golive_tui.core.progress import PROBE_GLYPH, Counts, progress, standing_label
from golive_tui.core.review import ItemReview
from golive_tui.core.state import ProbeRecord, State

# The Markdown shows the first evidence excerpt only, and only this much of it;
# the JSON export and the state file keep the whole (already capped) text.
EXCERPT_MAX_LINES = 20
EXCERPT_MAX_CHARS = 1500


def to_markdown(
    checklist: Checklist,
    state: State | None,
    *,
    generated_at: datetime | None = None,
    redactor: RedactFn | None = None,
) -> str:
    r = scrubber(redactor)

    def text(value: str) -> str:
        """User or probe text for one line (a heading, a table cell, a list item)."""
        return _inline(r(value))

    prog = progress(checklist, state)
    target = _target(checklist, state)
    stale = set(prog.stale)
    blocks: list[str] = [f"# Go-live review: {text(checklist.title)}"]
    blocks.extend(verdict_blocks(prog, checklist.signoff_roles, text))

    # --- where and when
    if target.environment == "production":
        environment = "**PRODUCTION** (live account)"
    else:
        environment = text(target.environment)
    no_state = "no state file yet"
    blocks.append("## Target")
    rows = [
        ("Provider", text(target.provider) or "not set"),
        ("Environment", environment),
        ("Base URL", text(target.base_url) or "not set"),
        ("Test customer", text(target.customer_id) or "not set"),
        ("Operator", text(target.operator) or "not set"),
        *([("Region", text(target.region))] if target.region else []),
        ("State created", _human(state.created_at) if state else no_state),
        ("Last updated", _human(state.updated_at) if state else no_state),
        ("Generated", _human(generated_at or _now())),
        (
            "Checklist",
            f"`{checklist.id}` · fingerprint `{checklist.fingerprint}` · "
            + _link("source", r(checklist.source)),
        ),
    ]
    blocks.append(_table(("Field", "Value"), rows))
    if target.environment == "production":
        blocks.append(
            "> **⚠ PRODUCTION:** this review's target is the live billing account;"
            " probes that ran here touched real data."
        )
    o = prog.overall

    if prog.stale:
        blocks.append("## Changed since checked")
        blocks.append("The checklist changed these items after they were marked; re-check them:")
        blocks.append(
            "\n".join(
                f"- **{text(checklist.by_id[i].title)}** (`{i}`)"
                for i in prog.stale
                if i in checklist.by_id
            )
        )

    # --- summary table
    blocks.append("## Summary")

    def row(title: str, c: Counts) -> tuple[str, ...]:
        return (
            title,
            f"{c.done}/{c.total}",
            str(c.verified),
            str(c.attested),
            str(c.failing),
            str(c.overridden),
            str(c.not_applicable),
        )

    summary_rows = [row(text(sp.section.title), sp.counts) for sp in prog.sections]
    summary_rows.append(row("**All sections**", o))
    header = ("Section", "Done", "Verified", "Attested", "Failing", "Overridden", "N/A")
    blocks.append(_table(header, summary_rows))
    blocks.append(
        "*Done* is verified (the latest probe passed on this target) or attested (a person"
        " marked it); an item can be both. *Overridden* items went against the evidence"
        " with a reason and do not count as done."
    )

    # --- every item, section by section
    for sp in prog.sections:
        blocks.append(f"## {text(sp.section.title)}")
        if sp.section.summary:
            blocks.append(_paragraph(r(sp.section.summary)))
        for item in sp.section.items:
            blocks.extend(_item_blocks(prog.review.of(item.id), item.id in stale, r))

    # --- what probes left behind
    if state and state.created_objects:
        blocks.append("## Objects created by probes")
        blocks.append(
            "Probes created these objects in the billing account; remove them if they"
            " should not stay."
        )
        blocks.append(
            _table(
                ("Kind", "ID", "Probe", "Run", "Created"),
                [
                    (text(o.kind), text(o.id), text(o.probe), text(o.run_id), _human(o.at))
                    for o in state.created_objects
                ],
            )
        )
    return "\n\n".join(blocks) + "\n"


def _item_blocks(judged: ItemReview, stale: bool, r: RedactFn) -> list[str]:
    item, st = judged.item, judged.state
    blocks = [f"### {standing_label(judged)} — {_inline(r(item.title))}"]
    severity = "**blocker**" if item.severity is Severity.BLOCKER else "recommended"
    check = f"probe `{item.probe}`" if item.probe else "manual"
    facts = [
        f"- **Item:** `{item.id}` · **Severity:** {severity} · **Check:** {check}"
        f" · {_link('docs', item.docs)}"
    ]
    if st.at is not None:
        by = _inline(r(st.by))
        facts.append("- **Last change:** " + (f"by {by}, " if by else "") + _human(st.at))
    if stale:
        facts.append(
            "- **⚠ Changed since checked:** the checklist changed this item after it was"
            " marked; re-check it."
        )
    if item.irreversible:
        facts.append(f"- **⚠ Irreversible:** {_inline(r(item.irreversible))}")
    if judged.override is not None:
        ov = judged.override
        facts.append(
            f"- **⚑ Override:** {_inline(r(ov.reason))} — over {_inline(r(ov.over))}"
            f" (by {_inline(r(ov.by)) or 'unknown'}, {_human(ov.at)})"
        )
    latest = st.latest
    if latest is not None:
        runs = len(st.probe_results)
        when = f"{_human(latest.at)}, {_duration(latest.duration_ms)}"
        if runs > 1:
            when += f", {runs} runs in total"
        facts.append(
            f"- **Latest probe:** {_probe_label(latest)} — {_inline(r(latest.summary))}"
            f" ({_inline(r(latest.probe))}, {when})"
        )
        facts.extend(f"  - {_inline(r(d))}" for d in latest.details if d.strip())
    blocks.append("\n".join(facts))
    if st.note.strip():
        blocks.append(_quote(r(st.note)))
    if latest is not None and latest.evidence:
        ev = latest.evidence[0]
        more = len(latest.evidence) - 1
        label = _inline(r(ev.label)) or "excerpt"
        extra = f" (1 of {len(latest.evidence)}; the JSON export has all)" if more else ""
        blocks.append(f"**Evidence:** {label}{extra}")
        blocks.append(_fence(_excerpt(r(ev.text))))
    return blocks


# --- Markdown helpers ----------------------------------------------------------------

# Characters that are structural anywhere on a line.
_ESCAPE_ANYWHERE = re.compile(r"([\\`*\[\]<|~&#])")
# '_' between two letters or digits cannot start or end emphasis (snake_case stays
# readable); anywhere else it is escaped.
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# Characters that are structural only at the start of a line (after stripping):
# blockquote, list bullets, setext underlines.
_LINE_START = re.compile(r"^([>\-+=])")
# An ordered-list marker: digits then '.' or ')'.
_ORDERED = re.compile(r"^(\d{1,9})([.)])")
# C0/C1 controls other than tab and newline (ANSI escapes, NUL, …).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def _escape_line(line: str) -> str:
    line = line.strip()
    line = _ESCAPE_ANYWHERE.sub(r"\\\1", line)
    line = _UNDERSCORE.sub(r"\\_", line)
    line = _LINE_START.sub(r"\\\1", line)
    return _ORDERED.sub(r"\1\\\2", line)


def _inline(value: str) -> str:
    """Escape text for a single line: newlines become spaces."""
    return _escape_line(" ".join(_clean(value).split()))


def _lines(value: str) -> list[str]:
    return [_escape_line(line) for line in _clean(value).strip().split("\n")]


def _paragraph(value: str) -> str:
    return "\n".join(line for line in _lines(value) if line)


def _quote(value: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in _lines(value))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines.extend("| " + " | ".join(cells) + " |" for cells in rows)
    return "\n".join(lines)


def _link(label: str, url: str) -> str:
    """A link when `url` is http(s), else the escaped text."""
    if not url.startswith(("https://", "http://")):
        return _inline(url)
    # Percent-encode anything that could end the destination or a table cell.
    safe = quote(_clean(url), safe=":/?#@!$&'*+,;=%~-._")
    return f"[{label}](<{safe}>)"


def _fence(body: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{body}\n{fence}"


def _excerpt(value: str) -> str:
    text = _clean(value).strip("\n")
    lines = text.split("\n")
    cut = len(lines) > EXCERPT_MAX_LINES or len(text) > EXCERPT_MAX_CHARS
    text = "\n".join(lines[:EXCERPT_MAX_LINES])[:EXCERPT_MAX_CHARS]
    if cut:
        text = text.rstrip("\n") + "\n… (excerpt truncated)"
    return text


def _probe_label(rec: ProbeRecord) -> str:
    return f"{PROBE_GLYPH[rec.status]} {rec.status.value}"
