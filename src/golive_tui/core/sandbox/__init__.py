"""Embedded API sandboxes: vendor emulators served over real HTTP on loopback.

They let golive's live probes be tested without the internet and demoed without
an account. `asgi` is the generic machinery (router, request log), `server`
serves an app in a background thread, `emulator` is what every provider's emulator
shares and `kit` is how a provider hands its emulator to `golive demo`/`sandbox`. The
emulators themselves live with their providers (`golive_tui.providers.<name>.sandbox`).
Nothing here imports uvicorn at module level.
"""

from __future__ import annotations

from golive_tui.core.sandbox.asgi import App, HttpError, Recorded, Request, Response, Router
from golive_tui.core.sandbox.server import SandboxServer

__all__ = ["App", "HttpError", "Recorded", "Request", "Response", "Router", "SandboxServer"]
