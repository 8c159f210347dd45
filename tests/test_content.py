"""Unit tests of server.content: graphs, provenance (reification), determinism."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest

from server.content import (
    ONTOLOGY_GRAPH,
    PROVENANCE_GRAPH,
    SHAPES_GRAPH,
    load_content,
    statement_iri,
)
from server.errors import ContentError
from server.namespaces import GRAPH, ID, KG, PREFIXES, PROV, RDF, STATEMENT, sparql_prologue

ALPHA = ox.NamedNode(ID + "initiative/alpha")
ACME = ox.NamedNode(ID + "org/acme")
PARTNER = ox.NamedNode(KG + "partner")
S1 = ox.NamedNode(ID + "source/article/s1")
S2 = ox.NamedNode(ID + "source/article/s2")
ARTICLE_GRAPH = GRAPH + "article"


def _store(content) -> ox.Store:
    store = ox.Store()
    store.extend(content.quads())
    return store


def _select(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    solutions = store.query(sparql_prologue() + query)
    names = [v.value for v in solutions.variables]
    return sorted(tuple(str(row[n]) for n in names) for row in solutions)


def test_graph_names(clean_repo: Path) -> None:
    content = load_content(clean_repo)
    assert sorted(content.graphs) == sorted(
        [ONTOLOGY_GRAPH, SHAPES_GRAPH, ARTICLE_GRAPH, GRAPH + "example", PROVENANCE_GRAPH]
    )
    assert [q.name for q in content.violation_queries] == ["dangling"]
    assert content.violation_queries[0].description.startswith("IRIs of our namespace")


def test_statement_iri_is_sha256_of_the_ntriples_line() -> None:
    triple = ox.Triple(ALPHA, PARTNER, ox.Literal('a "quoted"\nline', language="de"))
    line = ox.serialize([triple], format=ox.RdfFormat.N_TRIPLES)
    expected = STATEMENT + "article-" + hashlib.sha256(line).hexdigest()[:16]
    assert statement_iri("article", triple) == expected


def test_loading_twice_gives_the_same_quads(clean_repo: Path) -> None:
    first, second = load_content(clean_repo), load_content(clean_repo)
    assert dict(first.graphs) == dict(second.graphs)  # includes relabelled blank nodes
    assert first.version == second.version
    serialised = ox.serialize(first.quads(), format=ox.RdfFormat.N_QUADS)
    assert serialised == ox.serialize(second.quads(), format=ox.RdfFormat.N_QUADS)


def test_version_follows_the_bytes(clean_repo: Path) -> None:
    before = load_content(clean_repo).version
    path = clean_repo / "data" / "example.ttl"
    path.write_text(path.read_text() + "\n# a comment\n")
    assert load_content(clean_repo).version != before


def test_triple_stated_in_two_blocks_has_two_sources(clean_repo: Path) -> None:
    content = load_content(clean_repo)
    triple = ox.Triple(ALPHA, PARTNER, ACME)
    statement = ox.NamedNode(statement_iri("article", triple))
    provenance = content.graphs[PROVENANCE_GRAPH]
    derived = {
        q.object
        for q in provenance
        if q.subject == statement and q.predicate.value == PROV + "wasDerivedFrom"
    }
    assert derived == {S1, S2}
    # ...and it is in the article graph once
    article = [q for q in content.graphs[ARTICLE_GRAPH] if q.triple == triple]
    assert len(article) == 1


def test_reification_triples(clean_repo: Path) -> None:
    store = _store(load_content(clean_repo))
    rows = _select(
        store,
        f"""SELECT ?st ?source WHERE {{
          GRAPH <{PROVENANCE_GRAPH}> {{
            ?st a rdf:Statement ; rdf:subject <{ALPHA.value}> ;
                rdf:predicate rdfs:label ; rdf:object "Alpha"@en ;
                kg:assertedIn <{ARTICLE_GRAPH}> ; prov:wasDerivedFrom ?source .
          }} }}""",
    )
    triple = ox.Triple(
        ALPHA, ox.NamedNode(PREFIXES["rdfs"] + "label"), ox.Literal("Alpha", language="en")
    )
    assert rows == [(f"<{statement_iri('article', triple)}>", f"<{S1.value}>")]


def test_default_graph_triples_have_no_provenance(clean_repo: Path) -> None:
    content = load_content(clean_repo)
    source_triple = ox.Triple(S1, ox.NamedNode(RDF + "type"), ox.NamedNode(PROV + "Entity"))
    assert source_triple in {q.triple for q in content.graphs[ARTICLE_GRAPH]}
    reified = {
        q.object for q in content.graphs[PROVENANCE_GRAPH] if q.predicate.value == RDF + "subject"
    }
    assert S1 not in reified
    assert ox.NamedNode(ID + "source/article") not in reified
    # every triple of the article graph except the default-graph ones is reified
    statements = {q.subject for q in content.graphs[PROVENANCE_GRAPH]}
    in_blocks = [q for q in content.graphs[ARTICLE_GRAPH] if q.subject not in (S1, S2)]
    in_blocks = [q for q in in_blocks if q.subject.value != ID + "source/article"]
    assert len(statements) == len(in_blocks)


def test_turtle_data_gets_no_provenance(clean_repo: Path) -> None:
    content = load_content(clean_repo)
    reified = {
        q.object for q in content.graphs[PROVENANCE_GRAPH] if q.predicate.value == RDF + "subject"
    }
    assert ox.NamedNode(ID + "initiative/gamma") not in reified
    assert any(
        q.subject.value == ID + "initiative/gamma" for q in content.graphs[GRAPH + "example"]
    )


def test_all_files_errors_are_collected(clean_repo: Path) -> None:
    (clean_repo / "data" / "example.ttl").write_text("<a> <b> .\n")
    (clean_repo / "ontology" / "shapes.ttl").write_text("@prefix x: <y> \n")
    with pytest.raises(ContentError) as info:
        load_content(clean_repo)
    where = [p.where for p in info.value.problems]
    assert where == ["ontology/shapes.ttl:2:1", "data/example.ttl:1:9"]
    assert "data/example.ttl:1:9: " in str(info.value)


def test_locate(clean_repo: Path) -> None:
    content = load_content(clean_repo)
    assert str(content.locate(ACME.value)) == "data/article.trig:16"
    assert str(content.locate(ID + "org/beta")) == "data/example.ttl:7"  # prefixed name
    assert str(content.locate(ID + "initiative/gamma")) == "data/example.ttl:10"  # relative IRI
    assert content.locate(ID + "nowhere") is None
