"""The `golive harness generate|serve` argument parsers (split from `cli_parser`, which
calls `add_harness`). Standard library only: `golive --help` stays light, and the
harness itself is imported only when the command runs."""

from __future__ import annotations

from typing import Any

_FAULT_KINDS = "5xx, 429, timeout, reset, slow"


def add_harness(sub: Any, names: tuple[str, ...], parser_class: Any, env_name: Any) -> None:
    """`golive harness generate|serve` (the harness itself is imported only when run)."""
    p = sub.add_parser(
        "harness",
        help="load- and fault-test your usage pipeline: every record exactly once?",
        description="generate: write synthetic usage records for your pipeline to send;"
        " serve: stand in for the platform's ingest API on 127.0.0.1, inject faults, and"
        " account for every record. serve exits 0 when nothing was lost, double-billed or"
        " altered and every 429 was honoured, 3 otherwise, 2 on usage errors.",
    )
    hsub = p.add_subparsers(dest="harness_command", metavar="ACTION", parser_class=parser_class)
    hsub.required = True
    g = hsub.add_parser("generate", help="write N usage records (JSON lines)", allow_abbrev=False)
    g.add_argument("--provider", choices=names, required=True, help="ingest shape")
    g.add_argument("--count", type=int, required=True, metavar="N", help="how many records")
    g.add_argument("--customer-id", metavar="ID", help="the customer (default: the demo's)")
    g.add_argument(
        "--rate", type=float, default=1000.0, metavar="R",
        help="records/s your pipeline will send: timestamps are spaced 1/R s (default 1000)",
    )  # fmt: skip
    g.add_argument(
        "--sample", metavar="JSON",
        help='what your app sends, {"<event type>": {"<property>": "<value>"}}'
        " (default: the sandbox demo account's usage)",
    )  # fmt: skip
    g.add_argument("-o", "--output", required=True, metavar="FILE", help="the .jsonl to write")
    s = hsub.add_parser(
        "serve", help="serve the ingest API, inject faults, account", allow_abbrev=False
    )
    s.add_argument("--provider", choices=names, required=True, help="ingest API to emulate")
    s.add_argument("--expect", required=True, metavar="FILE", help="the file generate wrote")
    s.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    s.add_argument(
        "--fault", action="append", default=[], metavar="KIND=FRACTION",
        help=f"misbehave on this fraction of requests (repeatable; kinds: {_FAULT_KINDS})",
    )  # fmt: skip
    s.add_argument(
        "--hold", type=float, default=5.0, metavar="S",
        help="how long a timeout fault holds the request before taking it (default 5; slow: S/4)",
    )  # fmt: skip
    s.add_argument(
        "--rate-limit", type=float, default=0.0, metavar="EV_PER_S",
        help="answer 429 above this many records/s, as the platform does (default: no limit)",
    )  # fmt: skip
    s.add_argument(
        "--idle-exit", type=float, default=0.0, metavar="S",
        help="stop S seconds after the last request (default: only on Ctrl+C)",
    )  # fmt: skip
    s.add_argument("--report", metavar="FILE", help="write the JSON report here")
    s.add_argument(
        "--token-env", metavar="VAR", type=env_name,
        help="accept only the token in this environment variable (default: any);"
        " with --forward, the platform's token",
    )  # fmt: skip
    s.add_argument(
        "--forward", action="store_true",
        help="pass the requests the sink takes on to the platform (--base-url or --state),"
        " with the token from --token-env or the keyring; the producer gets its answers",
    )  # fmt: skip
    s.add_argument("--base-url", metavar="URL", help="with --forward: the platform's API")
    s.add_argument(
        "--state", metavar="FILE", dest="forward_state",
        help="with --forward: use this state file's target (as `golive check` saved it)",
    )  # fmt: skip
    s.add_argument(
        "--allow-writes", action="store_true",
        help="with --forward to a production account (then confirm on a terminal)",
    )  # fmt: skip
    s.add_argument(
        "--seed", type=int, default=0, help="which requests get faults (same seed, same run)"
    )
    _add_record(hsub)


def _add_record(hsub: Any) -> None:
    from golive_tui.cli_flags import add_globals

    r = hsub.add_parser(
        "record",
        help="save a serve --report as the evidence for its checklist items",
        description="Save the report as the result of the checklist items it covers"
        " (load testing, fault injection, retries resent unchanged): pass"
        " when nothing was lost, double-billed or altered and every 429 was honoured,"
        " and the run proved the item (the load reached --peak; a fault was injected).",
        allow_abbrev=False,
    )
    r.add_argument("report_file", metavar="REPORT.json", help="what serve --report wrote")
    r.add_argument(
        "--peak", type=float, metavar="EV_PER_S",
        help="your expected peak records/s: the load-test item passes only at or above it",
    )  # fmt: skip
    add_globals(r, "harness")
