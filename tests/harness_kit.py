"""Shared by the harness tests: a sink served over real loopback HTTP in a thread, and
the example producer (examples/producer.py) imported from its file."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
from pathlib import Path
from typing import Any

from golive_tui.core import providers
from golive_tui.core.harness import report as R
from golive_tui.core.harness.faults import FaultPlan
from golive_tui.core.harness.ledger import Ledger
from golive_tui.core.harness.records import generate, read_expected
from golive_tui.core.harness.server import Sink, serve

ROOT = Path(__file__).parent.parent
PRODUCER = ROOT / "examples" / "producer.py"


def producer() -> Any:
    spec = importlib.util.spec_from_file_location("golive_example_producer", PRODUCER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_records(tmp: Path, provider: str, count: int) -> Path:
    d = providers.get(provider).harness()
    path = tmp / f"{provider}.jsonl"
    with path.open("w") as fh:
        for rec in generate(d, count, d.default_customer, 1000.0, "test"):
            fh.write(json.dumps(rec) + "\n")
    return path


class Running:
    """`with Running(provider, expect, faults={...}) as r:` … then `r.report`."""

    def __init__(
        self,
        provider: str,
        expect: Path,
        *,
        faults: dict[str, float] | None = None,
        hold: float = 0.4,
        rate_limit: float = 0.0,
        token: str | None = None,
        idle_exit: float = 0.6,
        seed: int = 0,
        forward_to: tuple[str, str] | None = None,  # (base URL, token): --forward
    ) -> None:
        d = providers.get(provider).harness()
        ledger = Ledger(d, read_expected(expect, d))
        forwarder = None
        if forward_to is not None:
            from golive_tui.core.harness.forward import Forwarder

            forwarder = Forwarder(forward_to[0], d, forward_to[1], ledger.n)
        self.sink = Sink(
            d,
            ledger,
            FaultPlan(faults or {}, seed),
            hold=hold,
            rate_limit=rate_limit,
            token=token,
            forwarder=forwarder,
        )
        self.idle_exit = idle_exit
        self.url = ""
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.report: dict[str, Any] = {}

    def _run(self) -> None:
        def ready(url: str) -> None:
            self.url = url
            self._ready.set()

        asyncio.run(serve(self.sink, 0, self.idle_exit, ready))

    def __enter__(self) -> Running:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._thread.join(20)
        assert not self._thread.is_alive(), "the sink did not stop after --idle-exit"
        self.report = R.build(self.sink)
        self.exit_code = R.exit_code(self.report)
        self.table = R.table(self.report)
