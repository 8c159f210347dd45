"""The reconciliation service (W3C Reconciliation Service API 0.2, what OpenRefine 3.x speaks):
every answer is validated against the specification's own JSON schemas (vendored in
tests/schemas/reconciliation/), and so is every batch we send; a client follows the protocol as
OpenRefine does — over the test client and over a live server; exact top candidates and
``match`` decisions on the curated data; bad input is a problem document naming the parameter."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import jsonschema
import pytest
from conftest import assert_problem
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ID = "https://w3id.org/kigraph/id/"
KG = "https://w3id.org/kigraph/ontology#"
ORG = "http://www.w3.org/ns/org#Organization"
PLACE = "http://schema.org/Place"
SCHEMAS = Path(__file__).parent / "schemas" / "reconciliation"


def _registry() -> tuple[Registry, dict[str, dict]]:
    schemas = {p.stem: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    resources = [
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT7))
        for s in schemas.values()
    ]
    return Registry().with_resources(resources), schemas


REGISTRY, SCHEMA = _registry()


def validate(name: str, document) -> None:
    """``document`` is valid by the specification's schema ``<name>.json``."""
    validator = jsonschema.Draft7Validator(SCHEMA[name], registry=REGISTRY)
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, f"{name}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_the_vendored_schemas_are_the_0_2_ones_and_they_bite() -> None:
    assert set(SCHEMA) >= {
        "manifest",
        "reconciliation-query-batch",
        "reconciliation-result-batch",
        "suggest-entities-response",
        "suggest-types-response",
        "suggest-properties-response",
        "type",
    }
    assert all("/specs/0.2/schemas/" in s["$id"] for s in SCHEMA.values())
    with pytest.raises(AssertionError):  # no score
        validate("reconciliation-result-batch", {"q0": {"result": [{"id": "x", "name": "x"}]}})
    with pytest.raises(AssertionError):  # a version that is not 0.2
        validate(
            "manifest",
            {"versions": ["0.1"], "name": "x", "identifierSpace": "x", "schemaSpace": "x"},
        )
    with pytest.raises(AssertionError):  # a type without a name (through type.json)
        validate("suggest-types-response", {"result": [{"id": "x"}]})


# --- a client that speaks the protocol: the Flask test client or a live server --------------


class Client:
    """What OpenRefine does over HTTP: GET a URL, POST a form; answers ``(status, headers,
    body)``, following redirects as a browser does."""

    def get(self, url: str, headers: dict | None = None):
        raise NotImplementedError

    def post_form(self, url: str, form: dict):
        raise NotImplementedError

    def json(self, url: str):
        status, headers, body = self.get(url)
        assert status == 200, body[:500]
        assert headers["Content-Type"].startswith("application/json")
        assert headers["Access-Control-Allow-Origin"] == "*"
        return json.loads(body)


class InProcess(Client):
    root = "http://localhost/"

    def __init__(self, flask_client) -> None:
        self.c = flask_client

    def _path(self, url: str) -> str:
        assert url.startswith(self.root), url
        return "/" + url[len(self.root) :]

    def get(self, url, headers=None):
        r = self.c.get(self._path(url), headers=headers or {}, follow_redirects=True)
        return r.status_code, r.headers, r.get_data(as_text=True)

    def post_form(self, url, form):
        r = self.c.post(self._path(url), data=form)
        return r.status_code, r.headers, r.get_data(as_text=True)


