"""The detail pane: why the item matters, how to verify it, docs, warnings, note, probe panel.

Three Statics in a scroll container, each rendering one `Content`: the head (title,
meta, stale warning, the mark links, note, irreversible warning), the probe line
(title with the run links, and the status: latest run, running…, cancelled…) and
the body (latest result with its evidence, history, why / how to verify / docs).
A few large text blocks cost a fraction of what a dozen widgets and buttons did to
mount, style and lay out, on start-up and on every cursor move.

The probe line is its own Static so that the "running… N s" tick (10×/s while a
probe runs) repaints one small widget and never lays out the pane.

Mouse users click the links (`Done ␣  Skip s  N/A x  Note n`, `Run probe r`): they
run `MainScreen.action_link`, which does what the key does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.style import Style
from textual.widgets import Static

from golive_tui.core.checklist import Item
from golive_tui.core.export_text import readable
from golive_tui.core.progress import STANDING_GLYPH
from golive_tui.core.review import ItemReview, Standing
from golive_tui.core.state import ItemState, ItemStatus, ProbeRecord
from golive_tui.core.state_records import HARNESS_PROBE
from golive_tui.tui.widgets.evidence import evidence_content
from golive_tui.tui.widgets.format import (
    RUNNING,
    STALE,
    STANDING_WORD,
    STATUS_WORD,
    TRANSIENT_GLYPH,
    probe_label,
    standing_label,
)

HISTORY_SHOWN = 5
# Evidence excerpts shown here, pretty-printed (the review has them all): a probe saves
# up to ten, and wrapping and painting hundreds of lines on every cursor move pushed
# key-to-repaint past 50 ms (benchmarks/ui_latency.py).
EVIDENCE_SHOWN = 4
RedactFn = Callable[[str], str]

HEADING = "b $text-primary"
MUTED = "$foreground-muted"  # not $text-muted: "auto 60%" is not resolved in Content (white)
NEWLINE = Content("\n")
BLANK = Content("")

MARK_LINKS = (("Done ␣", "done"), ("Skip s", "skip"), ("N/A x", "na"), ("Note n", "note"))
RUN_LINKS = (("Run probe r", "run"), ("Run section ^r", "run-section"), ("Run all R", "run-all"))
HARNESS_LINKS = (("Harness H", "harness"),)


@dataclass(frozen=True)
class ProbeView:
    """What the probe panel shows besides the saved history."""

    running_for: float | None = None  # seconds, while a run is under way
    transient: tuple[str, str] | None = None  # ("cancelled" | "skipped" | "error", text)


def _link(label: str, what: str) -> tuple[str, str]:
    """Clickable text that runs `MainScreen.action_link(what)` (underlined, like a link)."""
    return label, f"@click=screen.link('{what}')"


def _links(links: tuple[tuple[str, str], ...]) -> Content:
    parts: list[str | tuple[str, str]] = []
    for label, what in links:
        if parts:
            parts.append("  ")
        parts.append(_link(label, what))
    return Content.assemble(*parts)


def _lines(lines: list[Content]) -> Content:
    return NEWLINE.join(lines)


class ItemDetail(VerticalScroll):
    """Everything about the selected item. Links mirror the keys for mouse users.

    Another item starts at the top (not where the last one was scrolled to); j/k
    scroll while the pane has focus, as in the lists.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Down", show=False, id="detail-down"),
        Binding("k", "scroll_up", "Up", show=False, id="detail-up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._item_id = ""
        self._head = Static(id="detail-head")
        self._status = Static(id="probe-status")
        self._body = Static(id="detail-body")
        self._probe_title = BLANK

    def compose(self) -> ComposeResult:
        yield self._head
        yield self._status
        yield self._body

    def show(
        self,
        item: Item,
        r: ItemReview,
        *,
        text_changed: bool,
        view: ProbeView,
        redact: RedactFn,
        harness: bool = False,
    ) -> None:
        st = r.state
        self._head.update(_head(item, r, text_changed=text_changed, redact=redact))
        if item.probe:
            self._probe_title = Content.assemble(
                ("Probe ", HEADING), (item.probe, "b"), "\n", _links(RUN_LINKS)
            )
        else:
            self._probe_title = Content.styled("Manual check", HEADING)
        if harness:  # a harness report is evidence for it: say how to get one
            self._probe_title += Content.assemble(
                "\n", _links(HARNESS_LINKS), (" load- and fault-test your pipeline", MUTED)
            )
        self._status.update(self._probe_lines(_status_line(item, st, view, redact, harness)))
        self._body.update(_body(item, st, redact))
        if item.id != self._item_id:
            self._item_id = item.id
            self.scroll_home(animate=False, immediate=True)

    def show_running(self, seconds: float) -> None:
        """Tick the "running… N s" line alone: same lines, so no layout pass (cheap, 10×/s)."""
        self._status.update(self._probe_lines(_running(seconds)), layout=False)

    def _probe_lines(self, line: Content) -> Content:
        return _lines([self._probe_title, BLANK, line])


def _head(item: Item, r: ItemReview, *, text_changed: bool, redact: RedactFn) -> Content:
    st = r.state
    probe = f"probe {item.probe}" if item.probe else "manual"
    meta = Content.assemble(
        standing_label(r.standing),
        (f"  · {item.severity.value.upper()} · {probe} · {item.id}", MUTED),
    )
    if st.status is not ItemStatus.TODO or st.by or st.at:
        # What the person marked, beside what the item rests on ("✓ verified · marked done").
        what = "" if st.status is ItemStatus.TODO else f" {STATUS_WORD[st.status].lower()}"
        who = f" by {st.by}" if st.by else ""
        when = f" {st.at.astimezone().strftime('%Y-%m-%d %H:%M')}" if st.at else ""
        meta += Content.styled(f" · marked{what}{who}{when}", MUTED)
    lines = [Content.styled(item.title, "b"), meta, BLANK]
    lines += _badges(item, r, text_changed)
    lines += [_links(MARK_LINKS), BLANK]
    if st.note:
        lines.append(Content.assemble(("Note:", "b"), " ", redact(st.note)))
    else:
        lines.append(Content.styled("No note (n adds one).", MUTED))
    if item.irreversible:
        lines += [
            BLANK,
            Content.assemble(
                (" ⚠ IRREVERSIBLE ", "b reverse $text-error"),
                " ",
                (item.irreversible, "$text-error"),
            ),
        ]
    return _lines(lines)


def _badges(item: Item, r: ItemReview, text_changed: bool) -> list[Content]:
    """Why the latest result does not count, as reverse-video badges like the production
    one: unmissable, also without colour (glyph and word, then the reason and the fix)."""
    lines: list[Content] = []
    if r.not_here:
        glyph = STANDING_GLYPH[Standing.SANDBOX_ONLY]
        lines += [
            Content.assemble(
                (f" {glyph} {STANDING_WORD[Standing.SANDBOX_ONLY]} ", "b reverse $text-accent"),
                (f" {r.not_here}.", "b $text-accent"),
            ),
            BLANK,
        ]
    if r.stale:
        rerun = "r re-runs it, S every stale result" if item.probe else "H re-runs the harness"
        lines += [
            Content.assemble(
                (f" {STALE} {STANDING_WORD[Standing.STALE]} ", "b reverse $text-warning"),
                (f" {r.stale}.", "b $text-warning"),
                (f" ({rerun})", MUTED),
            ),
            BLANK,
        ]
    if text_changed and not r.stale:
        lines += [
            Content.assemble(
                (f" {STALE} CHANGED ", "b reverse $text-warning"),
                (
                    " since checked: the checklist's text for this item changed after you"
                    " marked it; re-check it and mark it again.",
                    "b $text-warning",
                ),
            ),
            BLANK,
        ]
    return lines


def _status_line(
    item: Item, st: ItemState, view: ProbeView, redact: RedactFn, harness: bool = False
) -> Content:
    if not item.probe and harness:
        latest = st.latest
        if latest is not None and latest.probe == HARNESS_PROBE:
            return Content(f"Latest harness run, {_when(latest)}:")
        return Content("No probe: run the harness (H), or verify by hand and mark it.")
    if not item.probe:
        return Content("No probe: verify by hand, then mark it (space done, s skip, x n/a).")
    if view.running_for is not None:
        return _running(view.running_for)
    if view.transient is not None:
        kind, text = view.transient
        return Content.assemble(
            (f"{TRANSIENT_GLYPH.get(kind, '!')} {kind.upper()}", "b $text-warning"),
            "  ",
            redact(text),
        )
    latest = st.latest
    if latest is None:
        return Content("Not run yet: press r to run it.")
    return Content(f"Latest run, {_when(latest)}:")


def _running(seconds: float) -> Content:
    return Content.assemble(
        (f"{RUNNING} running… {seconds:.1f} s", "b $text-accent"), "  (esc cancels)"
    )


def _when(rec: ProbeRecord) -> str:
    return rec.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _body(item: Item, st: ItemState, redact: RedactFn) -> Content:
    lines: list[Content] = []
    latest = st.latest
    if latest is not None and (item.probe or latest.probe == HARNESS_PROBE):
        lines += _record(latest, redact)
    lines.append(BLANK)
    earlier = st.probe_results[:-1][::-1][:HISTORY_SHOWN] if item.probe else []
    if earlier:
        lines.append(Content.styled(f"History ({len(st.probe_results) - 1} earlier)", HEADING))
        for rec in earlier:
            lines.append(
                Content.assemble(
                    "  ",
                    probe_label(rec.status),
                    f"  {_when(rec)} · {rec.duration_ms} ms · {readable(redact(rec.summary))}",
                )
            )
        lines.append(BLANK)
    docs = Content(item.docs).stylize(Style(link=item.docs, underline=True))
    lines += [
        Content.styled("Why it matters", HEADING),
        Content(item.why),
        BLANK,
        Content.styled("How to verify", HEADING),
        Content(item.verify),
        BLANK,
        Content.assemble(("Docs ", HEADING), docs),
    ]
    return _lines(lines)


def _ran_against(rec: ProbeRecord) -> str:
    """Where the result came from: a result is evidence for that account only."""
    if not rec.target:
        return "Ran against: not recorded (a result from an older golive)"
    return f"Ran against: {rec.target}"  # provider, environment, base URL · customer


def _record(rec: ProbeRecord, redact: RedactFn) -> list[Content]:
    lines = [
        # Saved text may predate the probes' own wording: no reprs or cents here either.
        Content.assemble(probe_label(rec.status), "  ", readable(redact(rec.summary))),
        Content.styled(
            f"{rec.duration_ms} ms" + (f" · run {rec.run_id}" if rec.run_id else ""), MUTED
        ),
        Content.styled(_ran_against(rec), MUTED),
    ]
    for detail in rec.details:
        lines.append(Content(f"  • {readable(redact(detail))}"))
    for ev in rec.evidence[:EVIDENCE_SHOWN]:
        lines.append(Content.assemble((f"Evidence: {ev.label}", "b"), " ", ("(redacted)", MUTED)))
        lines.append(evidence_content(redact(ev.text)))
    if len(rec.evidence) > EVIDENCE_SHOWN:
        more = len(rec.evidence) - EVIDENCE_SHOWN
        lines.append(Content.styled(f"… {more} more excerpts in the review (e writes it)", MUTED))
    return lines
