"""The app at a glance: the launch overview, sign-off, run all, the items filter, the
detail pane's scrolling and evidence, the panes' widths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from golive_tui.core.state import read
from golive_tui.tui.app import make_app
from golive_tui.tui.screens.main import MainScreen

from .conftest import Sandbox, fixed_clock, make_state, screen_text, wait_for_screen
from .fixed_state import write_state

SIZE = (120, 36)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.chdir(tmp_path)
    write_state(Path("."))
    app = make_app(Path("golive-state.toml"), clock=fixed_clock)
    yield app
    app.shutdown_state()


def _main(app: Any) -> MainScreen:
    main = app.main_screen
    assert main is not None
    return main


def _item_ids(app: Any) -> list[str]:
    items = _main(app).query_one("#items")
    return [items.get_option_at_index(i).id for i in range(items.option_count)]


async def test_overview_shows_the_verdict_and_jumps_to_a_blocker(app: Any) -> None:
    from golive_tui.tui.screens.overview import OverviewScreen

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("o")
        screen = await wait_for_screen(pilot, OverviewScreen)
        text = screen_text(app)
        assert "NO-GO" in text
        assert "Pricing and product setup" in text  # the per-section table
        assert "verified" in text and "attested" in text and "failing" in text
        assert "Missing: engineering, finance" in text
        blocking = screen.query_one("#ov-blocking")
        ids = [blocking.get_option_at_index(i).id for i in range(blocking.option_count)]
        assert "pricing.tier-boundaries" in ids  # its probe failed
        assert "usage.required-fields" not in ids  # attested
        # The failing probe's cause is on the row.
        assert "probe invoice-draft fail" in text
        await pilot.pause()
        blocking.highlighted = ids.index("end-to-end.dry-run")
        await pilot.press("enter")
        await pilot.pause()
        main = _main(app)
        assert app.screen is main
        assert main.item_id == "end-to-end.dry-run" and main.section_id == "end-to-end"
        assert main.query_one("#items").has_focus


async def test_sign_off_from_the_overview_updates_the_verdict(app: Any) -> None:
    from golive_tui.tui.dialogs.signoff import SignoffScreen
    from golive_tui.tui.screens.overview import OverviewScreen

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await wait_for_screen(pilot, OverviewScreen)
        await pilot.press("g")
        dialog = await wait_for_screen(pilot, SignoffScreen)
        assert dialog.query_one("#signoff-name", Input).value == "dana"  # the operator
        assert dialog.query_one("#signoff-role", Input).value == "engineering"  # first missing
        dialog.query_one("#signoff-role", Input).value = "Not A Role!"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SignoffScreen)  # refused, with the rule shown
        assert "lowercase letters" in screen_text(app)
        dialog.query_one("#signoff-role", Input).value = "finance"
        dialog.query_one("#signoff-note", Input).value = "ok in the launch call"
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, OverviewScreen)
        text = screen_text(app)
        assert "Signed off: dana (finance)" in text
        assert "Missing: engineering (required)" in text
    saved = read(Path("golive-state.toml")).signoffs
    assert [(s.name, s.role, s.verdict, s.note) for s in saved] == [
        ("dana", "finance", "NO-GO", "ok in the launch call")
    ]


async def test_filter_cycles_failing_open_blockers_all(app: Any) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = _main(app)
        items = main.query_one("#items")
        assert items.border_title == "Items"
        await pilot.press("v")
        await pilot.pause()
        assert items.border_title == "Items · failing (2)"
        assert _item_ids(app) == ["pricing.tier-boundaries", "end-to-end.dry-run"]
        assert "v Filter" in screen_text(app).splitlines()[-1]
        await pilot.press("j")  # across sections: the sections list follows
        await pilot.pause()
        assert main.item_id == "end-to-end.dry-run" and main.section_id == "end-to-end"
        await pilot.press("v")
        await pilot.pause()
        assert str(items.border_title).startswith("Items · open blockers (")
        shown = _item_ids(app)
        assert "pricing.tier-boundaries" in shown and "usage.required-fields" not in shown
        assert "pricing.products" not in shown  # done with a passing probe
        await pilot.press("v")
        await pilot.pause()
        assert items.border_title == "Items"
        assert _item_ids(app) == [i.id for i in main.section.items]


async def test_filter_drops_an_item_once_it_no_longer_matches(app: Any) -> None:
    from .conftest import give_override_reason

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("v")  # failing
        await pilot.pause()
        assert _main(app).item_id == "pricing.tier-boundaries"
        await pilot.press("space")  # done over a failing probe: an override
        await give_override_reason(pilot)
        assert _item_ids(app) == ["end-to-end.dry-run"]
        assert _main(app).query_one("#items").border_title == "Items · failing (1)"


async def test_run_all_runs_every_probe_of_the_checklist(tmp_path: Path, sandbox: Sandbox) -> None:
    state = make_state(tmp_path / "s.toml", sandbox.target())
    app = make_app(state, token=sandbox.token, webhook_secret=sandbox.webhook_secret)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = _main(app)
        # Production items are not run against a sandbox (core/checkrun.py): their
        # probe runs only if an item a sandbox can verify uses it too.
        probes = {i.probe for i in main.checklist.items() if i.probe and not i.production}
        sections = {s.id for s in main.checklist.sections if any(i.probe for i in s.items)}
        assert len(sections) > 1
        await pilot.press("R")
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        # Then the re-read: the webhook pass's endpoint is compared (no request needed),
        # nothing changed, so nothing is stale.
        assert main.recheck_result is not None and main.recheck_result.read >= 1
        assert main.drift == {} and "re-read: unchanged" in screen_text(app)
    saved = read(state)
    ran = {r.probe for st in saved.items.values() for r in st.probe_results}
    assert ran == probes  # every probe, not only the first section's


async def _at(app: Any, pilot: Any, item_id: str) -> MainScreen:
    main = _main(app)
    main.jump_to(item_id)
    await pilot.pause()
    return main


async def test_detail_scrolls_to_the_top_on_another_item_and_j_k_scroll_it(app: Any) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = await _at(app, pilot, "pricing.tier-boundaries")
        detail = main.query_one("#detail")
        assert detail.max_scroll_y > 3  # a long detail at 80×24
        detail.focus()
        await pilot.press("j", "j", "j", "j")
        await pilot.pause()
        assert detail.scroll_y == 4
        await pilot.press("k")
        await pilot.pause()
        assert detail.scroll_y == 3
        assert main.item_id == "pricing.tier-boundaries"  # j/k scrolled, not moved
        await pilot.press("l", "k")  # back to the items list, one item up
        await pilot.pause()
        assert main.item_id == "pricing.setup-order"
        assert detail.scroll_y == 0


async def test_items_with_a_note_show_a_marker(app: Any) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _at(app, pilot, "usage.idempotency")
        rows = {
            line.split("│")[1]
            for line in screen_text(app).splitlines()
            if "│ ✓ VERIFIED" in line or "│ ✓ ATTESTED" in line
        }
        noted = [r for r in rows if "✎" in r]
        assert len(noted) == 1 and "transaction_id" in noted[0]  # usage.idempotency


async def test_evidence_json_is_pretty_printed_and_highlighted(app: Any) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = await _at(app, pilot, "pricing.rate-card")
        body = main.query_one("#detail-body").content
        assert 'request:\n{\n  "rate_card_id": "aa14ab73-…"\n}' in body.plain
        assert 'response:\n{\n  "data": [\n    …4 rates…\n  ]\n}' in body.plain
        key = body.plain.index('"rate_card_id"')
        styles = {str(s.style) for s in body.spans if s.start <= key < s.end}
        assert any("bold" in s for s in styles), styles  # the key is coloured as JSON


async def test_panes_at_120_columns_show_whole_section_names_and_blurred_borders(
    app: Any,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = _main(app)
        text = screen_text(app)
        for section in main.checklist.sections:
            assert section.title in text, section.title
        assert "Sections" in text and "Detail" in text  # unfocused panes keep titles
        detail = main.query_one("#detail")
        assert not detail.has_focus
        edge = detail.styles.border_top[1]
        background = detail.styles.background
        assert abs(edge.brightness - background.brightness) > 0.15  # visible, not near-bg
        lists = [line[: main.query_one("#nav").size.width] for line in text.splitlines()[1:-1]]
        assert not any("…" in line for line in lists)  # long titles wrap, never cut
        assert "customer, contract" in "\n".join(lists)  # the end of a long title


def test_long_evidence_is_cut_to_a_few_lines_and_cut_json_still_reads() -> None:
    import json

    from golive_tui.tui.widgets.evidence import MAX_LINES, evidence_content

    price = {"unit": "1.50", "tiers": [1000, 10000]}
    rows = [{"id": f"rate-{i}", "price": price} for i in range(60)]
    cut = json.dumps({"data": rows}, separators=(",", ":"))[:4000] + "…"  # as probes save it
    content = evidence_content(f"request: {{}}\nresponse: {cut}")
    lines = content.plain.splitlines()
    assert len(lines) == MAX_LINES + 1
    assert lines[-1].startswith("… ") and "more lines" in lines[-1]
    assert lines[:3] == ["request:", "{}", "response:"]
    assert lines[3:6] == ["{", '  "data": [', "    {"]  # re-indented though it cannot parse
    assert '      "id": "rate-0",' in lines


async def test_a_filter_matching_nothing_says_so_and_marks_nothing(tmp_path: Path) -> None:
    from golive_tui.core.state import Target

    target = Target(provider="metronome", environment="sandbox", base_url="http://127.0.0.1:9")
    state = make_state(tmp_path / "s.toml", target)
    app = make_app(state, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("v", "space", "n")
        await pilot.pause()
        assert _main(app).query_one("#items").border_title == "Items · failing (0)"
        assert "nothing failing: v shows all" in screen_text(app)
        assert app.notices[-1] == "no item shown (failing); v shows all"
        assert app.screen is _main(app)  # no note editor either
        await pilot.press("q")
    assert read(state).items == {}
