"""Markdown that stays what it looks like: every user or probe string escaped for one
line, a quote, a table cell or a fenced block (see `export` for the guarantees).

Split from `export_md`; the HTML export renders that Markdown, so these are its rules too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

# Characters that are structural anywhere on a line.
_ESCAPE_ANYWHERE = re.compile(r"([\\`*\[\]<|~&#])")
# '_' between two letters or digits cannot start or end emphasis (snake_case stays
# readable); anywhere else it is escaped.
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# Characters that are structural only at the start of a line (after stripping):
# blockquote, list bullets, setext underlines.
_LINE_START = re.compile(r"^([>\-+=])")
# An ordered-list marker: digits then '.' or ')'.
_ORDERED = re.compile(r"^(\d{1,9})([.)])")
# C0/C1 controls other than tab and newline (ANSI escapes, NUL, …).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def escape_line(line: str) -> str:
    line = line.strip()
    line = _ESCAPE_ANYWHERE.sub(r"\\\1", line)
    line = _UNDERSCORE.sub(r"\\_", line)
    line = _LINE_START.sub(r"\\\1", line)
    return _ORDERED.sub(r"\1\\\2", line)


def inline(value: str) -> str:
    """Escape text for a single line: newlines become spaces."""
    return escape_line(" ".join(clean(value).split()))


def lines_of(value: str) -> list[str]:
    return [escape_line(line) for line in clean(value).strip().split("\n")]


def paragraph(value: str) -> str:
    return "\n".join(line for line in lines_of(value) if line)


def blockquote(value: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in lines_of(value))


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines.extend("| " + " | ".join(cells) + " |" for cells in rows)
    return "\n".join(lines)


def link(label: str, url: str) -> str:
    """A link when `url` is http(s), else the escaped text."""
    if not url.startswith(("https://", "http://")):
        return inline(url)
    # Percent-encode anything that could end the destination or a table cell.
    safe = quote(clean(url), safe=":/?#@!$&'*+,;=%~-._")
    return f"[{label}](<{safe}>)"


def fence(body: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    marks = "`" * max(3, longest + 1)
    return f"{marks}text\n{body}\n{marks}"


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces "-"."""
    text = re.sub(r"[^\w\- ]", "", heading.lower().replace("\\", ""))
    return text.replace(" ", "-")
