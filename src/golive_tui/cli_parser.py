"""The `golive` argument parser: every subcommand, flag and help text.

Split from `golive_tui.cli`, which parses and dispatches; only the standard library is
imported here too, so `golive --help` stays fast.
"""

from __future__ import annotations

import argparse
import re

from golive_tui import __version__
from golive_tui.cli_flags import add_globals as _globals

EXIT_USAGE = 2
ITEM_STATUSES = ("todo", "done", "skipped", "not-applicable", "failed")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line, naming the flag, plus where to look; argparse's default is a
        # full usage dump that hides the actual problem.
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            # A stray value may be a pasted token: name flags, never echo values.
            extra = message[len(prefix) :].split()
            flags = [a.split("=", 1)[0] for a in extra if a.startswith("-")]
            values = len(extra) - len(flags)
            parts = [f"unknown flag(s) {', '.join(flags)}"] if flags else []
            if values:
                parts.append(f"{values} unexpected value(s) (not shown)")
            message = "; ".join(parts)
        else:
            message = _hide_values(message)
        self.exit(EXIT_USAGE, f"golive: error: {message} (see: {self.prog} --help)\n")


# argparse's messages that quote the value the user typed, which may be a pasted token.
_ECHOED_VALUE = (
    re.compile(r"(invalid choice: )(.*?)( \(choose from .*\))$", re.DOTALL),
    re.compile(r"(invalid \S+ value: )(.*)()$", re.DOTALL),
    re.compile(r"(ignored explicit argument )(.*)()$", re.DOTALL),
)
# A short lowercase word (a mistyped command or choice) is shown; anything else is not.
_PLAIN_WORD = re.compile(r"'[a-z][a-z-]{0,19}'")


def _hide_values(message: str) -> str:
    def shown(m: re.Match[str]) -> str:
        value = m.group(2) if _PLAIN_WORD.fullmatch(m.group(2)) else "(value not shown)"
        return f"{m.group(1)}{value}{m.group(3)}"

    for pattern in _ECHOED_VALUE:
        message = pattern.sub(shown, message)
    return message


def _env_name(value: str) -> str:
    # Anything but a variable's name is probably the token itself pasted in, so
    # the error never quotes it.
    from golive_tui.core.secrets import ENV_NAME

    if not ENV_NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(
            "pass the variable's name, not its value (capitals, digits and _, e.g."
            " GOLIVE_TOKEN); the value given is not shown"
        )
    return value


class _RefuseSecretFlag(argparse.Action):
    """Swallows a token passed as a flag (so it is not echoed back) and refuses it."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            f"{option_string}: tokens are never taken as arguments (they would end up in shell"
            " history and process lists); run `golive token set` for a hidden prompt, or pipe"
            " the token in on stdin"
        )


def _sandbox_faults() -> dict[str, tuple[str, ...]]:
    """Each provider's sandbox faults, from the registry: it reads only the providers'
    stdlib-only descriptions, so --help stays light (the sandbox tests check they agree)."""
    from golive_tui.core import providers

    return {name: p.faults for name, p in providers.all_providers().items()}


def _sandbox_variants() -> dict[str, tuple[str, ...]]:
    """Each provider's healthy account variants (as `_sandbox_faults`, from the registry)."""
    from golive_tui.core import providers

    return {name: p.variants for name, p in providers.all_providers().items()}


def _variant_flag(p: argparse.ArgumentParser) -> None:
    variants = _sandbox_variants()
    listed = "; ".join(f"{prov}: {', '.join(v) or 'none'}" for prov, v in variants.items())
    p.add_argument(
        "--variant",
        metavar="NAME",
        action="append",
        default=[],
        help="shape the demo account like a real one (repeatable; healthy: every probe"
        f" should still pass; only --provider's variants; {listed})",
    )


def _titles() -> str:
    from golive_tui.core import providers

    return " or ".join(p.title for p in providers.all_providers().values())


def _reread_flags(p: argparse.ArgumentParser) -> None:
    """`status` and `export` re-read what each pass rests on (read-only) unless offline."""
    p.add_argument(
        "--offline",
        action="store_true",
        help="do not re-read the configuration passes rest on; judge by target and age only",
    )
    _app_secrets(p, sub=True)


