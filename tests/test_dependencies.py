"""Every module the service and its tests import is a declared dependency (a clean
``pip install -e '.[test]'`` has it), runtime imports are runtime dependencies, and packages
whose API broke between versions carry an upper bound."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
#: modules of this repository, not distributions
OURS = {"server", "conftest", "browser", "endpoint", "scale"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


RUNTIME = {_name(r): r for r in PROJECT["dependencies"]}
TEST = {_name(r): r for r in PROJECT["optional-dependencies"]["test"]}


def _imports(directory: str) -> set[str]:
    found = set()
    for path in (REPO / directory).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - OURS - {"__future__"}


def _distributions(module: str) -> set[str]:
    return {d.lower().replace("_", "-") for d in packages_distributions().get(module, [])}


@pytest.mark.parametrize(("directory", "allowed"), [("server", RUNTIME), ("tests", RUNTIME | TEST)])
def test_every_import_is_declared(directory: str, allowed: dict[str, str]) -> None:
    undeclared = {m for m in _imports(directory) if not _distributions(m) & set(allowed)}
    assert undeclared == set()


@pytest.mark.parametrize("package", ["pyoxigraph", "flask", "granian", "pebble", "schemathesis"])
def test_packages_that_broke_their_api_are_bounded(package: str) -> None:
    requirement = RUNTIME.get(package) or TEST[package]
    assert ">=" in requirement and "<" in requirement.replace("<=", ""), requirement
