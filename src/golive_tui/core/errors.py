"""Errors the user can act on.

Every `GoliveError` renders as one line that names the file, field or flag at
fault and how to fix it. The CLI prints it and exits 2; anything else is a bug
and exits 1.
"""

from __future__ import annotations


class GoliveError(Exception):
    """A problem with the user's input or environment, explained in one line."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        # Collapse whitespace so the message is always a single line.
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self.args[0])


class ChecklistError(GoliveError):
    """A checklist file is missing, unreadable or invalid."""


class StateError(GoliveError):
    """The state file cannot be read, is too new, or is in use."""


class StateLockedError(StateError):
    """Another golive process holds the state file."""


class SecretStoreError(GoliveError):
    """No usable keyring, a locked keyring, or a missing token."""
