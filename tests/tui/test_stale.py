"""Results that no longer count, in the app: STALE (too old, or a re-read saw the
configuration change) and N/A HERE (a production item against a sandbox target), the
re-read on resume, and `S` re-running what went stale.

The re-read test is end to end over loopback: a real webhook-signature pass against the
Metronome sandbox records the endpoint it verified (core/probes/webhooks.py records
`webhook_snapshot(url, secret)`); the secret is then rotated on both sides, and the
resumed app's re-read (core/recheck.py compares the keyed fingerprint) marks it stale.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from golive_tui.core import checklist as checklists
from golive_tui.core.fingerprint import Snapshot
from golive_tui.core.redact import Secret
from golive_tui.core.state import ProbeRecord, ProbeStatus, StateFile, Target, read
from golive_tui.tui.app import make_app
from golive_tui.tui.screens.main import MainScreen
from golive_tui.tui.screens.overview import OverviewScreen

from .conftest import FIXED_NOW, Sandbox, fixed_clock, make_state, screen_text, widget_text

SIZE = (120, 36)
TARGET = Target(
    provider="metronome", environment="sandbox", base_url="http://127.0.0.1:9", customer_id="c1"
)
OLD_PASS = "usage.required-fields"  # a blocker whose ingest-dedup pass is 8 days old


def _main(app: Any) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


def _row(app: Any, item_id: str) -> str:
    """The items list's row for `item_id`, as plain text."""
    prompt = _main(app).query_one("#items").get_option(item_id).prompt
    return str(getattr(prompt, "plain", prompt))


def _passed(days_ago: float, **extra: Any) -> ProbeRecord:
    return ProbeRecord(
        probe="ingest-dedup",
        status=ProbeStatus.PASS,
        summary="duplicate events ignored",
        at=FIXED_NOW - timedelta(days=days_ago),
        duration_ms=80,
        **extra,
    )


def _state_with(tmp_path: Path, records: dict[str, ProbeRecord]) -> Path:
    path = make_state(tmp_path / "golive-state.toml", TARGET)
    by_id = checklists.load("metronome").by_id
    with StateFile.open(path) as sf:
        for item_id, rec in records.items():
            sf.state.add_probe_result(item_id, rec, by_id[item_id].fingerprint)
        sf.save()
    return path


async def test_a_pass_older_than_the_ttl_shows_stale_and_the_overview_counts_it(
    tmp_path: Path,
) -> None:
    path = _state_with(tmp_path, {OLD_PASS: _passed(8), "usage.idempotency": _passed(1)})
    app = make_app(path, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = _main(app)
        assert main.item_id == OLD_PASS
        # The 8-day-old pass: △ STALE (checklist TTL 7 days); yesterday's: ✓ VERIFIED.
        assert _row(app, OLD_PASS).startswith("△ STALE    ✓ PASS")
        assert _row(app, "usage.idempotency").startswith("✓ VERIFIED ✓ PASS")
        assert "△ 1 stale" in screen_text(app)  # the header counts it
        head = widget_text(app, "#detail-head")
        assert "△ STALE" in head and "older than 7 days" in head and "r re-runs it" in head
        body = widget_text(app, "#detail-body")
        assert f"Ran against: {TARGET.identity}" in body
        assert any("1 result stale" in n for n in app.notices), app.notices

        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)
        verdict = widget_text(app, "#ov-verdict")
        assert "△ 1 stale" in verdict
        table = widget_text(app, "#ov-sections").splitlines()
        head_cells = table[0].split()
        assert head_cells[:4] == ["Section", "verified", "attested", "failing"]
        assert "stale" in head_cells and "n/a" in head_cells
        stale_col = head_cells.index("stale") - 1  # "Section" is one cell, titles are more
        usage = table[1].split()[-7:]
        assert table[1].startswith("Usage and metering")
        assert usage[0] == "1" and usage[stale_col] == "1", table  # 1 verified, 1 stale
        assert table[-1].startswith("All sections")
        blocking = screen_text(app)
        assert "△ Events carry every required field — stale: older than 7 days" in blocking
        await pilot.press("q")


