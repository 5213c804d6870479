"""The detail pane: why the item matters, how to verify it, docs, warnings, note, probe panel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.style import Style
from textual.widgets import Button, Static

from golive_tui.core.checklist import Item
from golive_tui.core.state import ItemState, ProbeRecord
from golive_tui.tui.widgets.format import (
    RUNNING,
    STALE,
    TRANSIENT_GLYPH,
    probe_label,
    status_label,
)

HISTORY_SHOWN = 5
# Characters of each evidence excerpt shown here (the state and the export keep up to
# 4 KB each): a probe saves up to ten excerpts, and wrapping and painting 10 KB of
# JSON on every cursor move pushed key-to-repaint past 50 ms (benchmarks/ui_latency.py).
EVIDENCE_SHOWN = 600
RedactFn = Callable[[str], str]


@dataclass(frozen=True)
class ProbeView:
    """What the probe panel shows besides the saved history."""

    running_for: float | None = None  # seconds, while a run is under way
    transient: tuple[str, str] | None = None  # ("cancelled" | "skipped" | "error", text)


def _heading(text: str) -> Content:
    return Content.from_markup("[b $text-primary]$t[/]", t=text)


class ProbePanel(Vertical):
    """Run button, live progress, latest result (summary, details, evidence), history."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="probe-head"):
            yield Static(id="probe-title")
            yield Button("Run probe r", id="btn-run", compact=True)
        yield Static(id="probe-status")
        yield Static(id="probe-result")
        yield Static(id="probe-history")

    def show(self, item: Item, st: ItemState, view: ProbeView, redact: RedactFn) -> None:
        title = self.query_one("#probe-title", Static)
        status = self.query_one("#probe-status", Static)
        result = self.query_one("#probe-result", Static)
        history = self.query_one("#probe-history", Static)
        button = self.query_one("#btn-run", Button)
        if not item.probe:
            title.update(_heading("Manual check"))
            status.update("No probe: verify by hand, then mark it (space done, s skip, x n/a).")
            result.update("")
            history.update("")
            button.display = False
            return
        button.display = True
        title.update(
            Content.assemble(_heading("Probe "), Content.from_markup("[b]$p[/]", p=item.probe))
        )
        latest = st.latest
        if view.running_for is not None:
            status.update(_running(view.running_for))
        elif view.transient is not None:
            kind, text = view.transient
            status.update(
                Content.from_markup(
                    "[b $text-warning]$g $w[/]  $t",
                    g=TRANSIENT_GLYPH.get(kind, "!"),
                    w=kind.upper(),
                    t=redact(text),
                )
            )
        elif latest is None:
            status.update("Not run yet: press r to run it.")
        else:
            status.update(Content.from_markup("Latest run, $at:", at=_when(latest)))
        result.update(_record(latest, redact) if latest is not None else "")
        earlier = st.probe_results[:-1][::-1][:HISTORY_SHOWN]
        if earlier:
            lines = [_heading(f"History ({len(st.probe_results) - 1} earlier)")]
            for rec in earlier:
                lines.append(
                    Content.assemble(
                        "  ",
                        probe_label(rec.status),
                        Content.from_markup(
                            "  $at · $ms ms · $s", at=_when(rec), ms=rec.duration_ms, s=rec.summary
                        ),
                    )
                )
            history.update(Content("\n").join(lines))
        else:
            history.update("")

    def show_running(self, seconds: float) -> None:
        """Tick the "running… N s" line alone: one line, so no layout pass (cheap, 10×/s)."""
        self.query_one("#probe-status", Static).update(_running(seconds), layout=False)


def _running(seconds: float) -> Content:
    return Content.from_markup(
        f"[b $text-accent]{RUNNING} running… $s s[/]  (esc cancels)", s=f"{seconds:.1f}"
    )


