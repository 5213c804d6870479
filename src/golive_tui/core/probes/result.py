"""What one probe run produced (`ProbeResult`), and the record the state keeps of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from golive_tui.core.fingerprint import Snapshot
from golive_tui.core.state import CreatedObject, Evidence, ProbeRecord, ProbeStatus

RunStatus = Literal["pass", "warn", "fail", "error", "skipped"]


@dataclass
class ProbeResult:
    probe: str
    title: str
    status: RunStatus
    summary: str
    details: list[str]
    evidence: list[Evidence]
    duration_ms: int
    started_at: datetime
    run_id: str
    created: list[CreatedObject] = field(default_factory=list)
    requests: int = 0
    account: dict[str, str] = field(default_factory=dict)
    verified: list[Snapshot] = field(default_factory=list)

    def to_record(self) -> ProbeRecord | None:
        """What goes into the state's history; a skipped probe leaves no record."""
        if self.status == "skipped":
            return None
        return ProbeRecord(
            probe=self.probe,
            status=ProbeStatus(self.status),
            summary=self.summary,
            details=self.details,
            at=self.started_at,
            duration_ms=self.duration_ms,
            evidence=self.evidence,
            run_id=self.run_id,
            account=dict(self.account),
            verified=list(self.verified),
        )
