"""The `golive test-customer create` and `golive cleanup` argument parsers (split from
`cli_parser`, which calls `add_cleanup`). Standard library only."""

from __future__ import annotations

import argparse
from typing import Any

from golive_tui.cli_flags import add_globals


def _token_flags(p: Any, env_name: Any) -> None:
    p.add_argument(
        "--token-env",
        metavar="VAR",
        type=env_name,
        help="read the API token from this environment variable (default: the keyring)",
    )
    p.add_argument(
        "--allow-writes",
        action="store_true",
        help="write to a production target without asking (it still lists the writes)",
    )


def add_cleanup(sub: Any, parser_class: Any, env_name: Any, refuse_secret: Any) -> None:
    p = sub.add_parser(
        "test-customer",
        help="create a dedicated test customer for probes to write into",
        description="create: a customer of golive's own (on --plan or --rate-card, default"
        " the target's plan_id / rate_card_id setting), registered for golive cleanup; the"
        " target's customer_id becomes it. Exit 0 created, 3 the API refused part of it,"
        " 4 production writes not approved, 2 usage errors.",
    )
    tsub = p.add_subparsers(
        dest="test_customer_command", metavar="ACTION", parser_class=parser_class
    )
    tsub.required = True
    c = tsub.add_parser("create", help="create it and point the target at it", allow_abbrev=False)
    add_globals(c, "test-customer")
    which = c.add_mutually_exclusive_group()
    which.add_argument("--plan", metavar="ID", help="the plan to subscribe it to")
    which.add_argument("--rate-card", metavar="ID", help="the rate card of its contract")
    c.add_argument("--name", help="its name (default: golive test customer (<run id>))")
    _token_flags(c, env_name)
    c.add_argument(
        "--token", "--api-token", "--api-key", "--secret",
        nargs="?", action=refuse_secret, help=argparse.SUPPRESS,
    )  # fmt: skip

    p = sub.add_parser(
        "cleanup",
        help="remove or archive what golive created; report the usage events that stay",
        description="Take down what golive created in the billing account (customers,"
        " contracts, subscriptions), as the API allows, and say what stays (usage events)"
        " and on which draft invoice. Exit 0 done, 3 a removal failed, 4 production writes"
        " not approved, 2 usage errors.",
        allow_abbrev=False,
    )
    add_globals(p, "cleanup")
    p.add_argument("--run", metavar="ID", help="only what this run created (default: every run)")
    p.add_argument(
        "--dry-run", action="store_true", help="list what it would do; send nothing that writes"
    )
    _token_flags(p, env_name)
    p.add_argument(
        "--token", "--api-token", "--api-key", "--secret",
        nargs="?", action=refuse_secret, help=argparse.SUPPRESS,
    )  # fmt: skip
