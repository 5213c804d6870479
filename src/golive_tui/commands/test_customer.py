"""`golive test-customer create [--plan ID | --rate-card ID] [--name NAME]`: a
dedicated test customer for probes to write into (core/test_customer.py).

It reads (only) the plan or rate card first and prints what it will create and what
that may cost; on a production account it then needs `--allow-writes` or the user
typing 'production' on a terminal. Everything created is registered in the state
with its run id (for `golive cleanup`), and the target's customer_id becomes the new
customer's reference, saved at once.

Exit codes: 0 created, 4 production writes not approved (nothing written), 3 the API
refused part of it (what was created is registered), 2 usage errors.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from golive_tui.commands._live import approve_production, live, provider_of, token_for
from golive_tui.core import test_customer as tc
from golive_tui.core.errors import GoliveError
from golive_tui.core.probes.http import ApiError, DeadlineExceeded
from golive_tui.core.provider import resolve
from golive_tui.core.redact import Secret
from golive_tui.core.state import CreatedObject, StateFile

EXIT_OK = 0
EXIT_FAILED = 3
EXIT_NOT_APPROVED = 4


def run(args: argparse.Namespace) -> int:
    path = Path(args.state)
    if not path.exists():
        raise GoliveError(
            f"--state {path}: no state file here; start one with golive status --checklist …"
            " and golive set base_url URL"
        )
    with StateFile.open(path) as sf:
        found = provider_of(sf.state.target)
        if not found.test_customer_ref:
            raise GoliveError(f"golive cannot create a test customer on {found.title}")
        maker: tc.TestCustomerMaker = resolve(found.test_customer_ref)
        request = tc.Request(
            name=args.name or "", plan=args.plan or "", rate_card=args.rate_card or ""
        )
        token = token_for(sf.state.target, args.token_env)
        return asyncio.run(_create(args, sf, maker, request, token))


async def _create(
    args: argparse.Namespace,
    sf: StateFile,
    maker: tc.TestCustomerMaker,
    request: tc.Request,
    token: Secret,
) -> int:
    target = sf.state.target
    async with live(target, token) as session:
        preview = await maker.preview(session.api, target, request)
        if session.environment == "production":
            writes = [*preview.writes, f"cost: {preview.cost}"]
            if not approve_production("test-customer", writes, args.allow_writes, session.why):
                return EXIT_NOT_APPROVED
        else:
            print(f"golive test-customer: creating on {target.identity}:")
            for line in preview.writes:
                print(f"  - {line}")
            print(f"  cost: {preview.cost}")
        created: list[CreatedObject] = []
        try:
            ref = await maker.create(session.api, target, request, created)
        except (ApiError, DeadlineExceeded) as exc:
            tc.record(sf.state, created, "")
            sf.save()
            made = ", ".join(f"{o.kind} {o.id}" for o in created) or "nothing"
            print(
                f"golive test-customer: {session.redactor(str(exc))}; created before that:"
                f" {made} (registered: golive cleanup --run {request.run_id} removes it)"
            )
            return EXIT_FAILED
        tc.record(sf.state, created, ref)
        sf.save()
    for obj in created:
        print(f"created {obj.kind} {obj.id}")
    print(
        f"target customer_id is now {ref} (run {request.run_id}); probes send their test"
        f" usage to it, and golive cleanup --run {request.run_id} takes it down"
    )
    return EXIT_OK
