"""`golive harness generate|serve`: load- and fault-test the user's ingestion pipeline.

`generate` writes synthetic usage records (each with a unique id and `golive_seq`);
`serve` stands in for the platform's ingest API on loopback, injects faults and,
when traffic stops, says whether every record arrived exactly once, unchanged.
Exit codes: 0 clean, 3 a record lost, double-billed or altered or a 429 ignored,
2 usage errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from golive_tui.core import providers
from golive_tui.core.errors import GoliveError

MAX_COUNT = 100_000_000
DAY = 86400.0


def run(args: argparse.Namespace) -> int:
    if args.harness_command == "record":
        from golive_tui.commands import harness_record

        return harness_record.run(args)
    dialect = providers.get(args.provider).harness()
    if args.harness_command == "generate":
        return _generate(args, dialect)
    return _serve(args, dialect)


def _templates(raw: str | None, dialect: Any) -> Any:
    from golive_tui.core.harness.dialect import Template

    if raw is None:
        return dialect.templates
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if (
        not isinstance(data, dict)
        or not data
        or not all(isinstance(k, str) and k and isinstance(v, dict) for k, v in data.items())
    ):
        raise GoliveError(
            '--sample: give JSON {"<event type>": {"<property>": "<value>"}}, as your app'
            ' sends, e.g. --sample \'{"api.call": {"endpoint": "/v1/x"}}\''
        )
    return tuple(Template(k, v) for k, v in data.items())


def _generate(args: argparse.Namespace, dialect: Any) -> int:
    from golive_tui.core.harness.records import generate
    from golive_tui.core.safefile import check_target

    if not 1 <= args.count <= MAX_COUNT:
        raise GoliveError(f"--count {args.count}: give 1 to {MAX_COUNT:,} records")
    if not args.rate > 0:
        raise GoliveError(f"--rate {args.rate:g}: give records per second, more than 0")
    if args.count / args.rate > DAY - 3600:
        raise GoliveError(
            f"--rate {args.rate:g}: {args.count:,} records at that rate would be stamped over"
            " a day ahead, and platforms refuse timestamps that far in the future; raise --rate"
        )
    templates = _templates(args.sample, dialect)
    dialect = _with_templates(dialect, templates)
    customer = args.customer_id or dialect.default_customer
    out = Path(args.output)
    try:
        check_target(out)
        with out.open("w", encoding="utf-8") as fh:
            for rec in generate(dialect, args.count, customer, args.rate, secrets.token_hex(4)):
                fh.write(json.dumps(rec, separators=(",", ":")) + "\n")
    except OSError as exc:
        raise GoliveError(f"-o {out}: cannot write it ({exc.strerror or exc})") from None
    print(
        f"wrote {args.count:,} {dialect.title} records for customer {customer} to {out}"
        f" (up to {dialect.batch_limit} per request); feed them to your pipeline, then"
        f" `golive harness serve --provider {dialect.name} --expect {out}`"
    )
    return 0


def _with_templates(dialect: Any, templates: Any) -> Any:
    if templates is dialect.templates:
        return dialect
    clone = type(dialect)()
    clone.templates = templates
    return clone


def _serve(args: argparse.Namespace, dialect: Any) -> int:
    from golive_tui.core.harness import report as R
    from golive_tui.core.harness.faults import FaultPlan, parse_faults
    from golive_tui.core.harness.live import load_ledger
    from golive_tui.core.harness.server import Sink, serve

    fractions = parse_faults(args.fault)
    if not 0 <= args.port <= 65535:
        raise GoliveError(f"--port {args.port}: must be between 0 and 65535")
    for flag, value in (("--hold", args.hold), ("--idle-exit", args.idle_exit)):
        if value < 0:
            raise GoliveError(f"{flag} {value:g}: give seconds, 0 or more")
    if args.rate_limit < 0:
        raise GoliveError(f"--rate-limit {args.rate_limit:g}: give records per second")
    forward = getattr(args, "forward", False)
    for flag, dest in (("--base-url", "base_url"), ("--state", "forward_state")):
        if getattr(args, dest, None) and not forward:
            raise GoliveError(f"{flag}: only with --forward")
    if getattr(args, "allow_writes", False) and not forward:
        raise GoliveError("--allow-writes: only with --forward")
    token = None
    if args.token_env and not forward:
        token = os.environ.get(args.token_env, "").strip()
        if not token:
            raise GoliveError(f"--token-env {args.token_env}: the variable is not set or empty")
    expect = Path(args.expect)
    ledger = load_ledger(dialect, expect)
    forwarder = up = None
    if forward:
        from golive_tui.commands import harness_forward
        from golive_tui.core.harness.forward import Forwarder

        up = harness_forward.resolve(args, dialect, expect)
        harness_forward.gate(args, up, ledger.n)
        token = up.token  # the producer must send the real token (no open relay)
        forwarder = Forwarder(up.base_url, dialect, up.token, ledger.n)
    sink = Sink(
        dialect,
        ledger,
        FaultPlan(fractions, args.seed),
        hold=args.hold,
        rate_limit=args.rate_limit,
        token=token,
        forwarder=forwarder,
    )

    def ready(url: str) -> None:
        auth = "any token" if token is None else f"the token in ${args.token_env}"
        if up is not None:
            auth = "only the platform's token (" + (
                f"${args.token_env})" if args.token_env else "the keyring's)"
            )
        routes = ", ".join(f"POST {url}{p}" for p in dialect.routes)
        faults = ", ".join(f"{k}={v:g}" for k, v in fractions.items()) or "none"
        stop = f"{args.idle_exit:g} s after the last request" if args.idle_exit else "on Ctrl+C"
        print(f"golive harness: {dialect.title} ingest sink at {url} ({routes})", flush=True)
        print(
            f"  expecting {ledger.n:,} records; faults: {faults}; accepts {auth}; stops {stop}",
            flush=True,
        )
        if up is not None:
            print(
                f"  forwarding what it takes to {up.base_url} ({up.environment});"
                " 5xx/429 faults are not forwarded, timeout/slow/reset ones are",
                flush=True,
            )

    try:
        asyncio.run(serve(sink, args.port, args.idle_exit, ready))
    except OSError as exc:
        raise GoliveError(
            f"--port {args.port}: cannot listen on 127.0.0.1 ({exc.strerror or exc});"
            " pick another port or leave --port out for a free one"
        ) from None
    except KeyboardInterrupt:
        pass
    result = R.build(sink)
    if args.report:
        from golive_tui.core.safefile import atomic_write

        try:
            atomic_write(Path(args.report), (json.dumps(result, indent=2) + "\n").encode())
        except OSError as exc:
            print(
                f"golive: error: --report {args.report}: cannot write it ({exc.strerror or exc})",
                file=sys.stderr,
            )
    print(R.table(result), flush=True)
    return R.exit_code(result)
