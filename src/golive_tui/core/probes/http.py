"""The HTTP layer every probe uses: timeouts, the vendors' retry policy, evidence.

Retry policy (the billing vendors' documented client advice):
- network errors and 5xx: retry with exponential backoff and full jitter, but only
  for requests that are safe to repeat (`idempotent=True`);
- 429: always back off and retry (the request was refused, not processed), honouring
  `retry-after-ms` / `Retry-After` when present; the rate-limit type header is kept
  as evidence;
- any other 4xx: never retried.
Every request and response is redacted before it is kept as evidence.

Transport policy: the token is only sent over https or to a loopback host, checked
before every request; redirects are never followed (the token would go with them).
Bodies are streamed and capped (`body.MAX_BODY`), and a 2xx whose body has not the
shape the caller asked for is an error, never evidence.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from golive_tui.core.net import credential_url_problem, strip_userinfo
from golive_tui.core.probes.body import (
    MAX_BODY_LABEL,
    BodyTooLarge,
    decode,
    read_capped,
    shape_problem,
)
from golive_tui.core.redact import Redactor, Secret
from golive_tui.core.state import Evidence
from golive_tui.core.textsafe import valid

MAX_ATTEMPTS = 4  # for network errors and 5xx
MAX_RATE_LIMITED = 8  # 429s: nothing was processed, so waiting is safe; the deadline bounds it
BACKOFF_BASE = 0.2  # seconds; doubles per attempt
BACKOFF_CAP = 4.0
RETRY_AFTER_CAP = 60.0
EXCERPT = 1200  # characters of a body kept as evidence
MAX_EVIDENCE = 12  # per probe; the first requests and every failure are kept
MESSAGE = 200  # characters of a vendor's error text kept in a summary (after redaction)


class ApiError(Exception):
    """A request that did not get a usable answer; `summary` is for a reviewer."""

    def __init__(
        self,
        summary: str,
        *,
        status: int | None = None,
        method: str = "",
        path: str = "",
        message: str = "",
        rate_limit_type: str | None = None,
        unusable: bool = False,
    ) -> None:
        super().__init__(summary)
        # True when golive refused to send, or the answer was junk: an error, not a fail.
        self.unusable = unusable
        self.summary = summary
        self.status = status
        self.method = method
        self.path = path
        self.message = message
        self.rate_limit_type = rate_limit_type

    @property
    def is_auth(self) -> bool:
        return self.status in (401, 403)


class DeadlineExceeded(Exception):
    """The probe's overall deadline ran out (raised instead of sleeping past it)."""


@dataclass
class Dialect:
    """What differs between billing APIs at the HTTP level (each provider has one)."""

    name: str
    auth_header: Callable[[Secret], dict[str, str]]
    rate_limit_header: str | None = None

    def error_message(self, body: Any) -> str:
        """The human part of an error body, for all the shapes the vendor uses."""
        if isinstance(body, dict):
            err = body.get("error")
            if isinstance(err, dict):  # a legacy envelope: {"error": {"message": …}}
                return str(err.get("message") or err.get("internal_error") or "")
            parts = [str(body[k]) for k in ("code", "message") if body.get(k)]
            if isinstance(err, str):  # an auth middleware's {"error": "…"}
                parts.insert(0, err)
            return ": ".join(parts)
        if isinstance(body, str):
            return body.strip()
        return ""


@dataclass
class Response:
    status: int
    body: Any
    headers: Mapping[str, str]
    elapsed_ms: int


