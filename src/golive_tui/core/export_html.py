"""The HTML export: the Markdown review as one self-contained page for a browser.

Same content as `to_markdown` (it renders that very Markdown, so verdict first,
sections, probe blocks, overrides and sign-offs cannot drift apart), in a single file:
inline CSS, no script, nothing loaded from anywhere (a Content-Security-Policy says so
to the browser too). Safety rests on two layers: the Markdown already escapes every
user or probe string, and the renderer runs with raw HTML off, so any `<` that
reaches it is printed, never parsed; links are http(s) or in-page anchors only.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from golive_tui.core.checklist import Checklist
from golive_tui.core.export_common import RedactFn, scrubber
from golive_tui.core.export_md import to_markdown
from golive_tui.core.export_mdsafe import slug
from golive_tui.core.recheck import Recheck
from golive_tui.core.review import GO, GO_WITH_OVERRIDES
from golive_tui.core.state import State

_VERDICT_CLASS = {GO: "go", GO_WITH_OVERRIDES: "overrides"}

# Readable on screen and on paper; colour is never the only signal (glyphs and words
# carry the meaning, as in the Markdown).
_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
  max-width: 64rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 1.8rem; border-bottom: 1px solid #d8dee4; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
h2.verdict { border: 0; padding: .5rem .8rem; border-radius: 6px; background: #ffebe9;
  color: #82071e; }
h2.verdict.go { background: #dafbe1; color: #116329; }
h2.verdict.overrides { background: #fff8c5; color: #7d4e00; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .6rem; text-align: left; }
th { background: #f6f8fa; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, monospace; background: #f6f8fa;
  padding: .1em .3em; border-radius: 4px; }
pre { background: #f6f8fa; padding: .7rem; border-radius: 6px; overflow-x: auto; }
pre code { background: none; padding: 0; }
blockquote { margin: .3rem 0; padding: 0 .8rem; color: #59636e; border-left: 3px solid #d0d7de; }
ul { padding-left: 1.4rem; }
a { color: #0969da; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
""".strip()

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'"


def to_html(
    checklist: Checklist,
    state: State | None,
    *,
    generated_at: datetime | None = None,
    redactor: RedactFn | None = None,
    reread: Recheck | None = None,
) -> str:
    markdown = to_markdown(
        checklist, state, generated_at=generated_at, redactor=redactor, reread=reread
    )
    body = render(markdown)
    title = html.escape(f"Go-live review: {scrubber(redactor)(checklist.title)}", quote=True)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        f"{body}</body>\n</html>\n"
    )


def render(markdown: str) -> str:
    """Our review Markdown as HTML: raw HTML off, heading anchors as GitHub makes them."""
    from markdown_it import MarkdownIt  # only the HTML export needs it

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("golive_anchors", _anchors)
    return str(md.render(markdown))


def _anchors(state: Any) -> None:
    """Give each heading the id the review's links use, and mark the verdict."""
    tokens = state.tokens
    seen: dict[str, int] = {}
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open" or i + 1 >= len(tokens):
            continue
        text = "".join(
            c.content for c in tokens[i + 1].children or [] if c.type in ("text", "code_inline")
        )
        anchor = slug(text)
        n = seen.get(anchor, 0)
        seen[anchor] = n + 1
        tok.attrSet("id", anchor if n == 0 else f"{anchor}-{n}")
        if tok.tag == "h2" and text.startswith("Verdict: "):
            kind = _VERDICT_CLASS.get(text.removeprefix("Verdict: "), "no-go")
            tok.attrSet("class", f"verdict {kind}")
