"""`golive export --format html`: one self-contained page, the Markdown's content, safe
against hostile probe text, and really rendered by a browser (headless Chromium)."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from golive_tui.core import export
from golive_tui.core.checklist import Checklist
from golive_tui.core.progress import progress
from golive_tui.core.state import Evidence, ProbeStatus
from test_export import GENERATED, HOSTILE, _golive, build_state, state_file  # noqa: F401

ATTACK = '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'


class Page(HTMLParser):
    """Every element with its attributes, and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._style = False

    def handle_data(self, data: str) -> None:
        if not self._style:
            self.text.append(data)


def parse(page: str) -> Page:
    p = Page()
    p.feed(page)
    p.close()
    return p


def _hostile_state(mini: Checklist):  # type: ignore[no-untyped-def]
    state = build_state(mini, note=ATTACK + "\n" + HOSTILE, text=ATTACK)
    latest = state.items["usage.token"].probe_results[-1]
    latest.status = ProbeStatus.FAIL  # its evidence is shown in full
    latest.evidence = [Evidence(label=ATTACK, text=ATTACK + "\n</pre></code>" + ATTACK)]
    return state


def test_html_is_one_self_contained_page_with_the_markdowns_content(mini: Checklist) -> None:
    state = build_state(mini)
    page = export.to_html(mini, state, generated_at=GENERATED)
    assert page.startswith("<!DOCTYPE html>\n") and page.endswith("</html>\n")
    doc = parse(page)
    tags = [tag for tag, _ in doc.elements]
    # Nothing to fetch, nothing to run: inline CSS only, and the browser is told so.
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert not [a for _, a in doc.elements if "src" in a]
    assert "@import" not in page and "url(" not in page
    (csp,) = [a for t, a in doc.elements if t == "meta" and a.get("http-equiv")]
    assert "default-src 'none'" in str(csp["content"])
    # Same content, verdict first: every heading of the Markdown, in order.
    verdict = progress(mini, state).review.verdict.decision
    headings = [a.get("id") for t, a in doc.elements if t in ("h1", "h2", "h3")]
    assert headings[:2] == ["go-live-review-mini-test-checklist", f"verdict-{verdict.lower()}"]
    md = export.to_markdown(mini, state, generated_at=GENERATED)
    assert len(headings) == sum(1 for line in md.splitlines() if line.startswith("#"))
    # Every in-page link lands on a heading; every other link is to the docs (https).
    ids = {a.get("id") for _, a in doc.elements}
    hrefs = [str(a["href"]) for t, a in doc.elements if t == "a"]
    assert all(h[1:] in ids for h in hrefs if h.startswith("#"))
    assert all(h.startswith(("#", "https://")) for h in hrefs)
    text = "".join(doc.text)
    assert f"Verdict: {verdict}" in text and "Probe auth" in text and "Sign-off" in text


def test_hostile_probe_text_cannot_inject_html(mini: Checklist) -> None:
    page = export.to_html(mini, _hostile_state(mini), generated_at=GENERATED)
    doc = parse(page)
    tags = {tag for tag, _ in doc.elements}
    assert not tags & {"script", "img", "iframe", "object", "embed", "form", "input"}
    for _, attrs in doc.elements:
        assert not [k for k in attrs if k.startswith("on")], attrs
        assert not str(attrs.get("href", "")).lower().startswith("javascript")
    # The attack is shown as text, where it was written.
    text = "".join(doc.text)
    assert "<script>alert(1)</script>" in text
    assert text.count("onerror=alert(2)") >= 4  # summary, note, evidence label and text


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(  # in CI (.ci/run installs Debian's chromium) a missing browser fails
    CHROMIUM is None and not os.environ.get("CI"),
    reason="no chromium binary here; .ci/run installs Debian's chromium",
)
def test_the_page_renders_in_headless_chromium(mini: Checklist, tmp_path: Path) -> None:
    page = tmp_path / "review.html"
    page.write_text(export.to_html(mini, _hostile_state(mini), generated_at=GENERATED))
    assert CHROMIUM is not None
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = parse(proc.stdout)
    text = "".join(dom.text)
    # The browser built the page: verdict, sections and probe block are in its DOM ...
    assert "Verdict: NO-GO" in text and "Probe auth" in text and "Usage" in text
    # ... and it ran nothing: the hostile text is text, no element came from it.
    assert "<script>alert(1)</script>" in text
    assert not {t for t, _ in dom.elements} & {"script", "img", "iframe"}


def test_cli_writes_the_html_page(state_file: Path) -> None:  # noqa: F811
    out = state_file.parent / "review.html"
    proc = _golive("export", "--state", str(state_file), "--format", "html", "-o", str(out),
                   cwd=state_file.parent)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Verdict: NO-GO" in "".join(parse(page).text)
