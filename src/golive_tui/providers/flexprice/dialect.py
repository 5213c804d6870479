"""Flexprice at the HTTP level: the key goes in `x-api-key`."""

from __future__ import annotations

from golive_tui.core.probes.http import Dialect

FLEXPRICE = Dialect(
    name="Flexprice",
    auth_header=lambda tok: {"x-api-key": tok.reveal()},
)
