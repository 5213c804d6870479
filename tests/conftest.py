"""Fixtures shared by every test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from memory_keyring import MemoryKeyring

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    """The validated-checklist cache in a temp folder: tests never write to ~/.cache.

    Set in os.environ so the golive subprocesses some tests start use it too.
    """
    import os

    folder = tmp_path_factory.mktemp("golive-cache")
    old = os.environ.get("GOLIVE_CACHE_DIR")
    os.environ["GOLIVE_CACHE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("GOLIVE_CACHE_DIR", None)
    else:
        os.environ["GOLIVE_CACHE_DIR"] = old


@pytest.fixture
def mini_path() -> Path:
    """A small valid checklist file (tests/fixtures/mini.toml)."""
    return FIXTURES / "mini.toml"


@pytest.fixture
def mini(mini_path: Path):
    from golive_tui.core.checklist import load

    return load(mini_path)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An in-memory keyring for the test (tests/tui makes it automatic)."""
    before = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(before)
