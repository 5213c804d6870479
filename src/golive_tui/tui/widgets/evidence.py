"""Evidence for the detail pane: JSON pretty-printed and syntax-highlighted.

A probe's evidence is lines such as `request: {...}` and `response: {...}`, each a
compact JSON excerpt that may have been cut ("…") to 4 KB. Whole JSON is re-dumped with
an indent; cut JSON is re-indented by its brackets (it cannot be parsed), so both read
the same. Highlighting is Textual's (`textual.highlight`, Pygments underneath), cached:
the pane is rebuilt on every cursor move.
"""

from __future__ import annotations

import json
from functools import lru_cache

from textual.content import Content
from textual.highlight import highlight

MAX_LINES = 16  # per excerpt; the export has the rest
MUTED = "$foreground-muted"


def pretty_json(text: str) -> str | None:
    """`text` indented if it is (the start of) a JSON object or array; else None."""
    body = text.strip()
    if not body.startswith(("{", "[")):
        return None
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return _reindent(body)


def _reindent(text: str) -> str:
    """Indent cut JSON by its brackets, leaving strings as they are."""
    out: list[str] = []
    depth = 0
    in_string = escaped = False
    after_mark = False  # spaces right after a bracket, comma or colon: ours replace them
    newline = "\n"
    for ch in text:
        if after_mark and ch.isspace() and not in_string:
            continue
        after_mark = ch in "{[,:" and not in_string
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
            out.append(ch)
        elif ch in "{[":
            depth += 1
            out.append(ch + newline + "  " * depth)
        elif ch in "}]":
            depth = max(0, depth - 1)
            out.append(newline + "  " * depth + ch)
        elif ch == ",":
            out.append("," + newline + "  " * depth)
        elif ch == ":":
            out.append(": ")
        elif ch != "\n":
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=256)
def evidence_content(text: str, max_lines: int = MAX_LINES) -> Content:
    """One evidence excerpt: `label:` lines as they are, JSON bodies pretty and coloured.

    Cut to `max_lines` before highlighting: a 4 KB excerpt takes ~15 ms to highlight
    whole, and the pane is rebuilt on every cursor move.
    """
    parts: list[Content] = []
    total = 0
    for line in text.splitlines():
        prefix, sep, body = line.partition(": ")
        pretty = pretty_json(body) if sep else pretty_json(line)
        lines = [line] if pretty is None else ([f"{prefix}:"] if sep else []) + pretty.split("\n")
        total += len(lines)
        room = max_lines - len(parts)
        if room <= 0:
            continue
        if pretty is None:
            parts.append(Content.styled(line, MUTED))
            continue
        if sep:
            parts.append(Content.styled(f"{prefix}:", MUTED))
            room -= 1
        shown = pretty.split("\n")[:room]
        if shown:
            parts.extend(highlight("\n".join(shown), language="json").split("\n"))
    if total > len(parts):
        more = total - len(parts)
        parts.append(
            Content.styled(f"… {more} more lines (golive export --format json has them all)", MUTED)
        )
    return Content("\n").join(parts)
