"""The SPARQL 1.1 Protocol at /sparql on the real app and the real store (Flask test client).

Cases follow the W3C SPARQL 1.1 Protocol specification and its test suite
(query-get, query-post-form, query-post-direct, query-dataset-*, bad-query-*). Every test runs on
both backends (``client``/``app`` of the conftest: ``[embedded]``, ``[remote]``)."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading

import pytest
from conftest import assert_problem

from server.namespaces import GRAPH

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
FORM = "application/x-www-form-urlencoded"


def count_of(response) -> int:
    return int(response.get_json(force=True)["results"]["bindings"][0]["n"]["value"])


def graph_count(client, name: str) -> int:
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}{name}> {{ ?s ?p ?o }} }}"
    return count_of(client.get("/sparql", query_string={"query": q}))


# --- query operation: the three ways ----------------------------------------------------------


def test_query_get(client):
    r = client.get("/sparql", query_string={"query": COUNT})
    assert r.status_code == 200
    assert r.mimetype == "application/sparql-results+json"
    assert count_of(r) > 1000
    assert "Accept" in r.headers["Vary"]


def test_query_post_form(client):
    r = client.post("/sparql", data={"query": COUNT})
    assert r.status_code == 200 and count_of(r) > 1000


def test_query_post_direct(client):
    r = client.post("/sparql", data=COUNT, content_type="application/sparql-query")
    assert r.status_code == 200 and count_of(r) > 1000


def test_query_post_direct_with_charset(client):
    r = client.post(
        "/sparql", data=COUNT.encode(), content_type="application/sparql-query; charset=UTF-8"
    )
    assert r.status_code == 200


def test_head(client):
    r = client.head("/sparql", query_string={"query": COUNT})
    assert r.status_code == 200 and r.data == b""
    assert r.mimetype == "application/sparql-results+json"


def test_ask_and_construct_defaults(client):
    r = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert r.get_json(force=True)["boolean"] is True
    r = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s a ?t } LIMIT 3"})
    assert r.mimetype == "text/turtle" and r.headers["Content-Type"].endswith("charset=utf-8")


@pytest.mark.parametrize(
    ("query", "accept", "media"),
    [
        (COUNT, "application/sparql-results+xml", "application/sparql-results+xml"),
        (COUNT, "text/csv", "text/csv"),
        (COUNT, "text/tab-separated-values", "text/tab-separated-values"),
        ("ASK {}", "text/csv", "text/csv"),
        (
            "DESCRIBE <https://w3id.org/kigraph/id/org/dfki>",
            "application/n-triples",
            "application/n-triples",
        ),
        (
            "DESCRIBE <https://w3id.org/kigraph/id/org/dfki>",
            "application/ld+json",
            "application/ld+json",
        ),
        (
            "DESCRIBE <https://w3id.org/kigraph/id/org/dfki>",
            "application/rdf+xml",
            "application/rdf+xml",
        ),
        ("DESCRIBE <https://w3id.org/kigraph/id/org/dfki>", "application/trig", "application/trig"),
        (
            "DESCRIBE <https://w3id.org/kigraph/id/org/dfki>",
            "application/n-quads",
            "application/n-quads",
        ),
    ],
)
def test_formats_by_accept(client, query, accept, media):
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == media
    assert r.data


def test_format_parameter(client):
    r = client.get(
        "/sparql",
        query_string={"query": COUNT, "format": "csv"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.mimetype == "text/csv"
    assert list(csv.reader(io.StringIO(r.get_data(as_text=True))))[0] == ["n"]


def test_not_acceptable_lists_offers(client):
    r = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "image/png"})
    doc = assert_problem(r, 406)
    assert "text/csv" in doc["offered"]
    r = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert "text/turtle" in assert_problem(r, 406)["offered"]


# --- bad requests ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"method": "GET", "query_string": "query=SELECT"}, 400),  # bad-query-syntax
        ({"method": "GET", "query_string": "query=ASK%7B%7D&query=ASK%7B%7D"}, 400),  # two
        ({"method": "POST", "data": {"query": ["ASK {}", "ASK {}"]}}, 400),
        ({"method": "POST", "data": {"default-graph-uri": "http://x/"}}, 400),  # no query
        ({"method": "POST", "data": "ASK {}", "content_type": "text/plain"}, 415),
        ({"method": "POST", "data": "ASK {}"}, 415),  # no content type
        (
            {
                "method": "POST",
                "data": "INSERT DATA { <a:a> <a:a> <a:a> }",
                "content_type": "application/sparql-query",
            },
            400,
        ),  # update via query op
        ({"method": "GET", "query_string": {"query": "INSERT DATA { <a:a> <a:a> <a:a> }"}}, 400),
        ({"method": "GET", "query_string": {"update": "INSERT DATA { <a:a> <a:a> <a:a> }"}}, 400),
        ({"method": "POST", "data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400),
        (
            {
                "method": "GET",
                "query_string": {"query": "ASK {}", "default-graph-uri": "not an iri"},
            },
            400,
        ),
        (
            {"method": "GET", "query_string": {"query": "ASK {} #" + "x" * 200_000}},
            414,
        ),  # a URL over 64 KiB: POST it
        (
            {
                "method": "POST",
                "data": "ASK {} #" + "x" * 200_000,
                "content_type": "application/sparql-query",
            },
            413,
        ),
        (
            {
                "method": "POST",
                "data": "ASK {} #" + "x" * 1_000_000,
                "content_type": "application/sparql-query",
            },
            413,
        ),
        ({"method": "DELETE"}, 405),
        ({"method": "PUT", "data": "x"}, 405),
    ],
)
def test_bad_requests(client, kwargs, status):
    r = client.open("/sparql", **kwargs)  # the parameters are shared by both backends' runs
    assert_problem(r, status)


def test_syntax_error_has_position(client):
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s ?p \n}}"})
    doc = assert_problem(r, 400)
    assert doc["line"] == 3 and doc["column"] >= 1
    assert "line 3" in doc["detail"]


def test_update_via_query_operation_executes_nothing(client):
    before = count_of(client.get("/sparql", query_string={"query": COUNT}))
    r = client.post(
        "/sparql",
        data="INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
        content_type="application/sparql-query",
    )
    assert_problem(r, 400)
    assert count_of(client.get("/sparql", query_string={"query": COUNT})) == before


def test_every_error_path_has_the_one_shape(client):
    paths = [
        client.get("/nowhere"),
        client.delete("/sparql"),
        client.get("/sparql", query_string={"query": "SELEKT"}),
        client.post("/sparql", data="x", content_type="image/png"),
        client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "image/png"}),
        client.post("/sparql", data={"update": "CLEAR ALL"}),
        client.post("/update", data="CLEAR ALL", content_type="application/sparql-update"),
        client.get("/sparql", query_string={"query": "SELECT * { SERVICE <http://x/> {} }"}),
        client.get("/update"),
    ]
    for r in paths:
        assert r.status_code >= 400
        assert_problem(r, r.status_code)
        assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_errors_are_html_for_browsers(client):
    r = client.get("/nowhere", headers={"Accept": "text/html,*/*;q=0.8"})
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "https://w3id.org/kigraph/problems/" in r.get_data(as_text=True)


def test_unexpected_exception_is_a_generic_500(app, monkeypatch):
    from server import sparql

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(sparql, "prepare", boom)
    r = app.test_client().get("/sparql", query_string={"query": "ASK { <urn:boom> ?p ?o }"})
    doc = assert_problem(r, 500)
    assert "secret" not in r.get_data(as_text=True)
    assert doc["type"].endswith("/internal-error")


# --- dataset --------------------------------------------------------------------------------


def test_union_default_graph(client):
    total = count_of(client.get("/sparql", query_string={"query": COUNT}))
    assert total == sum(
        graph_count(client, name)
        for name in (
            "article",
            "corrections",
            "links",
            "sources",
            "vocabulary",
            "provenance",
            "ontology",
            "shapes",
            "dataset",
        )
    ) or total > graph_count(client, "article")


def test_from_means_that_graph_only(client):
    article = graph_count(client, "article")
    q = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}article> WHERE {{ ?s ?p ?o }}"
    assert count_of(client.get("/sparql", query_string={"query": q})) == article
    total = count_of(client.get("/sparql", query_string={"query": COUNT}))
    assert article < total


def test_from_named_only_gives_empty_default_graph(client):
    q = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{GRAPH}article> WHERE {{ ?s ?p ?o }}"
    assert count_of(client.get("/sparql", query_string={"query": q})) == 0
    q = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{GRAPH}article> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert count_of(client.get("/sparql", query_string={"query": q})) == graph_count(
        client, "article"
    )


def test_dataset_parameters_override_from(client):
    article, links = graph_count(client, "article"), graph_count(client, "links")
    q = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}article> WHERE {{ ?s ?p ?o }}"
    r = client.get("/sparql", query_string={"query": q, "default-graph-uri": f"{GRAPH}links"})
    assert count_of(r) == links
    r = client.post(
        "/sparql", data={"query": COUNT, "default-graph-uri": [f"{GRAPH}links", f"{GRAPH}article"]}
    )
    assert count_of(r) == article + links
    r = client.post(
        "/sparql",
        data=COUNT,
        content_type="application/sparql-query",
        query_string={"default-graph-uri": f"{GRAPH}links"},
    )
    assert count_of(r) == links


def test_named_graph_uri_limits_graph_variable(client):
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = client.get("/sparql", query_string={"query": q, "named-graph-uri": f"{GRAPH}links"})
    graphs = [b["g"]["value"] for b in r.get_json(force=True)["results"]["bindings"]]
    assert graphs == [f"{GRAPH}links"]
    r = client.get("/sparql", query_string={"query": q})
    assert len(r.get_json(force=True)["results"]["bindings"]) >= 5


# --- service description, page, health ------------------------------------------------------


def test_service_description(client):
    import pyoxigraph as ox

    r = client.get("/sparql")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    triples = list(ox.parse(r.data, format=ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    objects = {t.object.value for t in triples if hasattr(t.object, "value")}
    assert sd + "UnionDefaultGraph" in objects and sd + "SPARQL11Query" in objects
    assert sd + "SPARQL11Update" not in objects
    for accept, media in [
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
    ]:
        r = client.get("/sparql", headers={"Accept": accept})
        assert r.status_code == 200 and r.mimetype == media


def test_query_page_for_browsers(client):
    r = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "<form" in page and "union" in page and "Vereinigung" in page


def test_healthz(client, app):
    r = client.get("/healthz")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["status"] == "ok" and doc["data_version"]


# --- CORS, caching, compression, row cap ---------------------------------------------------


def test_cors(client):
    r = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "http://x"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = client.options(
        "/sparql",
        headers={
            "Origin": "http://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "content-type" in r.headers["Access-Control-Allow-Headers"]


def test_etag_and_304(client):
    q = {"query": "SELECT ?s WHERE { ?s a ?t } LIMIT 5"}
    r = client.get("/sparql", query_string=q)
    etag = r.headers["ETag"]
    assert etag and "max-age" in r.headers["Cache-Control"]
    r2 = client.get("/sparql", query_string=q, headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.data == b""
    # another format → another ETag
    r3 = client.get("/sparql", query_string=q, headers={"Accept": "text/csv"})
    assert r3.headers["ETag"] != etag
    r4 = client.get("/sparql", query_string=q, headers={"If-None-Match": '"other"'})
    assert r4.status_code == 200


@pytest.mark.parametrize(
    ("accept_encoding", "expected"),
    [
        ("gzip, deflate", "gzip"),
        ("gzip, deflate, br", "br"),
        ("br;q=0.5, gzip", "gzip"),
        ("*", "br"),
        ("br;q=0, *", "gzip"),
        ("identity", None),
        ("gzip;q=0", None),
    ],
)
def test_compression_follows_accept_encoding(client, accept_encoding, expected):
    import gzip

    import brotli

    q = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 500"}
    r = client.get("/sparql", query_string=q, headers={"Accept-Encoding": accept_encoding})
    plain = client.get("/sparql", query_string=q)
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in r.headers["Vary"]
    assert r.headers.get("Content-Encoding") == expected
    unpack = {"gzip": gzip.decompress, "br": brotli.decompress, None: bytes}[expected]
    assert unpack(r.data) == plain.data
    assert r.headers["ETag"] != plain.headers["ETag"] or expected is None


def test_small_bodies_are_not_compressed(client):
    r = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in r.headers


@pytest.fixture
def capped_client(make_app):
    return make_app(row_cap=3).test_client()


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "application/sparql-results+json"),
        ("SELECT * WHERE { ?s ?p ?o }", "application/sparql-results+xml"),
        ("SELECT * WHERE { ?s ?p ?o }", "text/csv"),
        ("SELECT * WHERE { ?s ?p ?o }", "text/tab-separated-values"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "application/ld+json"),
    ],
)
def test_row_cap(capped_client, query, accept):
    import pyoxigraph as ox

    r = capped_client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["X-KIGraph-Truncated"] == "true"
    if "sparql-results" in accept or accept.startswith("text/csv") or "tab" in accept:
        if accept == "text/csv":
            assert len(list(csv.reader(io.StringIO(r.get_data(as_text=True))))) == 1 + 3
        else:
            fmt = ox.QueryResultsFormat.from_media_type(accept)
            assert len(list(ox.parse_query_results(r.data, format=fmt))) == 3
        if accept.endswith("json"):
            assert json.loads(r.data)["head"]["link"] == [
                "https://w3id.org/kigraph/problems/truncated"
            ]
    else:
        assert len(list(ox.parse(r.data, format=ox.RdfFormat.from_media_type(accept)))) == 3
    small = capped_client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 2"})
    assert "X-KIGraph-Truncated" not in small.headers


# --- read-only, update token (``update_client``: tests/conftest.py) ---------------------------


INSERT = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> } }"
PROBE = "ASK { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> } }"


def probe(client) -> bool:
    return client.get("/sparql", query_string={"query": PROBE}).get_json(force=True)["boolean"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic czNjcmV0"},
        {"Authorization": "Bearer s3cret-token-and-more"},
    ],
)
def test_update_needs_the_token(update_client, headers):
    for path, kwargs in [
        ("/sparql", {"data": {"update": INSERT}}),
        ("/update", {"data": INSERT, "content_type": "application/sparql-update"}),
        ("/sparql", {"data": INSERT, "content_type": "application/sparql-update"}),
    ]:
        r = update_client.post(path, headers=headers, **kwargs)
        assert_problem(r, 403)
    assert probe(update_client) is False


def test_update_with_the_token(update_client):
    before = update_client.get("/sparql", query_string={"query": PROBE}).headers["ETag"]
    r = update_client.post(
        "/update",
        data=INSERT,
        content_type="application/sparql-update",
        headers={"Authorization": "Bearer s3cret-token"},
    )
    assert r.status_code == 204
    r = update_client.get("/sparql", query_string={"query": PROBE})
    assert r.get_json(force=True)["boolean"] is True
    assert r.headers["ETag"] != before  # the data version moved on


def test_update_disabled_by_default(client):
    r = client.post(
        "/update",
        data=INSERT,
        content_type="application/sparql-update",
        headers={"Authorization": "Bearer anything"},
    )
    doc = assert_problem(r, 403)
    assert "disabled" in doc["detail"]


# --- SSRF ------------------------------------------------------------------------------------


@pytest.fixture
def listener():
    """A TCP socket on loopback that records every connection it gets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    hits: list = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            hits.append(conn.recv(1000))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        "PREFIX x: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE x:q {{ ?s ?p ?o }} }}",
        "BASE <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE <q> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ BIND(<http://127.0.0.1:{port}/> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
    ],
)
def test_service_is_refused_and_nothing_is_fetched(client, listener, template):
    port, hits = listener
    r = client.get("/sparql", query_string={"query": template.format(port=port)})
    assert_problem(r, 403)
    assert hits == []
