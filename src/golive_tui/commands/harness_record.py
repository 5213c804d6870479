"""`golive harness record REPORT.json --state FILE`: save a `serve --report` as the
result of the checklist items it is evidence for (the provider's `harness_items`).

A separate step rather than `serve --state`: a load test can run for an hour, and
holding the state's lock that long would shut the app and `golive mark` out of it,
while opening it only at the end could find it locked or changed after the run; it
also lets a report written on a CI machine be recorded where the state lives.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive_tui.commands._session import open_for_write
from golive_tui.core import providers
from golive_tui.core.errors import GoliveError
from golive_tui.core.textsafe import terminal as safe

if TYPE_CHECKING:
    from golive_tui.core.checklist import Checklist


def run(args: argparse.Namespace) -> int:
    from golive_tui.core.harness import evidence

    where = f"REPORT {args.report_file}"
    try:
        raw = Path(args.report_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise GoliveError(f"{where}: cannot read it ({reason})") from None
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    report = evidence.check(data, where)
    if args.peak is not None and not args.peak > 0:
        raise GoliveError(f"--peak {args.peak:g}: give your expected peak in records per second")
    if args.checklist and not Path(args.state).exists():
        from golive_tui.core import checklist as checklists

        _same_provider(report, checklists.load(args.checklist), where, args)  # before creating
    checklist, sf = open_for_write(args, create=True)  # --checklist starts a new state
    with sf:
        _same_provider(report, checklist, where, args)
        provider = providers.get(checklist.provider)
        items = {k: v for k, v in provider.harness_items.items() if k in checklist.by_id}
        if not items:
            raise GoliveError(
                f"checklist {checklist.id!r}: no item takes a harness report as evidence"
            )
        for item_id, rec in evidence.records(report, items, peak=args.peak).items():
            sf.state.add_probe_result(item_id, rec)
        sf.save()
    for item_id, rec in evidence.records(report, items, peak=args.peak).items():
        print(safe(f"{item_id}: {rec.status.value.upper()} {rec.summary}"))
    return 0


def _same_provider(
    report: dict[str, Any], checklist: Checklist, where: str, args: argparse.Namespace
) -> None:
    provider = checklist.provider
    if provider != report["provider"]:
        raise GoliveError(
            f"{where}: a {report['provider']} report, but {args.state} tracks the"
            f" {provider} checklist; record it in that provider's state"
        )
