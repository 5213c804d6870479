"""The Flexprice demo's customers, their subscriptions, and the invoices: last
period finalized (and paid when auto-collected), this one DRAFT."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from golive_tui.core.sandbox.dates import add_months
from golive_tui.providers.flexprice.sandbox.account import Account
from golive_tui.providers.flexprice.sandbox.catalog import Customer, Plan
from golive_tui.providers.flexprice.sandbox.records import Invoice
from golive_tui.providers.flexprice.sandbox.subscriptions import LineItem, Subscription
from golive_tui.providers.flexprice.sandbox.values import fid


@dataclass(frozen=True)
class DemoCustomers:
    quill: Customer  # the test customer (left out under `customer-missing`)
    lumen: Customer  # on the Scale plan, invoiced by email
    orbit: Customer  # subscribed this month
    s_quill: Subscription
    s_lumen: Subscription
    s_orbit: Subscription


def seed_customers(
    account: Account,
    growth: Plan,
    scale: Plan,
    created: datetime,
    this_month: datetime,
    last_month: datetime,
    faults: frozenset[str],
) -> DemoCustomers:
    # --- customers and subscriptions ---
    quill = Customer(
        fid("cust", "quill-test"),
        "quill-test",
        "Quill Analytics (golive test)",
        "billing+golive@quill-analytics.example",
        created,
        {"segment": "growth", "purpose": "go-live testing"},
    )
    lumen = Customer(
        fid("cust", "lumen-health"),
        "lumen-health",
        "Lumen Health",
        "ap@lumen-health.example",
        created,
    )
    orbit = Customer(
        fid("cust", "orbit-retail"),
        "orbit-retail",
        "Orbit Retail",
        "finance@orbit-retail.example",
        created + timedelta(days=30),
    )
    for c in (quill, lumen, orbit):
        if c is quill and "customer-missing" in faults:
            continue
        account.customers[c.id] = c

    def subscribe(
        customer: Customer, plan: Plan, start: datetime, collection: str = "charge_automatically"
    ) -> Subscription:
        sub = Subscription(
            fid("subs", customer.external_id, plan.lookup_key),
            customer.id,
            plan.id,
            start,
            start,
            line_items=[
                LineItem(fid("subs_line", customer.external_id, p), p, start)
                for p in plan.price_ids
            ],
            collection_method=collection,
            lookup_key=f"{customer.external_id}-{plan.lookup_key}",
        )
        return sub

    s_quill = subscribe(quill, growth, last_month)
    s_lumen = subscribe(lumen, scale, last_month, "send_invoice")
    s_orbit = subscribe(orbit, growth, this_month)
    for s in (s_quill, s_lumen, s_orbit):
        if s is s_quill and faults & {"customer-missing", "no-subscription"}:
            continue
        account.subscriptions[s.id] = s
    return DemoCustomers(quill, lumen, orbit, s_quill, s_lumen, s_orbit)


def seed_invoices(
    account: Account,
    subscriptions: tuple[Subscription, ...],
    this_month: datetime,
    last_month: datetime,
) -> tuple[dict[str, str], dict[str, str]]:
    """(draft invoice id, finalized invoice id) per subscription id. Run after the usage:
    finalizing snapshots the usage seen."""
    seq = 0
    draft_ids: dict[str, str] = {}
    final_ids: dict[str, str] = {}
    for s in subscriptions:
        if s.id not in account.subscriptions:
            continue
        if s.start_date < this_month:
            seq += 1
            inv = Invoice(
                fid("inv", s.id, "last"),
                f"INV-{last_month:%Y%m}-{seq:05d}",
                s.id,
                last_month,
                this_month,
                last_month,
            )
            account.invoices[inv.id] = inv
            account.finalize(inv, this_month + timedelta(hours=2))
            assert inv.snapshot is not None
            if s.collection_method == "charge_automatically":
                inv.payment_status = "SUCCEEDED"
                total = inv.snapshot["total"]
                inv.snapshot.update(
                    payment_status="SUCCEEDED",
                    amount_paid=total,
                    amount_remaining="0",
                    paid_at=inv.snapshot["finalized_at"],
                )
            final_ids[s.id] = inv.id
        seq += 1
        draft = Invoice(
            fid("inv", s.id, "this"),
            f"INV-{this_month:%Y%m}-{seq:05d}",
            s.id,
            this_month,
            add_months(this_month, 1),
            this_month,
        )
        account.invoices[draft.id] = draft
        draft_ids[s.id] = draft.id
    return draft_ids, final_ids
