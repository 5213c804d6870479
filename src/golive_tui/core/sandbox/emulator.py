"""What every provider emulator shares: its constructor checks, and the request
pipeline that applies the common fault modes before a route runs.

A provider subclass says how it authenticates, may add its own faults in
`before_dispatch` (rate limits, 429 storms, permanent 500s), and says how its
API phrases "service unavailable".
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from golive_tui.core.sandbox.asgi import App, HttpError, Request, Response

SANDBOX_PREFIX = "/_sandbox/"  # stand-ins for the user's own endpoints; no auth, no faults


def _known(kind: str, given: Iterable[str], known: tuple[str, ...]) -> frozenset[str]:
    chosen = frozenset(given)
    unknown = sorted(chosen - set(known))
    if unknown:
        raise ValueError(
            f"unknown {kind}(s) {', '.join(unknown)}; known: {', '.join(known) or 'none'}"
        )
    return chosen


class Emulator(App):
    provider: str = ""  # the provider name whose API this emulates
    known_faults: tuple[str, ...] = ()  # what `faults=` may name (the provider's FAULTS)
    known_variants: tuple[str, ...] = ()  # what `variants=` may name (its VARIANTS)

    def __init__(
        self,
        token: str,
        faults: Iterable[str],
        known_faults: Iterable[str] | None = None,  # default: the class's `known_faults`
        *,
        slow_seconds: float,
        clock: Callable[[], datetime] | None,
        variants: Iterable[str] = (),
    ) -> None:
        super().__init__()
        if not token:
            raise ValueError("the sandbox needs a token")
        known = self.known_faults if known_faults is None else tuple(known_faults)
        self.faults = _known("fault", faults, known)
        self.variants = _known("variant", variants, self.known_variants)
        self.token = token
        self.slow_seconds = slow_seconds
        self.clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._hits: Counter[str] = Counter()

    def now(self) -> datetime:
        return self.clock()

    # --- hooks for the provider ---

    def authenticate(self, request: Request) -> None:
        raise NotImplementedError

    def before_dispatch(self, request: Request, hits: int) -> None:
        """Provider-specific faults; `hits` counts requests to this path so far."""

    def unavailable(self) -> HttpError:
        return HttpError(503, "Service temporarily unavailable")

    # --- the pipeline ---

    async def serve(self, request: Request) -> Response:
        if not request.path.startswith(SANDBOX_PREFIX):
            self.authenticate(request)
            with self._lock:
                self._hits[request.path] += 1
                hits = self._hits[request.path]
            self.before_dispatch(request, hits)
            if "5xx-burst" in self.faults and hits <= 2:
                raise self.unavailable()
            if "slow" in self.faults:
                await asyncio.sleep(self.slow_seconds)
        with self._lock:  # one request at a time changes the account
            return await self.router.dispatch(request)
