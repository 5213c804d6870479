"""The harness run from inside another program (the app): the sink built as
`golive harness serve` builds it, and the figures to show while it runs.

UI-free: the app polls `counters` and `rates` on a timer; `serve` runs on its loop
and stops when its task is cancelled.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from golive_tui.core.errors import GoliveError
from golive_tui.core.harness.dialect import IngestDialect
from golive_tui.core.harness.faults import FaultPlan, parse_faults
from golive_tui.core.harness.ledger import Ledger
from golive_tui.core.harness.records import read_expected
from golive_tui.core.harness.server import Sink


def load_ledger(dialect: IngestDialect, expect: Path) -> Ledger:
    """The ledger of the records in `expect`; one-line errors naming the flag."""
    if not expect.is_file():
        raise GoliveError(
            f"--expect {expect}: no such file (make it with `golive harness generate`)"
        )
    ledger = Ledger(dialect, read_expected(expect, dialect))
    if not ledger.n:
        raise GoliveError(f"--expect {expect}: the file holds no records")
    return ledger


def open_sink(
    dialect: IngestDialect,
    expect: Path,
    faults: Iterable[str] = (),
    *,
    hold: float = 5.0,
    rate_limit: float = 0.0,
    seed: int = 0,
) -> Sink:
    """A sink expecting the records in `expect`; one-line errors (as the CLI's flags)."""
    fractions = parse_faults(faults)
    ledger = load_ledger(dialect, expect)
    return Sink(dialect, ledger, FaultPlan(fractions, seed), hold=hold, rate_limit=rate_limit)


@dataclass(frozen=True)
class Counters:
    expected: int
    received: int
    unique: int
    lost: int  # not arrived yet: lost if the run ended now
    double_billed: int
    altered: int
    faults: int  # requests answered with a fault (rate-limit 429s included)
    requests: int


def counters(sink: Sink) -> Counters:
    led = sink.ledger
    return Counters(
        expected=led.n,
        received=led.received,
        unique=led.unique,
        lost=led.lost,
        double_billed=led.double_billed,
        altered=led.altered,
        faults=sum(sink.plan.injected.values()) + sink.rate_limited,
        requests=sink.requests,
    )


def rates(sink: Sink, span: int = 60, now: float | None = None) -> list[int]:
    """Records taken in each of the last `span` whole seconds, oldest first."""
    t = int((time.monotonic() if now is None else now) - sink.t0)
    return [sink.per_second.get(s, 0) for s in range(max(0, t - span + 1), t + 1)]