async def test_a_production_item_on_a_sandbox_target_shows_na_here(tmp_path: Path) -> None:
    path = _state_with(tmp_path, {})
    app = make_app(path, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = _main(app)
        main.jump_to("security.production-token")
        await pilot.pause()
        assert _row(app, "security.production-token").startswith("⊘ N/A HERE")
        head = widget_text(app, "#detail-head")
        assert "⊘ N/A HERE" in head
        assert "not applicable to a sandbox target" in head
        assert "golive set environment production" in head  # the fix, in the same line

        await pilot.press("o")
        await pilot.pause()
        assert "⊘ 2 n/a here" in widget_text(app, "#ov-verdict")
        table = widget_text(app, "#ov-sections").splitlines()
        na_col = table[0].split().index("n/a") - 1
        security = next(line for line in table if line.startswith("Production security"))
        assert security.split()[-7:][na_col] == "2", table
        total = table[-1].split()[-7:]
        assert total[na_col] == "2", table
        blocking = screen_text(app)
        assert "⊘ A production API token" in blocking
        assert "not applicable to a sandbox target" in blocking
        await pilot.press("q")


async def test_resume_rereads_a_rotated_webhook_secret_and_S_reruns_it(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    item = "webhooks.signature"
    state = make_state(tmp_path / "s.toml", sandbox.target())
    app = make_app(state, token=sandbox.token, webhook_secret=sandbox.webhook_secret)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _main(app).jump_to(item)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "✓ VERIFIED" in widget_text(app, "#detail-head")
        await pilot.press("q")
    first = read(state).item(item).latest
    assert first is not None and first.status is ProbeStatus.PASS
    assert [s.kind for s in first.verified] == ["webhook endpoint"]

    # The signing secret is rotated, on the platform and in the receiver alike.
    rotated = secrets.token_hex(24)
    sandbox.app.webhook_secret = rotated
    app = make_app(state, token=sandbox.token, webhook_secret=Secret(rotated))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(2):  # the re-read worker, then its message
            await app.workers.wait_for_complete()
            await pilot.pause()
        main = _main(app)
        assert "signing secret fingerprint" in main.drift[item]
        assert main.item_id == item  # the cursor was saved there
        head = widget_text(app, "#detail-head")
        assert "△ STALE" in head and "webhook endpoint changed since this pass" in head
        assert rotated not in head  # a keyed fingerprint, never the secret
        notice = next(n for n in app.notices if "stale (" in n)
        assert notice.startswith("1 result is stale (webhook endpoint changed")
        assert notice.endswith("— press S to re-run it")
        assert "re-read: △ 1 changed" in screen_text(app)
        # The review written now says so too (the app hands its re-read to the export).
        await pilot.press("e")
        await pilot.pause()
        assert app.last_export is not None
        assert "webhook endpoint changed since this pass" in app.last_export.read_text()

        await pilot.press("S")
        for _ in range(2):
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert item not in main.drift
        assert "✓ VERIFIED" in widget_text(app, "#detail-head")
        assert "△ STALE" not in screen_text(app)
        await pilot.press("e")
        await pilot.pause()
        assert "webhook endpoint changed" not in app.last_export.read_text()
        await pilot.press("q")
    history = read(state).item(item).probe_results
    assert [r.status for r in history] == [ProbeStatus.PASS, ProbeStatus.PASS]
    assert history[-1].verified[0].digest != first.verified[0].digest


async def test_no_token_the_reread_never_asks_and_says_so(tmp_path: Path) -> None:
    from golive_tui.tui.dialogs.token import TokenScreen

    rate_card = Snapshot.build("rate card", "rc-1", "Standard", {"tier 2 price": "0.08"})
    record = _passed(1, account={"environment id": "env-1"}, verified=[rate_card])
    path = _state_with(tmp_path, {OLD_PASS: record})
    app = make_app(path, clock=fixed_clock)  # no token in memory, none in the keyring
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(2):
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert not isinstance(app.screen, TokenScreen)
        main = _main(app)
        assert main.drift == {}
        assert main.recheck_result is not None
        assert "no API token in the keyring" in main.recheck_result.summary
        assert "re-read in part: no token (golive token set)" in screen_text(app)
        assert not any("stale (" in n for n in app.notices)  # nothing toasted
        assert "✓ VERIFIED" in widget_text(app, "#detail-head")  # unknown is not changed
        await pilot.press("o")
        await pilot.pause()
        assert "no API token in the keyring" in widget_text(app, "#ov-verdict")
        await pilot.press("q")
