"""/browse and /browse.json (issue 16): the facets' counts are the numbers an independent SPARQL
query finds (on both backends), every state of the filters is a URL that gives the same state
back, a value or parameter that is not one is a 400 naming it, and the page links to no more
filter states than it has (a crawler meets a finite site). Also: the IRI pickers' expected
class, citing a resource, and the resource page's neighbourhood."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest

from server.citation import cite_resource
from server.pickers import expected_class
from server.queries import SavedQuery

BASE = "https://w3id.org/kigraph/"
PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kg: <https://w3id.org/kigraph/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <http://schema.org/>
"""
#: the items: organisations and initiatives (written here without the query files' help)
ITEMS = """VALUES ?root { kg:Initiative org:Organization schema:Organization kg:Collective }
  ?item rdf:type/rdfs:subClassOf* ?root .
  FILTER(STRSTARTS(STR(?item), "https://w3id.org/kigraph/id/"))"""
#: each facet as a pattern on ?item with the value in ?v
PATTERNS = {
    "kind": "?item rdf:type ?v . ?v rdfs:subClassOf* ?root2 . "
    "VALUES ?root2 { kg:Initiative org:Organization schema:Organization kg:Collective }",
    "land": "?item kg:location/schema:containedInPlace* ?v . ?v rdf:type kg:FederalState",
    "technology": "?item ?anyProperty ?v . ?v rdf:type kg:Technology",
    "target": "?item kg:targetGroup ?v",
    "funder": "?g kg:fundedInitiative ?item ; schema:funder ?v",
}
CLASS = {"kg": BASE + "ontology#", "org": "http://www.w3.org/ns/org#"}


def iri_of(token: str) -> str:
    prefix, _, local = token.partition(":")
    return CLASS[prefix] + local if prefix in CLASS else BASE + "id/" + token


def count_by_sparql(store, facet: str, value: str, others: dict[str, list[str]]) -> int:
    """How many items have ``value`` in ``facet`` and pass the ``others`` filters (OR within a
    facet, AND across), counted by one SPARQL query."""
    blocks = [f"{{ {PATTERNS[facet].replace('?v', f'<{iri_of(value)}>')} }}"]
    for name, values in others.items():
        if name == facet or not values:
            continue
        alternatives = " UNION ".join(
            "{ " + PATTERNS[name].replace("?v", f"<{iri_of(v)}>") + " }" for v in values
        )
        blocks.append(f"FILTER EXISTS {{ {alternatives} }}")
    text = (
        PREFIXES
        + "SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE { "
        + "{ SELECT DISTINCT ?item WHERE { "
        + ITEMS
        + " } } "
        + " ".join(blocks)
        + " }"
    )
    return int(next(iter(store.query(text)))["n"].value)


def store_of(client):
    return client.application.extensions["kigraph"].store


def facets(doc) -> dict[str, dict[str, int]]:
    return {f: {v["value"]: v["count"] for v in s["values"]} for f, s in doc["facets"].items()}


COMBINATIONS = [
    {},
    {"land": ["place/berlin"]},
    {"kind": ["kg:ResearchInstitute", "kg:Company"], "land": ["place/berlin"]},
    {"funder": ["org/bmbf"], "kind": ["kg:Project", "kg:Cooperation"]},
    {"land": ["place/baden-wuerttemberg", "place/nordrhein-westfalen"], "kind": ["kg:Company"]},
]


