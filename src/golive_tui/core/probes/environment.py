"""Which environment a target really is: the host decides, only the API can say sandbox.

A vendor's official production host (`net.PRODUCTION_HOSTS`) is production whatever
the flag or the state says, unless the target claims sandbox *and* the API confirms
it. Flexprice reports the type of the environment a key belongs to; Metronome cannot
tell, so there a production host is always treated as production. The answer gates
the writing probes (they then need --allow-writes or the app's confirmation).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from golive_tui.core.net import is_production_host
from golive_tui.core.probes.http import ApiClient, ApiError, DeadlineExceeded
from golive_tui.core.state import Target

SANDBOX_TYPES = frozenset({"development", "sandbox", "test", "testing", "staging"})
PRODUCTION_TYPES = frozenset({"production", "prod", "live"})


def environment_id(items: Any) -> str:
    """The environment id carried by the first object of a list answer ("" if none)."""
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return str(items[0].get("environment_id") or "")
    return ""


async def flexprice_environment_type(api: ApiClient, env_id: str) -> tuple[str | None, str]:
    """("sandbox" | "production" | None, what the API said) for Flexprice environment `env_id`."""
    resp = await api.request(
        "GET", f"/v1/environments/{quote(env_id, safe='')}", expect="object", keys=("type",)
    )
    kind = str(resp.body["type"]).strip().lower()
    said = f"Flexprice reports environment {env_id} as type {kind!r}"
    if kind in SANDBOX_TYPES:
        return "sandbox", said
    if kind in PRODUCTION_TYPES:
        return "production", said
    return None, said


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


async def write_environment(provider: str, target: Target, api: ApiClient) -> tuple[str, str]:
    """The environment that gates writing probes, and why when it is not the target's own."""
    if target.environment == "production" or not is_production_host(provider, target.base_url):
        return target.environment, ""
    host = urlsplit(target.base_url).hostname
    if provider != "flexprice":
        return "production", (
            f"{host} is {provider.capitalize()}'s production host and its API cannot confirm"
            " that the token is a sandbox one"
        )
    try:
        reported, said = await flexprice_environment(api)
    except (ApiError, DeadlineExceeded) as exc:
        said = f"the environment could not be read ({exc})"
        reported = None
    except Exception as exc:  # whatever went wrong, unconfirmed means production
        said = f"the environment could not be read ({type(exc).__name__})"
        reported = None
    if reported == "sandbox":
        return "sandbox", ""
    return "production", f"{host} is a Flexprice production host and {said}"
