"""Which environment a target really is: the host decides, only the API can say sandbox.

A vendor's official production host (its `Provider.hosts`) is production whatever
the flag or the state says, unless the target claims sandbox *and* the API confirms
it. Some APIs report the type of the environment a key belongs to (the provider's
`environment_reader`); where the API cannot tell, a production host is always treated
as production. The answer gates the writing probes (they then need --allow-writes or
the app's confirmation).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from golive_tui.core import providers
from golive_tui.core.net import is_production_host
from golive_tui.core.probes.http import ApiClient, ApiError, DeadlineExceeded
from golive_tui.core.state import Target


async def write_environment(provider: str, target: Target, api: ApiClient) -> tuple[str, str]:
    """The environment that gates writing probes, and why when it is not the target's own."""
    if target.environment == "production" or not is_production_host(provider, target.base_url):
        return target.environment, ""
    host = urlsplit(target.base_url).hostname
    found = providers.get(provider)
    reader = found.environment_reader()
    if reader is None:
        return "production", (
            f"{host} is {found.title}'s production host and its API cannot confirm"
            " that the token is a sandbox one"
        )
    try:
        reported, said = await reader(api)
    except (ApiError, DeadlineExceeded) as exc:
        said = f"the environment could not be read ({exc})"
        reported = None
    except Exception as exc:  # whatever went wrong, unconfirmed means production
        said = f"the environment could not be read ({type(exc).__name__})"
        reported = None
    if reported == "sandbox":
        return "sandbox", ""
    return "production", f"{host} is a {found.title} production host and {said}"
