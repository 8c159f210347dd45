"""The repository's own ontology/ and data/ must validate."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.validation import validate_root

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # the session's built store validated the same content already
def test_repo_validates() -> None:
    report = validate_root(REPO)
    assert report.ok, report.render()
