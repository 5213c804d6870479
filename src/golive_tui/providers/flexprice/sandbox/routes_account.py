"""The Flexprice sandbox's account routes: the API key's user and tenant, its
environment, and the environment's settings (ref §7; not in the spec)."""

from __future__ import annotations

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.core.sandbox.dates import iso
from golive_tui.providers.flexprice.sandbox.routes_common import (
    FlexpriceRoutes,
    bind_error,
    not_found,
)
from golive_tui.providers.flexprice.sandbox.values import DEFAULT_SETTINGS, ulid

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

    def put_setting(self, request: Request) -> Response:
        """PUT /v1/settings/{key} for subscription_config (ee/service/settings.go
        UpdateSettingByKey): the request's value is validated on its own first
        (types/settings.go SubscriptionConfig: grace_period_days required, at least 1),
        then merged into the current value and stored."""
        key = request.path_params["key"]
        if key not in SETTING_KEYS:
            raise HttpError(400, f"invalid setting key: {key}")
        body = self._body(request)
        value = body.get("value")
        if value is None:
            raise HttpError(400, "Please provide a valid setting value", code="validation_error")
        if not isinstance(value, dict) or key != "subscription_config":
            raise bind_error()
        days, auto = value.get("grace_period_days"), value.get("auto_cancellation_enabled")
        if (days is not None and (isinstance(days, bool) or not isinstance(days, int))) or (
            auto is not None and not isinstance(auto, bool)
        ):
            raise HttpError(400, "Failed to unmarshal JSON to struct", code="validation_error")
        if not days or days < 1:  # validate:"required,min=1" (0 is "missing" to it)
            tag = "min" if days is not None and days < 0 else "required"
            raise HttpError(
                400,
                "Request validation failed",
                code="validation_error",
                details={
                    "GracePeriodDays": "Key: 'SubscriptionConfig.GracePeriodDays' Error:Field"
                    f" validation for 'GracePeriodDays' failed on the '{tag}' tag"
                },
            )
        stored = self.account.settings.get(key)
        current = dict(stored[1]) if stored else dict(DEFAULT_SETTINGS[key])
        current.update({k: v for k, v in value.items() if k in current})
        setting_id = stored[0] if stored else ulid("setting", self.now())
        self.account.settings[key] = (setting_id, current, stored[2] if stored else self.now())
        return self.get_setting(request)

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