def _app_secrets(p: argparse.ArgumentParser, *, sub: bool = False) -> None:
    """The app's `--token-env` / `--webhook-secret-env`: for machines with no keyring."""
    default = argparse.SUPPRESS if sub else None  # as for --config
    p.add_argument(
        "--token-env",
        metavar="VAR",
        default=default,
        help="read the API token from this environment variable (never saved)",
    )
    p.add_argument(
        "--webhook-secret-env",
        metavar="VAR",
        default=default,
        help="read the webhook signing secret from this environment variable (never saved)",
    )
    p.add_argument(
        "--token", "--api-token", "--api-key", "--secret",
        nargs="?", action=_RefuseSecretFlag, help=argparse.SUPPRESS,
    )  # fmt: skip


def _target_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--provider", choices=tuple(_sandbox_faults()), help="billing platform")
    p.add_argument(
        "--environment", choices=("sandbox", "production"), help="which account the token is for"
    )
    p.add_argument("--base-url", metavar="URL", help="API base URL")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="golive",
        description=(
            "Walk through a billing platform's go-live checklist, with live probes against"
            " its API. With no command, opens the interactive app."
        ),
        epilog="Tokens are kept in the OS keyring (golive token set); never pass them as flags.",
    )
    parser.add_argument("--version", action="version", version=f"golive {__version__}")
    _globals(parser)
    _app_secrets(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("status", help="show progress per section")
    _globals(p, "status")
    p.add_argument("--items", action="store_true", help="also list every item with its status")
    _reread_flags(p)

    p = sub.add_parser("mark", help="set an item's status (for scripts)")
    _globals(p, "mark")
    p.add_argument("item", metavar="ITEM", help="item id, as shown by `golive status --items`")
    p.add_argument("--status", required=True, choices=ITEM_STATUSES)
    p.add_argument("--note", help="replace the item's note")
    p.add_argument(
        "--reason",
        help="why, when the status goes against the evidence (done over a probe that did"
        " not pass, a blocker skipped or not applicable): recorded as an override",
    )
    p.add_argument("--operator", help="who made the change (default: the state's operator)")

    p = sub.add_parser(
        "signoff",
        help="approve the launch as it stands, in a role (engineering, finance, …)",
        description="Record your approval of the review's current verdict. It counts while"
        " the verdict and its overrides stay as they are; the checklist's [signoff] roles"
        " must all have signed for GO.",
    )
    _globals(p, "signoff")
    p.add_argument("--as", dest="signer", required=True, metavar="NAME", help="who signs")
    p.add_argument("--role", required=True, help="the role you sign for, e.g. finance")
    p.add_argument("--note", default="", help="a remark shown with the sign-off")

    p = sub.add_parser(
        "set",
        help="change the target or a probe setting (webhook_url, event_names, …)",
        description="Change the state's target or a probe setting; `--list` shows them all."
        " Secrets are refused: they belong in the keyring (golive token set).",
    )
    _globals(p, "set")
    p.add_argument("key", metavar="KEY", nargs="?", help="e.g. webhook_url, event_names")
    p.add_argument("value", metavar="VALUE", nargs="?", help="the new value")
    p.add_argument("--unset", action="store_true", help="remove the setting")
    p.add_argument("--json", action="store_true", help="parse VALUE as JSON")
    p.add_argument("--list", action="store_true", help="show the target and every setting")

    p = sub.add_parser("export", help="write the launch review as Markdown, HTML or JSON")
    _globals(p, "export")
    p.add_argument(
        "--format",
        choices=("md", "html", "json"),
        default="md",
        help="md for a launch PR, html: one self-contained page for a browser, json for tools",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    _reread_flags(p)

    p = sub.add_parser("token", help="store, check or delete API tokens in the OS keyring")
    tsub = p.add_subparsers(dest="token_command", metavar="ACTION", parser_class=_Parser)
    tsub.required = True
    for name, text in (
        ("set", "store a token (hidden prompt, or stdin when piped)"),
        ("status", "say whether a token is stored (never prints it); exit 3 when not"),
        ("delete", "remove a stored token"),
    ):
        # No abbreviations: `--token` must never match some longer flag.
        tp = tsub.add_parser(name, help=text, allow_abbrev=False)
        _globals(tp, "token")
        _target_flags(tp)
        tp.add_argument(
            "--webhook-secret",
            action="store_true",
            help="the webhook signing secret instead of the API token",
        )
        tp.add_argument(
            "--token",
            "--api-token",
            "--api-key",
            "--secret",
            nargs="?",
            action=_RefuseSecretFlag,
            help=argparse.SUPPRESS,
        )

    p = sub.add_parser("doctor", help="check the keyring, the state file and the install")
    _globals(p, "doctor")

    p = sub.add_parser("checklists", help="list the built-in checklists")
    _globals(p, "checklists")

    p = sub.add_parser(
        "check",
        help="run the checklist's probes headless (table, JSON or JUnit; for CI)",
        description=(
            "Run the checklist's automatable probes against the target and print the results."
            " Exit codes: 0 all passed, 3 any fail or error, 4 warnings or skipped probes only,"
            " 2 usage or configuration error, 1 internal error. Never prompts."
        ),
        allow_abbrev=False,
    )
    _globals(
        p,
        "check",
        state_help=(
            "save results into this state file (created when missing); default: use"
            " ./golive-state.toml (or $GOLIVE_STATE) when it exists, else do not save"
        ),
    )
    p.add_argument("--environment", choices=("sandbox", "production"), help="override the target's")
    p.add_argument("--base-url", metavar="URL", help="override the target's API base URL")
    p.add_argument("--customer-id", metavar="ID", help="test customer id or ingest alias")
    p.add_argument(
        "--token-env",
        metavar="VAR",
        type=_env_name,
        help="read the API token from this environment variable",
    )
    p.add_argument(
        "--webhook-secret-env",
        metavar="VAR",
        type=_env_name,
        help="read the webhook signing secret from this environment variable",
    )
    p.add_argument(
        "--only",
        metavar="PROBE",
        nargs="+",
        action="extend",
        help="run only these probes (ids as in the checklist, e.g. auth ingest-dedup)",
    )
    p.add_argument(
        "--only-stale",
        action="store_true",
        help="re-run only the probes whose results went stale (another target, a changed"
        " configuration, older than the checklist's TTL); needs the state file",
    )
    p.add_argument(
        "--allow-writes",
        action="store_true",
        help="let probes that write test data run against a production target",
    )
    p.add_argument("--format", choices=("text", "json", "junit"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report here (atomically) too")
    p.add_argument(
        "--token", "--api-token", "--api-key", "--secret",
        nargs="?", action=_RefuseSecretFlag, help=argparse.SUPPRESS,
    )  # fmt: skip

    p = sub.add_parser(
        "demo",
        help=f"try golive against a local {_titles()} sandbox (throwaway session)",
        allow_abbrev=False,
    )
    sandbox_faults = _sandbox_faults()
    p.add_argument(
        "--provider",
        choices=tuple(sandbox_faults),
        default=next(iter(sandbox_faults)),
        help=f"which API the sandbox emulates (default: {next(iter(sandbox_faults))})",
    )
    p.add_argument(
        "--fault",
        metavar="NAME",
        action="append",
        default=[],
        help="make the sandbox misbehave (repeatable; only --provider's faults; "
        + "; ".join(f"{prov}: {', '.join(names)}" for prov, names in sandbox_faults.items())
        + ")",
    )
    _variant_flag(p)
    p.add_argument(
        "--headless", action="store_true", help="run the checks and print the table (no app)"
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "junit"),
        default="text",
        help="with --headless: how to print the results (default: text)",
    )
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the throwaway session's folder (state and launch review); default: removed",
    )
    _globals(p, "demo")

    p = sub.add_parser("sandbox", help="serve a local, stateful API sandbox with demo data")
    # Every provider's faults: which faults a provider has is checked when the command runs.
    faults = tuple(dict.fromkeys(f for names in sandbox_faults.values() for f in names))
    p.add_argument(
        "--provider", choices=tuple(sandbox_faults), required=True, help="API to emulate"
    )
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        choices=faults,
        help="break one thing on purpose (repeatable); "
        + "; ".join(f"{prov}: {', '.join(names)}" for prov, names in sandbox_faults.items()),
    )
    _variant_flag(p)
    p.add_argument(
        "--token-env",
        metavar="VAR",
        type=_env_name,
        help="take the sandbox's token from this environment variable (default: a random one)",
    )
    _globals(p, "sandbox")

    from golive_tui.cli_harness import add_harness

    add_harness(sub, tuple(sandbox_faults), _Parser, _env_name)

    from golive_tui.cli_cleanup import add_cleanup

    add_cleanup(sub, _Parser, _env_name, _RefuseSecretFlag)

    p = sub.add_parser(
        "tui", help="open the interactive app (same as no command)", allow_abbrev=False
    )
    _globals(p, "tui")
    _app_secrets(p, sub=True)
    return parser