@pytest.mark.parametrize("chosen", COMBINATIONS, ids=lambda c: "&".join(sorted(c)) or "none")
def test_counts_are_what_sparql_counts(client, chosen):
    query = [(f, v) for f, vs in chosen.items() for v in vs]
    response = client.get("/browse.json", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    doc = response.get_json()
    store = store_of(client)
    counted = facets(doc)
    checked = 0
    for facet, values in counted.items():
        for value, n in list(values.items())[:4]:  # a few per facet: each is one query
            assert n == count_by_sparql(store, facet, value, chosen), (facet, value)
            checked += 1
    assert checked >= 5
    # the total is the items every filter lets through
    if chosen:
        first_facet, first_values = next(iter(chosen.items()))
        expected = sum(
            1
            for _ in store.query(
                PREFIXES
                + "SELECT DISTINCT ?item WHERE { { SELECT DISTINCT ?item WHERE { "
                + ITEMS
                + " } } "
                + " ".join(
                    "FILTER EXISTS { "
                    + " UNION ".join(
                        "{ " + PATTERNS[f].replace("?v", f"<{iri_of(v)}>") + " }" for v in vs
                    )
                    + " }"
                    for f, vs in chosen.items()
                )
                + " }"
            )
        )
        assert doc["total"] == expected
        assert sorted(first_values) == sorted(doc["filters"][first_facet])
    else:
        assert doc["total"] > 100
    assert len(doc["results"]) == min(doc["total"], doc["per_page"])


def test_exact_counts_of_a_known_state(client):
    doc = client.get(
        "/browse.json?kind=kg:ResearchInstitute&kind=kg:Company&land=place/berlin"
    ).get_json()
    expected = {
        row["item"].value
        for row in store_of(client).query(
            PREFIXES
            + "SELECT DISTINCT ?item WHERE { ?item rdf:type ?k "
            + "VALUES ?k { kg:ResearchInstitute kg:Company } "
            + "?item kg:location/schema:containedInPlace* <"
            + BASE
            + "id/place/berlin> }"
        )
    }
    assert doc["total"] == len(expected) >= 4  # Charité, FU, HU, TU Berlin at least
    assert {r["id"] for r in doc["results"]} == expected
    counted = facets(doc)
    assert counted["kind"]["kg:Company"] == 0  # chosen, though no company is in Berlin
    assert counted["land"]["place/berlin"] == count_by_sparql(
        store_of(client), "land", "place/berlin", {"kind": ["kg:ResearchInstitute", "kg:Company"]}
    )


def test_every_state_is_a_url_that_gives_it_back(client):
    query = "kind=kg:Company&land=place/baden-wuerttemberg&land=place/nordrhein-westfalen&lang=en"
    page = client.get("/browse?" + query, headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    checked = set(re.findall(r'name="(\w+)" value="([^"]+)" checked', html))
    assert checked == {
        ("kind", "kg:Company"),
        ("land", "place/baden-wuerttemberg"),
        ("land", "place/nordrhein-westfalen"),
    }
    doc = client.get("/browse.json?" + query).get_json()
    assert doc["filters"] == {
        "kind": ["kg:Company"],
        "land": ["place/baden-wuerttemberg", "place/nordrhein-westfalen"],
    }
    # the JSON's own link, fetched, is the same state; full IRIs name the same values
    self_link = urlsplit(doc["links"]["self"])
    again = client.get("/browse.json?" + self_link.query).get_json()
    assert again["filters"] == doc["filters"] and again["total"] == doc["total"]
    by_iri = client.get(
        "/browse.json",
        query_string={
            "kind": "https://w3id.org/kigraph/ontology#Company",
            "land": [BASE + "id/place/baden-wuerttemberg", BASE + "id/place/nordrhein-westfalen"],
        },
    ).get_json()
    assert by_iri["filters"] == doc["filters"] and by_iri["total"] == doc["total"]
    # each "remove" link is the state without that one value
    removed = re.findall(r'<a class="chip" href="([^"]+)"', html)
    assert len(removed) == 3
    for href in removed:
        state = parse_qs(urlsplit(href.replace("&amp;", "&")).query)
        values = [(k, v) for k, vs in state.items() if k != "lang" for v in vs]
        assert len(values) == 2


def test_paging(client):
    first = client.get("/browse.json").get_json()
    assert first["pages"] >= 2 and "next" in first["links"]
    second = client.get(urlsplit(first["links"]["next"]).path + "?page=2").get_json()
    assert second["page"] == 2
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    html = client.get("/browse?page=2", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'rel="prev"' in html


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("land=place/atlantis", "land"),
        ("kind=kg:Unicorn", "kind"),
        ("funder=org/nobody&land=place/berlin", "funder"),
        ("colour=blue", "colour"),
        ("page=0", "page"),
        ("page=99", "page"),
        ("page=1&page=2", "page"),
        ("lang=fr", "lang"),
    ],
)
def test_bad_values_are_400s_naming_the_parameter(client, query, parameter):
    response = client.get("/browse.json?" + query)
    assert response.status_code == 400
    assert response.content_type.startswith("application/problem+json")
    assert f"parameter {parameter!r}" in response.get_json()["detail"]
    if parameter != "lang":  # the page takes any lang= (and falls back), as every page does
        page = client.get("/browse?" + query, headers={"Accept": "text/html"})
        assert page.status_code == 400 and page.content_type.startswith("text/html")
        assert parameter in page.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_page_in_both_languages_links_no_filter_states(client, lang):
    response = client.get(f"/browse?lang={lang}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    title = "Organisationen und Initiativen" if lang == "de" else "Organisations and initiatives"
    assert f"<h1>{title}</h1>" in html
    links = re.findall(r'href="http://localhost/browse(?:\.json)?\?([^"]*)"', html)
    # without filters the page offers the form, not a link per value: only pages and languages
    for query in links:
        assert set(parse_qs(query.replace("&amp;", "&"))) <= {"page", "lang"}, query


def test_sitemap_and_navigation_list_browse(client):
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<loc>http://localhost/browse</loc>" in sitemap
    home = client.get("/?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="http://localhost/browse"' in home and 'href="http://localhost/search"' in home
    assert 'action="http://localhost/search"' in home  # the header's box and the home form


# --- the IRI pickers, citing a resource, the neighbourhood ------------------------------------


def _query(text: str) -> SavedQuery:
    return SavedQuery("q", "queries/q.rq", text, "SELECT", {"de": "q", "en": "q"}, {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT ?org WHERE { ?org a org:Organization }", "http://www.w3.org/ns/org#Organization"),
        (
            "PREFIX x: <https://example.org/>\nSELECT ?org WHERE { ?org rdf:type x:Thing }",
            "https://example.org/Thing",
        ),
        (
            "SELECT ?org WHERE { ?org rdf:type/rdfs:subClassOf* kg:Initiative }",
            BASE + "ontology#Initiative",
        ),
        ("SELECT ?org WHERE { ?org kg:partner ?x }", None),
        ("SELECT ?org WHERE { # ?org a kg:Initiative\n ?org ?p ?o }", None),
    ],
)
def test_a_picker_expects_the_class_the_query_states(text, expected):
    assert expected_class(_query(text), "org") == expected


def test_query_form_has_a_picker(client):
    html = client.get(
        "/queries/organisation-initiatives?lang=en", headers={"Accept": "text/html"}
    ).get_data(as_text=True)
    assert re.search(r'<input id="p-agent"[^>]* data-iri-picker', html)
    assert "static/js/iri-picker.js" in html


@pytest.mark.parametrize("lang", ["de", "en"])
def test_citing_a_resource(lang):
    cited = cite_resource("DFKI", BASE + "id/org/dfki", "1.0.0", "2026-12-06", lang)
    assert cited.text.startswith("„DFKI“. " if lang == "de" else "“DFKI”. ")
    assert BASE + "id/org/dfki" in cited.text and "1.0.0" in cited.text
    assert cited.release_iri == BASE + "dataset/release/1.0.0"
    assert ("Veröffentlichung" if lang == "de" else "release") in cited.text


def test_resource_page_has_neighbourhood_and_citation(client):
    html = client.get("/doc/initiative/dfki?lang=de", headers={"Accept": "text/html"}).get_data(
        as_text=True
    )
    items = re.findall(r'<ul class="neighbours-list" id="neighbours-list">(.*?)</ul>', html, re.S)
    assert items and 1 <= items[0].count("<li") <= 12
    total = {
        row["n"].value
        for row in store_of(client).query(
            PREFIXES + "SELECT DISTINCT ?n WHERE { { ?r ?p ?n } UNION { ?n ?p ?r "
            "FILTER(?p NOT IN (rdf:subject, rdf:object)) } "
            'FILTER(isIRI(?n) && ?n != ?r && STRSTARTS(STR(?n), "https://w3id.org/kigraph/id/") '
            '&& !STRSTARTS(STR(?n), "https://w3id.org/kigraph/id/statement/")) }',
            substitutions={ox.Variable("r"): ox.NamedNode(BASE + "id/initiative/dfki")},
        )
    }
    more = len(total) - items[0].count("<li")
    assert more > 0 and f"und {more} weitere" in html
    assert "„DFKI“. https://w3id.org/kigraph/id/initiative/dfki. In: KI-Graph-Projekt" in html