def _when(rec: ProbeRecord) -> str:
    return rec.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _record(rec: ProbeRecord, redact: RedactFn) -> Content:
    lines = [
        Content.assemble(
            probe_label(rec.status),
            Content.from_markup("  $s", s=redact(rec.summary)),
        ),
        Content.from_markup("[$text-muted]$ms ms · run $r[/]", ms=rec.duration_ms, r=rec.run_id),
    ]
    for detail in rec.details:
        lines.append(Content.from_markup("  • $d", d=redact(detail)))
    for ev in rec.evidence:
        lines.append(
            Content.from_markup("[b]Evidence: $l[/] [$text-muted](redacted)[/]", l=ev.label)
        )
        text = redact(ev.text)
        if len(text) > EVIDENCE_SHOWN:
            more = len(text) - EVIDENCE_SHOWN
            text = f"{text[:EVIDENCE_SHOWN]}… ({more} more characters in the review: e exports it)"
        lines.append(Content.from_markup("[$text-muted]$t[/]", t=text))
    return Content("\n").join(lines)


class ItemDetail(VerticalScroll):
    """Everything about the selected item. Buttons mirror the keys for mouse users."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        yield Static(id="detail-meta")
        yield Static(id="detail-stale")
        with Horizontal(id="detail-actions"):
            yield Button("Done ␣", id="btn-done", compact=True)
            yield Button("Skip s", id="btn-skip", compact=True)
            yield Button("N/A x", id="btn-na", compact=True)
            yield Button("Note n", id="btn-note", compact=True)
        yield Static(id="detail-note")
        yield Static(id="detail-irreversible")
        yield ProbePanel(id="probe-panel")
        yield Static(id="detail-body")

    def show(
        self,
        item: Item,
        st: ItemState,
        *,
        stale: bool,
        view: ProbeView,
        redact: RedactFn,
    ) -> None:
        self.query_one("#detail-title", Static).update(
            Content.from_markup("[b]$t[/]", t=item.title)
        )
        probe = f"probe {item.probe}" if item.probe else "manual"
        meta = Content.assemble(
            status_label(st.status),
            Content.from_markup(
                "  [$text-muted]· $sev · $probe · $id[/]",
                sev=item.severity.value.upper(),
                probe=probe,
                id=item.id,
            ),
        )
        if st.by or st.at:
            who = f" by {st.by}" if st.by else ""
            when = f" {st.at.astimezone().strftime('%Y-%m-%d %H:%M')}" if st.at else ""
            meta = meta + Content.from_markup(
                "[$text-muted] · marked$who$when[/]", who=who, when=when
            )
        self.query_one("#detail-meta", Static).update(meta)
        stale_w = self.query_one("#detail-stale", Static)
        stale_w.display = stale
        stale_w.update(
            f"{STALE} CHANGED since checked: the checklist's text for this item changed after"
            " you marked it; re-check it and mark it again."
        )
        note = self.query_one("#detail-note", Static)
        if st.note:
            note.update(Content.from_markup("[b]Note:[/] $n", n=redact(st.note)))
        else:
            note.update(Content.from_markup("[$text-muted]No note (n adds one).[/]"))
        irreversible = self.query_one("#detail-irreversible", Static)
        irreversible.display = bool(item.irreversible)
        if item.irreversible:
            irreversible.update(
                Content.from_markup("[b]⚠ IRREVERSIBLE:[/] $t", t=item.irreversible)
            )
        docs = Content(item.docs).stylize(Style(link=item.docs, underline=True))
        body = Content("\n").join(
            [
                _heading("Why it matters"),
                Content(item.why),
                Content(""),
                _heading("How to verify"),
                Content(item.verify),
                Content(""),
                Content.assemble(_heading("Docs "), docs),
            ]
        )
        self.query_one("#detail-body", Static).update(body)
        self.query_one(ProbePanel).show(item, st, view, redact)

    def show_running(self, seconds: float) -> None:
        """Update only the running probe's elapsed time (see `ProbePanel.show_running`)."""
        self.query_one(ProbePanel).show_running(seconds)