class Live(Client):
    def __init__(self, base: str) -> None:
        self.root = base + "/"

    def _open(self, request):
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def get(self, url, headers=None):
        return self._open(urllib.request.Request(url, headers=headers or {}))

    def post_form(self, url, form):
        data = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(
            url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        return self._open(request)


@pytest.fixture
def protocol(client) -> Client:
    return InProcess(client)


def _openrefine_session(http: Client) -> None:
    """The steps OpenRefine takes with a service it is given the URL of."""
    service = http.root + "reconcile"
    manifest = http.json(service)
    validate("manifest", manifest)
    assert "0.2" in manifest["versions"]
    assert {t["id"] for t in manifest["defaultTypes"]} >= {KG + "Initiative", ORG, PLACE}

    # reconcile a column of organisations, in batches, with a type and a limit
    batch = {
        "q0": {"query": "DFKI", "type": ORG, "limit": 3},
        "q1": {"query": "Julich", "type": [PLACE], "limit": 3, "type_strict": "should"},
        "q2": {"query": "ki park", "type": KG + "Initiative", "limit": 1},
    }
    validate("reconciliation-query-batch", batch)
    status, headers, body = http.post_form(service, {"queries": json.dumps(batch)})
    assert status == 200, body[:500]
    assert headers["Access-Control-Allow-Origin"] == "*"
    results = json.loads(body)
    validate("reconciliation-result-batch", results)
    top = {key: value["result"][0] for key, value in results.items()}
    assert {k: (c["id"], c["match"]) for k, c in top.items()} == {
        "q0": (ID + "org/dfki", True),
        "q1": (ID + "place/juelich", True),
        "q2": (ID + "initiative/ki-park", True),
    }
    assert len(results["q2"]["result"]) == 1

    # the candidate's link in the grid: the view template, the id encoded as a URI component
    entity = top["q1"]["id"]
    view = manifest["view"]["url"].replace("{{id}}", urllib.parse.quote(entity, safe=""))
    status, headers, body = http.get(view, headers={"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<h1" in body and "Jülich" in body

    # the preview shown when hovering the candidate
    preview = manifest["preview"]["url"].replace("{{id}}", urllib.parse.quote(entity, safe=""))
    status, headers, body = http.get(preview)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "Jülich" in body and "X-Frame-Options" not in headers

    # "search for match": the entity suggest service, as the user types
    suggest = manifest["suggest"]["entity"]
    url = (
        suggest["service_url"]
        + suggest["service_path"]
        + "?"
        + urllib.parse.urlencode({"prefix": "Jül"})
    )
    found = http.json(url)
    validate("suggest-entities-response", found)
    assert ID + "place/juelich" in [r["id"] for r in found["result"]]

    for kind, schema, prefix, expected in (
        ("type", "suggest-types-response", "Orga", ORG),
        ("property", "suggest-properties-response", "Wiki", None),
    ):
        spec = manifest["suggest"][kind]
        url = spec["service_url"] + spec["service_path"] + "?prefix=" + prefix
        found = http.json(url)
        validate(schema, found)
        assert found["result"]
        if expected:
            assert found["result"][0]["id"] == expected


def test_openrefine_session_over_the_test_client(protocol) -> None:
    _openrefine_session(protocol)


def test_openrefine_session_over_a_live_server(live_server) -> None:
    _openrefine_session(Live(live_server))


# --- the manifest ----------------------------------------------------------------------------


def test_manifest(protocol) -> None:
    manifest = protocol.json(protocol.root + "reconcile")
    validate("manifest", manifest)
    assert manifest["identifierSpace"] == ID and manifest["schemaSpace"] == KG
    assert manifest["preview"]["url"].startswith("http://localhost/reconcile/preview?id={{id}}")
    assert manifest["view"]["url"] == "http://localhost/reconcile/view?id={{id}}"
    assert manifest["name"].startswith("KI-Graph")
    english = protocol.json(protocol.root + "reconcile?lang=en")
    assert [t["name"] for t in english["defaultTypes"]] == [
        "Initiative",
        "Organisation",
        "Place",
        "Technology",
        "Concept",
    ]


def test_manifest_revalidates_and_allows_cors(client) -> None:
    r = client.get("/reconcile")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/reconcile", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


# --- reconciliation queries ------------------------------------------------------------------


def reconcile(client, batch: dict, method: str = "POST", **params) -> dict:
    validate("reconciliation-query-batch", batch)
    if method == "POST":
        r = client.post("/reconcile", data={"queries": json.dumps(batch)}, query_string=params)
    else:
        r = client.get("/reconcile", query_string={"queries": json.dumps(batch), **params})
    assert r.status_code == 200, r.data[:500]
    assert r.mimetype == "application/json"
    doc = r.get_json()
    validate("reconciliation-result-batch", doc)
    assert set(doc) == set(batch)
    for result in doc.values():
        scores = [c["score"] for c in result["result"]]
        assert scores == sorted(scores, reverse=True)  # best first, as the spec asks
        assert sum(c["match"] for c in result["result"]) <= 1
    return doc


def top(doc: dict, key: str = "q") -> list[tuple[str, bool]]:
    return [(c["id"].removeprefix(ID), c["match"]) for c in doc[key]["result"]]


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"query": "Julich"}, [("place/juelich", True), ("org/jsc", False), ("org/fzj", False)]),
        ({"query": "jülich", "type": PLACE}, [("place/juelich", True)]),
        ({"query": "JÜLICH", "type": "organisation"}, [("org/jsc", False), ("org/fzj", False)]),
        (
            {"query": "KI Park", "limit": 2},
            [("initiative/ki-park", True), ("org/ki-park-ev", False)],
        ),
        ({"query": "KI Park e.V."}, [("org/ki-park-ev", True)]),
        # two things are called DFKI: no automatic match unless a type or a property decides
        ({"query": "dfki", "limit": 2}, [("initiative/dfki", False), ("org/dfki", False)]),
        ({"query": "dfki", "type": [ORG]}, [("org/dfki", True)]),
        ({"query": "DFKI", "type": KG + "ResearchInstitute"}, [("org/dfki", True)]),
        ({"query": "DFKI", "type": KG + "CompetenceCentre"}, []),
        ({"query": "BMFTR"}, [("org/bmbf", True)]),
        ({"query": ID + "org/lrz"}, [("org/lrz", True)]),
        ({"query": "Hauptstadt-Flughafen"}, []),
    ],
)
def test_top_candidates(client, method, query, expected) -> None:
    doc = reconcile(client, {"q": {"limit": 3, **query}}, method)
    assert top(doc) == expected


