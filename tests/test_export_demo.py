"""The launch review of real demo runs (the sandboxes over loopback HTTP): short enough to
review, and readable whatever the sandbox's faults make the probes say.

`golive demo --headless --keep` writes the review a new user reads first; it must fit
in 200 lines. Then every fault of each provider, one run per fault (several block all
the other probes, so switched on together they would hide each other's texts): no
Python repr, no amount in "USD (cents)" in the Markdown, the HTML or the JSON's text.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from golive_tui.commands import demo
from golive_tui.core import checklist as checklists
from golive_tui.core import export, providers
from golive_tui.core.checklist import Checklist
from golive_tui.core.checkrun import run_check
from golive_tui.core.redact import Redactor, Secret
from golive_tui.core.sandbox.server import SandboxServer
from golive_tui.core.state import State, StateFile

MAX_LINES = 200
# "slow" makes every probe wait out its 25-30 s deadline (80 s a run) and says only
# the engine's own timeout summary, which the other faults' runs already cover.
SKIP_FAULTS = {"slow"}
# What must never reach a reader: Python reprs (escaped or not) and cent amounts.
REPR = re.compile(r"\\?\[\\?'|\\?\[\\?\[|Decimal\(|\d\s*[A-Z]{3} \(cents\)|\bTrue\b|\bNone\b")


def _demo_review(provider: str, tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    env["GOLIVE_CACHE_DIR"] = os.environ["GOLIVE_CACHE_DIR"]
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["TMPDIR"] = str(tmp_path)
    argv = ["demo", "--headless", "--keep", "--provider", provider]
    proc = subprocess.run(
        [sys.executable, "-m", "golive_tui", *argv],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (review,) = tmp_path.glob("golive-demo-*/launch-review.md")
    return review.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("provider", providers.names())
def test_a_full_demo_review_fits_in_200_lines(provider: str, tmp_path: Path) -> None:
    md = _demo_review(provider, tmp_path)
    lines = md.splitlines()
    assert len(lines) <= MAX_LINES, f"{provider}: {len(lines)} lines"
    # It opens with the verdict and counts the verified items.
    assert lines[0].startswith("# Go-live review: ")
    assert lines[2].startswith("## Verdict: **")
    progress_line = next(line for line in lines if line.startswith("**Progress:**"))
    assert re.search(r"\(([1-9]\d*) verified by a probe", progress_line), progress_line
    # One block per probe run; no result or evidence repeated under the items.
    heads = [line for line in lines if line.startswith("### Probe ")]
    assert heads and len(heads) == len(set(heads))
    summaries = [line for line in lines if line.startswith("✓ **pass** — ")]
    assert len(summaries) == len(heads)
    assert not REPR.search(md), REPR.search(md)


def _run(provider: str, faults: tuple[str, ...]) -> tuple[Checklist, State, Redactor]:
    """Every probe of `provider`'s checklist against its sandbox with `faults` on."""
    sb, token = demo.new_sandbox(list(faults), provider)
    hook = Secret(sb.webhook_secret)
    checklist = checklists.load(provider)
    folders: list[Path] = []
    with SandboxServer(sb) as server:
        path = demo._throwaway_state(sb, server.base_url, folders)
        try:
            with StateFile.open(path) as sf:
                asyncio.run(
                    run_check(checklist, sf.state.target, token, webhook_secret=hook, state_file=sf)
                )
                state = sf.state
        finally:
            for folder in folders:
                for f in sorted(folder.rglob("*"), reverse=True):
                    f.unlink() if f.is_file() else f.rmdir()
                folder.rmdir()
    return checklist, state, Redactor([token, hook])


def _text_fields(doc: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string in the JSON export but the evidence (what the API really sent)."""
    if isinstance(doc, dict):
        return [
            pair
            for k, v in doc.items()
            if k != "evidence"
            for pair in _text_fields(v, f"{path}.{k}")
        ]
    if isinstance(doc, list):
        return [pair for i, v in enumerate(doc) for pair in _text_fields(v, f"{path}[{i}]")]
    return [(path, doc)] if isinstance(doc, str) else []


def _evidence_texts(doc: Any) -> list[str]:
    return [
        f"{ev['label']}\n{ev['text']}"
        for section in doc["sections"]
        for item in section["items"]
        if item["latest_probe"]
        for ev in item["latest_probe"]["evidence"]
    ]


@pytest.mark.slow
@pytest.mark.parametrize("provider", providers.names())
def test_every_fault_exports_without_reprs_or_cents(provider: str) -> None:
    faults = [f for f in providers.get(provider).faults if f not in SKIP_FAULTS]
    assert faults
    not_passed = 0
    for fault in faults:
        checklist, state, redactor = _run(provider, (fault,))
        md = export.to_markdown(checklist, state, redactor=redactor)
        page = export.to_html(checklist, state, redactor=redactor)
        doc = json.loads(export.to_json(checklist, state, redactor=redactor))
        for name, text in (("md", md), ("html", page)):
            found = REPR.search(text)
            assert found is None, f"{fault} {name}: …{text[found.start() - 80 : found.end() + 40]}"
        for where, text in _text_fields(doc):
            assert not REPR.search(text), f"{fault} json {where}: {text}"
        # Evidence is kept as the API sent it (JSON, never a Python repr).
        for text in _evidence_texts(doc):
            assert "['" not in text and "Decimal(" not in text, f"{fault}: {text[:200]}"
        not_passed += doc["summary"]["failing"]
    # The faults really broke something (else this proves nothing about their texts).
    assert not_passed >= len(faults)


def _block(md: str, probe: str) -> str:
    start = md.index(f"### Probe {probe}\n")
    end = md.find("\n### ", start + 1)
    return md[start : end if end > 0 else len(md)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "probe", "lead"),
    [
        # Was `GET /v1/customers → 200` (the shared set-up), not the step that failed.
        ("permanent-500", "metrics-active", "GET /v1/billable-metrics → 500"),
        (
            "webhook-accepts-tampered",
            "webhook-signature",
            "webhook genuine signature, tampered body",
        ),
        ("wrong-tier-math", "invoice-draft", "Input tokens: expected vs actual"),
        ("dedup-off", "ingest-dedup", "POST /v1/events/search → 200"),
        # The request its summary is about ("usage product … archived metric").
        ("archived-metric", "pricing-setup", "POST /v1/contract-pricing/products/list → 200"),
    ],
)
def test_a_failed_probe_leads_with_the_evidence_that_explains_it(
    fault: str, probe: str, lead: str
) -> None:
    checklist, state, redactor = _run("metronome", (fault,))
    block = _block(export.to_markdown(checklist, state, redactor=redactor), probe)
    assert block.split("\n")[1].startswith(("✗ **fail**", "⚠ **error**")), block
    evidence = next(line for line in block.split("\n") if line.startswith("**Evidence:** "))
    assert evidence.removeprefix("**Evidence:** ").startswith(lead), block
    body = block[block.index("```text\n") + 8 : block.rindex("\n```")].split("\n")
    assert 0 < len(body) <= export.EXCERPT_MAX_LINES + 1
    assert all(len(line) <= export.EXCERPT_MAX_CHARS + 1 for line in body)
