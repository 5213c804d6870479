"""The core stays UI-free, and start-up stays light.

Two guards: a static one (no module under golive_tui/core mentions textual in an
import, even lazily inside a function) and a dynamic one (importing every core
module in a fresh interpreter leaves textual out of sys.modules).
"""

from __future__ import annotations

import ast
import json
import re
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


# --- one provider, one folder -----------------------------------------------------------

SRC = CORE.parent
PROVIDERS_DIR = SRC / "providers"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_no_module_outside_providers_names_a_provider() -> None:
    from golive_tui.core import providers

    names = providers.names()
    assert len(names) >= 2  # guards the guard
    pattern = "|".join(names)
    word = re.compile(rf"(?i)\b({pattern})\b")
    offenders = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        if PROVIDERS_DIR not in path.parents
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if word.search(line)
    ]
    assert offenders == []


def test_core_imports_no_provider_package() -> None:
    offenders = [
        f"{path.name}: {name}"
        for path in CORE.rglob("*.py")
        for name in _imports(path)
        if name.startswith("golive_tui.providers")
    ]
    assert offenders == []


def test_providers_import_the_core_never_the_app() -> None:
    files = sorted(PROVIDERS_DIR.rglob("*.py"))
    assert len(files) > 10
    offenders = [
        f"{path.relative_to(SRC)}: {name}"
        for path in files
        for name in _imports(path)
        if name.split(".")[0] == "textual"
        or name.startswith(("golive_tui.tui", "golive_tui.commands", "golive_tui.cli"))
    ]
    assert offenders == []


def test_no_provider_imports_another_provider() -> None:
    # What two sandboxes share lives in core.sandbox; an adapter stays removable alone.
    offenders = [
        f"{path.relative_to(SRC)}: {name}"
        for own in sorted(p for p in PROVIDERS_DIR.iterdir() if p.is_dir())
        for path in own.rglob("*.py")
        for name in _imports(path)
        if name.startswith("golive_tui.providers.")
        and not name.startswith(f"golive_tui.providers.{own.name}")
    ]
    assert offenders == []


def test_no_provider_module_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in PROVIDERS_DIR.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}, long


def test_listing_providers_loads_no_probe_sandbox_or_http_code() -> None:
    code = (
        "import json, sys\n"
        "from golive_tui.core import providers\n"
        "from golive_tui.cli import build_parser\n"
        "build_parser()\n"
        "ps = providers.all_providers()\n"
        "assert all(p.faults and p.hosts and p.checklist for p in ps.values()), ps\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('httpx', 'textual', 'pydantic') or '.probes.' in m or '.sandbox.' in m)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_importing_the_whole_core_loads_no_provider() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for m in {_core_modules()!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(m for m in sys.modules"
        " if m.startswith('golive_tui.providers'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_the_package_ships_its_type_information() -> None:
    # PEP 561: without the marker, mypy in a user's project ignores golive's annotations.
    assert (Path(golive_tui.__file__).parent / "py.typed").is_file()
