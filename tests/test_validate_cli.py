"""``kigraph validate`` on the clean fixture repository and on broken copies of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

ACME = "<https://w3id.org/kigraph/id/org/acme>"
ALPHA_FUNDING = "<https://w3id.org/kigraph/id/amount/alpha-funding>"


@dataclass(frozen=True)
class Case:
    """Edit ``file`` of the clean fixture (replace ``old`` by ``new``; ``old=None`` writes the
    file anew), then ``kigraph validate`` must exit with ``status`` and print every ``expect``."""

    id: str
    file: str
    old: str | None
    new: str
    status: int
    expect: tuple[str, ...]


CASES = [
    Case("clean", "data/example.ttl", "", "", 0, ("kigraph validate: OK",)),
    Case(
        "turtle syntax error",
        "data/example.ttl",
        "kg:partner kgorg:beta ;",
        "kg:partner nope:beta ;",
        2,
        ("data/example.ttl:12:", "nope:"),
    ),
    Case(
        "trig syntax error",
        "data/article.trig",
        'rdfs:label "Alpha"@de, "Alpha"@en ;',
        'rdfs:label "Alpha"@de, "Alpha"@en ;;; }',
        2,
        ("data/article.trig:20:", "not a valid RDF object"),
    ),
    Case(
        "missing English label",
        "data/article.trig",
        'rdfs:label "Acme"@de, "Acme"@en .',
        'rdfs:label "Acme"@de .',
        1,
        (ACME, "rdfs:label", "English", "data/article.trig:16"),
    ),
    Case(
        "missing English label via subclass target",
        "data/example.ttl",
        '"Beta Ltd"@en',
        '"Beta Ltd"@fr',
        1,
        ("<https://w3id.org/kigraph/id/org/beta>", "rdfs:label", "data/example.ttl:7"),
    ),
    Case(
        "money value as a string",
        "data/article.trig",
        '"22000000"^^xsd:decimal',
        '"22 Mio €"',
        1,
        (ALPHA_FUNDING, "schema:value", "xsd:decimal", '"22 Mio €"'),
    ),
    Case(
        "ill-typed decimal",
        "data/article.trig",
        '"22000000"^^xsd:decimal',
        '"22 Mio"^^xsd:decimal',
        1,
        (ALPHA_FUNDING, "schema:value", '"22 Mio"^^xsd:decimal'),
    ),
    Case(
        "money value as a string on a blank node",
        "data/example.ttl",
        '"1000000"^^xsd:decimal',
        '"1000000"',
        1,
        ("kg:funding of <https://w3id.org/kigraph/id/initiative/gamma>", "schema:value"),
    ),
    Case(
        "dangling IRI",
        "data/article.trig",
        "kg:funding <https://w3id.org/kigraph/id/amount/alpha-funding> .",
        "kg:funding <https://w3id.org/kigraph/id/amount/alpha-funding> ;\n"
        "        kg:partner <https://w3id.org/kigraph/id/org/ghost> .",
        1,
        ("dangling.rq", "<https://w3id.org/kigraph/id/org/ghost>", "never described"),
    ),
    Case(
        "blank node in trig",
        "data/article.trig",
        "kg:funding <https://w3id.org/kigraph/id/amount/alpha-funding> .",
        "kg:funding [ a schema:MonetaryAmount ] .",
        2,
        ("data/article.trig", "blank node"),
    ),
    Case(
        "violation query syntax error",
        "ontology/violations/broken.rq",
        None,
        "# broken\nSELECT ?x WHERE {\n  ?x ?p }\n",
        2,
        ("ontology/violations/broken.rq:", "expected"),
    ),
    Case(
        "violation query not a SELECT",
        "ontology/violations/ask.rq",
        None,
        "ASK { ?s ?p ?o }\n",
        2,
        ("ontology/violations/ask.rq", "not a SELECT"),
    ),
    Case(
        "unknown file type",
        "data/notes.csv",
        None,
        "a,b\n",
        2,
        ("data/notes.csv", "unknown file type"),
    ),
    Case(
        "graph name taken twice",
        "data/example.trig",
        None,
        "",
        2,
        ("data/example.ttl", "graph …/graph/example is already made from data/example.trig"),
    ),
    Case(
        "not UTF-8",
        "data/latin1.ttl",
        None,
        '<https://w3id.org/kigraph/id/x> <https://w3id.org/kigraph/ontology#p> "\udce9" .\n',
        2,
        ("data/latin1.ttl:1:", "UTF-8"),
    ),
]


def _apply(root: Path, case: Case) -> None:
    path = root / case.file
    if case.old is None:
        path.write_bytes(case.new.encode("utf-8", errors="surrogateescape"))
        return
    text = path.read_text(encoding="utf-8")
    assert case.old in text, f"fixture changed? {case.old!r} not in {case.file}"
    path.write_text(text.replace(case.old, case.new, 1), encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validate(clean_repo: Path, kigraph, case: Case) -> None:
    _apply(clean_repo, case)
    result = kigraph("validate", "--root", str(clean_repo))
    output = result.stdout + result.stderr
    assert result.returncode == case.status, output
    for expected in case.expect:
        assert expected in output, f"{expected!r} not in:\n{output}"
    assert "Traceback" not in output


def test_root_without_ontology(tmp_path: Path, kigraph) -> None:
    result = kigraph("validate", "--root", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert "ontology: no such directory" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_default_root_is_working_directory(clean_repo: Path, kigraph) -> None:
    result = kigraph("validate", cwd=clean_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 files" in result.stdout


def test_version_flag(kigraph) -> None:
    from server import __version__

    result = kigraph("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kigraph {__version__}"


def test_usage_error_exits_2(kigraph) -> None:
    result = kigraph("no-such-command")
    assert result.returncode == 2
    assert "usage: kigraph" in result.stderr


# --- corrections must rest on public pages ------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent
NOTES = "<https://w3id.org/kigraph/id/source/modelling-notes>"
PAGE = "<https://example.org/news/acme-renamed>"


@pytest.fixture
def correction_repo(tmp_path: Path) -> Path:
    """tests/fixtures/correction-sources (a correction resting on the research notes only) with
    the repository's own ontology, shapes and the one violation query that checks sources."""
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(REPO / "tests" / "fixtures" / "correction-sources", root)
    (root / "ontology" / "violations").mkdir(parents=True)
    for name in ("kigraph.ttl", "shapes.ttl", "violations/corrections-cite-public-pages.rq"):
        shutil.copy(REPO / "ontology" / name, root / "ontology" / name)
    return root