def test_candidates_carry_types_and_a_description_in_the_language_asked_for(client) -> None:
    batch = {"q": {"query": "Jülich Supercomputing Centre", "limit": 1}}
    (de,) = reconcile(client, batch)["q"]["result"]
    (en,) = reconcile(client, batch, lang="en")["q"]["result"]
    assert de["description"] == "Rechenzentrum · JSC"
    assert en["description"] == "Computing centre · JSC"
    assert [t["id"] for t in en["type"]] == [KG + "ComputingCentre", ORG]
    assert en["features"] == [{"id": "name", "value": 100.0}]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # the Wikidata item decides between the two DFKIs, in any of the ways people write it
        (
            {"query": "DFKI", "properties": [{"pid": "schema:sameAs", "v": "Q896469"}]},
            [("org/dfki", True), ("initiative/dfki", False)],
        ),
        (
            {
                "query": "DFKI",
                "properties": [
                    {
                        "pid": "http://schema.org/sameAs",
                        "v": "http://www.wikidata.org/entity/Q896469",
                    }
                ],
            },
            [("org/dfki", True), ("initiative/dfki", False)],
        ),
        # properties alone select: a ROR id, a place by name or by (reconciled) id
        (
            {"properties": [{"pid": "sameAs", "v": "https://ror.org/01ayc5b57"}]},
            [("org/dfki", True)],
        ),
        (
            {"properties": [{"pid": KG + "location", "v": "Jülich"}], "limit": 10},
            [
                ("initiative/jaif", False),
                ("initiative/jupiter", False),
                ("org/fzj", False),
                ("org/jsc", False),
            ],
        ),
        (
            {
                "query": "Supercomputing",
                "limit": 3,
                "properties": [
                    {"pid": "kg:location", "v": {"id": ID + "place/juelich", "name": "J"}}
                ],
            },
            # the Gauss Centre has no location (−15); the Leibniz Supercomputing Centre is in
            # Garching (−25): a name that fits, a place that does not
            [("org/jsc", False), ("org/gcs", False), ("org/lrz", False)],
        ),
        # a contradicting value lowers the score below one that agrees
        (
            {"query": "DFKI", "type": ORG, "properties": [{"pid": "acronym", "v": ["XYZ"]}]},
            [("org/dfki", False)],
        ),
    ],
)
def test_properties(client, query, expected) -> None:
    doc = reconcile(client, {"q": {"limit": 2, **query}})
    assert top(doc) == expected


