"""Where probes point (`Target`), and the checks that keep secrets and values TOML
cannot hold out of its settings.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from golive_tui.core.fields import Invalid, Loc, Table, check_depth, shown
from golive_tui.core.net import strip_userinfo

# Probe results kept per item (setting `history_limit`); only the latest keeps its
# evidence and details, so a state stays small however many runs it has seen.
HISTORY_LIMIT = 5
HISTORY_MAX = 100
MAX_SETTING_DEPTH = 30  # inside [target.settings], which is itself 2 deep in the file
# Setting names that hold a credential, matched per word so that `input_tokens`
# (a usage property) passes and `api_token` / `webhook-secret` do not.
_SECRET_WORDS = {"token", "secret", "password", "passwd", "apikey", "authorization", "bearer"}
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")


def looks_secret(key: str) -> bool:
    words = [w for w in _WORD_SPLIT.split(key.lower()) if w]
    joined = {a + b for a, b in itertools.pairwise(words)}  # "api_key" -> "apikey"
    return bool(_SECRET_WORDS & (set(words) | joined))


def _check_setting(path: str, value: Any) -> None:
    if value is None:
        raise ValueError(f"setting {shown(path)} is empty (None); remove it or give it a value")
    if isinstance(value, dict):
        for k, v in value.items():
            sub = f"{path}.{k}"
            if looks_secret(str(k)):
                raise ValueError(
                    f"setting {shown(sub)} looks like a secret; secrets belong in the keyring"
                    " (golive token set), never in the state file"
                )
            _check_setting(sub, v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_setting(f"{path}[{i}]", v)
    elif not isinstance(value, str | int | float | bool | datetime):
        raise ValueError(
            f"setting {shown(path)} has a {type(value).__name__}, which TOML cannot hold"
        )


Environment = Literal["sandbox", "production"]
ENVIRONMENTS: tuple[Environment, ...] = ("sandbox", "production")


@dataclass(slots=True, kw_only=True)
class Target:
    """Where probes point. Never holds a secret: tokens live in the OS keyring."""

    provider: str = ""
    environment: Environment = "sandbox"
    base_url: str = ""
    customer_id: str = ""
    operator: str = ""
    region: str = ""
    # Probe parameters (event names the app sends, a sample event, …).
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.check()

    @property
    def identity(self) -> str:
        """Which account and test customer a probe result speaks for ("sandbox URL · acme")."""
        where = " ".join(
            x for x in (self.provider, self.environment, self.base_url.rstrip("/")) if x
        )
        return f"{where} · customer {self.customer_id}" if self.customer_id else where

    @property
    def account(self) -> str:
        """The billing account it reaches, whatever customer: "provider base-url"."""
        return " ".join(x for x in (self.provider, self.base_url.rstrip("/")) if x)

    def check(self) -> None:
        """Raise `Invalid` for an unknown environment or a setting TOML or policy refuses.

        Also called before every save: in-place edits (`settings["x"] = …`) skip
        `__post_init__`, and a secret or a None must never be written.
        """
        if self.environment not in ENVIRONMENTS:
            raise Invalid(
                ("environment",),
                f"must be one of 'sandbox', 'production' (got {shown(self.environment)})",
            )
        # Before the recursive checks below, which a deep value would crash.
        check_depth(self.settings, ("settings",), limit=MAX_SETTING_DEPTH)
        for key, value in self.settings.items():
            if looks_secret(str(key)):
                raise Invalid(
                    ("settings", key),
                    f"setting {shown(key)} looks like a secret; secrets belong in the keyring"
                    " (golive token set), never in the state file",
                )
            try:
                _check_setting(str(key), value)
            except ValueError as exc:
                raise Invalid(("settings", key), str(exc)) from None
        limit = self.settings.get("history_limit", HISTORY_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= HISTORY_MAX:
            raise Invalid(
                ("settings", "history_limit"),
                f"must be a whole number from 1 to {HISTORY_MAX} (got {shown(limit)});"
                f" e.g. golive set history_limit {HISTORY_LIMIT}",
            )

    @property
    def history_limit(self) -> int:
        """Probe results kept per item (checked by `check`)."""
        return int(self.settings.get("history_limit", HISTORY_LIMIT))

    def to_data(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "environment": self.environment,
            "base_url": self.base_url,
            "customer_id": self.customer_id,
            "operator": self.operator,
            "region": self.region,
            "settings": copy.deepcopy(self.settings),
        }

    @classmethod
    def from_data(cls, data: object, loc: Loc = ()) -> Target:
        t = Table(data, loc)
        fields = {
            "provider": t.text("provider", ""),
            "environment": t.choice("environment", ENVIRONMENTS, "sandbox"),
            # User info in a URL (saved before golive refused it) is dropped on load.
            "base_url": strip_userinfo(t.text("base_url", "")),
            "customer_id": t.text("customer_id", ""),
            "operator": t.text("operator", ""),
            "region": t.text("region", ""),
            "settings": t.table("settings").data,
        }
        t.done()
        hook = fields["settings"].get("webhook_url")
        if isinstance(hook, str):
            fields["settings"]["webhook_url"] = strip_userinfo(hook)
        try:
            return cls(**fields)
        except Invalid as exc:
            raise Invalid((*loc, *exc.loc), exc.message) from None
