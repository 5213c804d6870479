"""`golive check`: run the checklist's probes headless and print a table, JSON or JUnit.

Where the target comes from: the state file when one exists (`--state`, else
`$GOLIVE_STATE`, else `./golive-state.toml`), with `--base-url`, `--environment` and
`--customer-id` overriding it. With neither, the base URL defaults to the provider's
one API host; a provider with regional hosts (`Provider.hosts`) needs `--base-url`,
which also sets the target's region. Results are saved into that state
file after every probe (and the overrides with them, so the state says what the results
were run against). With no state file and no explicit `--state`, the run is not saved and the
checklist comes from `--checklist`; an explicit `--state PATH` that does not exist yet
is created.

The token comes from `--token-env VAR`, else the OS keyring; never from argv. The
webhook secret comes from `--webhook-secret-env VAR`, else — only when the token came
from the keyring too — from the keyring; without one the webhook probe warns.

Never prompts: writing probes against a production target are skipped (with a
summary that says so) unless `--allow-writes` is given. Without `--environment` (or one
in the state), a vendor's production host (any of its `Provider.hosts`) is
production; even `--environment sandbox` there only lifts the write gate when
the API confirms a sandbox (see core/probes/environment.py).

Exit codes: 0 every result passed; 3 any fail or error; 4 otherwise — warnings or
skipped probes (a skipped probe means not everything was verified); 2 usage or
configuration error; 1 internal error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from golive_tui.commands._output import output_path, refuse_checklist, write_file, write_stdout
from golive_tui.commands._session import checked_base_url, open_for_write
from golive_tui.core import checklist as checklists
from golive_tui.core import providers, secrets
from golive_tui.core.checklist import Checklist
from golive_tui.core.checkrun import CheckReport, run_check
from golive_tui.core.errors import GoliveError
from golive_tui.core.fields import Invalid
from golive_tui.core.liveline import live_line
from golive_tui.core.net import is_production_host
from golive_tui.core.redact import Secret
from golive_tui.core.state import DEFAULT_STATE_FILE, State, StateFile, Target
from golive_tui.core.textsafe import terminal as safe

EXIT_OK = 0
EXIT_FAILED = 3
EXIT_WARNINGS = 4


def exit_code(report: CheckReport) -> int:
    outcome = report.outcome
    if outcome in ("fail", "error"):
        return EXIT_FAILED
    if outcome == "pass":
        return EXIT_OK
    return EXIT_WARNINGS


def render(report: CheckReport, fmt: str) -> str:
    from golive_tui.core import report as reports

    if fmt == "json":
        return reports.to_json(report)
    if fmt == "junit":
        return reports.to_junit(report)
    return reports.to_text(report)


async def with_progress(
    check: Callable[..., Awaitable[CheckReport]], *a: Any, **kw: Any
) -> CheckReport:
    """`check(*a, **kw)` with a live line on stderr showing the running probes (TTY only)."""
    async with live_line(sys.stderr) as line:
        return await check(*a, on_start=line.started, on_result=line.finished, **kw)


def run(args: argparse.Namespace) -> int:
    explicit_state = args.state is not None
    state_path = Path(args.state or os.environ.get("GOLIVE_STATE") or DEFAULT_STATE_FILE)
    out = output_path(args.output, state_path, "golive-check.xml") if args.output else None

    sf: StateFile | None = None
    if explicit_state or state_path.exists():
        args.state = str(state_path)
        checklist, sf = open_for_write(args, create=True)
    else:
        if not args.checklist:
            raise GoliveError(
                f"{state_path}: no state file here; pass --checklist"
                f" {providers.builtin_checklists()} to check without saving, or --state PATH"
                " to save the results"
            )
        checklist = checklists.load(args.checklist)
    try:
        target = _target(args, checklist, sf.state.target if sf else None)
        if out is not None:
            spec = args.checklist or (sf.state.checklist_source if sf else None)
            refuse_checklist(out, args.output, spec)
        token, webhook_secret = _secrets(args, target)
        if sf is not None and sf.state.target != target:
            sf.state.target = target
            sf.save()
        only = args.only
        if args.only_stale:
            only = _stale_probes(args, checklist, sf, token, webhook_secret)
            if not only:
                return EXIT_OK
        report = asyncio.run(
            with_progress(
                run_check,
                checklist,
                target,
                token,
                webhook_secret=webhook_secret,
                only=only,
                allow_writes=args.allow_writes,
                state_file=sf,
            )
        )
    finally:
        if sf is not None:
            sf.close()

    if sf is not None:
        hint = own_customer_hint(sf.state, report.run_id)
        if hint:
            print(safe(f"golive: {hint}"), file=sys.stderr)
    text = render(report, args.format)
    if out is None:
        write_stdout(text)
    else:
        write_file(out, args.output, text)
        if args.format != "text":
            write_stdout(render(report, "text"))  # the table still shows in CI logs
    return exit_code(report)


def own_customer_hint(state: State, run_id: str) -> str:
    """When this run's test events went to a customer golive did not create: how to give
    probes one of their own ("" otherwise)."""
    ours = {o.alias or o.id for o in state.created_objects if o.kind == "customer"}
    events = [o for o in state.created_objects if o.run_id == run_id and o.kind == "usage-event"]
    theirs = sorted({o.customer for o in events if o.customer and o.customer not in ours})
    if not theirs:
        return ""
    n = sum(1 for o in events if o.customer in theirs)
    return (
        f"{n} test event{'s' if n != 1 else ''} went to {', '.join(theirs)}, a customer golive"
        " did not create; `golive test-customer create` gives probes a customer of their own,"
        " and `golive cleanup --dry-run` lists what stays on its invoice"
    )


def _stale_probes(
    args: argparse.Namespace,
    checklist: Checklist,
    sf: StateFile | None,
    token: Secret,
    webhook_secret: Secret | None,
) -> list[str]:
    """The probes of the items whose results went stale, after a read-only re-read;
    says on stderr what it found (stdout stays the report)."""
    from golive_tui.core.progress import progress
    from golive_tui.core.recheck import recheck

    if sf is None:
        raise GoliveError("--only-stale: needs the state file whose results to refresh (--state)")
    if args.only:
        raise GoliveError("--only-stale: give either --only PROBE … or --only-stale, not both")
    found = asyncio.run(recheck(checklist, sf.state, token, webhook_secret))
    prog = progress(checklist, sf.state, drift=found.drift)
    stale = [checklist.by_id[i] for i in prog.stale]
    probes = list(dict.fromkeys(i.probe for i in stale if i.probe))
    print(safe(f"golive: {found.summary}"), file=sys.stderr)
    if not probes:
        print("golive: nothing is stale: every probe result still holds", file=sys.stderr)
        return []
    for item in stale:
        print(safe(f"golive: stale {item.id}: {prog.why_stale(item.id)}"), file=sys.stderr)
    print(f"golive: re-running {', '.join(probes)}", file=sys.stderr)
    return probes


def _target(args: argparse.Namespace, checklist: Checklist, saved: Target | None) -> Target:
    provider = checklist.provider
    if provider == "other":
        raise GoliveError(
            f"checklist {checklist.id!r} has provider 'other': golive has no probes for it;"
            " mark its items by hand (golive mark)"
        )
    base = saved if saved is not None and saved.provider in ("", provider) else None
    base_url = args.base_url or (base.base_url if base else "")
    found = providers.get(provider, f"checklist {checklist.id!r}: provider")
    regions = found.regions
    if not base_url:
        if not found.default_base_url:
            raise GoliveError(
                f"--base-url: missing; {found.title} has {len(regions)} regions,"
                f" pass {providers.hosts_hint(found)}"
            )
        base_url = found.default_base_url
    source = "--base-url" if args.base_url else "base_url (state file; golive set base_url)"
    base_url = checked_base_url(base_url, source)
    # No environment given: the host decides (a vendor's production host is production).
    environment = args.environment or (base.environment if base and base.base_url else "")
    if not environment:
        environment = "production" if is_production_host(provider, base_url) else "sandbox"
    fields = base.to_data() if base else {}
    fields.update(provider=provider, environment=environment, base_url=base_url)
    if args.base_url and regions:
        fields["region"] = regions.get(base_url.rstrip("/"), "")
    if args.customer_id is not None:
        fields["customer_id"] = args.customer_id.strip()
    try:
        return Target.from_data(fields)
    except Invalid as exc:
        raise GoliveError(f"target {exc.field}: {exc.message}") from None


def _secrets(args: argparse.Namespace, target: Target) -> tuple[Secret, Secret | None]:
    key = secrets.SecretKey(target.provider, target.environment, target.base_url)
    token = secrets.resolve_token(key, args.token_env)
    hook_key = secrets.SecretKey(
        target.provider, target.environment, target.base_url, "webhook-secret"
    )
    if args.webhook_secret_env is not None:
        return token, secrets.resolve_token(
            hook_key, args.webhook_secret_env, "--webhook-secret-env"
        )
    if args.token_env:
        # CI: do not touch the keyring for an optional secret (it could block on unlock).
        return token, None
    return token, secrets.load(hook_key)
