"""The README keeps its promises: the two commands, two screens, every setting documented."""

from __future__ import annotations

import re
from pathlib import Path

from server.settings import environment_variables

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
SETTINGS = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
CI = (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_docs_document_every_setting() -> None:
    missing = [name for name in environment_variables() if name not in SETTINGS]
    assert missing == []


def test_readme_fits_two_screens() -> None:
    """What it is, the two commands, a screenshot, the main URLs, links into docs/."""
    assert len(README.splitlines()) <= 80
    for target in re.findall(r"\]\(((?:docs/|bench/)[^)#]+)", README):
        assert (REPO / target).exists(), target


def test_ci_runs_the_readme_test_command() -> None:
    command = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"
    assert command in README and command in CI


def test_readme_run_command_serves_the_curated_graph() -> None:
    assert (
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/kigraph serve" in README
    )
