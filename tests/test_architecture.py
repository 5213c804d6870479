"""The core stays UI-free, and start-up stays light.

Two guards: a static one (no module under golive_tui/core mentions textual in an
import, even lazily inside a function) and a dynamic one (importing every core
module in a fresh interpreter leaves textual out of sys.modules).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import golive_tui

CORE = Path(golive_tui.__file__).parent / "core"


def _core_modules() -> list[str]:
    mods = []
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE.parent.parent).with_suffix("")
        mods.append(".".join(rel.parts).removesuffix(".__init__"))
    return mods


def test_core_has_modules() -> None:
    # Guards the guards: an empty list would make the tests below vacuous.
    assert "golive_tui.core.state" in _core_modules()
    assert "golive_tui.core.checklist" in _core_modules()


def test_no_core_module_imports_textual_anywhere() -> None:
    offenders = []
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "textual"]
    assert offenders == []


def test_importing_the_whole_core_does_not_load_textual() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for m in {_core_modules()!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []
