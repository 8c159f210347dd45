"""Saved queries over HTTP: listing, running with typed parameters, formats, paging, OpenAPI
(on both backends: ``client`` is the conftest's)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from openapi_spec_validator import validate

REPO = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/kigraph/id/"


def test_listing_as_json_names_every_query_with_typed_parameters(client) -> None:
    body = client.get("/queries").get_json()
    names = {q["name"] for q in body["queries"]}
    assert len(names) >= 25 and {"cooperations", "organisation-initiatives"} <= names
    actors = next(q for q in body["queries"] if q["name"] == "organisation-initiatives")
    assert actors["parameters"] == [
        {
            "name": "agent",
            "type": "iri",
            "required": True,
            "default": None,
            "example": ID + "org/nvidia",
            "values": None,
            "values_query": None,
            "description": {"de": "IRI der Organisation", "en": "IRI of the organisation"},
        }
    ]
    assert actors["title"]["de"] and actors["title"]["en"]


def test_listing_for_browsers_is_a_page(client) -> None:
    page = client.get("/queries", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Die zehn Kooperationen" in page or "The ten cooperations" in page


@pytest.mark.parametrize(
    ("path", "accept", "content_type"),
    [
        ("/queries/cooperations", "", "application/sparql-results+json"),
        ("/queries/cooperations", "text/csv", "text/csv"),
        ("/queries/cooperations", "text/tab-separated-values", "text/tab-separated-values"),
        (
            "/queries/cooperations",
            "application/sparql-results+xml",
            "application/sparql-results+xml",
        ),
        ("/queries/cooperations", "text/html", "text/html"),
        ("/queries/cooperations.csv", "text/html", "text/csv"),
        ("/queries/cooperations.json", "", "application/sparql-results+json"),
        ("/queries/cooperations?format=tsv", "text/csv", "text/tab-separated-values"),
        ("/queries/cooperation-network", "", "text/turtle"),
        ("/queries/cooperation-network.jsonld", "", "application/ld+json"),
        ("/queries/cooperation-network", "application/n-triples", "application/n-triples"),
        ("/queries/cooperations.rq", "", "application/sparql-query"),
    ],
)
def test_formats(client, path, accept, content_type) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(content_type)


def test_nothing_acceptable_is_406_listing_the_offer(client) -> None:
    response = client.get("/queries/cooperations", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/csv" in response.get_json()["detail"]


def test_results_carry_the_articles_values(client) -> None:
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    f"/queries/initiative-funding.csv?initiative={ID}initiative/dfki"
                ).get_data(as_text=True)
            )
        )
    )
    assert {(r["funder"], r["amount"], r["share"]) for r in rows} == {
        (ID + "org/bund", "22000000", "0.5"),
        (ID + "org/laender", "22000000", "0.5"),
    }
    nvidia = client.get(f"/queries/organisation-initiatives?agent={ID}org/nvidia").get_json()
    initiatives = {
        b["initiative"]["value"]
        for b in nvidia["results"]["bindings"]
        if b["graph"]["value"].endswith("/article")
    }
    assert initiatives == {ID + "initiative/industrial-ai-cloud"}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("/queries/organisation-initiatives", "agent"),
        ("/queries/organisation-initiatives?agent=not%20an%20iri", "agent"),
        (f"/queries/organisation-initiatives?agent={ID}org/dfki&agent={ID}org/bmbf", "agent"),
        (f"/queries/organisation-initiatives?agent={ID}org/dfki&colour=blue", "colour"),
        ("/queries/lower-bounds?minimum=12abc", "minimum"),
        ("/queries/initiatives-since?since=2022-13-01", "since"),
        ("/queries/free-offers?free=maybe", "free"),
        ("/queries/corrections?kind=https://example.org/other", "kind"),
        ("/queries/target-groups?group=https://w3id.org/kigraph/id/target-group/nobody", "group"),
        ("/queries/cooperations?page=0", "page"),
        ("/queries/cooperations?per_page=100000", "per_page"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, query, parameter) -> None:
    response = client.get(query)
    assert response.status_code == 400
    problem = response.get_json()
    assert problem["type"].endswith("/bad-parameter")
    assert f"'{parameter}'" in problem["detail"]


@pytest.mark.parametrize(
    ("value", "full"),
    [("id:org/dfki", ID + "org/dfki"), ("kg:Company", "https://w3id.org/kigraph/ontology#Company")],
)
def test_a_prefixed_name_for_an_iri_is_refused_with_the_full_iri(client, value, full) -> None:
    """``id:org/dfki`` would parse as an IRI of the scheme "id" and quietly match nothing."""
    response = client.get(f"/queries/organisation-initiatives?agent={value}")
    assert response.status_code == 400
    assert response.get_json()["detail"] == (
        f"parameter 'agent': '{value}' is a prefixed name, not an IRI: give {full}"
    )


def test_a_misspelt_query_name_gets_a_suggestion(client) -> None:
    response = client.get("/queries/organisation-initiative")
    assert response.status_code == 404
    assert "did you mean 'organisation-initiatives'?" in response.get_json()["detail"]


def test_a_query_opened_from_a_link_shows_its_form(client) -> None:
    """From /queries or /api a query with required parameters opens as a form (200), with no
    links to formats of an answer that does not exist yet."""
    response = client.get("/queries/organisation-initiatives", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="agent"' in page and "format=csv" not in page


def test_the_language_switch_keeps_the_parameters(client) -> None:
    response = client.get(
        f"/queries/organisation-initiatives?agent={ID}org/dfki&lang=en",
        headers={"Accept": "text/html"},
    )
    switch = f'href="?agent={ID.replace(":", "%3A").replace("/", "%2F")}org%2Fdfki&amp;lang=de"'
    assert switch in response.get_data(as_text=True)


def test_html_form_shows_the_error_and_keeps_the_input(client) -> None:
    response = client.get(
        "/queries/organisation-initiatives?agent=oops", headers={"Accept": "text/html"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "parameter &#39;agent&#39;" in page and 'value="oops"' in page


@pytest.mark.parametrize(
    "value",
    ['" } UNION { ?s ?p ?o } #', "> . ?s ?p ?o <", "x\ny", "\u202e", "'; DROP ALL; '", "} } }"],
)
def test_injection_never_changes_the_shape(client, value) -> None:
    response = client.get("/queries/label-search", query_string={"text": value})
    assert response.status_code == 200
    body = response.get_json()
    assert body["head"]["vars"] == ["text", "resource", "label", "type", "type_en"]
    assert body["results"]["bindings"] == []


def test_paging_with_rfc8288_links(client) -> None:
    first = client.get("/queries/label-search?text=a&per_page=3")
    assert len(first.get_json()["results"]["bindings"]) == 3
    links = first.headers["Link"]
    assert 'rel="first"' in links and 'rel="next"' in links and 'rel="prev"' not in links
    next_url = re.search(r'<([^>]+)>; rel="next"', links).group(1).replace("http://localhost", "")
    second = client.get(next_url)
    assert 'rel="prev"' in second.headers["Link"]

    # a row is a label of a resource (SAP has a German and an English one, which may fall on
    # either side of a page break): the pages share no row
    def rows(response) -> set[tuple]:
        return {
            (b["resource"]["value"], b["label"]["value"], b["label"].get("xml:lang"))
            for b in response.get_json()["results"]["bindings"]
        }

    assert len(rows(first)) == 3 and rows(first).isdisjoint(rows(second))


def test_etag_and_304(client) -> None:
    first = client.get("/queries/cooperations")
    again = client.get("/queries/cooperations", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_openapi_is_valid_and_documents_every_query(client) -> None:
    spec = client.get("/openapi.json").get_json()
    validate(spec)
    names = {q["name"] for q in client.get("/queries").get_json()["queries"]}
    assert {f"/queries/{n}" for n in names} <= set(spec["paths"])
    agent = spec["paths"]["/queries/organisation-initiatives"]["get"]["parameters"][0]
    assert (
        agent["name"] == "agent"
        and agent["required"] is True
        and agent["example"] == ID + "org/nvidia"
    )


def test_api_page_lists_the_queries(client) -> None:
    page = client.get("/api").get_data(as_text=True)
    assert "/queries/organisation-initiatives" in page and "openapi.json" in page
