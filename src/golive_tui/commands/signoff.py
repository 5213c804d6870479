"""`golive signoff --as NAME --role ROLE [--note …]`: approve the launch as it stands."""

from __future__ import annotations

import argparse

from golive_tui.commands._session import open_for_write
from golive_tui.core.errors import GoliveError
from golive_tui.core.review import NO_GO, ROLE_PATTERN, facts_basis, review
from golive_tui.core.textsafe import terminal as safe


def run(args: argparse.Namespace) -> int:
    name, role = args.signer.strip(), args.role.strip().lower()
    if not name:
        raise GoliveError("--as: give the name of the person signing")
    if not ROLE_PATTERN.match(role):
        raise GoliveError(
            f"--role {args.role!r}: use lowercase letters, digits, '.', '_' or '-',"
            " e.g. engineering or finance"
        )
    checklist, sf = open_for_write(args, create=True)
    with sf:
        basis = facts_basis(checklist, sf.state)
        sf.state.sign_off(name, role, basis, note=args.note.strip())
        sf.save()
        verdict = review(checklist, sf.state).verdict
    print(safe(f"signed off as {role}: {name}, on {basis[0]}"))
    if role not in checklist.signoff_roles and checklist.signoff_roles:
        print(safe(f"note: {role} is not a required role ({', '.join(checklist.signoff_roles)})"))
    line = f"verdict now: {verdict.decision}"
    if verdict.decision == NO_GO and verdict.reasons:
        first = verdict.reasons[0]
        more = len(verdict.reasons) - 1
        line += f" — {first}" + (f" (and {more} more: golive status)" if more else "")
    print(safe(line))
    return 0
