"""Reading a server's answer without trusting it: bounded size, safe text, known shape.

A response body is read as a stream and cut off at `MAX_BODY` (an endless or huge
body must not eat the machine's memory); JSON is decoded with Decimals for exact
money; lone surrogates and undecodable bytes become U+FFFD so that no server text
can break saving or printing the report; and `shape_problem` says when a 2xx body is
not what a probe needs, so junk is never taken as evidence.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from golive_tui.core.textsafe import valid

MAX_BODY = 8 * 1024 * 1024  # bytes; no billing API answer a probe reads is near this
MAX_BODY_LABEL = "8 MB"


class BodyTooLarge(Exception):
    """The body went past `MAX_BODY`; reading stopped there."""


async def read_capped(resp: httpx.Response, cap: int = MAX_BODY) -> bytes:
    """The body of a streamed response, at most `cap` bytes (else BodyTooLarge)."""
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge(f"over {MAX_BODY_LABEL}")  # announced: no need to read any of it
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.aiter_bytes():
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge(f"over {MAX_BODY_LABEL}")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_head(resp: httpx.Response, limit: int) -> bytes:
    """At most the first `limit` bytes of a streamed body; the rest is never read."""
    head = b""
    async for chunk in resp.aiter_bytes():
        head += chunk[: limit - len(head)]
        if len(head) >= limit:
            break
    return head


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return valid(value)
    if isinstance(value, dict):
        return {valid(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def decode(content: bytes, charset: str | None = None) -> Any:
    """JSON (floats as Decimal) when the body is JSON, else its text; None when empty."""
    if not content:
        return None
    try:
        # Money and quantities are compared exactly, so floats become Decimals.
        return _clean(json.loads(content, parse_float=Decimal))
    except (ValueError, RecursionError):  # not JSON, or nested deeper than anyone needs
        pass
    try:
        text = content.decode(charset or "utf-8", errors="replace")
    except LookupError:  # an unknown charset name
        text = content.decode("utf-8", errors="replace")
    return valid(text)


def describe(body: Any) -> str:
    """What a body is, in a reviewer's words: `HTML`, `a JSON array`, `an empty body`."""
    if body is None:
        return "an empty body"
    if isinstance(body, str):
        head = body.lstrip()[:200].lower()
        if head.startswith(("<!doctype html", "<html", "<head", "<body", "<")):
            return "HTML"
        return "text that is not JSON"
    if isinstance(body, dict):
        return "a JSON object"
    if isinstance(body, list):
        return "a JSON array"
    if isinstance(body, bool):
        return "a JSON true/false"
    if isinstance(body, int | Decimal):
        return "a JSON number"
    return "JSON of another kind"


def shape_problem(body: Any, expect: str, keys: tuple[str, ...] = ()) -> str | None:
    """Why `body` is not `expect` ("object", "array", "json" or "any") with `keys`, or None."""
    if expect == "any":
        return None
    if expect == "json":
        if body is None or isinstance(body, dict | list):
            return None
        return f"expected a JSON answer, got {describe(body)}"
    if expect == "array":
        return None if isinstance(body, list) else f"expected a JSON array, got {describe(body)}"
    want = "a JSON object" + (f" with {', '.join(f'`{k}`' for k in keys)}" if keys else "")
    if not isinstance(body, dict):
        return f"expected {want}, got {describe(body)}"
    missing = [k for k in keys if k not in body]
    if missing:
        return f"expected {want}, got a JSON object without {', '.join(f'`{k}`' for k in missing)}"
    return None
