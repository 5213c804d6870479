"""`golive cleanup`: taking down what golive created in the billing account.

Every object a probe or `golive test-customer` created is in the state
(`State.created_objects`, with its run id). `plan` says, for each one not taken down
yet, what the platform's API allows: archive it, delete it, cancel it, or nothing
(usage events: no billing API deletes an accepted event). `run` performs the
removals in order (a customer's contract or subscription before the customer), marks
each done one in the state (`removed_at`, `removed`), and leaves a refused one listed
with the API's reason. The usage events that stay are summed per customer with the
most they can cost, and the customer's draft invoice is read (read-only) to name
where they bill.

The platform side is a `Cleaner` (`Provider.cleanup_ref`). UI-free; the command is
commands/cleanup.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from golive_tui.core.errors import GoliveError
from golive_tui.core.money import format_money
from golive_tui.core.probes.http import ApiClient, ApiError, DeadlineExceeded
from golive_tui.core.state import CreatedObject, State, Target, now

EVENT = "usage-event"
CUSTOMER = "customer"


class Cleaner(Protocol):
    """What a platform's API allows for the objects golive creates there."""

    # What became of usage events once golive took their customer down, e.g.
    # "archiving a customer voids its invoices, so they do not bill".
    after_customer_removed: str

    def action(self, obj: CreatedObject) -> tuple[str, str]:
        """How `obj` comes down: (verb, the request), e.g. ("archive", "POST
        /v1/customers/archive"); ("", why not) when the API cannot remove it."""
        ...

    async def remove(self, api: ApiClient, target: Target, obj: CreatedObject) -> str:
        """Take `obj` down; returns how ("archived", "deleted", "cancelled"). Raises
        ApiError with the API's reason when it refuses."""
        ...

    async def draft_invoice(self, api: ApiClient, target: Target, customer: str) -> str:
        """The id of `customer`'s draft invoice (its id or the reference events use),
        "" when it has none; read-only. Raises ApiError when it cannot tell."""
        ...


@dataclass(frozen=True)
class Step:
    obj: CreatedObject
    verb: str  # "archive", "delete", "cancel"; "" for what stays
    how: str  # the request, or why it cannot be removed

    @property
    def line(self) -> str:
        what = f"{self.obj.kind} {self.obj.id}"
        return f"{self.verb} {what} ({self.how})" if self.verb else f"{what} stays: {self.how}"


@dataclass
class EventGroup:
    """The usage events that stay for one customer, and what they can cost."""

    customer: str
    count: int = 0
    worth: dict[str, Decimal] = field(default_factory=dict)  # currency → at most
    unpriced: int = 0  # events golive recorded no worth for
    gone: str = ""  # how golive took the customer down, when it did
    invoice: str = ""  # its draft invoice id, once read
    unread: str = ""  # why the draft invoice could not be read

    def add(self, obj: CreatedObject) -> None:
        self.count += 1
        if obj.worth is None or not obj.currency:
            self.unpriced += 1
        else:
            self.worth[obj.currency] = self.worth.get(obj.currency, Decimal(0)) + obj.worth

    def worth_text(self) -> str:
        shown = " + ".join(format_money(v, c) for c, v in sorted(self.worth.items()))
        if not shown:
            return "of unknown worth"
        extra = f" (and {self.unpriced} of unknown worth)" if self.unpriced else ""
        return f"worth at most {shown}{extra}"

    def line(self, after_removed: str) -> str:
        n = f"{self.count} test event{'s' if self.count != 1 else ''} {self.worth_text()}"
        who = (
            f"customer {self.customer}"
            if self.customer
            else "a customer golive did not record (events from an older golive)"
        )
        if self.gone:
            return f"{n} remain for {who}, which golive {self.gone}: {after_removed}"
        if self.invoice:
            return (
                f"{n} remain on draft invoice {self.invoice} for {who};"
                " they bill unless the invoice is voided"
            )
        if self.unread:
            return f"{n} remain for {who}; its draft invoice could not be read ({self.unread})"
        if not self.customer:
            return f"{n} remain for {who}; golive cannot say which invoice they are on"
        return (
            f"{n} remain for {who}; it has no draft invoice now, so they bill on the"
            " invoice of the period they are dated in"
        )


@dataclass
class Plan:
    steps: list[Step]  # removals first, in the order they must run
    events: list[EventGroup]
    run_ids: list[str]  # the runs it covers
    elsewhere: dict[str, int] = field(default_factory=dict)  # other account → objects

    @property
    def elsewhere_line(self) -> str:
        """What is left alone because it is in another account, in one line, or ""."""
        if not self.elsewhere:
            return ""
        parts = [f"{n} in {where}" for where, n in self.elsewhere.items()]
        return (
            f"not touched: objects golive created in another account ({'; '.join(parts)});"
            " point the target there (golive set base_url …) to clean them up"
        )

    @property
    def writes(self) -> list[Step]:
        return [s for s in self.steps if s.verb]


