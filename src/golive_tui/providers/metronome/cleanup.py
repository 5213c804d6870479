"""`golive cleanup` on Metronome: archive what golive created (nothing is deleted).

From metronome-python (src/metronome/resources/v1):
- `POST /v1/contracts/archive` {contract_id, customer_id, void_invoices} (all required,
  contract_archive_params.py): "Any draft invoices will be canceled"; golive sends
  `void_invoices: false`, so a finalized invoice stays as the customer saw it.
- `POST /v1/customers/archive` {id} (customer_archive_params.py): "will automatically
  archive all contracts as of the current date and void all corresponding invoices";
  it cannot be undone, and its ingest aliases stay taken.
- Usage events cannot be deleted: no endpoint removes an ingested event.
"""

from __future__ import annotations

from typing import Any

from golive_tui.core.probes.http import ApiClient
from golive_tui.core.state import CreatedObject, Target
from golive_tui.providers.metronome.probes.reads import UUID


class MetronomeCleaner:
    after_customer_removed = "Metronome voids an archived customer's invoices, so they do not bill"

    def action(self, obj: CreatedObject) -> tuple[str, str]:
        if obj.kind == "contract":
            return "archive", "POST /v1/contracts/archive, void_invoices false"
        if obj.kind == "customer":
            return "archive", "POST /v1/customers/archive; it voids the customer's invoices"
        if obj.kind == "usage-event":
            return "", "Metronome has no endpoint that deletes an ingested event"
        return "", f"golive does not know how to remove a Metronome {obj.kind}"

    async def remove(self, api: ApiClient, target: Target, obj: CreatedObject) -> str:
        if obj.kind == "contract":
            body: dict[str, Any] = {
                "contract_id": obj.id,
                "customer_id": obj.customer,
                "void_invoices": False,
            }
            await api.request("POST", "/v1/contracts/archive", json_body=body, keys=("data",))
        else:
            await api.request(
                "POST", "/v1/customers/archive", json_body={"id": obj.id}, keys=("data",)
            )
        return "archived"

    async def draft_invoice(self, api: ApiClient, target: Target, customer: str) -> str:
        customer_id = await self._customer_id(api, customer)
        if not customer_id:
            return ""
        resp = await api.request(
            "GET",
            f"/v1/customers/{customer_id}/invoices",
            params={"status": "DRAFT", "sort": "date_desc"},
            keys=("data",),
        )
        drafts = [i for i in resp.body["data"] if isinstance(i, dict) and i.get("id")]
        return str(drafts[0]["id"]) if drafts else ""

    async def _customer_id(self, api: ApiClient, ref: str) -> str:
        """The customer's id from an event's `customer_id` (its id or an ingest alias)."""
        if UUID.match(ref):
            return ref
        resp = await api.request(
            "GET", "/v1/customers", params={"ingest_alias": ref}, keys=("data",)
        )
        found = [c for c in resp.body["data"] if isinstance(c, dict) and c.get("id")]
        return str(found[0]["id"]) if found else ""


CLEANER = MetronomeCleaner()
