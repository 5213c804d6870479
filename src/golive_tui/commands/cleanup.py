"""`golive cleanup [--run ID] [--dry-run]`: remove or archive what golive created.

Reads the state's created objects (core/cleanup.py plans and runs it), says for each
what happens (archived, deleted, cancelled) or why it stays, and for the usage events
that stay how many, what they can cost and on which draft invoice they sit (read
only). `--dry-run` sends nothing that writes. On a production account it writes only
with `--allow-writes` or after the user types 'production' on a terminal; otherwise
it lists the writes and stops.

Exit codes: 0 done (or nothing to do), 3 a removal failed (it stays listed), 4
production writes not approved (nothing written), 2 usage errors.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from golive_tui.commands._live import approve_production, live, provider_of, token_for
from golive_tui.core import cleanup as cleanups
from golive_tui.core.errors import GoliveError
from golive_tui.core.provider import resolve
from golive_tui.core.redact import Secret
from golive_tui.core.state import StateFile

EXIT_OK = 0
EXIT_FAILED = 3
EXIT_NOT_APPROVED = 4


def run(args: argparse.Namespace) -> int:
    path = Path(args.state)
    if not path.exists():
        raise GoliveError(
            f"--state {path}: no state file here; cleanup works on the session whose"
            " `golive check` created the objects"
        )
    with StateFile.open(path) as sf:
        state = sf.state
        found = provider_of(state.target)
        if not found.cleanup_ref:
            raise GoliveError(f"golive cannot clean up after itself on {found.title}")
        cleaner: cleanups.Cleaner = resolve(found.cleanup_ref)
        plan = cleanups.plan(state, cleaner, args.run)
        if plan.elsewhere_line:
            print(f"golive cleanup: {plan.elsewhere_line}")
        if not plan.steps and not plan.events:
            why = (
                "what golive created here is already taken down"
                if state.created_objects
                else "golive created nothing here"
            )
            print(f"golive cleanup: nothing to do: {why}")
            return EXIT_OK
        token = token_for(state.target, args.token_env)
        return asyncio.run(_clean(args, sf, plan, cleaner, token))


async def _clean(
    args: argparse.Namespace,
    sf: StateFile,
    plan: cleanups.Plan,
    cleaner: cleanups.Cleaner,
    token: Secret,
) -> int:
    state = sf.state
    runs = f"run {args.run}" if args.run else f"{len(plan.run_ids)} run(s)"
    async with live(state.target, token) as session:
        print(f"golive cleanup: {runs} on {state.target.identity}")
        writes = [s.line for s in plan.writes]
        if args.dry_run:
            print("dry run: nothing is written; it would:" if writes else "dry run:")
            _show(plan.steps)
            await cleanups.read_invoices(plan.events, cleaner, session.api, state.target)
            _events(plan, cleaner)
            return EXIT_OK
        production = writes and session.environment == "production"
        if production and not approve_production("cleanup", writes, args.allow_writes, session.why):
            _show([s for s in plan.steps if not s.verb])
            await cleanups.read_invoices(plan.events, cleaner, session.api, state.target)
            _events(plan, cleaner)
            return EXIT_NOT_APPROVED
        outcome = await cleanups.execute(state, plan.steps, cleaner, session.api, sf.save)
        released = cleanups.release_target(state)
        sf.save()
        for step, how in outcome.done:
            print(f"{how} {step.obj.kind} {step.obj.id}")
        for step, why in outcome.failed:
            print(
                f"NOT removed: {step.obj.kind} {step.obj.id}: {session.redactor(why)};"
                " it stays listed — fix that, then run golive cleanup again"
            )
        if not writes:
            print("nothing to remove: no object golive created here is left to take down")
        if released:
            print(released)
        _show([s for s in plan.steps if not s.verb])
        cleanups.refresh_gone(state, plan.events)
        await cleanups.read_invoices(plan.events, cleaner, session.api, state.target)
        _events(plan, cleaner)
        return EXIT_FAILED if outcome.failed else EXIT_OK


def _show(steps: list[cleanups.Step]) -> None:
    for step in steps:
        print(f"  {step.line}")


def _events(plan: cleanups.Plan, cleaner: cleanups.Cleaner) -> None:
    if plan.events:
        print("usage events stay (no billing API deletes an accepted event):")
    for group in plan.events:
        print(f"  {group.line(cleaner.after_customer_removed)}")
