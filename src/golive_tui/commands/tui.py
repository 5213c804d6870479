"""`golive` with no command (or `golive tui`): the interactive app.

Textual is imported here, inside `run`, so `golive --help` and `golive status` never
pay for it. A state file held by another golive, or one that cannot be read, is a
one-line error before the app starts (exit 2); the file is left as it is. So is
starting it without a terminal: with stdin or stdout not a TTY, Textual would spin
at 100% CPU forever.

`--token-env VAR` / `--webhook-secret-env VAR` take the token and webhook secret from
the environment (machines with no Secret Service), as `golive check` does: kept in
memory only, never written to the keyring or the state.
"""

from __future__ import annotations

import argparse
import gc
import sys

from golive_tui.core.errors import GoliveError
from golive_tui.core.redact import Secret


def run(args: argparse.Namespace) -> int:
    # Start-up allocates ~200k long-lived objects (Textual, the checklist, the state)
    # and the cyclic GC would walk them over and over: ~30 ms of the first frame.
    # `freeze_long_lived` collects once, freezes them and turns the GC back on, a
    # second after the first frame (and `run_app` does if the app never gets there).
    token, webhook_secret = _env_secrets(args)
    gc.disable()
    try:
        from golive_tui.tui.app import make_app

        app = make_app(
            args.state,
            getattr(args, "checklist", None),
            config_path=getattr(args, "config", None),
            token=token,
            webhook_secret=webhook_secret,
            # A token from the environment means a machine without a usable keyring
            # (or one not to touch): the webhook secret is then asked for, never stored.
            use_keyring=token is None,
        )
    except BaseException:
        gc.enable()
        raise
    return run_app(app)


def _env_secrets(args: argparse.Namespace) -> tuple[Secret | None, Secret | None]:
    """`--token-env` / `--webhook-secret-env`, read before the app starts: a bad name or
    an unset variable is a one-line error (exit 2) naming the flag."""
    token_env = getattr(args, "token_env", None)
    hook_env = getattr(args, "webhook_secret_env", None)
    if token_env is None and hook_env is None:
        return None, None  # the usual start: no import on the way to the first frame
    from golive_tui.core.secrets import from_env

    token = from_env(token_env) if token_env is not None else None
    hook = None
    if hook_env is not None:
        hook = from_env(hook_env, "--webhook-secret-env", "webhook-secret")
    return token, hook


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
