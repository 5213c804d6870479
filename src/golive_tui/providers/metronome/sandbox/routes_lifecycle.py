"""The Metronome sandbox's writes that `golive test-customer` and `golive cleanup`
make, with the bodies the API requires (metronome-python, src/metronome/types/v1):

- `POST /v1/customers` (customer_create_params.py): `name` required, `ingest_aliases`
  a list of strings; 200 `{data: Customer}`. An alias another customer holds, even an
  archived one ("ingest aliases remain idempotent for archived customers",
  resources/v1/customers/customers.py `archive`), is a 409.
- `POST /v1/contracts/create` (contract_create_params.py): `customer_id` and
  `starting_at` required; `rate_card_id` must exist; a reused `uniqueness_key` is a
  409; 200 `{data: {id}}`.
- `POST /v1/contracts/archive` (contract_archive_params.py): `contract_id`,
  `customer_id` and `void_invoices` all required; its draft invoices are cancelled.
- `POST /v1/customers/archive` (customer_archive_params.py): `{id}`; archives the
  customer's contracts and voids their invoices. Archived objects leave the default
  lists and ingest no longer resolves to the customer (records/account.py).
"""

from __future__ import annotations

import uuid
from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.providers.metronome.sandbox.records import Contract, Customer
from golive_tui.providers.metronome.sandbox.routes_common import MetronomeRoutes
from golive_tui.providers.metronome.sandbox.values import is_uuid

MAX_NAME = 160  # longer names are truncated (customer_create_params.py)


class LifecycleRoutes(MetronomeRoutes):
    def create_customer(self, request: Request) -> Response:
        body = self._body(request)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise HttpError(400, "name: required, a non-empty string")
        aliases = body.get("ingest_aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
            raise HttpError(400, "ingest_aliases: must be a list of non-empty strings")
        for c in self.account.customers.values():
            taken = set(aliases) & {c.id, *c.ingest_aliases}
            if taken:
                raise HttpError(409, f"ingest alias {sorted(taken)[0]} is already in use")
        customer = Customer(str(uuid.uuid4()), name[:MAX_NAME], list(aliases), self.now())
        self.account.customers[customer.id] = customer
        return Response(200, {"data": customer.to_api()})

    def archive_customer(self, request: Request) -> Response:
        body = self._body(request)
        customer = self._customer(body.get("id"), "id")
        now = self.now()
        if customer.archived_at is None:
            customer.archived_at = now
            for contract in self.account.contracts_of(customer.id):
                contract.archived_at = contract.archived_at or now
        return Response(200, {"data": {"id": customer.id}})

    def create_contract(self, request: Request) -> Response:
        body = self._body(request)
        customer = self._customer(body.get("customer_id"))
        if customer.archived_at is not None:
            raise HttpError(400, f"customer {customer.id} is archived")
        starting_at = self._time(body.get("starting_at"), "starting_at")
        assert starting_at is not None  # required above
        ending_before = self._time(body.get("ending_before"), "ending_before", required=False)
        rate_card_id = body.get("rate_card_id")
        if rate_card_id is not None:
            if not is_uuid(rate_card_id):
                raise HttpError(400, "rate_card_id must be a uuid")
            if rate_card_id not in self.account.rate_cards:
                raise HttpError(404, f"rate card {rate_card_id} not found")
        key = body.get("uniqueness_key")
        if key is not None and not isinstance(key, str):
            raise HttpError(400, "uniqueness_key must be a string")
        if key and any(c.uniqueness_key == key for c in self.account.contracts.values()):
            raise HttpError(409, f"a contract with uniqueness_key {key!r} already exists")
        contract = Contract(
            id=str(uuid.uuid4()),
            customer_id=customer.id,
            name=str(body.get("name") or ""),
            rate_card_id=str(rate_card_id or ""),
            starting_at=starting_at,
            created_at=self.now(),
            ending_before=ending_before,
            uniqueness_key=key or None,
        )
        self.account.contracts[contract.id] = contract
        return Response(200, {"data": {"id": contract.id}})

    def archive_contract(self, request: Request) -> Response:
        body = self._body(request)
        missing = [k for k in ("contract_id", "customer_id", "void_invoices") if k not in body]
        if missing:
            raise HttpError(400, f"{missing[0]}: required")
        if not isinstance(body["void_invoices"], bool):
            raise HttpError(400, "void_invoices must be true or false")
        customer = self._customer(body["customer_id"])
        contract = self._contract_of(customer.id, body["contract_id"])
        contract.archived_at = contract.archived_at or self.now()
        return Response(200, {"data": {"id": contract.id}})

    def _contract_of(self, customer_id: str, contract_id: Any) -> Contract:
        if not is_uuid(contract_id):
            raise HttpError(400, "contract_id must be a uuid")
        contract = self.account.contracts.get(contract_id)
        if contract is None or contract.customer_id != customer_id:
            raise HttpError(404, f"contract {contract_id} not found")
        return contract
