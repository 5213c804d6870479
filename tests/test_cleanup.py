"""`golive test-customer create` and `golive cleanup` against both sandboxes over real
HTTP on loopback: what `check` and the test customer created is listed by a dry run
that writes nothing, taken down by a cleanup (the sandbox shows it archived, cancelled
or deleted), marked in the state so a second cleanup has nothing to do, filtered by
`--run`, and never written to a production account without approval; a removal the
API refuses says why and stays listed for the next run."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive_tui import cli
from golive_tui.commands import demo
from golive_tui.core import checklist as checklists
from golive_tui.core import state as S
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.providers.flexprice.sandbox.app import FlexpriceSandbox
from golive_tui.providers.metronome.sandbox.app import MetronomeSandbox
from spec_check import operation, request_errors

TOKEN_ENV = "CLEANUP_TEST_TOKEN"
READS = {"GET"}
# Reads sent with POST (Metronome's list endpoints, Flexprice's searches).
POST_READS = ("/list", "/get", "/getRates", "/search", "/query", "/preview", "/usage")


@dataclass
class Box:
    provider: str
    sb: Any
    server: SandboxServer
    state: Path

    @property
    def url(self) -> str:
        return self.server.base_url

    def golive(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
        capsys.readouterr()
        token = [] if args[0] == "set" else ["--token-env", TOKEN_ENV]
        rc = cli.main([*args, "--state", str(self.state), *token])
        out = capsys.readouterr()
        return rc, out.out + out.err

    def writes(self) -> list[str]:
        """Every request that changed something, as "METHOD path"."""
        return [
            f"{r.method} {r.path}"
            for r in self.sb.log
            if r.method not in READS
            and not (r.method == "POST" and r.path.endswith(POST_READS))
            and r.path not in ("/v1/ingest", "/v1/events/bulk", "/v1/events/search")
        ]

    def saved(self) -> S.State:
        return S.read(self.state)

    def created(self, kind: str) -> list[S.CreatedObject]:
        return [o for o in self.saved().created_objects if o.kind == kind]


@pytest.fixture(params=["metronome", "flexprice"])
def box(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Box]:
    provider = request.param
    token = ("mt_" if provider == "metronome" else "sk_") + secrets.token_hex(12)
    sb: Any = (
        MetronomeSandbox(token, rate_limit=1000.0)
        if provider == "metronome"
        else FlexpriceSandbox(token)
    )
    monkeypatch.setenv(TOKEN_ENV, token)
    server = SandboxServer(sb).start()
    path = tmp_path / "state.toml"
    target = demo.demo_target(sb, server.base_url)
    checklist = checklists.load(provider)
    with S.StateFile.open(path, checklist=checklist, source=provider, target=target, create=True):
        pass
    try:
        yield Box(provider, sb, server, path)
        # Every request golive sent is one the real API accepts (its OpenAPI document).
        sent = [r for r in sb.recorded() if not r.path.startswith("/_sandbox/")]
        problems = [
            e
            for r in sent
            if _documented(provider, r.method, r.path)
            for e in request_errors(provider, r.method, r.path, r.query, r.body)
        ]
        assert problems == []
    finally:
        server.stop()


def _documented(provider: str, method: str, path: str) -> bool:
    try:
        operation(provider, method, path)
    except AssertionError:  # served by the real server, absent from its document
        return False
    return True


USAGE_PROBE = {"metronome": "ingest-dedup", "flexprice": "ingest-lookup"}
HOLDER = {"metronome": "contract", "flexprice": "subscription"}


def _create_and_check(box: Box, capsys: pytest.CaptureFixture[str]) -> str:
    rc, out = box.golive(capsys, "test-customer", "create")
    assert rc == 0, out
    run = box.created("customer")[-1].run_id
    rc, out = box.golive(capsys, "check", "--only", USAGE_PROBE[box.provider])
    assert rc == 0, out
    # The events went to golive's own customer: no hint to make one.
    assert "a customer golive did not create" not in out
    return run


def test_test_customer_is_registered_and_becomes_the_target(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out = box.golive(capsys, "test-customer", "create", "--name", "CI probe customer")
    assert rc == 0, out
    state = box.saved()
    (customer,) = box.created("customer")
    (holder,) = box.created(HOLDER[box.provider])
    assert customer.run_id == holder.run_id and customer.probe == "test-customer"
    assert holder.customer == customer.id
    assert state.target.customer_id == customer.alias == f"golive-test-{customer.run_id}"
    assert "cost:" in out and f"created {holder.kind} {holder.id}" in out
    if box.provider == "metronome":
        made = box.sb.account.customers[customer.id]
        assert made.name == "CI probe customer" and made.ingest_aliases == [customer.alias]
        assert box.sb.account.contracts[holder.id].customer_id == customer.id
    else:
        made = box.sb.account.customers[customer.id]
        assert made.external_id == customer.alias
        assert box.sb.account.subscriptions[holder.id].subscription_status == "active"
        assert "$49.00" in out  # the Growth plan's fixed fee, said before it bills


def test_dry_run_lists_what_check_created_and_changes_nothing(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    _create_and_check(box, capsys)
    before = box.saved()
    writes_before = box.writes()
    rc, out = box.golive(capsys, "cleanup", "--dry-run")
    assert rc == 0, out
    assert box.writes() == writes_before  # nothing that writes was sent
    assert box.saved().created_objects == before.created_objects
    (customer,) = box.created("customer")
    (holder,) = box.created(HOLDER[box.provider])
    verb = {"metronome": "archive", "flexprice": "cancel"}[box.provider]
    assert f"{verb} {holder.kind} {holder.id}" in out
    assert out.index(holder.id) < out.index(f"customer {customer.id}")  # holder first
    events = {o.id for o in box.created("usage-event")}
    assert events and f"{len(events)} test events worth at most $" in out
    if box.provider == "metronome":
        assert box.sb.account.customers[customer.id].archived_at is None
        draft = next(
            i["id"]
            for i in box.sb.account.invoices(customer.id, box.sb.now())
            if i["status"] == "DRAFT"
        )
        assert f"remain on draft invoice {draft} for customer {customer.alias}" in out
        assert "they bill unless the invoice is voided" in out
    else:
        assert box.sb.account.customers[customer.id].status == "published"


def test_cleanup_takes_down_what_the_api_allows_and_a_second_has_nothing_to_do(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    _create_and_check(box, capsys)
    rc, out = box.golive(capsys, "cleanup")
    assert rc == 0, out
    (customer,) = box.created("customer")
    (holder,) = box.created(HOLDER[box.provider])
    headers = (
        {"Authorization": f"Bearer {box.sb.token}"}
        if box.provider == "metronome"
        else {"x-api-key": box.sb.token}
    )
    if box.provider == "metronome":
        assert box.sb.account.customers[customer.id].archived_at is not None
        assert box.sb.account.contracts[holder.id].archived_at is not None
        listed = httpx.get(f"{box.url}/v1/customers", headers=headers).json()["data"]
        assert customer.id not in {c["id"] for c in listed}
        assert (customer.removed, holder.removed) == ("archived", "archived")
        assert "Metronome voids an archived customer's invoices" in out
    else:
        assert box.sb.account.subscriptions[holder.id].subscription_status == "cancelled"
        gone = httpx.get(f"{box.url}/v1/customers/{customer.id}", headers=headers)
        assert gone.status_code == 404
        assert (customer.removed, holder.removed) == ("deleted", "cancelled")
        assert "without a final invoice, so they do not bill" in out
    assert customer.removed_at is not None and holder.removed_at is not None
    assert f"which golive {customer.removed}" in out
    state = box.saved()
    assert state.target.customer_id == ""  # not left pointing at a customer gone
    assert "customer_id" in out and "cleared" in out
    # The JSON review says what was taken down, and what each event could cost.
    from golive_tui.core import checklist as checklists
    from golive_tui.core import export

    data = export.to_dict(checklists.load(box.provider), state)
    by_id = {o["id"]: o for o in data["created_objects"]}
    assert by_id[customer.id]["removed"] == customer.removed and by_id[customer.id]["removed_at"]
    events = [o for o in data["created_objects"] if o["kind"] == "usage-event"]
    assert events and all(o["worth"] is not None and o["currency"] for o in events)

    writes = box.writes()
    rc, out = box.golive(capsys, "cleanup")
    assert rc == 0, out
    assert "nothing to remove" in out
    assert box.writes() == writes


def test_run_filters_and_an_unknown_run_names_the_known_ones(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):
        rc, out = box.golive(capsys, "test-customer", "create")
        assert rc == 0, out
    first, second = box.created("customer")
    rc, out = box.golive(capsys, "cleanup", "--run", first.run_id)
    assert rc == 0, out
    first, second = box.created("customer")
    assert first.removed_at is not None and second.removed_at is None
    assert second.id not in out

    rc, out = box.golive(capsys, "cleanup", "--run", "no-such-run")
    assert rc == 2
    assert out.strip().count("\n") == 0, out
    assert f"known runs: {first.run_id}, {second.run_id}" in out


def test_production_needs_approval_before_any_write(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out = box.golive(capsys, "test-customer", "create")
    assert rc == 0, out
    rc, out = box.golive(capsys, "set", "environment", "production")
    assert rc == 0, out
    writes = box.writes()

    rc, out = box.golive(capsys, "cleanup")
    assert rc == 4, out
    assert "PRODUCTION" in out and "--allow-writes" in out
    assert "nothing was written" in out
    (holder,) = box.created(HOLDER[box.provider])
    assert holder.id in out  # the writes it would make are listed
    rc, out = box.golive(capsys, "test-customer", "create")
    assert rc == 4, out
    assert "POST /v1/customers" in out and "cost:" in out
    assert box.writes() == writes
    assert all(o.removed_at is None for o in box.saved().created_objects)

    rc, out = box.golive(capsys, "cleanup", "--allow-writes")
    assert rc == 0, out
    assert all(o.removed_at is not None for o in box.saved().created_objects)


def test_events_on_your_own_customer_name_its_draft_invoice(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out = box.golive(capsys, "check", "--only", USAGE_PROBE[box.provider])
    assert rc == 0, out
    ref = box.saved().target.customer_id
    rc, out = box.golive(capsys, "cleanup")
    assert rc == 0, out
    assert "nothing to remove" in out  # golive created no customer: only events
    events = {o.id for o in box.created("usage-event")}
    assert all(o.customer == ref for o in box.created("usage-event"))
    if box.provider == "metronome":
        cid = box.sb.demo.customer_id
        draft = next(
            i["id"] for i in box.sb.account.invoices(cid, box.sb.now()) if i["status"] == "DRAFT"
        )
    else:
        draft = box.sb.demo.draft_invoice_id
    assert (
        f"{len(events)} test events worth at most $" in out
        and f"remain on draft invoice {draft} for customer {ref}" in out
    ), out


def test_flag_for_the_other_platform_is_one_line(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    flag = "--plan" if box.provider == "metronome" else "--rate-card"
    rc, out = box.golive(capsys, "test-customer", "create", flag, "x")
    assert rc == 2 and out.startswith(f"golive: error: {flag}:"), out
    assert out.strip().count("\n") == 0
    assert box.writes() == []


# --- when the API refuses, or someone got there first (Flexprice) ---


@pytest.fixture
def http(box: Box) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=box.url, headers={"x-api-key": box.sb.token}) as client:
        yield client


@pytest.mark.parametrize("box", ["flexprice"], indirect=True)
def test_a_refused_delete_stays_listed_and_the_next_cleanup_retries(
    box: Box, http: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out = box.golive(capsys, "test-customer", "create")
    assert rc == 0, out
    (customer,) = box.created("customer")
    # A subscription golive did not create keeps the customer from being deleted.
    extra = http.post(
        "/v1/subscriptions",
        json={
            "customer_id": customer.id,
            "plan_id": box.sb.demo.plan_id,
            "currency": "usd",
            "billing_period": "MONTHLY",
            "billing_cycle": "calendar",
        },
    )
    assert extra.status_code == 201, extra.text

    rc, out = box.golive(capsys, "cleanup")
    assert rc == 3, out
    assert f"NOT removed: customer {customer.id}" in out
    assert "cancel all subscriptions before deleting the customer" in out
    (customer,) = box.created("customer")
    (sub,) = box.created("subscription")
    assert customer.removed_at is None and sub.removed == "cancelled"
    assert box.saved().target.customer_id == customer.alias  # still there: not cleared

    cancelled = http.post(
        f"/v1/subscriptions/{extra.json()['id']}/cancel", json={"cancellation_type": "immediate"}
    )
    assert cancelled.status_code == 200, cancelled.text
    rc, out = box.golive(capsys, "cleanup")
    assert rc == 0, out
    assert f"deleted customer {customer.id}" in out
    assert f"subscription {sub.id}" not in out  # done before: not tried again
    (customer,) = box.created("customer")
    assert customer.removed == "deleted"


@pytest.mark.parametrize("box", ["flexprice"], indirect=True)
def test_a_subscription_cancelled_outside_golive_counts_as_done(
    box: Box, http: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out = box.golive(capsys, "test-customer", "create")
    assert rc == 0, out
    (sub,) = box.created("subscription")
    done = http.post(f"/v1/subscriptions/{sub.id}/cancel", json={"cancellation_type": "immediate"})
    assert done.status_code == 200, done.text
    rc, out = box.golive(capsys, "cleanup")
    assert rc == 0, out
    assert all(o.removed_at is not None for o in box.saved().created_objects)


# --- production on a terminal: the typed confirmation ---


def _on_a_terminal(box: Box, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`golive cleanup` in a subprocess whose stdin is a real pseudo-terminal."""
    master, slave = os.openpty()
    try:
        os.write(master, (answer + "\n").encode())
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
        env.update({TOKEN_ENV: os.environ[TOKEN_ENV], "PYTHONIOENCODING": "utf-8"})
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        command = ["cleanup", "--state", str(box.state), "--token-env", TOKEN_ENV, *args]
        return subprocess.run(
            [sys.executable, "-m", "golive_tui", *command],
            stdin=slave,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    finally:
        os.close(slave)
        os.close(master)


@pytest.mark.parametrize("box", ["metronome"], indirect=True)
def test_production_on_a_terminal_writes_only_after_typing_production(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out = box.golive(capsys, "test-customer", "create")
    assert rc == 0, out
    rc, out = box.golive(capsys, "set", "environment", "production")
    assert rc == 0, out
    writes = box.writes()
    refused = _on_a_terminal(box, "yes")
    assert refused.returncode == 4, refused.stdout + refused.stderr
    assert "Type 'production' to go on" in refused.stdout
    assert "not confirmed; nothing was written" in refused.stdout
    assert box.writes() == writes
    done = _on_a_terminal(box, "production")
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(o.removed == "archived" for o in box.saved().created_objects)


def test_objects_in_another_account_are_left_alone(
    box: Box, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rc, out = box.golive(capsys, "test-customer", "create")
    assert rc == 0, out
    (customer,) = box.created("customer")
    assert customer.account == f"{box.provider} {box.url}"
    # The same session pointed at another account (a second sandbox).
    other: Any = (
        FlexpriceSandbox(box.sb.token)
        if box.provider == "flexprice"
        else MetronomeSandbox(box.sb.token, rate_limit=1000.0)
    )
    with SandboxServer(other) as srv:
        rc, out = box.golive(capsys, "set", "base_url", srv.base_url)
        assert rc == 0, out
        rc, out = box.golive(capsys, "cleanup")
        assert rc == 0, out
        assert "not touched: objects golive created in another account" in out
        assert f"2 in {customer.account}" in out
        assert all(r.method == "GET" for r in other.log)  # nothing written there
    assert all(o.removed_at is None for o in box.saved().created_objects)


def test_without_a_plan_or_rate_card_the_error_names_the_flag(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    setting, flag = (
        ("rate_card_id", "--rate-card") if box.provider == "metronome" else ("plan_id", "--plan")
    )
    rc, out = box.golive(capsys, "set", setting, "--unset")
    assert rc == 0, out
    rc, out = box.golive(capsys, "test-customer", "create")
    assert rc == 2 and out.startswith(f"golive: error: {flag}: missing"), out
    assert f"golive set {setting}" in out and out.strip().count("\n") == 0
    rc, out = box.golive(capsys, "test-customer", "create", flag, "no-such-thing")
    assert rc == 2 and f"{flag} no-such-thing:" in out and "no such" in out, out
    assert box.writes() == [] and box.saved().created_objects == []


def test_a_token_given_as_a_flag_is_refused_and_not_echoed(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["cleanup", "--state", str(box.state), "--token", "sk_pasted_secret_value"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "tokens are never taken as arguments" in err and "sk_pasted" not in err


def test_events_from_an_older_golive_are_reported_without_guessing(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    with S.StateFile.open(box.state) as sf:  # as an older golive recorded them
        for n in (1, 2):
            sf.state.add_created(
                S.CreatedObject(
                    run_id="old", probe="ingest", kind="usage-event", id=f"e{n}", at=S.now()
                )
            )
        sf.save()
    rc, out = box.golive(capsys, "cleanup", "--run", "old")
    assert rc == 0, out
    assert "2 test events of unknown worth remain for a customer golive did not record" in out
    assert "golive cannot say which invoice they are on" in out
