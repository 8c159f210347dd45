"""The landscape graph (issue 17): the saved landscape queries give exact answers on a small
fixture (tests/fixtures/landscape), and the real data/landscape.trig is large enough and traced,
statement by statement, to described public web pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from server.build import build_store
from server.content import load_content
from server.queries import bind, load_queries, paged_text

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "landscape"
ID = "https://w3id.org/kigraph/id/"
KG = "https://w3id.org/kigraph/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
LANDSCAPE = "<https://w3id.org/kigraph/graph/landscape>"
PROVENANCE = "<https://w3id.org/kigraph/graph/provenance>"
PREFIXES = """PREFIX kg: <https://w3id.org/kigraph/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
"""


@pytest.fixture(scope="module")
def queries():
    return load_queries(REPO)


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("landscape") / "repo"
    shutil.copytree(FIXTURE, root)
    return build_store(root, root.parent / "store")


def run(store, queries, name: str, args: dict[str, list[str]]) -> list[dict]:
    query = queries[name]
    substitutions = bind(query, args, lambda param: [])
    result = store.query(paged_text(query, 1, 1000), substitutions=substitutions)
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


def test_landscape_funding_on_the_fixture(fixture_store, queries) -> None:
    rows = run(fixture_store, queries, "landscape-funding", {})
    got = [
        (
            r["grant"],
            r["initiative"],
            r["funder"],
            r["amount"],
            r["max_amount"],
            r["currency"],
            r["period"],
            r["funding_start"],
            r["funding_end"],
        )
        for r in rows
    ]
    assert got == [
        (
            ID + "grant/g1",
            ID + "initiative/alpha",
            ID + "place/land-x",
            "10",
            None,
            "EUR",
            None,
            "2020-01-01",
            "2024",
        ),
        (
            ID + "grant/g2",
            ID + "initiative/beta",
            ID + "org/o3",
            None,
            "5",
            "EUR",
            "P1Y",
            "2021-07",
            None,
        ),
    ]


@pytest.mark.parametrize(
    ("land", "expected"),
    [
        ("land-x", [("alpha", "stadt-a", "50.5", "8.25")]),
        ("land-y", [("beta", "land-y", None, None), ("gamma", "stadt-b", None, None)]),
    ],
)
def test_landscape_in_land_on_the_fixture(fixture_store, queries, land, expected) -> None:
    rows = run(fixture_store, queries, "landscape-in-land", {"land": [ID + "place/" + land]})
    assert [
        (r["initiative"].rsplit("/", 1)[1], r["place"].rsplit("/", 1)[1], r["lat"], r["long"])
        for r in rows
    ] == expected


def test_organisation_partners_over_time_on_the_fixture(fixture_store, queries) -> None:
    rows = run(
        fixture_store, queries, "organisation-partners-over-time", {"agent": [ID + "org/o1"]}
    )
    assert [
        (
            r["initiative"].rsplit("/", 1)[1],
            r["partner"].rsplit("/", 1)[1],
            r["role"],
            r["since"],
            r["agent_since"],
            r["initiative_start"],
        )
        for r in rows
    ] == [
        ("alpha", "o2", KG + "partner", "2019-10", "2016", "2016"),
        ("alpha", "land-x", KG + "funder", None, "2016", "2016"),
        ("beta", "o3", KG + "partner", None, None, None),
    ]


# The real data


@pytest.fixture(scope="module")
def content() -> ox.Store:
    store = ox.Store()
    store.extend(load_content(REPO).quads())
    return store


def select(store: ox.Store, text: str) -> list[tuple]:
    return [
        tuple(t.value if t is not None else None for t in row)
        for row in store.query(PREFIXES + text, use_default_graph_as_union=True)
    ]


def test_landscape_has_30_initiatives_and_organisations_and_300_statements(content) -> None:
    [(things,)] = select(
        content,
        f"""SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{
              GRAPH {LANDSCAPE} {{ ?x a ?class }}
              GRAPH <https://w3id.org/kigraph/graph/ontology> {{ ?class rdfs:subClassOf* ?top }}
              VALUES ?top {{ kg:Initiative org:Organization }} }}""",
    )
    [(statements,)] = select(
        content, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {LANDSCAPE} {{ ?s ?p ?o }} }}"
    )
    assert int(things) >= 30
    assert int(statements) >= 300


def test_every_landscape_statement_comes_from_a_described_web_page(content) -> None:
    missing = select(
        content,
        f"""SELECT ?s ?p ?o WHERE {{ GRAPH {LANDSCAPE} {{ ?s ?p ?o }}
              FILTER NOT EXISTS {{ GRAPH {PROVENANCE} {{
                ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:assertedIn {LANDSCAPE} ;
                    prov:wasDerivedFrom ?page }}
                ?page a schema:WebPage , kg:SourceDocument ; schema:url ?url }} }}""",
    )
    assert missing == []
    notes = select(
        content,
        f"""SELECT DISTINCT ?source WHERE {{ GRAPH {PROVENANCE} {{
              ?st kg:assertedIn {LANDSCAPE} ; prov:wasDerivedFrom ?source }}
              FILTER NOT EXISTS {{ ?source a schema:WebPage ; schema:url ?url }} }}""",
    )
    assert notes == []


def test_every_place_with_coordinates_has_a_cited_source(content) -> None:
    places = select(
        content, "SELECT DISTINCT ?place WHERE { ?place geo:lat ?lat ; geo:long ?long }"
    )
    assert places
    unsourced = select(
        content,
        f"""SELECT ?place ?p WHERE {{ ?place ?p ?value . VALUES ?p {{ geo:lat geo:long }}
              FILTER NOT EXISTS {{ GRAPH {PROVENANCE} {{
                ?st rdf:subject ?place ; rdf:predicate ?p ; rdf:object ?value ; prov:wasDerivedFrom ?page }}
                ?page a schema:WebPage ; schema:url ?url }} }}""",
    )
    assert unsourced == []


def test_the_article_graph_holds_no_landscape_terms(content) -> None:
    leaked = select(
        content,
        """SELECT ?s ?p WHERE { GRAPH <https://w3id.org/kigraph/graph/article> { ?s ?p ?o }
             VALUES ?p { kg:fundingStart kg:fundingEnd kg:inaugurationDate kg:predecessor kg:participant } }""",
    )
    assert leaked == []


DATED = (
    "schema:foundingDate schema:startDate schema:endDate kg:inaugurationDate kg:fundingStart "
    "kg:fundingEnd kg:announcedIn"
)


def test_landscape_has_28_places_with_coordinates_and_129_dated_facts(content) -> None:
    [(places,)] = select(
        content, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p geo:lat ?lat ; geo:long ?long }"
    )
    [(dated,)] = select(
        content,
        f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {LANDSCAPE} {{ ?s ?p ?d }} VALUES ?p {{ {DATED} }} }}""",
    )
    assert int(places) >= 28
    assert int(dated) >= 129