@pytest.mark.parametrize(
    ("old", "new", "status"),
    [
        (None, None, 1),  # the fixture as it is: an update resting on the research notes
        ("kg:correctionKind kg:updates", "kg:correctionKind kg:unconfirmed", 0),
        (f"prov:wasDerivedFrom {NOTES}", f"prov:wasDerivedFrom {PAGE}", 0),
        (f"prov:wasDerivedFrom {NOTES}", f"prov:wasDerivedFrom {PAGE} , {NOTES}", 1),
        (f"prov:wasDerivedFrom {NOTES}", "prov:wasDerivedFrom <https://example.org/unread>", 1),
    ],
    ids=["notes", "unconfirmed", "described page", "page and notes", "undescribed page"],
)
def test_a_correction_must_cite_a_described_public_page(
    correction_repo: Path, kigraph, old: str | None, new: str | None, status: int
) -> None:
    path = correction_repo / "data" / "corrections.trig"
    if old is not None:
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1
        path.write_text(text.replace(old, new), encoding="utf-8")
    result = kigraph("validate", "--root", str(correction_repo))
    output = result.stdout + result.stderr
    assert result.returncode == status, output
    assert "Traceback" not in output
    if status:
        for expected in (
            "corrections-cite-public-pages.rq",
            "<https://w3id.org/kigraph/id/correction/acme-name>",
            "kgsh:CorrectionSourceShape",
            "not the research notes, unless it is kg:unconfirmed",
            "data/corrections.trig:10:",
        ):
            assert expected in output, f"{expected!r} not in:\n{output}"
