"""`--fault KIND=FRACTION`: which requests misbehave, chosen per request from a seeded
generator so that a run (and a test) is reproducible; and `--rate-limit`'s bucket."""

from __future__ import annotations

import random
from collections.abc import Iterable

from golive_tui.core.errors import GoliveError
from golive_tui.core.harness.ledger import CODE, KINDS

HELP = {
    "5xx": "answer the platform's 5xx; the records are not taken",
    "429": "answer the platform's 429 (with Retry-After where it sends one)",
    "timeout": "take the records but answer only after --hold s (the double-billing trap)",
    "reset": "read the body, then reset the connection; the records are not taken",
    "slow": "take the records and answer after a quarter of --hold",
}


def parse_faults(given: Iterable[str]) -> dict[str, float]:
    """`["5xx=0.1", "timeout=0.05"]` → {"5xx": 0.1, …}; a one-line error naming the flag."""
    out: dict[str, float] = {}
    for item in given:
        kind, sep, raw = item.partition("=")
        if kind not in CODE:
            raise GoliveError(f"--fault {item}: unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
        try:
            frac = float(raw) if sep else -1.0
        except ValueError:
            frac = -1.0
        if not 0 <= frac <= 1:
            raise GoliveError(
                f"--fault {item}: give KIND=FRACTION with a fraction from 0 to 1, e.g. {kind}=0.1"
            )
        out[kind] = out.get(kind, 0.0) + frac
    if sum(out.values()) > 1:
        raise GoliveError("--fault: the fractions add up to more than 1")
    return out


class FaultPlan:
    def __init__(self, fractions: dict[str, float], seed: int = 0) -> None:
        self._cuts: list[tuple[float, int]] = []
        total = 0.0
        for kind in KINDS:  # a fixed order: the same seed picks the same faults
            if fractions.get(kind):
                total += fractions[kind]
                self._cuts.append((total, CODE[kind]))
        self._rng = random.Random(seed)
        self.injected = {k: 0 for k in KINDS}

    def pick(self) -> int:
        """The fault code for the next request (0: none)."""
        if not self._cuts:
            return 0
        r = self._rng.random()
        for cut, code in self._cuts:
            if r < cut:
                self.injected[KINDS[code - 1]] += 1
                return code
        return 0


class Bucket:
    """`--rate-limit`: a token bucket of records per second, bursts of one second's."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.last = 0.0

    def take(self, n: int, now: float) -> float:
        """0 when `n` records may pass now, else how long until they could."""
        self.tokens = min(self.rate, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= n:
            self.tokens -= n
            return 0.0
        return (min(n, self.rate) - self.tokens) / self.rate
