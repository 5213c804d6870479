"""Metronome read requests over a bare `ApiClient`, shared by the probes (through
lookups.py and rates.py) and the re-read (providers/metronome/recheck.py).

One function per endpoint, so a probe and the re-read send exactly the same request
and build their snapshots from the same answer. Nothing here writes.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from golive_tui.core.probes.common import iso
from golive_tui.core.probes.http import ApiClient, ApiError

Obj = dict[str, Any]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _data(body: Any) -> Any:
    return body.get("data") if isinstance(body, dict) else None


async def paged(
    api: ApiClient,
    method: str,
    path: str,
    *,
    params: dict[str, Any] | None = None,
    body: Any = None,
    limit: int | None = 100,
    max_pages: int = 20,
) -> list[Obj]:
    """Every item of a list endpoint; `limit`/`next_page` go in the query string, even
    on POST list endpoints."""
    items: list[Obj] = []
    cursor: str | None = None
    for _ in range(max_pages):
        q = dict(params or {})
        if limit is not None:
            q["limit"] = limit
        if cursor:
            q["next_page"] = cursor
        resp = await api.request(
            method, path, params=q, json_body=body, expect="object", keys=("data",)
        )
        items.extend(d for d in _data(resp.body) or [] if isinstance(d, dict))
        cursor = resp.body.get("next_page") if isinstance(resp.body, dict) else None
        if not cursor:
            break
    return items


async def customer_by_ref(api: ApiClient, ref: str) -> Obj | None:
    """The customer with this id, else the one with this ingest alias; None if neither."""
    if UUID.match(ref):
        try:
            resp = await api.request("GET", f"/v1/customers/{ref}", expect="object", keys=("data",))
            found = _data(resp.body)
            if isinstance(found, dict):
                return found
        except ApiError as exc:
            if exc.status not in (400, 404):
                raise
    resp = await api.request(
        "GET",
        "/v1/customers",
        params={"ingest_alias": ref, "limit": 1},
        expect="object",
        keys=("data",),
    )
    data = _data(resp.body) or []
    return data[0] if data and isinstance(data[0], dict) else None


async def contracts_of(api: ApiClient, customer_id: str) -> list[Obj]:
    """The customer's contracts, not archived (`POST /v2/contracts/list`)."""
    resp = await api.request(
        "POST",
        "/v2/contracts/list",
        json_body={"customer_id": customer_id},
        expect="object",
        keys=("data",),
    )
    return [c for c in _data(resp.body) or [] if isinstance(c, dict)]


async def rate_card(api: ApiClient, card_id: str) -> Obj:
    resp = await api.request(
        "POST",
        "/v1/contract-pricing/rate-cards/get",
        json_body={"id": card_id},
        expect="object",
        keys=("data",),
    )
    found = _data(resp.body)
    return found if isinstance(found, dict) else {}


async def card_rates(api: ApiClient, card_id: str, at: datetime) -> list[Obj]:
    """The rate card's list rates in force at `at` (`getRates`)."""
    return await paged(
        api,
        "POST",
        "/v1/contract-pricing/rate-cards/getRates",
        body={"rate_card_id": card_id, "at": iso(at)},
    )


async def rate_schedule(
    api: ApiClient, customer_id: str, contract_id: str, at: datetime
) -> list[Obj]:
    """Every entitled rate of the contract at `at` (`getContractRateSchedule`)."""
    return await paged(
        api,
        "POST",
        "/v1/contracts/getContractRateSchedule",
        body={"customer_id": customer_id, "contract_id": contract_id, "at": iso(at)},
    )


async def metrics(api: ApiClient) -> list[Obj]:
    """Every billable metric, archived ones too (they are left out by default)."""
    return await paged(api, "GET", "/v1/billable-metrics", params={"include_archived": True})


async def metric(api: ApiClient, metric_id: str) -> Obj | None:
    """One billable metric (`GET /v1/billable-metrics/{id}`); None when it is gone."""
    try:
        resp = await api.request(
            "GET", f"/v1/billable-metrics/{metric_id}", expect="object", keys=("data",)
        )
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise
    found = _data(resp.body)
    return found if isinstance(found, dict) else None