def test_a_contradicting_property_costs_more_than_a_missing_one(client) -> None:
    prop = [{"pid": "acronym", "v": "XYZ"}]
    doc = reconcile(client, {"q": {"query": "DFKI", "properties": prop, "limit": 2}})
    by_id = {c["id"].removeprefix(ID): c for c in doc["q"]["result"]}
    assert by_id["org/dfki"]["score"] < by_id["initiative/dfki"]["score"]
    assert by_id["org/dfki"]["features"][1] == {"id": "acronym", "value": False}


# --- suggest, preview, view ------------------------------------------------------------------


def test_suggest_entities_pages_with_cursor(client) -> None:
    first = client.get("/reconcile/suggest/entity?prefix=ki&limit=3").get_json()
    second = client.get("/reconcile/suggest/entity?prefix=ki&limit=3&cursor=3").get_json()
    every = client.get("/reconcile/suggest/entity?prefix=ki&limit=6").get_json()
    for doc in (first, second, every):
        validate("suggest-entities-response", doc)
    assert [r["id"] for r in first["result"] + second["result"]] == [
        r["id"] for r in every["result"]
    ]


@pytest.mark.parametrize(
    ("prefix", "params", "first"),
    [
        ("Jül", {}, ID + "org/jsc"),
        ("jul", {"type": PLACE}, ID + "place/juelich"),
        ("dfk", {"type": "organisation"}, ID + "org/dfki"),
        (ID + "org/dfki", {}, ID + "org/dfki"),
    ],
)
def test_suggest_entities(client, prefix, params, first) -> None:
    doc = client.get("/reconcile/suggest/entity", query_string={"prefix": prefix, **params})
    doc = doc.get_json()
    validate("suggest-entities-response", doc)
    assert doc["result"][0]["id"] == first


def test_suggest_entities_with_an_empty_prefix_suggests_nothing(client) -> None:
    doc = client.get("/reconcile/suggest/entity?prefix=").get_json()
    assert doc == {"result": []}


@pytest.mark.parametrize(
    ("prefix", "lang", "expected"),
    [
        ("Orga", "de", [ORG]),
        ("ort", "de", [PLACE]),
        ("place", "en", [PLACE]),
        ("Rechen", "de", [KG + "ComputingCentre"]),
        ("kg:Cooperation", "en", [KG + "Cooperation"]),
    ],
)
def test_suggest_types(client, prefix, lang, expected) -> None:
    doc = client.get("/reconcile/suggest/type", query_string={"prefix": prefix, "lang": lang})
    doc = doc.get_json()
    validate("suggest-types-response", doc)
    assert [t["id"] for t in doc["result"]] == expected


def test_suggest_types_without_prefix_lists_the_kinds_first(client) -> None:
    doc = client.get("/reconcile/suggest/type?prefix=&limit=100").get_json()
    validate("suggest-types-response", doc)
    ids = [t["id"] for t in doc["result"]]
    assert ids[:5] == [
        KG + "Initiative",
        ORG,
        PLACE,
        KG + "Technology",
        "http://www.w3.org/2004/02/skos/core#Concept",
    ]
    assert KG + "CompetenceCentre" in ids


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", ["http://schema.org/sameAs", KG + "location", KG + "acronym"]),
        ("wiki", ["http://schema.org/sameAs"]),
        ("Ort", [KG + "location"]),
        ("akro", [KG + "acronym"]),
    ],
)
def test_suggest_properties(client, prefix, expected) -> None:
    doc = client.get("/reconcile/suggest/property", query_string={"prefix": prefix}).get_json()
    validate("suggest-properties-response", doc)
    assert [p["id"] for p in doc["result"]] == expected


