"""Search by name (server/search.py, server/views/search.py): folding, the ranking rules, the
exact top hits on the curated data, the JSON API ``/api/search`` (each answer checked against
its JSON Schema), bad parameters as problem documents naming them, the results page in both
languages, and an index that follows the data version."""

from __future__ import annotations

import re

import jsonschema
import pyoxigraph as ox
import pytest
from conftest import assert_problem

from server import search

ID = "https://w3id.org/kigraph/id/"

#: what ``GET /api/search`` answers (the contract autocompletion and the UI rely on)
SEARCH_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["query", "lang", "type", "limit", "offset", "results", "more"],
    "additionalProperties": False,
    "properties": {
        "query": {"type": "string"},
        "lang": {"enum": ["de", "en"]},
        "type": {"type": "array", "items": {"type": "string"}},
        "limit": {"type": "integer", "minimum": 1, "maximum": 100},
        "offset": {"type": "integer", "minimum": 0},
        "more": {"type": "boolean"},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "id",
                    "name",
                    "description",
                    "kind",
                    "kind_name",
                    "types",
                    "matched",
                    "tier",
                    "score",
                    "url",
                ],
                "properties": {
                    "id": {"type": "string", "pattern": "^https://w3id.org/kigraph/id/"},
                    "name": {"type": "string", "minLength": 1},
                    "description": {"type": "string"},
                    "kind": {"enum": list(search.KINDS)},
                    "kind_name": {"type": "string"},
                    "types": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "name"],
                            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                        },
                    },
                    "matched": {
                        "type": "object",
                        "required": ["text", "lang", "field"],
                        "properties": {
                            "text": {"type": "string"},
                            "lang": {"type": "string"},
                            "field": {"enum": list(search.NAME_FIELDS)},
                        },
                    },
                    "tier": {"enum": list(search.TIERS)},
                    "score": {"type": "number"},
                    "url": {"type": "string", "pattern": "^http://localhost/id/|^http://127"},
                },
            },
        },
    },
}


def api(client, **params) -> dict:
    r = client.get("/api/search", query_string=params)
    assert r.status_code == 200, r.data[:500]
    assert r.mimetype == "application/json"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    doc = r.get_json()
    jsonschema.validate(doc, SEARCH_SCHEMA)
    return doc


def ids(results: list[dict]) -> list[str]:
    return [r["id"].removeprefix(ID) for r in results]