@dataclass
class ApiClient:
    """One probe's view of the API: base URL, credentials, deadline, evidence."""

    http: httpx.AsyncClient
    base_url: str
    token: Secret
    dialect: Dialect
    redactor: Redactor
    deadline: float  # time.monotonic() value
    evidence: list[Evidence] = field(default_factory=list)
    requests_sent: int = 0
    sleep: Callable[[float], Any] = asyncio.sleep

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        idempotent: bool = True,
        ok: tuple[int, ...] = (200,),
        extra_headers: Mapping[str, str] | None = None,
        expect: str = "json",
        keys: tuple[str, ...] = (),
    ) -> Response:
        """Send, retrying as the policy says; return on a status in `ok`, else raise.

        `expect` ("object", "array", "json", "any") and `keys` are the shape a 2xx body
        must have; anything else raises an unusable ApiError naming what was expected.
        """
        url = self.base_url.rstrip("/") + path
        refused = credential_url_problem(url)
        if refused:
            # Checked before anything is sent: the token must not cross the network.
            raise ApiError(f"not sent: {refused}", method=method, path=path, unusable=True)
        headers = {"Accept": "application/json", **self.dialect.auth_header(self.token)}
        if extra_headers:
            headers.update(extra_headers)
        attempt = 0  # attempts that failed with a network error or 5xx
        rate_limited = 0
        last_error: ApiError | None = None
        while True:
            attempt += 1
            timeout = min(10.0, self.remaining())
            if timeout <= 0:
                raise DeadlineExceeded(f"{method} {path}")
            started = time.monotonic()
            try:
                self.requests_sent += 1
                req = self.http.build_request(
                    method,
                    url,
                    params=_query(params),
                    json=json_body,
                    headers=headers,
                    timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
                )
                resp = await self.http.send(req, stream=True, follow_redirects=False)
                try:
                    content = await read_capped(resp)
                finally:
                    await resp.aclose()
            except httpx.TimeoutException:
                last_error = ApiError(
                    f"{method} {path} timed out after {timeout:.0f} s",
                    method=method,
                    path=path,
                )
                self._note(method, path, None, json_body, "timed out", started)
                if not idempotent:
                    raise last_error from None
            except BodyTooLarge:
                self._note(method, path, resp.status_code, json_body, "(body cut)", started)
                raise ApiError(
                    f"{method} {path}: the answer's body is over the {MAX_BODY_LABEL} cap;"
                    f" golive stopped reading it — {self.dialect.name} or a proxy in between"
                    " is misbehaving",
                    status=resp.status_code,
                    method=method,
                    path=path,
                    unusable=True,
                ) from None
            except httpx.TransportError as exc:
                reason = _transport_reason(exc, self.redactor)
                last_error = ApiError(
                    f"{method} {path}: cannot reach {self.dialect.name} ({reason})",
                    method=method,
                    path=path,
                )
                self._note(method, path, None, json_body, str(exc), started)
                if not idempotent:
                    raise last_error from None
            else:
                body = decode(content, resp.charset_encoding)
                rl_type = (
                    resp.headers.get(self.dialect.rate_limit_header)
                    if self.dialect.rate_limit_header
                    else None
                )
                self._note(method, path, resp.status_code, json_body, body, started, rl_type)
                if resp.status_code in ok:
                    problem = shape_problem(body, expect, keys)
                    if problem:
                        raise ApiError(
                            f"{method} {path} answered {resp.status_code} but {problem};"
                            " nothing was taken from it — check the base URL points at"
                            f" the {self.dialect.name} API",
                            status=resp.status_code,
                            method=method,
                            path=path,
                            unusable=True,
                        )
                    return Response(
                        resp.status_code,
                        body,
                        resp.headers,
                        int((time.monotonic() - started) * 1000),
                    )
                # Redact first, then cut: a cut could split a secret the redactor would find.
                message = _cut(valid(self.redactor(self.dialect.error_message(body))))
                if 300 <= resp.status_code < 400 and resp.status_code not in ok:
                    message = _redirect_message(url, resp.headers.get("location", ""), message)
                last_error = ApiError(
                    _status_summary(self.dialect.name, method, path, resp.status_code, message),
                    status=resp.status_code,
                    method=method,
                    path=path,
                    message=message,
                    rate_limit_type=rl_type,
                )
                if resp.status_code == 429:
                    attempt -= 1  # a refusal is not a failed attempt
                    rate_limited += 1
                    wait = _retry_after(resp.headers)
                    if rate_limited < MAX_RATE_LIMITED:
                        await self._pause(
                            wait if wait is not None else _backoff(rate_limited), last_error
                        )
                        continue
                    raise last_error
                if resp.status_code < 500 or not idempotent:
                    raise last_error
            if attempt >= MAX_ATTEMPTS:
                assert last_error is not None
                raise last_error
            await self._pause(_backoff(attempt), last_error)

    async def _pause(self, seconds: float, reason: ApiError | None) -> None:
        if seconds >= self.remaining():
            # Waiting would outlive the probe: report what we were waiting out.
            if reason is not None:
                raise reason
            raise DeadlineExceeded("waiting to retry")
        await self.sleep(seconds)

    def _note(
        self,
        method: str,
        path: str,
        status: int | None,
        sent: Any,
        received: Any,
        started: float,
        rate_limit_type: str | None = None,
    ) -> None:
        ms = int((time.monotonic() - started) * 1000)
        label = f"{method} {path} → {status if status is not None else 'no response'} ({ms} ms)"
        if rate_limit_type:
            label += f" rate-limit-type={rate_limit_type}"
        failed = status is None or status >= 400
        if len(self.evidence) >= MAX_EVIDENCE and not failed:
            return
        # Redact the whole text, then cut: a token on the cut would no longer match.
        lines = []
        if sent is not None:
            lines.append("request: " + _excerpt(self.redactor(_text(sent))))
        lines.append("response: " + _excerpt(self.redactor(_text(received))))
        self.evidence.append(Evidence(label=label, text="\n".join(lines)))
        if len(self.evidence) > MAX_EVIDENCE * 2:
            # Keep the first requests (context) and the newest (what went wrong).
            self.evidence = self.evidence[:MAX_EVIDENCE] + self.evidence[-MAX_EVIDENCE:]


