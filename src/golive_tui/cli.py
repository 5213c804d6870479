"""The `golive` command line: parsing and dispatch (the parser itself is `cli_parser`).

Only the standard library is imported here. Each subcommand lives in
`golive_tui.commands.<name>` and is imported when it runs, so `golive --help`
and `golive status` never pay for Textual, httpx or keyring.

--state, --checklist and --config go before or after the command
(`golive_tui.cli_flags`). Exit codes: 0 ok, 2 usage or input error, 1 internal
error (a bug); `check` adds 3 (a probe failed or errored) and 4 (warnings only),
`token status` 3 (nothing stored).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from golive_tui.cli_flags import FlagError, finish_globals
from golive_tui.cli_flags import add_globals as _globals
from golive_tui.cli_parser import EXIT_USAGE, _app_secrets, _Parser, build_parser

EXIT_OK = 0
EXIT_INTERNAL = 1
__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]


def _app_args(argv: list[str]) -> argparse.Namespace | None:
    """`golive [--state P] [--checklist C] [--config F]`, parsed without the full parser.

    Opening the app is what people do most, and building every subcommand's parser
    costs ~5 ms of its start-up. Anything else (a command, --help, a typo) returns
    None and goes to the full parser, which gives the same result and every error.
    """
    if any(a in _COMMANDS or a in ("-h", "--help", "--version") for a in argv):
        return None
    # No abbreviations: `--token` must reach the full parser, which refuses it.
    parser = _AppArgsParser(prog="golive", add_help=False, allow_abbrev=False)
    _globals(parser)
    _app_secrets(parser)
    try:
        args, rest = parser.parse_known_args(argv)
    except _NotJustTheApp:
        return None
    if rest:
        return None
    args.command = None
    return args


class _NotJustTheApp(Exception):
    pass


class _AppArgsParser(_Parser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _NotJustTheApp  # the full parser says what is wrong


# Every subcommand `build_parser` adds (a test checks the two agree).
_COMMANDS = frozenset(
    {"status", "mark", "set", "export", "token", "doctor", "checklists", "check", "demo"}
    | {"sandbox", "tui", "signoff", "harness", "cleanup", "test-customer"}
)


def _parse(arguments: list[str]) -> argparse.Namespace:
    parser = build_parser()
    args, extra = parser.parse_known_args(arguments)
    # `golive set KEY --json VALUE`: argparse fills both optional positionals before the
    # flag (VALUE with nothing) and leaves VALUE over; put it where it belongs.
    if (
        args.command == "set"
        and len(extra) == 1
        and args.key is not None
        and args.value is None
        and (not extra[0].startswith("-") or _NUMBER.fullmatch(extra[0]))
    ):
        args.value = extra.pop()
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


_NUMBER = re.compile(r"-[0-9]+(\.[0-9]*)?")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _app_args(arguments) or _parse(arguments)
    command = args.command or "tui"
    try:
        finish_globals(args)
    except FlagError as exc:
        _Parser(prog="golive" if command == "tui" else f"golive {command}").error(str(exc))
    # Import the error type lazily too; it is tiny but keeps this module standalone.
    from golive_tui.core.errors import GoliveError
    from golive_tui.core.textsafe import terminal

    try:
        name = command.replace("-", "_")  # `test-customer` is commands/test_customer.py
        module = __import__(f"golive_tui.commands.{name}", fromlist=["run"])
        return int(module.run(args))
    except GoliveError as exc:
        # Messages quote paths and file contents: never raw controls or surrogates.
        print(f"golive: error: {terminal(exc.message)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("golive: interrupted; everything up to the last change was saved", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("GOLIVE_DEBUG"):
            raise
        print(
            f"golive: internal error: {type(exc).__name__}: {terminal(str(exc))} — this is a bug;"
            " rerun with GOLIVE_DEBUG=1 for the traceback",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
