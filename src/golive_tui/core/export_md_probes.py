"""The probe results of the Markdown review: one block per probe run, which the items
it covers link to (no result repeated under every item that shares a probe).

A result that did not pass shows the evidence that explains it first
(`export_evidence.explaining_first`), pretty-printed and cut to a few lines; a pass
names that evidence in one line (the review stays short, the JSON export has all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from golive_tui.core.export_common import RedactFn, _duration, _human
from golive_tui.core.export_evidence import excerpt, explaining_first, pretty
from golive_tui.core.export_mdsafe import clean, fence, inline, slug
from golive_tui.core.export_text import readable
from golive_tui.core.money import format_minor
from golive_tui.core.progress import PROBE_GLYPH
from golive_tui.core.review import ItemReview
from golive_tui.core.state_records import ProbeRecord, ProbeStatus

# The leading evidence of a result that did not pass: this many lines, each cut to
# this many characters; the JSON export and the state file keep the whole text.
EXCERPT_MAX_LINES = 16
EXCERPT_MAX_CHARS = 160
# A credit type that counts a currency's cents ("USD (cents)"), as one billing API does.
_MINOR_CREDIT = re.compile(r'"([A-Z]{3}) \(cents\)"')


@dataclass
class ProbeRun:
    """One probe run as the review shows it, and the items whose latest result it is."""

    heading: str
    record: ProbeRecord
    items: list[str] = field(default_factory=list)
    runs: int = 1  # the most results any of its items keeps

    @property
    def anchor(self) -> str:
        return "#" + slug(self.heading)


def probe_runs(reviews: list[ItemReview]) -> dict[str, ProbeRun]:
    """Item id → the run its latest result came from; runs in checklist order."""
    runs: dict[tuple[str, str, str], ProbeRun] = {}
    per_probe: dict[str, int] = {}
    by_item: dict[str, ProbeRun] = {}
    for r in reviews:
        rec = r.state.latest
        if rec is None:
            continue
        key = (rec.probe, rec.run_id or "", rec.at.isoformat())
        run = runs.get(key)
        if run is None:
            n = per_probe[rec.probe] = per_probe.get(rec.probe, 0) + 1
            heading = f"Probe {rec.probe}" + (f", run {n}" if n > 1 else "")
            run = runs[key] = ProbeRun(heading, rec)
        run.items.append(r.item.id)
        run.runs = max(run.runs, len(r.state.probe_results))
        by_item[r.item.id] = run
    return by_item


def probe_ref(run: ProbeRun | None, probe: str) -> str:
    """How an item names its probe: a link to the run's block, or "not run yet"."""
    if run is None:
        return f"probe `{probe}` (not run yet)"
    glyph = PROBE_GLYPH[run.record.status]
    return f"probe [{glyph} {inline(run.record.probe)}]({run.anchor})"


# Account facts golive stamps from the target itself (the target line says them).
_TARGET_FACTS = frozenset({"provider", "base url", "customer"})


def _rests_on(rec: ProbeRecord) -> str:
    """ "rate card 'Standard' · billable metric 'tokens' · account environment id env_1" """
    parts = [v.label for v in rec.verified]
    facts = [f"{k} {v}" for k, v in rec.account.items() if k not in _TARGET_FACTS]
    if facts:
        parts.append("account " + ", ".join(facts))
    return " · ".join(parts)


def probe_blocks(runs: list[ProbeRun], identity: str, r: RedactFn) -> list[str]:
    def text(value: str) -> str:
        return inline(readable(r(value)))

    blocks: list[str] = []
    for run in runs:
        rec = run.record
        when = f"{_human(rec.at)}, {_duration(rec.duration_ms)}"
        if run.runs > 1:
            when += f", {run.runs} runs kept"
        when += f", {rec.environment or 'environment not recorded'}"
        if rec.target and identity and rec.target != identity:
            when += " on another target: not evidence for this one"
        covers = ", ".join(f"`{i}`" for i in run.items)
        head = (
            f"### {inline(run.heading)}\n"
            f"{PROBE_GLYPH[rec.status]} **{rec.status.value}** — {text(rec.summary)}"
            f" ({when}; for {covers})"
        )
        lines = [f"- {text(d)}" for d in rec.details if d.strip()]
        rests = _rests_on(rec)
        if rests:
            lines.append(f"- **Rests on:** {text(rests)}")
        evidence = explaining_first(rec)
        shown = rec.status is not ProbeStatus.PASS
        if evidence:
            label = text(evidence[0].label) or "excerpt"
            of = f"1 of {len(evidence)}; the JSON export has all" if len(evidence) > 1 else ""
            if not shown:
                lines.append(f"- **Evidence:** {label}" + (f" ({of})" if of else ""))
        block = "\n".join([head, *lines])
        if evidence and shown:
            body, more = excerpt(
                pretty(clean(r(evidence[0].text)).strip("\n")),
                EXCERPT_MAX_LINES,
                EXCERPT_MAX_CHARS,
            )
            if more:
                body.append(f"… {more} more lines in the JSON export")
            note = f" ({of})" if of else ""
            block += f"\n\n**Evidence:** {label}{note}\n" + fence("\n".join(body))
            cents = _MINOR_CREDIT.search(evidence[0].text)
            if cents:  # the excerpt is the API's own data: say how to read its amounts
                code = cents.group(1)
                block += (
                    f'\n\nAmounts in this excerpt count cents, as the API\'s "{code} (cents)"'
                    f" credit type does: 1990 there is {format_minor(Decimal(1990), code)}."
                )
        blocks.append(block)
    # A heading ends the block above it: one newline between blocks keeps the review short.
    return ["\n".join(blocks)] if blocks else []
