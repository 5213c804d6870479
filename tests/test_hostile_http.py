"""The HTTP layer against a hostile server on loopback (tests/hostile_server.py).

Junk is never evidence: a 2xx with HTML, truncated JSON, the wrong shape or an
endless body is an error naming what was expected, never a pass; a lone surrogate in
an error message is replaced, never fatal; garbage Retry-After falls back to the
normal backoff; a redirect is reported and never followed with the token.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive_tui.core import checklist as checklists
from golive_tui.core.checkrun import run_check
from golive_tui.core.probes import engine
from golive_tui.core.probes.engine import ProbeResult, Runner
from golive_tui.core.probes.http import Dialect
from golive_tui.core.redact import Secret
from golive_tui.core.report import to_json, to_junit, to_text
from golive_tui.core.state import StateFile, Target
from golive_tui.providers.flexprice.dialect import FLEXPRICE
from golive_tui.providers.metronome.dialect import METRONOME
from hostile_server import HostileServer

TOKEN = "mt_hostile_" + secrets.token_hex(12)


@pytest.fixture
def hostile() -> Iterator[object]:
    started: list[HostileServer] = []

    def make(mode: str, **kw: object) -> HostileServer:
        srv = HostileServer(mode, **kw).__enter__()  # type: ignore[arg-type]
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.__exit__(None, None, None)


def _target(provider: str, base_url: str, **settings: object) -> Target:
    return Target(
        provider=provider,
        environment="sandbox",
        base_url=base_url,
        customer_id="c-1",
        settings=dict(settings),
    )


async def _run(provider: str, dialect: Dialect, base_url: str, probe: str) -> ProbeResult:
    specs, unknown = engine.select(provider, [probe])
    assert not unknown
    runner = Runner(target=_target(provider, base_url), token=Secret(TOKEN), dialect=dialect)
    (result,) = await runner.run(specs)
    return result


@pytest.mark.parametrize(
    ("mode", "got"),
    [("html", "got HTML"), ("garbage-json", "got text that is not JSON"),
     ("wrong-shape", "got a JSON object without `data`")],
)  # fmt: skip
async def test_metronome_auth_never_passes_on_junk(hostile, mode: str, got: str) -> None:
    srv = hostile(mode)
    result = await _run("metronome", METRONOME, srv.base_url, "auth")
    assert result.status == "error", result.summary
    assert "expected a JSON object with `data`" in result.summary
    assert got in result.summary


@pytest.mark.parametrize("mode", ["html", "wrong-value", "wrong-shape"])
async def test_flexprice_grace_period_claims_nothing_from_junk(hostile, mode: str) -> None:
    srv = hostile(mode)
    result = await _run("flexprice", FLEXPRICE, srv.base_url, "grace-period")
    assert result.status == "error", result.summary
    assert "auto-cancellation is off" not in result.summary
    assert "expected" in result.summary


@pytest.mark.parametrize("mode", ["endless", "huge"])
async def test_a_body_over_the_cap_is_an_error_naming_the_cap(hostile, mode: str) -> None:
    srv = hostile(mode)
    result = await _run("metronome", METRONOME, srv.base_url, "auth")
    assert result.status == "error", result.summary
    assert "over the 8 MB cap" in result.summary


async def test_a_lone_surrogate_in_an_error_is_replaced_and_the_report_survives(
    hostile, tmp_path: Path
) -> None:
    srv = hostile("surrogate-error")
    checklist = checklists.load("metronome")
    with StateFile.open(
        tmp_path / "s.toml",
        checklist=checklist,
        source="metronome",
        target=_target("metronome", srv.base_url),
        create=True,
    ) as sf:
        report = await run_check(
            checklist, sf.state.target, Secret(TOKEN), only=["allowlist"], state_file=sf
        )
    # (allowlist, not auth: auth's items are production ones, not run on a sandbox target)
    row = report.results[0]
    assert {r.probe for r in report.results} == {"allowlist"}
    assert row.status == "fail"
    assert "bad input \ufffd here" in row.summary
    for text in (to_text(report), to_json(report), to_junit(report)):
        text.encode("utf-8")  # a lone surrogate would raise here
    saved = (tmp_path / "s.toml").read_text("utf-8")
    assert "\ufffd" in saved


async def test_garbage_retry_after_falls_back_to_the_normal_backoff(hostile) -> None:
    srv = hostile("bad-retry-after", refusals=2)
    result = await _run("metronome", METRONOME, srv.base_url, "auth")
    assert result.status == "pass", result.summary
    assert len(srv.requests) == 3  # two refusals, retried, then the answer


async def test_a_redirect_is_reported_and_the_token_does_not_follow_it(hostile) -> None:
    elsewhere = hostile("wrong-shape")
    srv = hostile("redirect", location=elsewhere.base_url + "/v1/customers?limit=1")
    result = await _run("metronome", METRONOME, srv.base_url, "auth")
    assert result.status == "fail"
    assert "never follows a redirect" in result.summary
    assert elsewhere.requests == []


async def test_error_text_is_redacted_before_it_is_cut(hostile) -> None:
    # The token straddles the 200-character cut: cut first, and its head would survive.
    srv = hostile("echo-token-error")
    result = await _run("metronome", METRONOME, srv.base_url, "auth")
    assert result.status == "fail"
    assert "x" * 150 in result.summary
    assert TOKEN[:10] not in result.summary
    assert all(TOKEN[:10] not in e.text for e in result.evidence)
