"""Metronome at the HTTP level: a bearer token, and a rate-limit type header."""

from __future__ import annotations

from golive_tui.core.probes.http import Dialect

METRONOME = Dialect(
    name="Metronome",
    auth_header=lambda tok: {"Authorization": f"Bearer {tok.reveal()}"},
    rate_limit_header="X-Metronome-Rate-Limit-Type",
)