def test_preview_is_a_small_card_that_may_be_framed(client) -> None:
    r = client.get("/reconcile/preview", query_string={"id": ID + "org/jsc", "lang": "en"})
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "Jülich Supercomputing Centre" in page and "Computing centre · JSC" in page
    assert "Location: Jülich" in page and 'href="http://localhost/doc/org/jsc"' in page
    assert "X-Frame-Options" not in r.headers
    assert "frame-ancestors *" in r.headers["Content-Security-Policy"]
    # every other page still refuses to be framed
    assert client.get("/search").headers["X-Frame-Options"] == "DENY"


def test_view_leads_to_the_page(client) -> None:
    r = client.get("/reconcile/view", query_string={"id": ID + "place/juelich"})
    assert r.status_code == 303 and r.headers["Location"] == "http://localhost/doc/place/juelich"
    assert client.get(r.headers["Location"], headers={"Accept": "text/html"}).status_code == 200


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "queries",
    [
        "{not json",
        "[1, 2]",
        '"DFKI"',
        '{"q0": "DFKI"}',
        '{"q0": {"query": "DFKI", "limit": "abc"}}',
        '{"q0": {"query": "DFKI", "limit": 0}}',
        '{"q0": {"query": "DFKI", "limit": true}}',
        '{"q0": {"query": ""}}',
        '{"q0": {"query": 42}}',
        '{"q0": {"query": "DFKI", "type": 7}}',
        '{"q0": {"query": "DFKI", "colour": "blue"}}',
        '{"q0": {"query": "DFKI", "type_strict": "maybe"}}',
        '{"q0": {"query": "DFKI", "properties": {"pid": "acronym"}}}',
        '{"q0": {"query": "DFKI", "properties": [{"pid": "kg:funder", "v": "x"}]}}',
        '{"q0": {"query": "DFKI", "properties": [{"pid": "acronym", "v": [null]}]}}',
        '{"q0": {"properties": []}}',
    ],
)
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_bad_batches_are_problems_naming_queries(client, queries, method) -> None:
    if method == "POST":
        r = client.post("/reconcile", data={"queries": queries})
    else:
        r = client.get("/reconcile", query_string={"queries": queries})
    doc = assert_problem(r, 400, "queries")
    assert doc["type"].endswith("/bad-parameter") and "detail_de" in doc


def test_the_spec_examples_that_are_invalid_are_refused(client) -> None:
    # the specification's invalid query-batch examples (0.2/examples/reconciliation-query-batch)
    misnamed = {"q0": {"query": "Hans-Eberhard Urbaniak", "properties": [{"p": "x", "v": "y"}]}}
    missing = {"q0": {"type": "DifferentiatedPerson"}}
    for batch in (misnamed, missing):
        with pytest.raises(AssertionError):
            validate("reconciliation-query-batch", batch)
        assert_problem(
            client.post("/reconcile", data={"queries": json.dumps(batch)}), 400, "queries"
        )


def test_a_batch_too_large_is_413(client) -> None:
    batch = {f"q{i}": {"query": "DFKI"} for i in range(101)}
    doc = assert_problem(client.post("/reconcile", data={"queries": json.dumps(batch)}), 413)
    assert "100" in doc["detail"]


def test_queries_given_twice(client) -> None:
    r = client.post("/reconcile?queries=%7B%7D", data={"queries": "{}"})
    assert_problem(r, 400, "queries")


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/reconcile/suggest/entity", "prefix"),
        ("/reconcile/suggest/entity?prefix=ki&cursor=abc", "cursor"),
        ("/reconcile/suggest/entity?prefix=ki&cursor=-1", "cursor"),
        ("/reconcile/suggest/type?prefix=o&limit=abc", "limit"),
        ("/reconcile/suggest/property?prefix=o&lang=fr", "lang"),
        ("/reconcile?lang=xx", "lang"),
        ("/reconcile/preview", "id"),
        ("/reconcile/view?id=", "id"),
    ],
)
def test_bad_parameters_are_problems_naming_them(client, path, parameter) -> None:
    assert_problem(client.get(path), 400, parameter)


def test_unknown_entities_are_404(client) -> None:
    for path in ("/reconcile/preview?id=nothing", "/reconcile/view?id=" + ID + "org/nothing"):
        assert_problem(client.get(path), 404)
