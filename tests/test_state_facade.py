"""`golive_tui.core.state` is the public face of the state modules.

The state code is split by job (records, target, document, TOML text, lock, file);
callers keep importing from `golive_tui.core.state`, so every name they use must be
re-exported there, and each part must stay small.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import golive_tui
from golive_tui.core import state as S
from golive_tui.core.checklist import Checklist

ROOT = Path(golive_tui.__file__).parent
REPO = ROOT.parent.parent
STATE_MODULES = sorted((ROOT / "core").glob("state*.py"))


def _names_used_from_state() -> set[str]:
    """Every name the project's code and tests import from, or read off, the façade."""
    used: set[str] = set()
    for folder in ("src", "tests", "benchmarks", "scripts"):
        for path in (REPO / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            aliases: set[str] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "golive_tui.core.state":
                    used |= {a.name for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module == "golive_tui.core":
                    aliases |= {a.asname or a.name for a in node.names if a.name == "state"}
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in aliases
                ):
                    used.add(node.attr)
    return used


def test_every_name_callers_use_is_exported_by_the_facade() -> None:
    used = _names_used_from_state()
    # Guards the guard: an empty scan would make the check below vacuous.
    assert {"StateFile", "State", "Target", "ItemStatus", "read", "atomic_write"} <= used
    assert sorted(n for n in used - set(S.__all__) if not n.startswith("__")) == []
    assert all(hasattr(S, name) for name in S.__all__)


def test_facade_names_are_the_objects_of_their_home_modules() -> None:
    from golive_tui.core import state_document, state_file, state_records, state_target

    assert S.State is state_document.State
    assert S.StateFile is state_file.StateFile and S.read is state_file.read
    assert S.ProbeRecord is state_records.ProbeRecord and S.now is state_records.now
    assert S.Target is state_target.Target and S.looks_secret is state_target.looks_secret


def test_no_state_module_is_over_400_lines() -> None:
    assert len(STATE_MODULES) >= 6  # the façade and its parts
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in STATE_MODULES}
    assert {name: n for name, n in sizes.items() if n > 400} == {}


def test_reading_a_state_does_not_load_the_toml_writer(tmp_path: Path, mini: Checklist) -> None:
    # status and export only read; the writer is imported on the first save.
    path = tmp_path / "s.toml"
    path.write_text(S.State.new(mini, "mini").to_toml(), encoding="utf-8")
    code = (
        "import sys\n"
        "from golive_tui.core import state as S\n"
        f"assert S.read({str(path)!r}).checklist_id == {mini.id!r}\n"
        "print('golive_tui.core.tomlwrite' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
