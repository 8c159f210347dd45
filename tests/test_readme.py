"""The README keeps its promises: the two commands, every setting, every command."""

from __future__ import annotations

from pathlib import Path

from server.settings import environment_variables

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
CI = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_documents_every_setting() -> None:
    missing = [name for name in environment_variables() if name not in README]
    assert missing == []


def test_ci_runs_the_readme_test_command() -> None:
    command = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"
    assert command in README and command in CI


def test_readme_run_command_serves_the_curated_graph() -> None:
    assert (
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/kigraph serve" in README
    )
