"""Shared checks of a provider's fault table: every fault owned, one cause per fault."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FaultCase = tuple[str, str, str, str]  # (fault, owning probe, status, needle in the summary)


def assert_every_fault_owned(faults: Iterable[str], cases: list[FaultCase], outages: set[str]):
    """Each sandbox fault that is not an outage has a probe that owns it, and back."""
    owned = {case[0] for case in cases}
    assert set(faults) - outages - owned == set()
    assert owned <= set(faults)


def assert_one_cause(results: Mapping[str, Any], fault: str, cases: list[FaultCase]) -> None:
    """Causes, not cascades: in a full run each owner reports the cause itself, or says
    it is blocked by the probe that did; nothing else fails unless it names an owner
    ("… (see duplicates)")."""
    mine = [c for c in cases if c[0] == fault]
    owners = {probe for _, probe, _, _ in mine}

    def root(probe: str) -> str | None:
        summary = results[probe].summary
        by = summary.removeprefix("blocked by ").split(":")[0]
        if by == summary.split(":")[0] or by not in results:
            return None
        ok = results[by].status in ("fail", "error", "warn")
        return by if ok and not results[by].summary.startswith("blocked by ") else None

    roots = set()
    for _, probe, status, needle in mine:
        r = results[probe]
        if root(probe):  # the same cause, reported once by whichever probe met it first
            roots.add(root(probe))
            assert needle in r.summary, (probe, r.summary)
        else:
            assert r.status == status and needle in r.summary, (probe, r.summary)
    others = {p: r for p, r in results.items() if p not in owners | roots}
    bad = {
        p: r.summary
        for p, r in others.items()
        if r.status == "fail" and not any(f"(see {o})" in r.summary for o in owners)
    }
    assert not bad, f"{fault} made other probes fail instead of naming one cause: {bad}"
