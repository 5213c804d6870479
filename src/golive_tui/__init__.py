"""golive: a terminal go-live assistant for usage-based billing platforms.

Kept import-free on purpose: `golive --help` must not pay for Textual, httpx,
keyring or pydantic.
"""

__version__ = "0.1.0"
