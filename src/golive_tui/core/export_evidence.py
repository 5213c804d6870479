"""Evidence as a reviewer reads it: the record that explains the verdict first, JSON
laid out with indentation, cut to a few lines.

A probe's evidence is its own findings (`ctx.note`: "expected vs actual", a sample
event, a webhook scenario) followed by every HTTP exchange, set-up steps first; the
first exchange is rarely the one that matters. `explaining_first` decides from the
record itself: for a result that did not pass, the failing request its summary names,
else the finding its summary talks about, else the last failing request, else the
request that shares most words with the summary and details; for a pass, its
findings, else that request.

Bodies are captured as compact one-line JSON, often cut mid-value ("… (1256 chars)"),
so `pretty` lays out JSON without parsing it: a cut body is still indented.
"""

from __future__ import annotations

import re

from golive_tui.core.state_records import Evidence, ProbeRecord, ProbeStatus

# How `core.probes.http` labels an exchange: "GET /v1/customers → 200 (64 ms)".
_EXCHANGE = re.compile(r"^([A-Z]{3,7}) (\S+) → (\d{3}|no response)")
# How `core.probes.http` marks a body it cut: "… (1256 chars)".
_CUT = re.compile(r"… \(\d+ chars\)\s*$")
_WORD = re.compile(r"[a-z0-9_]{3,}")
_COMPACT = 72  # a container this short with no container inside stays on one line


def explaining_first(rec: ProbeRecord) -> list[Evidence]:
    """`rec.evidence` with the record that explains its status first."""
    evidence = list(rec.evidence)
    if len(evidence) < 2:
        return evidence
    i = _lead(rec)
    return [evidence[i], *evidence[:i], *evidence[i + 1 :]]


def _lead(rec: ProbeRecord) -> int:
    exchanges: list[tuple[int, re.Match[str]]] = []
    findings: list[int] = []
    for i, ev in enumerate(rec.evidence):
        m = _EXCHANGE.match(ev.label)
        if m:
            exchanges.append((i, m))
        else:
            findings.append(i)
    said = set(_WORD.findall(" ".join([rec.summary, *rec.details]).lower()))
    if rec.status is ProbeStatus.PASS:
        return findings[0] if findings else _most_said(rec, [i for i, _ in exchanges], said)
    failing = [(i, m) for i, m in exchanges if m.group(3) == "no response" or m.group(3) >= "400"]
    named = [i for i, m in failing if f"{m.group(1)} {m.group(2)}" in rec.summary]
    if named:
        return named[-1]
    # The summary names the cause; the details often list every scenario alike.
    cause = set(_WORD.findall(rec.summary.lower()))
    scored = [(len(cause & _words(rec.evidence[i].label)), -i) for i in findings]
    best = max(scored, default=(0, 0))
    if best[0] >= 2:
        return -best[1]
    if failing:
        return failing[-1][0]
    return _most_said(rec, [i for i, _ in exchanges], said)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _stems(text: str) -> set[str]:
    """Words without a plural "s": "metrics" in a path meets "metric" in a summary."""
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in re.findall("[a-z]+", text)}


def _most_said(rec: ProbeRecord, candidates: list[int], said: set[str]) -> int:
    """The request whose path the result talks about ("billable metrics" for
    /v1/billable-metrics), then whose text shares most words with it; the later one on a
    tie (the step that confirmed it, not the set-up before it)."""
    if not candidates:
        return 0
    # What the result is about: for a failure its summary (the cause), for a pass all of it.
    details = rec.details if rec.status is ProbeStatus.PASS else []
    topic = _stems(" ".join([rec.summary, *details]).lower())

    def score(i: int) -> tuple[int, int, int]:
        ev = rec.evidence[i]
        m = _EXCHANGE.match(ev.label)
        path = _stems(m.group(2).lower()) - {"v"} if m else set()
        return len(topic & path), len(said & _words(f"{ev.label} {ev.text}")), i

    return max(candidates, key=score)


def pretty(text: str) -> list[str]:
    """`text` as lines, each "prefix: {json…}" line laid out with indentation."""
    out: list[str] = []
    for line in text.split("\n"):
        start = _json_start(line)
        if start < 0:
            out.append(line)
            continue
        head = line[:start].rstrip()
        laid = _layout(line[start:])
        if head:
            out.append(f"{head} {laid[0]}")
            out.extend(laid[1:])
        else:
            out.extend(laid)
    return out


def _json_start(line: str) -> int:
    """Where compact JSON starts on `line` (at its start or after "label: "), or -1."""
    stripped = line.lstrip()
    if stripped[:1] in ("{", "[") and stripped == line:
        return 0
    m = re.match(r"^[\w -]{1,30}: ([{\[])", line)
    return m.start(1) if m else -1


def _layout(src: str) -> list[str]:
    """Indent JSON text token by token; tolerant of a cut tail and of non-JSON text."""
    cut = _CUT.search(src)
    if cut:  # the capture cut the body (maybe mid-string): lay out what is there
        return [*_layout(src[: cut.start()]), cut.group().strip()]
    lines: list[str] = []
    cur: list[str] = []
    depth = 0
    i = 0
    n = len(src)

    def newline() -> None:
        lines.append("".join(cur).rstrip())
        cur.clear()
        cur.append("  " * depth)

    while i < n:
        c = src[i]
        if c == '"':
            end = _string_end(src, i)
            cur.append(src[i:end])
            i = end
            continue
        if c in "{[":
            short = _short(src, i)
            if short is not None:
                cur.append(short[0])
                i = short[1]
                continue
            cur.append(c)
            depth += 1
            newline()
        elif c in "}]":
            depth = max(0, depth - 1)
            newline()
            cur.append(c)
        elif c == ",":
            cur.append(",")
            newline()
        elif c == ":":
            cur.append(": ")
        elif c in " \t\r\n":
            pass
        else:
            cur.append(c)
        i += 1
    lines.append("".join(cur).rstrip())
    return [line for line in lines if line.strip()]


def _string_end(src: str, i: int) -> int:
    j = i + 1
    while j < len(src):
        if src[j] == "\\":
            j += 2
            continue
        if src[j] == '"':
            return j + 1
        j += 1
    return len(src)


def _short(src: str, i: int) -> tuple[str, int] | None:
    """The container at `i` on one line ("[\"a\", \"b\"]") when it is short and flat."""
    parts: list[str] = []
    j = i + 1
    close = "}" if src[i] == "{" else "]"
    while j < len(src) and j - i <= _COMPACT * 2:
        c = src[j]
        if c == '"':
            end = _string_end(src, j)
            parts.append(src[j:end])
            j = end
            continue
        if c in "{[":
            return None
        if c == close:
            body = "".join(parts)
            text = src[i] + body + close
            return (text, j + 1) if len(text) <= _COMPACT else None
        if c in "}]":
            return None
        parts.append(", " if c == "," else ": " if c == ":" else "" if c.isspace() else c)
        j += 1
    return None


def excerpt(lines: list[str], max_lines: int, max_chars: int) -> tuple[list[str], int]:
    """The first `max_lines` lines (each cut to `max_chars`), and how many were left out."""
    shown = [line if len(line) <= max_chars else line[:max_chars] + "…" for line in lines]
    return shown[:max_lines], max(0, len(lines) - max_lines)
