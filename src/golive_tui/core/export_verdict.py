"""The verdict part of the Markdown review: GO / NO-GO first, then why, the overrides
with their reasons, and who signed off on what (see `core.review`)."""

from __future__ import annotations

from collections.abc import Callable

from golive_tui.core.export_common import _human
from golive_tui.core.progress import Progress
from golive_tui.core.review import GO, GO_WITH_OVERRIDES

Text = Callable[[str], str]  # user or probe text made safe for one Markdown line

_HEADLINE = {
    GO: "every blocker is verified or attested, nothing fails, every required role signed",
    GO_WITH_OVERRIDES: "launch accepted with the overrides below; read their reasons",
}


def verdict_blocks(prog: Progress, roles: tuple[str, ...], text: Text) -> list[str]:
    v = prog.review.verdict
    o = prog.overall
    blocks = [f"## Verdict: **{v.decision}**"]
    if v.decision in _HEADLINE:
        blocks.append(_HEADLINE[v.decision].capitalize() + ".")
    else:
        reasons = v.reasons
        shown = reasons[:15]
        lines = [f"- {text(line)}" for line in shown]
        if len(reasons) > len(shown):
            lines.append(f"- … and {len(reasons) - len(shown)} more (see the sections below)")
        blocks.append("What stops the launch:\n" + "\n".join(lines))
    blocks.append(
        f"**Progress:** {o.done}/{o.total} done ({o.verified} verified by a probe,"
        f" {o.attested} attested by a person) · {o.overridden} overridden · {o.failing} failing"
        f" · {o.not_applicable} not applicable · {len(prog.open_blockers)} open blockers"
    )
    if v.overrides:
        lines = [
            f"- **{text(r.item.title)}** (`{r.item.id}`): {text(r.override.reason)}"
            f" — over {text(r.override.over)}; by {text(r.override.by) or 'unknown'},"
            f" {_human(r.override.at)}"
            for r in v.overrides
            if r.override is not None
        ]
        blocks.append("### Overrides\n\n" + "\n".join(lines))
    blocks.append(_signoff_block(prog, roles, text))
    return blocks


def _signoff_block(prog: Progress, roles: tuple[str, ...], text: Text) -> str:
    v = prog.review.verdict
    head = "### Sign-off"
    need = f"Required: {', '.join(roles)}." if roles else "No roles are required."
    lines = [
        f"- ✓ {text(s.role)}: {text(s.name)}, {_human(s.at)}"
        + (f" — {text(s.note)}" if s.note else "")
        for s in v.signoffs
    ]
    lines += [
        f"- ↻ {text(s.role)}: {text(s.name)} signed {s.verdict} on {_human(s.at)};"
        " the verdict has changed since: sign again"
        for s in v.outdated
    ]
    lines += [
        f"- ○ {text(role)}: not signed (`golive signoff --role {role}`)" for role in v.missing_roles
    ]
    return head + "\n\n" + "\n".join([need, *lines])