def test_every_place_with_coordinates_is_a_labelled_place_in_germany(content) -> None:
    # decimal degrees as the pages print them; a German city lies within 47–55.1 N, 5.8–15.1 E
    rows = select(
        content,
        """SELECT ?place ?lat ?long ?de ?en WHERE { ?place geo:lat ?lat ; geo:long ?long
             OPTIONAL { ?place rdfs:label ?de FILTER(LANG(?de) = "de") }
             OPTIONAL { ?place rdfs:label ?en FILTER(LANG(?en) = "en") } }""",
    )
    assert rows
    for place, lat, long, de, en in rows:
        assert place.startswith(ID + "place/"), place
        assert de and en, place
        assert 47.0 <= float(lat) <= 55.1 and 5.8 <= float(long) <= 15.1, (place, lat, long)


def test_every_city_with_coordinates_lies_in_a_land_a_page_names(content) -> None:
    missing = select(
        content,
        f"""SELECT ?place WHERE {{ ?place geo:lat ?lat ; a schema:City
              FILTER NOT EXISTS {{ ?place a kg:FederalState }}
              FILTER NOT EXISTS {{ GRAPH {LANDSCAPE} {{ ?place schema:containedInPlace ?land }}
                                   ?land a kg:FederalState }} }}""",
    )
    assert missing == []


def test_the_dfki_has_public_and_industrial_shareholders_with_dates(content) -> None:
    shareholders = select(
        content,
        f"""SELECT DISTINCT ?class WHERE {{ GRAPH {LANDSCAPE} {{
              <{ID}initiative/dfki> kg:shareholder ?agent }} ?agent a ?class
              VALUES ?class {{ kg:Company kg:ResearchInstitute }} }}""",
    )
    assert {c for (c,) in shareholders} == {KG + "Company", KG + "ResearchInstitute"}
    dated = select(
        content,
        f"""SELECT ?agent ?since WHERE {{ GRAPH {LANDSCAPE} {{
              ?part kg:participationIn <{ID}initiative/dfki> ; kg:participationRole kg:shareholder ;
                    kg:participant ?agent ; schema:startDate ?since }} }} ORDER BY ?since""",
    )
    assert dated == [(ID + "org/microsoft", "2005-10"), (ID + "org/google", "2015-10")]
