"""Probe text as a reviewer reads it: no Python reprs, amounts in the currency's units.

Probes build their summaries and details with f-strings, so a list can arrive as
`['llm.completion']`, a list of group keys as `[['model'], ['project_id']]`, a flag as
`False` and an amount as "1990.2515 USD (cents)". Every export (Markdown, HTML and the
JSON's text fields) passes probe text through `readable`, so whatever a provider
writes, the review shows "llm.completion", "model; project_id", "no" and "$19.90".
Evidence (what the API really sent) is never rewritten here.
"""

from __future__ import annotations

import ast
import re
from decimal import Decimal, InvalidOperation

from golive_tui.core.money import format_minor

# "1990.2515 USD (cents)": a credit type that counts the currency's minor unit.
_MINOR_AMOUNT = re.compile(r"(?<![\w.])(-?\d[\d,]*(?:\.\d+)?) ?([A-Z]{3}) \(cents\)")
# The credit type named on its own ("rate card X: USD (cents)"): amounts are shown in
# dollars, so the unit is the currency.
_MINOR_UNIT = re.compile(r"\b([A-Z]{3}) \(cents\)")
_DECIMAL = re.compile(r"Decimal\('(-?[0-9.Ee+-]+)'\)")
# A Python literal standing as a value: not followed by a word ("None of them" stays).
_LITERAL = re.compile(r"\b(True|False|None)\b(?! [a-z])")
_WORD = {"True": "yes", "False": "no", "None": "none"}
# What makes "[…]" a Python list rather than prose or "[1]": quotes, nesting, literals.
_REPR_HINT = re.compile(r"['\"]|\[\s*\[|\b(True|False|None)\b")


def readable(text: str) -> str:
    """`text` with Python reprs and minor-unit amounts rewritten for people."""
    if not text:
        return text
    text = _DECIMAL.sub(r"\1", text)
    text = _MINOR_AMOUNT.sub(_money, text)
    text = _MINOR_UNIT.sub(r"\1", text)
    text = _lists(text)
    return _LITERAL.sub(lambda m: _WORD[m.group(1)], text)


def _money(m: re.Match[str]) -> str:
    try:
        amount = Decimal(m.group(1).replace(",", ""))
    except InvalidOperation:
        return m.group(0)
    return format_minor(amount, m.group(2))


def _lists(text: str) -> str:
    """Every Python list literal (of strings, numbers or such lists) as plain words."""
    out: list[str] = []
    i = 0
    while i < len(text):
        j = text.find("[", i)
        if j < 0:
            break
        end = _closing(text, j)
        value = _literal(text[j : end + 1]) if end > j else None
        if value is None:
            out.append(text[i : j + 1])
            i = j + 1
            continue
        out.append(text[i:j] + value)
        i = end + 1
    out.append(text[i:])
    return "".join(out)


def _closing(text: str, start: int) -> int:
    """The index of the `]` closing the `[` at `start` (quotes respected), or -1."""
    depth = 0
    quote = ""
    k = start
    while k < len(text):
        c = text[k]
        if quote:
            if c == "\\":
                k += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return k
        k += 1
    return -1


def _literal(source: str) -> str | None:
    """A list literal in words ("a, b"; nested "a, b; c"), or None if it is not one."""
    if source.replace(" ", "") == "[]":
        return "none"
    if not _REPR_HINT.search(source):
        return None  # "[1]" or "[see below]": leave numbers and prose alone
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(value, list):
        return None
    return _words(value)


def _words(value: object) -> str:
    if isinstance(value, list | tuple):
        if not value:
            return "none"
        nested = any(isinstance(v, list | tuple) for v in value)
        return ("; " if nested else ", ").join(_words(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    return str(value)
