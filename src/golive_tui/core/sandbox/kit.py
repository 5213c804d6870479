"""What a provider gives `golive demo` and `golive sandbox`: its `SandboxKit`.

The kit makes the provider's emulator with secrets shaped like the vendor's own,
and says what the `golive sandbox` banner shows about its seeded demo account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Banner:
    lines: list[str]  # the provider's lines, first "… sandbox listening on URL"
    check_flags: str  # extra `golive check` flags, e.g. " --checklist NAME" ("" for none)
    customer: str  # the customer id golive check should be given


@dataclass(frozen=True)
class SandboxKit:
    # (token, faults=..., variants=..., webhook_secret=...) -> the emulator app (an `Emulator`)
    factory: Callable[..., Any]
    demo_token: Callable[[], str]  # `golive demo`'s throwaway token
    demo_webhook_secret: Callable[[], str]
    served_token: Callable[[], str]  # `golive sandbox`'s, unless --token-env gives one
    served_webhook_secret: Callable[[], str | None]  # None: the emulator makes its own
    # (app, base URL, the token line's value: the token or "from $VAR") -> Banner
    banner: Callable[[Any, str, str], Banner]

    def demo(self, faults: Iterable[str], variants: Iterable[str] = ()) -> tuple[Any, str]:
        """A seeded emulator for `golive demo`, and its token."""
        token = self.demo_token()
        app = self.factory(
            token,
            faults=tuple(faults),
            variants=tuple(variants),
            webhook_secret=self.demo_webhook_secret(),
        )
        return app, token

    def served(
        self, faults: Iterable[str], token: str | None, variants: Iterable[str] = ()
    ) -> tuple[Any, str]:
        """A seeded emulator for `golive sandbox`, and its token."""
        token = token or self.served_token()
        hook = self.served_webhook_secret()
        kwargs: dict[str, Any] = {"webhook_secret": hook} if hook is not None else {}
        app = self.factory(token, faults=list(faults), variants=tuple(variants), **kwargs)
        return app, token
