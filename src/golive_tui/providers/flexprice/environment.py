"""Which environment a Flexprice key belongs to: Flexprice reports its type."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from golive_tui.core.probes.http import ApiClient

SANDBOX_TYPES = frozenset({"development", "sandbox", "test", "testing", "staging"})
PRODUCTION_TYPES = frozenset({"production", "prod", "live"})


def environment_id(items: Any) -> str:
    """The environment id carried by the first object of a list answer ("" if none)."""
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return str(items[0].get("environment_id") or "")
    return ""


async def read_environment(api: ApiClient, env_id: str) -> dict[str, Any]:
    """`GET /v1/environments/{id}`: the environment's name and type."""
    resp = await api.request(
        "GET", f"/v1/environments/{quote(env_id, safe='')}", expect="object", keys=("type",)
    )
    return resp.body if isinstance(resp.body, dict) else {}


def environment_kind(env_id: str, body: dict[str, Any]) -> tuple[str | None, str]:
    """("sandbox" | "production" | None, what the API said) from an environment's answer."""
    kind = str(body.get("type") or "").strip().lower()
    name = str(body.get("name") or "").strip()
    named = f"{name!r} ({env_id})" if name else env_id
    said = f"Flexprice reports environment {named} as type {kind!r}"
    if kind in SANDBOX_TYPES:
        return "sandbox", said
    if kind in PRODUCTION_TYPES:
        return "production", said
    return None, said


async def flexprice_environment_type(api: ApiClient, env_id: str) -> tuple[str | None, str]:
    """("sandbox" | "production" | None, what the API said) for Flexprice environment `env_id`."""
    return environment_kind(env_id, await read_environment(api, env_id))


async def flexprice_environment(api: ApiClient) -> tuple[str | None, str]:
    """The key's environment as Flexprice reports it, read from any object it can list."""
    resp = await api.request(
        "POST",
        "/v1/customers/search",
        json_body={"limit": 1},
        expect="object",
        keys=("items",),
    )
    env_id = environment_id(resp.body["items"])
    if not env_id:
        return None, "the account has no customer to read the key's environment from"
    return await flexprice_environment_type(api, env_id)
