"""The flags every command shares: --state, --checklist and --config.

They go before or after the command (`golive --state s.toml mark …` is
`golive mark … --state s.toml`). The command's copies store under `sub_<name>`
with no default (a default there would overwrite the value given before the
command); `finish_globals` merges the two. Standard library only, like `cli`.
"""

from __future__ import annotations

import argparse
import os


class FlagError(ValueError):
    """A global flag given twice with different values, or to a command that ignores it."""


GLOBAL_FLAGS = ("state", "checklist", "config")
# Where each is used; elsewhere it is refused (exit 2) rather than silently ignored.
GLOBAL_USES: dict[str, tuple[str, ...]] = {
    "state": (
        *("tui", "status", "mark", "set", "export", "check", "token", "doctor", "harness"),
        *("cleanup", "test-customer"),
    ),
    "checklist": ("tui", "status", "mark", "set", "export", "check", "harness"),
    "config": ("tui", "demo"),
}
_GLOBAL_HELP = {
    "state": "session state file (default: $GOLIVE_STATE, else ./golive-state.toml)",
    "checklist": "built-in checklist id (see `golive checklists`) or your own .toml file",
    "config": (
        "app config (theme, [keymap]); default: $GOLIVE_CONFIG, else"
        " $XDG_CONFIG_HOME/golive/config.toml (~/.config/golive/config.toml)"
    ),
}
_GLOBAL_METAVAR = {"state": "PATH", "checklist": "ID|PATH", "config": "PATH"}


def add_globals(
    p: argparse.ArgumentParser, command: str | None = None, *, state_help: str | None = None
) -> None:
    """The global flags on the top-level parser (`command` None) or on `command`'s.

    A command gets all three, so a flag it does not use is refused with a reason
    (by `finish_globals`), not reported as unknown; its --help shows only the used ones.
    """
    for name in GLOBAL_FLAGS:
        text = state_help if name == "state" and state_help else _GLOBAL_HELP[name]
        if command is not None and command not in GLOBAL_USES[name]:
            text = argparse.SUPPRESS
        p.add_argument(
            f"--{name}",
            metavar=_GLOBAL_METAVAR[name],
            dest=name if command is None else f"sub_{name}",
            default=None if command is None else argparse.SUPPRESS,
            help=text,
        )


def finish_globals(args: argparse.Namespace) -> argparse.Namespace:
    """One value per global flag, from either position; refuses a clash or a useless flag."""
    command = args.command or "tui"
    for name in GLOBAL_FLAGS:
        before = getattr(args, name, None)
        after = getattr(args, f"sub_{name}", None)
        if hasattr(args, f"sub_{name}"):
            delattr(args, f"sub_{name}")
        if before is not None and after is not None and not _same(name, before, after):
            raise FlagError(
                f"--{name} given twice with different values: {before} (before {command})"
                f" and {after} (after it); give it once",
            )
        value = after if after is not None else before
        if value is not None and command not in GLOBAL_USES[name]:
            users = ", ".join(GLOBAL_USES[name])
            raise FlagError(f"--{name}: `golive {command}` does not use it (only {users}); drop it")
        setattr(args, name, value)
    # `check` tells an explicit --state from the default (it only saves into one that exists).
    if args.state is None and command != "check":
        args.state = os.environ.get("GOLIVE_STATE", "golive-state.toml")
    return args


def _same(name: str, a: str, b: str) -> bool:
    if a == b:
        return True
    if name == "checklist":
        return False  # an id and a path with the same name are different checklists
    return os.path.abspath(os.path.expanduser(a)) == os.path.abspath(os.path.expanduser(b))
