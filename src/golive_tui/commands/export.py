"""`golive export [--format md|json] [-o FILE]`: the review for a launch PR, or JSON.

Reads the state without locking it. With no state file yet (but `--checklist`),
exports an all-to-do view, which is useful for a kickoff PR.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from golive_tui.commands._output import output_path, refuse_checklist, write_file, write_stdout
from golive_tui.commands._session import load_for_read
from golive_tui.core.export import RedactFn, to_json, to_markdown


def run(args: argparse.Namespace) -> int:
    out = output_path(args.output, Path(args.state), "golive-review.md") if args.output else None
    checklist, state = load_for_read(args)
    if out is not None:
        refuse_checklist(
            out, args.output, args.checklist or (state.checklist_source if state else None)
        )
    redactor = _redactor()
    if args.format == "json":
        text = to_json(checklist, state, redactor=redactor)
    else:
        text = to_markdown(checklist, state, redactor=redactor)
    if out is None:
        write_stdout(text)
    else:
        write_file(out, args.output, text)
    return 0


def _redactor() -> RedactFn | None:
    """The state holds no secrets by design; this is the second line of defence.

    Probe evidence was already redacted with the real token when it was captured;
    here anything credential-shaped is scrubbed, without touching the keyring
    (which could pop up an unlock prompt just to write a file).
    """
    from golive_tui.core.redact import Redactor

    return Redactor()
