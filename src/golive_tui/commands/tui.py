"""`golive` with no command (or `golive tui`): the interactive app.

Textual is imported here, inside `run`, so `golive --help` and `golive status` never
pay for it. A state file held by another golive, or one that cannot be read, is a
one-line error before the app starts (exit 2); the file is left as it is. So is
starting it without a terminal: with stdin or stdout not a TTY, Textual would spin
at 100% CPU forever.
"""

from __future__ import annotations

import argparse
import gc
import sys

from golive_tui.core.errors import GoliveError


def run(args: argparse.Namespace) -> int:
    # Start-up allocates ~200k long-lived objects (Textual, the checklist, the state)
    # and the cyclic GC would walk them over and over: ~30 ms of the first frame.
    # `freeze_long_lived` collects once, freezes them and turns the GC back on, a
    # second after the first frame (and `run_app` does if the app never gets there).
    gc.disable()
    try:
        from golive_tui.tui.app import make_app

        app = make_app(
            args.state,
            getattr(args, "checklist", None),
            config_path=getattr(args, "config", None),
        )
    except BaseException:
        gc.enable()
        raise
    return run_app(app)


def run_app(app: object) -> int:
    """Run `app` (a GoliveApp), release the state file whatever happens, map the exit."""
    from golive_tui.tui.app import GoliveApp

    assert isinstance(app, GoliveApp)
    try:
        require_tty()
        app.run()
    finally:
        app.shutdown_state()
        gc.enable()
    if app.error:
        raise GoliveError(app.error)
    code = app.return_code
    if code is None:
        code = app.return_value or 0
    return int(code)


def require_tty() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise GoliveError(
            "the app needs a terminal (stdin and stdout must be a TTY); in scripts and CI"
            " use golive status, check, export, mark or set"
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(argparse.Namespace(state="golive-state.toml")))
