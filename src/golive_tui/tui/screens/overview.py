"""The launch overview (o): the verdict as the export says it, per-section counts,
what blocks the launch (enter jumps to it), the overrides and the sign-offs.

Everything comes from `core.review` (the same judgement as `golive status` and the
export), recomputed whenever the screen is shown or a sign-off is recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from golive_tui.core.progress import STANDING_GLYPH
from golive_tui.core.review import GO, NO_GO, Review, Standing
from golive_tui.tui.widgets.keybar import KeyBar
from golive_tui.tui.widgets.lists import NavList

if TYPE_CHECKING:
    from golive_tui.tui.screens.main import MainScreen

MUTED = "$foreground-muted"
DECISION_STYLE = {GO: "b reverse $success", NO_GO: "b reverse $error"}
COLUMNS = (
    (Standing.VERIFIED, "verified"),
    (Standing.ATTESTED, "attested"),
    (Standing.FAILING, "failing"),
    (Standing.STALE, "stale"),
    (Standing.SANDBOX_ONLY, "n/a here"),
    (Standing.OPEN, "open"),
    (Standing.OVERRIDDEN, "overridden"),
)
COLUMN_STYLE = {
    Standing.FAILING: "$text-error",
    Standing.STALE: "$text-warning",
    Standing.SANDBOX_ONLY: "$text-accent",
}
SECTION_WIDTH = 28  # at most; less on a narrow terminal so every column stays in view
MIN_SECTION_WIDTH = 12
# What stops the launch, in the order to look at it: the cause of a NO-GO first.
BLOCKING_ORDER = (Standing.FAILING, Standing.STALE, Standing.SANDBOX_ONLY)


class BlockingList(NavList):
    """What stops the launch; enter shows the item on the main screen."""


class OverviewScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "jump", "Show item", tooltip="Show the item on the main screen"),
        Binding("g", "sign_off", "Sign off", tooltip="Approve the verdict", id="sign-off"),
        Binding(
            "escape,o", "close", "Back", tooltip="Back to the main screen", id="overview-close"
        ),
    ]
    DEFAULT_CSS = """
    OverviewScreen { layout: vertical; }
    OverviewScreen #ov-verdict { height: auto; padding: 0 1; margin-top: 1; }
    OverviewScreen #ov-sections { height: auto; padding: 0 1; margin-top: 1; }
    OverviewScreen #ov-blocking {
        height: 1fr;
        min-height: 4;
        border: round $border-blurred;
        background: $surface;
    }
    OverviewScreen #ov-blocking:focus { border: round $border; }
    OverviewScreen #ov-signoffs { height: auto; max-height: 6; padding: 0 1; }
    """

    def __init__(self, main: MainScreen) -> None:
        super().__init__()
        self.main = main

    def compose(self) -> ComposeResult:
        yield KeyBar(id="ov-keys")
        with Vertical():
            yield Static(id="ov-verdict")
            yield Static(id="ov-sections")
            yield BlockingList(id="ov-blocking")
            yield Static(id="ov-signoffs")

    def on_mount(self) -> None:
        self.show_review()
        self.query_one(BlockingList).focus()

    def show_review(self) -> None:
        main = self.main
        prog = main.judge()  # the main screen's judgement: its clock and re-read drift
        judged = prog.review
        verdict = judged.verdict
        style = DECISION_STYLE.get(verdict.decision, "b reverse $warning")
        o = prog.overall
        head = Content.assemble(
            (f" {verdict.decision} ", style),
            "  ",
            (main.checklist.title, "b"),
            (f"  {o.done}/{o.total} done ({o.basis})", MUTED),
        )
        if o.stale:
            head += Content.styled(f" · △ {o.stale} stale (S re-runs)", "$text-warning")
        if o.sandbox_only:
            head += Content.styled(f" · ⊘ {o.sandbox_only} n/a here", "$text-accent")
        if main.recheck_result is not None:
            said = main.recheck_result.summary  # "re-read 2 pieces of configuration: …"
            head += Content.styled(f"\n{said[:1].upper()}{said[1:]}", MUTED)
        self.query_one("#ov-verdict", Static).update(head)
        width = self.app.size.width - 2 - sum(len(label) + 1 for _s, label in COLUMNS)
        table = _sections_table(main, judged, max(MIN_SECTION_WIDTH, min(SECTION_WIDTH, width)))
        self.query_one("#ov-sections", Static).update(table)
        blocking = self.query_one(BlockingList)
        blocking.border_title = f"Blocks the launch ({len(verdict.blocking)})"
        if verdict.overrides:
            blocking.border_subtitle = f"⚑ {len(verdict.overrides)} overridden"
        highlighted = blocking.highlighted
        blocking.clear_options()
        why_of = {r.item.id: why for r, why in zip(verdict.blocking, verdict.reasons, strict=False)}
        # What fails first (the cause of a NO-GO), then stale results, results this
        # target cannot give, then the blockers nobody has done yet.
        order = {standing: n for n, standing in enumerate(BLOCKING_ORDER)}
        for r in sorted(verdict.blocking, key=lambda r: order.get(r.standing, len(order))):
            why = why_of[r.item.id].removeprefix(f"{r.item.id}: ")
            if not (r.failing or r.stale or r.not_here):
                why = "open blocker"
            blocking.add_option(
                Option(
                    Content.assemble(
                        (f"{STANDING_GLYPH[r.standing]} ", COLUMN_STYLE.get(r.standing, "")),
                        (r.item.title, "b"),
                        (f" — {why}", MUTED),
                    ),
                    id=r.item.id,
                )
            )
        for r in verdict.overrides:
            assert r.override is not None
            blocking.add_option(
                Option(
                    Content.assemble(
                        ("⚑ ", "$text-warning"),
                        r.item.title,
                        (f" — overridden: {r.override.reason}", MUTED),
                    ),
                    id=r.item.id,
                )
            )
        if not blocking.option_count:
            blocking.add_option(Option("nothing blocks the launch", disabled=True))
        elif highlighted is not None:
            blocking.highlighted = min(highlighted, blocking.option_count - 1)
        self.query_one("#ov-signoffs", Static).update(_signoffs(main, judged))

    def action_jump(self) -> None:
        blocking = self.query_one(BlockingList)
        index = blocking.highlighted
        if index is None or blocking.get_option_at_index(index).disabled:
            return
        item_id = blocking.get_option_at_index(index).id
        self.dismiss()
        if item_id:
            self.main.jump_to(item_id)

    @on(OptionList.OptionSelected, "#ov-blocking")
    def _selected(self) -> None:
        self.action_jump()

    def action_close(self) -> None:
        self.dismiss()

    def action_sign_off(self) -> None:
        from golive_tui.tui.dialogs.signoff import SignoffScreen

        main = self.main
        checklist, sf = main.checklist, main.state_file
        verdict = main.judge().review.verdict
        missing = list(verdict.missing_roles)
        screen = SignoffScreen(
            decision=verdict.decision,
            roles=list(checklist.signoff_roles),
            role=missing[0] if missing else "",
            name=sf.state.target.operator,
        )

        def signed(answer: tuple[str, str, str] | None) -> None:
            if answer is None:
                return
            from golive_tui.core.review import facts_basis

            name, role, note = answer
            basis = facts_basis(checklist, sf.state, drift=main.drift)
            if main._save(lambda: (sf.state.sign_off(name, role, basis, note=note), sf.save())):
                self.show_review()
                now = main.judge().review.verdict.decision
                main.golive.notify(f"signed off as {role}: {name}, on {basis[0]}; verdict: {now}")

        self.app.push_screen(screen, signed)


def _sections_table(main: MainScreen, judged: Review, section_width: int) -> Content:
    """Per section and overall: how many items rest on what (glyph-free: the column says)."""
    head = Content.assemble(
        (f"{'Section':<{section_width}}", "b"),
        *((f"{label:>{len(label) + 1}}", "b") for _s, label in COLUMNS),
    )
    lines = [head]
    total = dict.fromkeys(Standing, 0)
    for section in main.checklist.sections:
        counts = dict.fromkeys(Standing, 0)
        for item in section.items:
            counts[judged.of(item.id).standing] += 1
            total[judged.of(item.id).standing] += 1
        lines.append(_counts_row(section.title, counts, section_width))
    lines.append(_counts_row("All sections", total, section_width, bold=True))
    return Content("\n").join(lines)


def _counts_row(
    title: str, counts: dict[Standing, int], width: int, *, bold: bool = False
) -> Content:
    if len(title) > width - 1:
        title = title[: width - 2] + "…"
    cells: list[tuple[str, str] | str] = [(f"{title:<{width}}", "b" if bold else "")]
    for standing, label in COLUMNS:
        n = counts[standing]
        style = MUTED if not n else COLUMN_STYLE.get(standing, "")
        cells.append((f"{n:>{len(label) + 1}}", f"b {style}".strip() if bold else style))
    return Content.assemble(*cells)


def _signoffs(main: MainScreen, judged: Review) -> Content:
    verdict = judged.verdict
    parts: list[Content] = []
    if verdict.signoffs:
        signed = ", ".join(f"{s.name} ({s.role})" for s in verdict.signoffs)
        parts.append(Content.assemble(("Signed off: ", "b"), signed))
    else:
        parts.append(Content.assemble(("Signed off: ", "b"), ("nobody yet (g signs)", MUTED)))
    if verdict.missing_roles:
        parts.append(
            Content.assemble(
                ("Missing: ", "b $text-error"), ", ".join(verdict.missing_roles), " (required)"
            )
        )
    if verdict.outdated:
        names = ", ".join(f"{s.name} ({s.role}, on {s.verdict})" for s in verdict.outdated)
        parts.append(Content.styled(f"Outdated (the verdict changed since): {names}", MUTED))
    return Content("\n").join(parts)
