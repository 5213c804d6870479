"""The Markdown export: a review for a launch PR (see `export` for the guarantees).

Every user or probe string is scrubbed first (`scrubber`), then escaped, then, for
evidence, cut to an excerpt: truncation never splits a secret out of reach of the
redactor. Layout, kept short enough to review (a full demo run stays under 200
lines): the verdict, the target, a summary table, one line per item (with its
warnings, override and note under it) linking to its probe's result block, then one
block per probe run (`export_md_probes`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from golive_tui.core.checklist import Checklist, Severity
from golive_tui.core.export_common import (
    RedactFn,
    _human,
    _now,
    _target,
    scrubber,
)
from golive_tui.core.export_md_probes import (
    EXCERPT_MAX_CHARS,
    EXCERPT_MAX_LINES,
    ProbeRun,
    probe_blocks,
    probe_ref,
    probe_runs,
)
from golive_tui.core.export_mdsafe import blockquote, inline, link, table
from golive_tui.core.export_text import readable
from golive_tui.core.export_verdict import verdict_blocks
from golive_tui.core.progress import Counts, progress, standing_label
from golive_tui.core.recheck import Recheck
from golive_tui.core.review import ItemReview
from golive_tui.core.state import CreatedObject, ItemStatus, State, Target

__all__ = ["EXCERPT_MAX_CHARS", "EXCERPT_MAX_LINES", "to_markdown"]


def to_markdown(
    checklist: Checklist,
    state: State | None,
    *,
    generated_at: datetime | None = None,
    redactor: RedactFn | None = None,
    reread: Recheck | None = None,
) -> str:
    """`reread`: what a re-read of the configuration found (core/recheck.py), if made."""
    r = scrubber(redactor)

    def text(value: str) -> str:
        """User text for one line (a heading, a table cell, a list item)."""
        return inline(r(value))

    def said(value: str) -> str:
        """Probe text for one line: reprs and minor-unit amounts made readable too."""
        return inline(readable(r(value)))

    prog = progress(checklist, state, at=generated_at, drift=reread.drift if reread else None)
    target = _target(checklist, state)
    blocks: list[str] = [f"# Go-live review: {text(checklist.title)}"]
    blocks.extend(verdict_blocks(prog, checklist.signoff_roles, said))

    # --- where and when: only the fields that apply
    blocks.append("## Target")
    blocks.append(_target_lines(checklist, state, target, generated_at, text, r))
    if target.environment == "production":
        blocks.append(
            "> **⚠ PRODUCTION:** this review's target is the live billing account;"
            " probes that ran here touched real data."
        )

    if reread is not None:
        blocks.append(f"Configuration re-read for this review: {said(reread.summary)}.")
    if prog.stale:
        blocks.append("## Stale results")
        blocks.append(
            "These results no longer count as evidence; `golive check --only-stale` re-runs"
            " them:\n"
            + "\n".join(
                f"- △ **{text(checklist.by_id[i].title)}** (`{i}`): {said(prog.why_stale(i))}"
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
            str(c.stale),
            str(c.overridden),
            str(c.not_applicable + c.sandbox_only),
        )

    summary_rows = [row(text(sp.section.title), sp.counts) for sp in prog.sections]
    summary_rows.append(row("**All sections**", prog.overall))
    header = ("Section", "Done", "Verified", "Attested", "Failing", "Stale", "Overridden", "N/A")
    blocks.append(
        table(header, summary_rows) + "\n\n*Done* is verified (the latest probe passed on"
        " this target and still holds) or attested (a person marked it); *stale* results"
        " ran elsewhere, rest on configuration that changed, or are too old; *overridden*"
        " items went against the evidence with a reason and do not count as done; *N/A*"
        " counts production items a sandbox target cannot verify."
    )

    # --- every item, section by section, pointing at its probe's block
    reviews = [prog.review.of(item.id) for item in checklist.items()]
    runs = probe_runs(reviews)
    # (A heading ends the list above it: no blank line needed, the review stays short.)
    sections = []
    for sp in prog.sections:
        lines = [
            _item_lines(prog.review.of(item.id), prog.why_stale(item.id), runs.get(item.id), r)
            for item in sp.section.items
        ]
        sections.append(f"## {text(sp.section.title)}\n" + "\n".join(lines))
    blocks.append("\n".join(sections))

    # --- one block per probe run
    ordered = list({id(run): run for run in runs.values()}.values())
    if ordered:
        blocks.append("## Probe results")
        blocks.extend(probe_blocks(ordered, target.identity if state else "", r))

    # --- what probes left behind, one line per probe run and kind
    if state and state.created_objects:
        blocks.append("## Objects created by probes")
        groups: dict[tuple[str, str, str], list[CreatedObject]] = {}
        for obj in state.created_objects:
            groups.setdefault((obj.probe, obj.run_id, obj.kind), []).append(obj)
        lines = [
            f"- {len(objs)} × {text(kind)} by {text(probe)} (run {text(run)},"
            f" {_human(objs[0].at)}): "
            + ", ".join(text(o.id) + (f" ({text(o.removed)})" if o.removed else "") for o in objs)
            for (probe, run, kind), objs in groups.items()
        ]
        blocks.append(
            "golive created these objects in the billing account; `golive cleanup` takes"
            " down what the API allows (usage events stay):\n" + "\n".join(lines)
        )
    return "\n\n".join(blocks) + "\n"


def _target_lines(
    checklist: Checklist,
    state: State | None,
    target: Target,
    generated_at: datetime | None,
    text: Callable[[str], str],
    r: RedactFn,
) -> str:
    if target.environment == "production":
        environment = "**PRODUCTION** (live account)"
    else:
        environment = text(target.environment)

    def fields(*pairs: tuple[str, str]) -> str:
        return " · ".join(f"**{name}:** {value}" for name, value in pairs if value)

    times = (
        [("State created", _human(state.created_at)), ("Last updated", _human(state.updated_at))]
        if state
        else [("State", "no state file yet")]
    )
    lines = [
        fields(
            ("Provider", text(target.provider)),
            ("Environment", environment),
            ("Base URL", text(target.base_url)),
        ),
        fields(
            ("Test customer", text(target.customer_id)),
            ("Operator", text(target.operator)),
            ("Region", text(target.region)),
        ),
        fields(
            (
                "Checklist",
                f"`{checklist.id}` · fingerprint `{checklist.fingerprint}` · "
                + link("source", r(checklist.source)),
            ),
        ),
        fields(*times, ("Generated", _human(generated_at or _now()))),
    ]
    return "\n".join(f"- {line}" for line in lines if line)


def _item_lines(judged: ItemReview, why_stale: str, run: ProbeRun | None, r: RedactFn) -> str:
    item, st = judged.item, judged.state
    severity = "**blocker**" if item.severity is Severity.BLOCKER else "recommended"
    check = probe_ref(run, item.probe) if item.probe else "manual"
    if not item.probe and run is not None:  # a harness report is evidence for it
        check += " · " + probe_ref(run, run.record.probe)
    line = (
        f"- {standing_label(judged)} · **{inline(r(item.title))}** · `{item.id}` · {severity}"
        f" · {check} · {link('docs', item.docs)}"
    )
    sub: list[str] = []
    if judged.override is not None:
        ov = judged.override
        sub.append(
            f"**⚑ Override:** {inline(r(ov.reason))} — over {inline(readable(r(ov.over)))}"
            f" (by {inline(r(ov.by)) or 'unknown'}, {_human(ov.at)})"
        )
    if st.at is not None and st.status is not ItemStatus.TODO:
        by = inline(r(st.by))
        sub.append(f"Marked {st.status.value}" + (f" by {by}" if by else "") + f", {_human(st.at)}")
    if why_stale:
        sub.append(f"**△ Stale:** {inline(readable(r(why_stale)))}")
    if judged.not_here:
        sub.append(f"**⊘ Not applicable here:** {inline(r(judged.not_here))}")
    if item.irreversible:
        sub.append(f"**⚠ Irreversible:** {inline(r(item.irreversible))}")
    out = [line, *(f"  - {s}" for s in sub)]
    if st.note.strip():
        out.append("\n".join(f"  {q}" for q in blockquote(r(st.note)).split("\n")))
    return "\n".join(out)
