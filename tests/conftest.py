"""Shared fixtures: the fixture repositories under tests/fixtures/ copied to a temp dir."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture
def clean_repo(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/clean (a tiny ontology, shapes, data, one query)."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "clean", root)
    return root


@pytest.fixture
def kigraph():
    """The ``kigraph`` command as a function: ``kigraph("validate", "--root", dir)``."""
    return run_kigraph


def run_kigraph(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess (``python -m server``)."""
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real repository built once into ``<tmp>/var/store`` (read it; copy it to change it)."""
    from server.store import build_store

    store_dir = tmp_path_factory.mktemp("built") / "var" / "store"
    build_store(REPO, store_dir)
    return store_dir
