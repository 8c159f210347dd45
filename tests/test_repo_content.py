"""The repository's own ontology/ and data/ must validate."""

from __future__ import annotations

from pathlib import Path

from server.validation import validate_root

REPO = Path(__file__).resolve().parent.parent


def test_repo_validates() -> None:
    report = validate_root(REPO)
    assert report.ok, report.render()
