"""Metronome's cheap re-read (core/recheck.py's `ConfigReader`): each piece a probe
verified, fetched again read-only from the same endpoint and built by the same
function (probes/fingerprints.py), so an unchanged account compares equal.

Time-bound rates are read as in force *now*, as the probes priced them: a rate
scheduled to start later is not a change yet (it becomes one when it starts).
"""

from __future__ import annotations

from golive_tui.core.fingerprint import Snapshot
from golive_tui.core.probes.common import utc_now
from golive_tui.core.probes.http import ApiClient, ApiError
from golive_tui.core.state import Target
from golive_tui.providers.metronome.probes import fingerprints as fp
from golive_tui.providers.metronome.probes import reads


def _customer_ref(target: Target) -> str:
    return (target.customer_id or str(target.settings.get("customer_id", ""))).strip()


class MetronomeReader:
    async def account(self, api: ApiClient, target: Target) -> dict[str, str]:
        """The test customer the token reaches now: its id and name. Metronome has no
        account-identity endpoint, so the customer is what tells accounts apart."""
        ref = _customer_ref(target)
        if not ref:
            return {}
        customer = await reads.customer_by_ref(api, ref)
        if customer is None:
            return {"customer id": f"none found for {ref!r}"}
        return {"customer id": str(customer.get("id")), "customer name": str(customer.get("name"))}

    async def snapshot(self, api: ApiClient, target: Target, old: Snapshot) -> Snapshot | None:
        if old.kind == fp.METRIC:
            found = await reads.metric(api, old.ref)
            return None if found is None else fp.metric_snapshot(found)
        if old.kind == fp.RATE_CARD:
            try:
                card = await reads.rate_card(api, old.ref)
            except ApiError as exc:
                if exc.status == 404:
                    return None
                raise
            rates = await reads.card_rates(api, old.ref, utc_now())
            return fp.rate_card_snapshot(old.ref, card, rates)
        if old.kind == fp.CUSTOMER:
            found = await reads.customer_by_ref(api, old.ref)
            if found is None or found.get("id") != old.ref:
                return None
            return fp.customer_snapshot(found)
        if old.kind in (fp.CONTRACT, fp.SCHEDULE):
            return await self._contract(api, target, old)
        raise ApiError(f"golive cannot re-read a Metronome {old.kind}", unusable=True)

    async def _contract(self, api: ApiClient, target: Target, old: Snapshot) -> Snapshot | None:
        ref = _customer_ref(target)
        customer = await reads.customer_by_ref(api, ref) if ref else None
        if customer is None:
            raise ApiError(
                f"the test customer {ref!r} was not found, so its contract could not be read",
                unusable=True,
            )
        contracts = await reads.contracts_of(api, str(customer["id"]))
        contract = next((k for k in contracts if str(k.get("id")) == old.ref), None)
        if contract is None:
            return None  # archived or gone: /v2/contracts/list leaves archived ones out
        if old.kind == fp.CONTRACT:
            return fp.contract_snapshot(contract)
        rows = await reads.rate_schedule(api, str(customer["id"]), old.ref, utc_now())
        return fp.schedule_snapshot(contract, rows)


READER = MetronomeReader()
