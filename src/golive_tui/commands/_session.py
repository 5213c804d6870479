"""Finding the checklist and the state a command works on."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from golive_tui.core import checklist as checklists
from golive_tui.core import providers
from golive_tui.core import state as states
from golive_tui.core.errors import ChecklistError, StateError

if TYPE_CHECKING:
    import argparse


def checklist_source(spec: str) -> str:
    """What the state records: a built-in id as is, a user's file as an absolute path."""
    path = checklists.resolve(spec)
    if path.parent.resolve() == checklists.builtin_dir().resolve():
        return path.stem
    for cid, shipped in checklists.provided().items():  # an installed provider's: by id too
        if path.resolve() == shipped.resolve():
            return cid
    return str(path.resolve())


def load_for_read(args: argparse.Namespace) -> tuple[checklists.Checklist, states.State | None]:
    """The checklist and, when the state file exists, its state (unlocked)."""
    path = Path(args.state)
    state = states.read(path) if path.exists() else None
    checklist = checklist_for(args.checklist, state, path)
    return checklist, state


def open_existing(
    path: Path, checklist_spec: str | None
) -> tuple[checklists.Checklist, states.StateFile]:
    """Lock and read the state at `path` and load its checklist (the lock is released on error)."""
    sf = states.StateFile.open(path)
    try:
        checklist = checklist_for(checklist_spec, sf.state, path)
    except BaseException:
        sf.close()
        raise
    return checklist, sf


def open_for_write(
    args: argparse.Namespace, *, create: bool
) -> tuple[checklists.Checklist, states.StateFile]:
    path = Path(args.state)
    if path.exists():
        return open_existing(path, args.checklist)
    if not args.checklist:
        raise StateError(
            f"{path}: no state file here; pass --checklist {providers.builtin_checklists()}"
            " to start one"
        )
    checklist = checklists.load(args.checklist)
    sf = states.StateFile.open(
        path, checklist=checklist, source=checklist_source(args.checklist), create=create
    )
    return checklist, sf


def checklist_for(
    checklist_spec: str | None, state: states.State | None, path: Path
) -> checklists.Checklist:
    """The `--checklist` given, else the one the state tracks (checked to be the same id)."""
    if state is None:
        if not checklist_spec:
            raise StateError(
                f"{path}: no state file here; pass --checklist {providers.builtin_checklists()}"
                " to start one"
            )
        return checklists.load(checklist_spec)
    spec = checklist_spec or state.checklist_source
    try:
        checklist = checklists.load(spec)
    except ChecklistError as exc:
        if checklist_spec:
            raise
        # The user never typed this path: say it came from the state file.
        raise ChecklistError(
            f"{path} tracks checklist {spec!r}, which cannot be loaded ({exc.message});"
            " pass --checklist PATH to say where it is now"
        ) from None
    if checklist.id != state.checklist_id:
        raise StateError(
            f"--checklist {spec!r} is checklist {checklist.id!r} but {path} tracks"
            f" {state.checklist_id!r}; drop --checklist or pass --state for a new file"
        )
    return checklist


def checked_base_url(base_url: str, source: str) -> str:
    """`base_url` normalised as the keyring keys it; one-line error naming `source` when
    it carries credentials or is not a usable URL."""
    from golive_tui.core import secrets
    from golive_tui.core.errors import GoliveError, SecretStoreError
    from golive_tui.core.net import credential_url_problem

    refused = credential_url_problem(base_url)
    if refused:
        raise GoliveError(f"{source}: {refused}")
    try:
        return secrets.normalise_base_url(base_url)
    except SecretStoreError as exc:
        raise GoliveError(exc.message) from None
