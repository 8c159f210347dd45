"""The ontology and data are consistent under OWL 2 RL, and broken copies of the real repo fail
validation with a message that names the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import owlrl
import pyoxigraph as ox
import pytest
import rdflib
from owlrl.Namespaces import ERRNS

from server.content import load_content

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # computes the OWL 2 RL closure of the whole graph
def test_owl_rl_closure_is_consistent() -> None:
    content = load_content(REPO)
    graphs = [name for name in content.graphs if not name.endswith(("/provenance", "/shapes"))]
    data = ox.serialize((q.triple for q in content.quads(graphs)), format=ox.RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    graph.parse(data=data, format="nt")
    before = len(graph)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(graph)
    assert len(graph) > before  # the closure did infer something
    errors = [str(m) for m in graph.objects(None, ERRNS.error)]
    assert errors == []
    assert list(graph.subjects(rdflib.RDF.type, rdflib.OWL.Nothing)) == []


# (name, file, text to replace, replacement, what the report must say)
MUTATIONS = [
    (
        "turtle syntax error",
        "data/sources.ttl",
        "kg:sectionNumber 1 ;",
        "kg:sectionNumber 1 1 ;",
        ["data/sources.ttl:{line}:"],
    ),
    (
        "missing English label",
        "data/article.trig",
        'rdfs:label "Festo"@de , "Festo"@en .',
        'rdfs:label "Festo"@de .',
        ["id/org/festo", "rdfs:label", "missing English"],
    ),
    (
        "money value as a string",
        "data/article.trig",
        'rdfs:label "22 Mio. € pro Jahr"@de , "EUR 22 million per year"@en ;\n        schema:value 22000000.0 ;',
        'rdfs:label "22 Mio. € pro Jahr"@de , "EUR 22 million per year"@en ;\n        schema:value "22 Mio. €" ;',
        ["id/grant/dfki-jaehrlich-betrag", "schema:value", "xsd:decimal"],
    ),
    (
        "lower bound stored as exact",
        "data/article.trig",
        "kg:comparator kg:moreThan ;\n        schema:minValue 300 .",
        "kg:comparator kg:moreThan ;\n        schema:value 300 .",
        ["id/quantity/ki-park-mitglieder", "lower bound"],
    ),
    (
        "dangling IRI",
        "data/article.trig",
        "init:telekom-ipai kg:partner ag:bosch , ag:festo , ag:fraunhofer .",
        "init:telekom-ipai kg:partner ag:bosch , ag:festo , ag:fraunhofer , ag:no-such-partner .",
        ["dangling-iri.rq", "id/org/no-such-partner"],
    ),
    (
        "correction quoting a value the article does not state",
        "data/corrections.trig",
        "kg:articleValue 24000 ;",
        "kg:articleValue 25000 ;",
        ["corrections-cite-the-article.rq", "id/correction/jupiter-chips"],
    ),
    (
        "funding shares not adding up",
        "data/article.trig",
        "kg:shareFunder ag:laender ;\n        kg:fraction 0.5 .",
        "kg:shareFunder ag:laender ;\n        kg:fraction 0.4 .",
        ["funding-shares.rq", "id/grant/dfki-jaehrlich"],
    ),
]


@pytest.mark.slow  # validates a whole copy of the repository
@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [m[1:] for m in MUTATIONS],
    ids=[m[0] for m in MUTATIONS],
)
def test_broken_copy_of_the_repo_fails_validation(
    tmp_path: Path, kigraph, file: str, old: str, new: str, expected: list[str]
) -> None:
    root = tmp_path / "repo"
    for folder in ("ontology", "data"):
        shutil.copytree(REPO / folder, root / folder)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"mutation target not unique in {file}: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1

    result = kigraph("validate", "--root", str(root))

    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    for needle in expected:
        assert needle.format(line=line) in result.stdout, result.stdout
