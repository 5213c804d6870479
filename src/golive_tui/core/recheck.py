"""The cheap re-read: is the configuration a pass rests on still what it saw?

Each passing result keeps snapshots of what it verified (core/fingerprint.py) and the
account facts the API showed. Here golive reads those same objects again, read-only,
one request each and all at once, and compares. What changed becomes `drift` (item
id → what changed, in words), which `review` counts as stale. A piece that cannot
be read now (no token, a timeout, a 5xx) is *not* called changed: it goes in `notes`,
so the reader knows the check was partial; the result keeps its age-based standing.

The webhook endpoint is compared without the network: the URL in the target and a
keyed fingerprint of the signing secret in the keyring (a rotated secret means the
pass proved the old one).

Each provider gives a `ConfigReader` (`Provider.recheck_ref`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from golive_tui.core import providers
from golive_tui.core.checklist import Checklist
from golive_tui.core.fingerprint import (
    WEBHOOK,
    Snapshot,
    account_changes,
    changes,
    webhook_snapshot,
)
from golive_tui.core.provider import resolve
from golive_tui.core.redact import Redactor, Secret
from golive_tui.core.review import latest_here
from golive_tui.core.state import ProbeRecord, ProbeStatus, State, Target

if TYPE_CHECKING:
    from golive_tui.core.probes.http import ApiClient

NO_TOKEN = "no API token in the keyring: the configuration was not re-read (golive token set)"
READ_TIMEOUT = 10.0  # seconds for the whole re-read
CONCURRENCY = 6
# Account facts golive stamps from the target itself: compared by identity, not re-read.
TARGET_FACTS = frozenset({"provider", "base url", "customer"})


class ConfigReader(Protocol):
    """A provider's read-only re-reads, one request or two each."""

    async def account(self, api: ApiClient, target: Target) -> dict[str, str]:
        """The account facts a probe would record now ({} when the API tells nothing)."""
        ...

    async def snapshot(self, api: ApiClient, target: Target, old: Snapshot) -> Snapshot | None:
        """`old`'s object as it is now, built the way the probe built it; None when it
        no longer exists. Raises ApiError when it cannot tell."""
        ...


@dataclass
class Recheck:
    drift: dict[str, str] = field(default_factory=dict)  # item id → what changed
    notes: list[str] = field(default_factory=list)  # what could not be re-read, and why
    read: int = 0  # pieces compared

    @property
    def summary(self) -> str:
        """One line for `status` and the export."""
        if not self.read and not self.notes:
            return "no passing result to re-read"
        head = f"re-read {self.read} piece{'s' if self.read != 1 else ''} of configuration"
        head += f": {len(self.drift)} result(s) changed" if self.drift else ": nothing changed"
        return head + (f" ({'; '.join(self.notes)})" if self.notes else "")


def needs_reading(checklist: Checklist, state: State) -> bool:
    """Whether any passing result here rests on something to re-read."""
    return bool(_passes(checklist, state))


def _passes(checklist: Checklist, state: State) -> dict[str, ProbeRecord]:
    """Item id → its latest result here, when that passed and says what it rests on."""
    out = {}
    for item in checklist.items():
        rec = latest_here(state.item(item.id), state.target)
        if rec is not None and rec.status is ProbeStatus.PASS and (rec.verified or rec.account):
            out[item.id] = rec
    return out


async def recheck(
    checklist: Checklist,
    state: State,
    token: Secret | None,
    webhook_secret: Secret | None,
    *,
    transport: object = None,
    timeout: float = READ_TIMEOUT,
    no_token: str = NO_TOKEN,
) -> Recheck:
    """Re-read what every passing result rests on; see the module docstring.

    `no_token`: the note when `token` is None and something needed it (the caller may
    know why better, e.g. "--token-env T: environment variable T is empty")."""
    result = Recheck()
    passes = _passes(checklist, state)
    if not passes:
        return result
    target = state.target
    pieces: dict[tuple[str, str], Snapshot] = {}
    for rec in passes.values():
        for snap in rec.verified:
            pieces.setdefault(snap.key, snap)
    now_of: dict[tuple[str, str], Snapshot | None] = {}
    if (WEBHOOK, "") in pieces:
        hook = str(target.settings.get("webhook_url", ""))
        if webhook_secret is None:
            # Unknown, so not compared (nor counted as read): never called changed.
            result.notes.append("webhook signing secret not in the keyring: not compared")
        else:
            now_of[(WEBHOOK, "")] = webhook_snapshot(hook, webhook_secret)
    remote = [s for k, s in pieces.items() if k[0] != WEBHOOK]
    wants_account = any(set(r.account) - TARGET_FACTS for r in passes.values())
    current_account: dict[str, str] | None = None
    if remote or wants_account:
        if token is None:
            result.notes.append(no_token)
        else:
            current_account = await _read_remote(
                target, token, remote, wants_account, now_of, result, transport, timeout
            )
    for item_id, rec in passes.items():
        why = _first_change(rec, now_of, current_account)
        if why:
            result.drift[item_id] = why
    result.read = len([k for k in pieces if k in now_of]) + (current_account is not None)
    return result


def _first_change(
    rec: ProbeRecord,
    now_of: Mapping[tuple[str, str], Snapshot | None],
    account: Mapping[str, str] | None,
) -> str:
    if account is not None:
        api_facts = {k: v for k, v in rec.account.items() if k not in TARGET_FACTS}
        moved = account_changes(api_facts, account)
        if moved:
            return moved
    for snap in rec.verified:
        if snap.key in now_of:
            changed = changes(snap, now_of[snap.key])
            if changed:
                return changed
    return ""


async def _read_remote(
    target: Target,
    token: Secret,
    remote: Sequence[Snapshot],
    wants_account: bool,
    now_of: dict[tuple[str, str], Snapshot | None],
    result: Recheck,
    transport: object,
    timeout: float,
) -> dict[str, str] | None:
    """Fill `now_of` for `remote`; return the account facts (None when not read)."""
    # Only now: `status` with nothing to re-read stays light (no httpx).
    from golive_tui.core.probes.http import ApiError, DeadlineExceeded
    from golive_tui.core.probes.session import api_session

    found = providers.find(target.provider)
    if found is None or not found.recheck_ref:
        result.notes.append(f"golive cannot re-read {target.provider or 'this'} configuration")
        return None
    reader: ConfigReader = resolve(found.recheck_ref)
    redactor = Redactor([token.reveal()])
    async with api_session(
        target, token, found.dialect(), timeout=timeout, transport=transport
    ) as api:
        sem = asyncio.Semaphore(CONCURRENCY)
        failures: list[str] = []

        async def one(snap: Snapshot) -> None:
            async with sem:
                try:
                    now_of[snap.key] = await reader.snapshot(api, target, snap)
                except (ApiError, DeadlineExceeded) as exc:
                    failures.append(f"{snap.label}: {redactor(str(exc))}")

        async def acct() -> dict[str, str] | None:
            if not wants_account:
                return None
            async with sem:
                try:
                    return await reader.account(api, target)
                except (ApiError, DeadlineExceeded) as exc:
                    failures.append(f"account: {redactor(str(exc))}")
                    return None

        try:
            async with asyncio.timeout(timeout + 1):
                *_, account = await asyncio.gather(*(one(s) for s in remote), acct())
        except TimeoutError:
            failures.append(f"no answer within {timeout:.0f} s")
            account = None
    if failures:
        shown = "; ".join(failures[:2]) + (
            f"; and {len(failures) - 2} more" if failures[2:] else ""
        )
        result.notes.append(f"could not re-read: {shown}")
    return account
