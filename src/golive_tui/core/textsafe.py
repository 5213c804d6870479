"""Text that is safe to print or export, whatever a user, a file or a server put in it.

- `valid` replaces lone surrogates (undecodable argv bytes, `"\\ud800"` in a JSON
  body) with U+FFFD, so encoding the text as UTF-8 can never fail.
- `terminal` also escapes control characters (ANSI sequences, carriage returns,
  NUL, newlines) and bidirectional overrides, so a checklist title or a server
  message cannot move the cursor, recolour or rewrite what is on screen.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls and DEL, plus the invisible bidi controls that reorder a line
# ("Trojan Source"); a surrogate is escaped too, to show which byte was bad.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def valid(s: str) -> str:
    """`s` with every lone surrogate replaced by U+FFFD."""
    return _SURROGATE.sub(REPLACEMENT, s) if s else s


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal(s: str) -> str:
    """`s` for one line of terminal output: controls and surrogates shown as escapes."""
    return _UNSAFE.sub(_escape, s) if s else s
