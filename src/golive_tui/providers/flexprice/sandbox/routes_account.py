"""The Flexprice sandbox's account routes: the API key's user and tenant, its
environment, and the environment's settings (ref §7; not in the spec)."""

from __future__ import annotations

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.core.sandbox.dates import iso
from golive_tui.providers.flexprice.sandbox.routes_common import FlexpriceRoutes, not_found
from golive_tui.providers.flexprice.sandbox.values import DEFAULT_SETTINGS

SETTING_KEYS = ("subscription_config", "invoice_config")


class AccountRoutes(FlexpriceRoutes):
    # --- settings (ref §7; not in the spec) ---

    def get_setting(self, request: Request) -> Response:
        key = request.path_params["key"]
        if key not in SETTING_KEYS:
            raise HttpError(400, f"invalid setting key: {key}")
        base = {
            "key": key,
            "environment_id": self.account.environment_id,
            "tenant_id": self.account.tenant_id,
        }
        stored = self.account.settings.get(key)
        if stored is None:  # nothing stored: the defaults, with no id
            return Response(200, {**base, "value": dict(DEFAULT_SETTINGS[key])})
        setting_id, value, created = stored
        return Response(
            200,
            {
                "id": setting_id,
                **base,
                "value": dict(value),
                "status": "published",
                "created_at": iso(created),
                "updated_at": iso(created),
            },
        )

    # --- identity ---

    def me(self, request: Request) -> Response:
        created = iso(self.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0))
        return Response(
            200,
            {
                "id": "user_golive_sandbox",
                "email": "golive-sandbox@quill-analytics.example",
                "name": "golive sandbox API key",
                "type": "service_account",
                "roles": ["super_admin"],
                "tenant": {
                    "id": self.account.tenant_id,
                    "name": "Quill Analytics",
                    "status": "published",
                    "created_at": created,
                    "updated_at": created,
                },
            },
        )

    def get_environment(self, request: Request) -> Response:
        env_id = request.path_params["id"]
        if env_id != self.account.environment_id:
            raise not_found(f"Environment with ID {env_id} was not found")
        created = iso(self.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0))
        return Response(
            200,
            {
                "id": env_id,
                "name": self.account.environment_name,
                "type": self.account.environment_type,
                "tenant_id": self.account.tenant_id,
                "status": "published",
                "created_at": created,
                "updated_at": created,
            },
        )