# --- folding and tiers (pure) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Jülich", "julich"),
        ("JÜLICH", "julich"),
        ("Julich", "julich"),
        ("Straße", "strasse"),
        ("KI Park e.V.", "ki park e v"),
        ("KI-Park", "ki park"),
        ("ScaDS.AI", "scads ai"),
        ("Öffentlich–private  Kooperation", "offentlich private kooperation"),
        ("ﬁnance", "finance"),  # a ligature (NFKD)
        ("Ålesund Çelik", "alesund celik"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert search.fold(text) == folded


def test_umlauts_written_out_are_a_second_form() -> None:
    assert search.fold_variants("Jülich") == ("julich", "juelich")
    assert search.fold_variants("Berlin") == ("berlin",)


@pytest.mark.parametrize(
    ("query", "name", "tier"),
    [
        ("ki park", "ki park", "exact"),
        ("ki park", "ki park e v", "prefix"),
        ("julich", "forschungszentrum julich", "word"),
        ("forsch jul", "forschungszentrum julich", "word-prefix"),
        ("zentrum", "forschungszentrum julich", "substring"),
        ("bonn", "forschungszentrum julich", None),
        ("j", "forschungszentrum julich", "word-prefix"),
        ("z", "forschungszentrum julich", None),  # one letter inside a word is no match
    ],
)
def test_tiers(query: str, name: str, tier: str | None) -> None:
    assert search.tier_of(query, name) == tier


def _index(rows: list[tuple[str, str, str, str]]) -> search.Index:
    """An index of ``(thing, field, value, lang)`` rows; every thing a city."""
    terms = []
    for thing, field, value, lang in rows:
        terms.append((ID + thing, "type", ox.NamedNode("http://schema.org/City")))
        term = ox.Literal(value, language=lang) if lang else ox.Literal(value)
        terms.append((ID + thing, field, term))
    return search.index_from_rows(terms)


def test_ranking_exact_prefix_word_substring() -> None:
    index = _index(
        [
            ("d", "label", "Altstadtbad", "de"),
            ("c", "label", "Neue Stadt", "de"),
            ("b", "label", "Stadtmitte", "de"),
            ("a", "label", "Stadt", "de"),
        ]
    )
    hits = index.search("stadt", "de", limit=None)
    assert [h.entry.iri.removeprefix(ID) for h in hits] == ["a", "b", "c", "d"]
    assert [h.tier for h in hits] == ["exact", "prefix", "word", "substring"]


def test_ranking_prefers_the_language_asked_for_then_labels_over_other_names() -> None:
    index = _index(
        [
            ("de", "label", "Gamma", "de"),
            ("en", "label", "Gamma", "en"),
            ("acronym", "acronym", "GAMMA", ""),
            ("alt", "altLabel", "Gamma", "en"),
        ]
    )
    order = [h.entry.iri.removeprefix(ID) for h in index.search("gamma", "en")]
    assert order == ["en", "acronym", "alt", "de"]
    order = [h.entry.iri.removeprefix(ID) for h in index.search("gamma", "de")]
    assert order == ["de", "acronym", "en", "alt"]


def test_prefix_only_leaves_out_matches_inside_words() -> None:
    index = _index([("a", "label", "Forschungszentrum", "de")])
    assert index.search("zentrum", "de")
    assert index.search("zentrum", "de", prefix_only=True) == []


# --- the curated data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index(embedded_store) -> search.Index:
    return search.build_index(embedded_store)


@pytest.mark.parametrize(
    ("query", "lang", "kinds", "top"),
    [
        ("Julich", "de", None, ["place/juelich", "org/jsc", "org/fzj"]),
        ("jülich", "de", None, ["place/juelich", "org/jsc", "org/fzj"]),
        ("JUELICH", "en", None, ["place/juelich", "org/jsc", "org/fzj"]),
        ("Jülich", "de", ["organisation"], ["org/jsc", "org/fzj"]),
        ("KI Park", "de", None, ["initiative/ki-park", "org/ki-park-ev"]),
        ("ki park e.v.", "de", None, ["org/ki-park-ev"]),
        ("dfki", "de", None, ["initiative/dfki", "org/dfki"]),
        ("DFKI", "en", ["organisation"], ["org/dfki"]),
        ("BMFTR", "de", None, ["org/bmbf"]),  # its acronym since the renaming
        ("BMWK", "de", None, ["org/bmwi"]),  # the name a renaming gave it in between
        ("Munchen", "de", ["place"], ["place/muenchen"]),
        ("munich", "en", ["place"], ["place/muenchen"]),
        ("Tübingen AI Center", "en", None, ["org/tue-ai"]),
        ("Bundesverband KI", "de", None, ["org/ki-bundesverband"]),
        ("id:org/dfki", "de", None, ["org/dfki"]),
        (ID + "place/juelich", "en", None, ["place/juelich"]),
    ],
)
def test_top_hits_on_the_curated_data(index, query, lang, kinds, top) -> None:
    hits = index.search(query, lang, kinds=kinds, limit=len(top))
    assert [h.entry.iri.removeprefix(ID) for h in hits] == top


def test_a_thing_is_named_in_the_language_asked_for(index) -> None:
    (de,) = index.search("muenchen", "de", kinds=["place"], limit=1)
    (en,) = index.search("muenchen", "en", kinds=["place"], limit=1)
    assert (de.entry.name("de"), en.entry.name("en")) == ("München", "Munich")


def test_only_the_five_kinds_are_indexed(index) -> None:
    assert {e.kind for e in index.entries.values()} == set(search.KINDS)
    kinds = {iri.removeprefix(ID).split("/")[0] for iri in index.entries}
    assert not kinds & {"statement", "source", "correction", "grant", "quantity", "event"}


# --- the JSON API ----------------------------------------------------------------------------


def test_api_finds_julich_without_its_accent(client) -> None:
    doc = api(client, q="Julich", limit=3)
    assert ids(doc["results"]) == ["place/juelich", "org/jsc", "org/fzj"]
    first = doc["results"][0]
    assert first["name"] == "Jülich" and first["kind"] == "place" and first["tier"] == "exact"
    assert first["url"] == "http://localhost/id/place/juelich"
    assert client.get(first["url"], follow_redirects=True).status_code == 200


@pytest.mark.parametrize(
    ("params", "top"),
    [
        ({"q": "KI Park"}, ["initiative/ki-park", "org/ki-park-ev"]),
        ({"q": "dfki"}, ["initiative/dfki", "org/dfki"]),
        ({"q": "dfki", "type": "organisation"}, ["org/dfki"]),
        ({"q": "jülich", "type": "place,organisation"}, ["place/juelich", "org/jsc", "org/fzj"]),
        ({"q": "jülich", "type": "kg:ComputingCentre"}, ["org/jsc"]),
        ({"q": "Hauptstadt-Flughafen"}, []),
    ],
)
def test_api_top_hits(client, params, top) -> None:
    assert ids(api(client, **params)["results"]) == top


def test_api_languages(client) -> None:
    en = api(client, q="muenchen", type="place", lang="en")
    de = api(client, q="muenchen", type="place", lang="de")
    assert (en["results"][0]["name"], en["results"][0]["kind_name"]) == ("Munich", "Place")
    assert (de["results"][0]["name"], de["results"][0]["kind_name"]) == ("München", "Ort")
    by_header = client.get("/api/search?q=muenchen&type=place", headers={"Accept-Language": "en"})
    assert by_header.get_json()["lang"] == "en"
    assert "Accept-Language" in by_header.headers["Vary"]


def test_api_pages_with_limit_and_offset(client) -> None:
    first = api(client, q="ki", limit=2)
    second = api(client, q="ki", limit=2, offset=2)
    both = api(client, q="ki", limit=4)
    assert first["more"] and len(first["results"]) == 2
    assert ids(first["results"]) + ids(second["results"]) == ids(both["results"])


def test_api_revalidates_with_its_etag(client) -> None:
    r = client.get("/api/search?q=dfki")
    again = client.get("/api/search?q=dfki", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("query_string", "parameter"),
    [
        ("q=dfki&limit=abc", "limit"),
        ("q=dfki&limit=0", "limit"),
        ("q=dfki&limit=101", "limit"),
        ("q=dfki&offset=-1", "offset"),
        ("q=dfki&lang=fr", "lang"),
        ("q=dfki&type=banana", "type"),
        ("", "q"),
        ("q=%20%20", "q"),
        ("q=a&q=b", "q"),
        ("q=" + "x" * 301, "q"),
    ],
)
def test_api_bad_parameters_are_problems_naming_them(client, query_string, parameter) -> None:
    doc = assert_problem(client.get("/api/search?" + query_string), 400, parameter)
    assert doc["type"].endswith("/bad-parameter")


# --- the page --------------------------------------------------------------------------------

HTML = {"Accept": "text/html"}


def _links(page: str) -> list[str]:
    return re.findall(r'<a class="hit" href="([^"]+)">', page)


def test_page_groups_hits_by_kind_in_german(client) -> None:
    r = client.get("/search?q=Julich", headers=HTML)
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert '<html lang="de">' in page
    assert page.index("<h2>Organisationen</h2>") < page.index("<h2>Orte</h2>")
    assert _links(page) == [
        "http://localhost/id/org/jsc",
        "http://localhost/id/org/fzj",
        "http://localhost/id/place/juelich",
    ]
    for href in _links(page):
        assert client.get(href, headers=HTML, follow_redirects=True).status_code == 200


def test_page_in_english_says_what_a_hit_was_found_as(client) -> None:
    page = client.get("/search?q=BMWK&lang=en", headers=HTML).get_data(as_text=True)
    assert '<html lang="en">' in page and "<h2>Organisations</h2>" in page
    assert "found as <q>BMWK</q>" in page
    assert 'href="http://localhost/api/search?q=BMWK&amp;lang=en"' in page


def test_page_filters_by_kind_and_says_when_nothing_is_found(client) -> None:
    page = client.get("/search?q=jülich&type=place", headers=HTML).get_data(as_text=True)
    assert _links(page) == ["http://localhost/id/place/juelich"]
    page = client.get("/search?q=Hauptstadt-Flughafen", headers=HTML).get_data(as_text=True)
    assert "Nichts gefunden für <q>Hauptstadt-Flughafen</q>" in page


def test_page_without_a_query_is_the_form(client) -> None:
    r = client.get("/search", headers=HTML)
    assert r.status_code == 200
    assert 'role="search"' in r.get_data(as_text=True) and _links(r.get_data(as_text=True)) == []


def test_page_escapes_the_query(client) -> None:
    page = client.get("/search?q=<script>x</script>", headers=HTML).get_data(as_text=True)
    assert "<script>x" not in page and "&lt;script&gt;x" in page


# --- one index per data version --------------------------------------------------------------

INSERT = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT DATA { GRAPH <https://w3id.org/kigraph/graph/corrections> {
  <https://w3id.org/kigraph/id/place/zyxwvingen> a <http://schema.org/City> ;
    rdfs:label "Zyxwvingen"@de , "Zyxwvingen"@en } }"""


def test_the_index_is_kept_per_data_version(update_client) -> None:
    runtime = update_client.application.extensions["kigraph"]
    assert api(update_client, q="Zyxwvingen")["results"] == []
    assert ("search-index", runtime.version) in runtime.memo
    kept = runtime.memo[("search-index", runtime.version)]
    api(update_client, q="dfki")
    assert runtime.memo[("search-index", runtime.version)] is kept  # built once per version
    r = update_client.post(
        "/update",
        data=INSERT,
        content_type="application/sparql-update",
        headers={"Authorization": "Bearer s3cret-token"},
    )
    assert r.status_code == 204
    assert ids(api(update_client, q="zyxwvingen")["results"]) == ["place/zyxwvingen"]