@dataclass
class Outcome:
    done: list[tuple[Step, str]] = field(default_factory=list)  # step, how it came down
    failed: list[tuple[Step, str]] = field(default_factory=list)  # step, why


def known_runs(state: State) -> list[str]:
    return list(dict.fromkeys(o.run_id for o in state.created_objects))


def plan(state: State, cleaner: Cleaner, run: str | None = None) -> Plan:
    """What cleanup would do for the objects of `run` (every run when None); an unknown
    run id is a one-line error naming the known ones."""
    runs = known_runs(state)
    if run is not None and run not in runs:
        raise GoliveError(
            f"--run {run}: no objects from that run in the state;"
            f" known runs: {', '.join(runs) or 'none (golive created nothing yet)'}"
        )
    here = state.target.account
    chosen: list[CreatedObject] = []
    elsewhere: dict[str, int] = {}
    for o in state.created_objects:
        if run is not None and o.run_id != run:
            continue
        if o.account and o.account != here:
            if o.removed_at is None and o.kind != EVENT:  # events are never removable
                elsewhere[o.account] = elsewhere.get(o.account, 0) + 1
            continue
        chosen.append(o)
    removals: list[Step] = []
    stays: list[Step] = []
    seen_events: set[str] = set()
    groups: dict[str, EventGroup] = {}
    gone = _customers_gone(state)
    for obj in chosen:
        if obj.kind == EVENT:
            if obj.id in seen_events:
                continue  # a resent copy of the same event
            seen_events.add(obj.id)
            group = groups.setdefault(obj.customer, EventGroup(customer=obj.customer))
            group.add(obj)
            group.gone = gone.get(obj.customer, "")
            continue
        if obj.removed_at is not None:
            continue
        verb, how = cleaner.action(obj)
        (removals if verb else stays).append(Step(obj, verb, how))
    # A customer's contract or subscription first: some APIs refuse the customer before.
    removals.sort(key=lambda s: s.obj.kind == CUSTOMER)
    return Plan(removals + stays, list(groups.values()), runs, elsewhere)


def _customers_gone(state: State) -> dict[str, str]:
    """Customer id or event reference → how golive took it down."""
    out = {}
    for o in state.created_objects:
        if o.kind == CUSTOMER and o.removed_at is not None:
            out[o.id] = o.removed
            if o.alias:
                out[o.alias] = o.removed
    return out


async def execute(
    state: State,
    steps: Sequence[Step],
    cleaner: Cleaner,
    api: ApiClient,
    on_done: Callable[[], None] | None = None,
) -> Outcome:
    """Perform the removals in order, marking each done in `state` (the caller saves).
    A customer whose contract or subscription could not come down is not tried."""
    outcome = Outcome()
    blocked: set[str] = set()
    for step in steps:
        if not step.verb:
            continue
        obj = step.obj
        if obj.kind == CUSTOMER and obj.id in blocked:
            outcome.failed.append((step, "not tried: what it holds could not be removed"))
            continue
        try:
            how = await cleaner.remove(api, state.target, obj)
        except (ApiError, DeadlineExceeded) as exc:
            outcome.failed.append((step, str(exc)))
            if obj.customer:
                blocked.add(obj.customer)
            continue
        obj.removed_at, obj.removed = now(), how
        state.updated_at = obj.removed_at
        outcome.done.append((step, how))
        if on_done is not None:
            on_done()
    return outcome


async def read_invoices(
    groups: Sequence[EventGroup], cleaner: Cleaner, api: ApiClient, target: Target
) -> None:
    """Name each still-live customer's draft invoice (read-only)."""
    for group in groups:
        if group.gone or not group.customer:
            continue
        try:
            group.invoice = await cleaner.draft_invoice(api, target, group.customer)
        except (ApiError, DeadlineExceeded) as exc:
            group.unread = str(exc)


def refresh_gone(state: State, groups: Sequence[EventGroup]) -> None:
    """After a run: the events of a customer golive just took down."""
    gone = _customers_gone(state)
    for group in groups:
        group.gone = gone.get(group.customer, "")


def release_target(state: State) -> str:
    """Clear the target's customer when it is one golive just took down (probes would
    write to a customer that no longer bills); what was done, in words, or ""."""
    ref = state.target.customer_id
    if not ref or ref not in _customers_gone(state):
        return ""
    state.target.customer_id = ""
    return (
        f"the target's customer_id ({ref}) was golive's test customer, now taken down:"
        " cleared; set another with golive set customer_id ID or golive test-customer create"
    )