def _query(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not params:
        return None
    out = {}
    for k, v in params.items():
        if v is None:
            continue
        if isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, list | tuple):
            out[k] = ",".join(str(x) for x in v)  # the vendors' comma convention
        else:
            out[k] = str(v)
    return out


def _cut(text: str) -> str:
    return text if len(text) <= MESSAGE else text[:MESSAGE] + "…"


def _redirect_message(url: str, location: str, message: str) -> str:
    """Why a redirect was not followed: the token would go wherever it points."""
    where = strip_userinfo(location.split("?", 1)[0])[:120] or "(no Location)"
    text = (
        f"redirected to {where}; golive never follows a redirect with the token —"
        " set the base URL to the API's final address"
    )
    return f"{text} ({message})" if message else text


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False)


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT] + f"… ({len(text)} chars)"


def _backoff(attempt: int) -> float:
    return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """The server's wait in seconds, capped; None (the normal backoff) when unreadable."""
    ms = _seconds(headers.get("retry-after-ms"))
    if ms is not None:
        return min(RETRY_AFTER_CAP, ms / 1000)
    value = headers.get("retry-after")
    if not value:
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return min(RETRY_AFTER_CAP, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
        wait = when.timestamp() - time.time()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # garbage: fall back to the normal backoff
    return min(RETRY_AFTER_CAP, max(0.0, wait)) if math.isfinite(wait) else None


def _seconds(value: str | None) -> float | None:
    """A finite, non-negative number of seconds, or None."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return max(0.0, number) if math.isfinite(number) else None


def _transport_reason(exc: httpx.TransportError, redactor: Redactor) -> str:
    text = redactor(str(exc)) or type(exc).__name__  # redacted before it is cut
    return text.splitlines()[0][:120]


def _status_summary(vendor: str, method: str, path: str, status: int, message: str) -> str:
    detail = f": {message}" if message else ""
    if status in (401, 403):
        return (
            f"{vendor} rejected the token ({status}{detail}); store a valid one with"
            " golive token set"
        )
    if status == 429:
        return f"{vendor} kept rate-limiting {method} {path} (429{detail}); retry later"
    if status >= 500:
        return f"{vendor} failed on {method} {path} ({status}{detail}); retry later"
    return f"{method} {path} was refused ({status}{detail})"
