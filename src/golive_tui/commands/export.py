"""`golive export [--format md|html|json] [-o FILE]`: the launch review as Markdown (for a
PR), one self-contained HTML page (for a browser), or JSON (for tools).

Reads the state without locking it. With no state file yet (but `--checklist`),
exports an all-to-do view, which is useful for a kickoff PR. Before judging, it
re-reads (read-only) what each pass rests on, unless `--offline` (commands/_reread.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from golive_tui.commands._output import output_path, refuse_checklist, write_file, write_stdout
from golive_tui.commands._reread import reread
from golive_tui.commands._session import load_for_read
from golive_tui.core.export import RedactFn, to_html, to_json, to_markdown
from golive_tui.core.state import State


def run(args: argparse.Namespace) -> int:
    example = f"golive-review.{args.format}"
    out = output_path(args.output, Path(args.state), example) if args.output else None
    checklist, state = load_for_read(args)
    if out is not None:
        refuse_checklist(
            out, args.output, args.checklist or (state.checklist_source if state else None)
        )
    redactor = _redactor(state)
    found = reread(args, checklist, state) if state is not None else None
    if args.format == "json":
        text = to_json(checklist, state, redactor=redactor, reread=found)
    elif args.format == "html":
        text = to_html(checklist, state, redactor=redactor, reread=found)
    else:
        text = to_markdown(checklist, state, redactor=redactor, reread=found)
    if out is None:
        write_stdout(text)
    else:
        write_file(out, args.output, text)
    return 0


def _redactor(state: State | None) -> RedactFn:
    """The state holds no secrets by design; this is the second line of defence.

    Probe evidence was already redacted with the real token when it was captured,
    but a note or a target field can hold a pasted token: the export scrubs the
    target's stored token and webhook secret (when the keyring has them) and
    anything credential-shaped. No keyring, or a locked one, leaves the shapes.
    """
    from golive_tui.core import secrets
    from golive_tui.core.errors import SecretStoreError
    from golive_tui.core.redact import Redactor, Secret

    known: list[Secret] = []
    t = state.target if state else None
    if t is not None and t.provider and t.environment and t.base_url:
        for kind in secrets.KINDS:
            try:
                found = secrets.load(secrets.SecretKey(t.provider, t.environment, t.base_url, kind))
            except SecretStoreError:
                break  # no usable keyring: the same answer for the other kind
            if found is not None:
                known.append(found)
    return Redactor(known)
