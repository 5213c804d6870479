"""Fixtures shared by every test module."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def mini_path() -> Path:
    """A small valid checklist file (tests/fixtures/mini.toml)."""
    return FIXTURES / "mini.toml"


@pytest.fixture
def mini(mini_path: Path):
    from golive_tui.core.checklist import load

    return load(mini_path)
