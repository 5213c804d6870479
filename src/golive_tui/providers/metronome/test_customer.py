"""`golive test-customer create` on Metronome: a customer with an ingest alias of its
own, on a contract for the rate card the probes check.

From metronome-python (src/metronome/types/v1): `POST /v1/customers`
(customer_create_params.py: `name` required, `ingest_aliases`) answers `{data:
Customer}`; `POST /v1/contracts/create` (contract_create_params.py: `customer_id`,
`starting_at` required; `rate_card_id`; `uniqueness_key` makes a retry a 409, not a
second contract) answers `{data: {id}}`. The rate card is read first with
`POST /v1/contract-pricing/rate-cards/get` to name it and to refuse a wrong id
before anything is written.
"""

from __future__ import annotations

from datetime import UTC, datetime

from golive_tui.core.errors import GoliveError
from golive_tui.core.probes.http import ApiClient, ApiError
from golive_tui.core.state import CreatedObject, Target
from golive_tui.core.test_customer import Preview, Request, made
from golive_tui.providers.metronome.probes.reads import UUID


def _month_start() -> datetime:
    """The contract starts at midnight UTC on the 1st: its usage periods are months,
    and this month's test usage (backdated events too) falls inside it."""
    return datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


class MetronomeTestCustomer:
    def _rate_card(self, target: Target, request: Request) -> str:
        if request.plan:
            raise GoliveError(
                "--plan: Metronome puts customers on rate cards; pass --rate-card ID instead"
            )
        card = request.rate_card or str(target.settings.get("rate_card_id", ""))
        if not card:
            raise GoliveError(
                "--rate-card: missing; pass the rate card the test customer's contract should"
                " use, or set one with golive set rate_card_id ID"
            )
        if not UUID.match(card):
            raise GoliveError(
                f"--rate-card {card}: no such Metronome rate card (its ids are uuids);"
                " pass the id from Offering → Rate cards"
            )
        return card

    async def preview(self, api: ApiClient, target: Target, request: Request) -> Preview:
        card_id = self._rate_card(target, request)
        try:
            resp = await api.request(
                "POST",
                "/v1/contract-pricing/rate-cards/get",
                json_body={"id": card_id},
                keys=("data",),
            )
        except ApiError as exc:
            if exc.status in (400, 404):
                raise GoliveError(
                    f"--rate-card {card_id}: Metronome has no such rate card ({exc.message});"
                    " pass the id from Offering → Rate cards"
                ) from None
            raise
        name = str(resp.body["data"].get("name") or card_id)
        start = _month_start().date().isoformat()
        return Preview(
            writes=[
                f"POST /v1/customers: customer {request.display_name!r} with ingest alias"
                f" {request.alias}",
                f"POST /v1/contracts/create: a contract on rate card {name!r} from {start}",
            ],
            cost="the contract has no commits, credits or scheduled charges: only usage sent"
            " to this customer bills",
        )

    async def create(
        self, api: ApiClient, target: Target, request: Request, created: list[CreatedObject]
    ) -> str:
        card_id = self._rate_card(target, request)
        resp = await api.request(
            "POST",
            "/v1/customers",
            json_body={"name": request.display_name, "ingest_aliases": [request.alias]},
            idempotent=False,
            keys=("data",),
        )
        customer_id = str(resp.body["data"]["id"])
        created.append(made(request, "customer", customer_id))
        resp = await api.request(
            "POST",
            "/v1/contracts/create",
            json_body={
                "customer_id": customer_id,
                "rate_card_id": card_id,
                "starting_at": _month_start().isoformat().replace("+00:00", "Z"),
                "name": "golive test contract",
                "uniqueness_key": f"golive-test-{request.run_id}",
            },
            idempotent=False,
            keys=("data",),
        )
        created.append(made(request, "contract", str(resp.body["data"]["id"]), customer_id))
        return request.alias


MAKER = MetronomeTestCustomer()
