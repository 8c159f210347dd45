"""The remote backend (server.remote): a real ``oxigraph serve`` as the store, the same answers.

A session fixture starts ``oxigraph serve --union-default-graph`` (PyPI ``oxigraph``) on a free
loopback port, pushes the curated graph with ``kigraph load --push`` semantics
(``RemoteStore.push``), and the shared tests below run against ``create_app`` on both backends.
Virtuoso (Debian ``virtuoso-opensource``) is an optional run: set ``KIGRAPH_TEST_BACKEND`` to
its URL (README, "Backends") and the remote tests use it instead of starting Oxigraph.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from server.app import create_app
from server.queries import example_args, load_queries, prepare
from server.remote import (
    BackendUnavailable,
    RemoteStore,
    RemoteTriples,
    bind_values,
    parse_backend,
)
from server.settings import SettingsError, load_settings
from server.store import GraphStore

REPO = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/kigraph/id/"
GRAPH = "https://w3id.org/kigraph/graph/"


def _oxigraph() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def backend_url(tmp_path_factory: pytest.TempPathFactory):
    """``sparql+http://…/query`` of a store for the session: $KIGRAPH_TEST_BACKEND (e.g. a
    Virtuoso you started), else a fresh ``oxigraph serve`` (skipped if it is not installed)."""
    given = os.environ.get("KIGRAPH_TEST_BACKEND")
    if given:
        yield given
        return
    binary = _oxigraph()
    if binary is None:
        pytest.skip("the `oxigraph` command is not installed (pip install oxigraph)")
    port = _free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    log = open(location.parent / f"oxigraph-{port}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            binary,
            "serve",
            "--location",
            str(location / "db"),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
            "--timeout-s",
            "20",
        ],
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"oxigraph serve did not start; see {log.name}") from None
            time.sleep(0.1)
    yield "sparql+" + url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


@pytest.fixture(scope="session")
def embedded(built_store: Path) -> GraphStore:
    return GraphStore.open(built_store)


@pytest.fixture(scope="session")
def remote(backend_url: str, embedded: GraphStore) -> RemoteStore:
    store = RemoteStore(backend_url, timeout=30)
    store.push(embedded)
    return store


@pytest.fixture(scope="session")
def apps(built_store: Path, embedded: GraphStore, remote: RemoteStore, backend_url: str):
    settings = load_settings({"store": built_store, "root": REPO}, environ={})
    remote_settings = load_settings(
        {"store": built_store, "root": REPO, "backend": backend_url}, environ={}
    )
    return {
        "embedded": create_app(settings, store=embedded),
        "remote": create_app(remote_settings, store=remote),
    }


@pytest.fixture(params=["embedded", "remote"])
def client(request, apps):
    return apps[request.param].test_client()


@pytest.fixture(scope="module")
def queries():
    return load_queries(REPO)


def _cell(term) -> str:
    """A term as text; GROUP_CONCAT values (", " or " | " lists) with their parts sorted: SPARQL
    leaves their order open and it follows the storage order, which differs between stores."""
    if term is None:
        return ""
    text = str(term)
    if isinstance(term, ox.Literal):
        for separator in (" | ", ", "):
            if separator in term.value:
                parts = sorted(term.value.split(separator))
                text = separator.join(parts) + "@" + (term.language or "")
                break
    return text


def _rows(result) -> list[tuple]:
    if isinstance(result, ox.QueryBoolean):
        return [(bool(result),)]
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return sorted(tuple(_cell(row[n]) for n in names) for row in result)
    return sorted(str(t) for t in result)


def _without_blank_labels(quads) -> list[str]:
    """Quads as text with blank node labels blanked (labels differ between stores)."""
    import re

    return sorted(re.sub(r"_:\w+", "_:b", str(q)) for q in quads)


def _run(store, queries, name: str, args=None):
    def listed(source):
        return [row["value"].value for row in store.query(source.text)]

    prepared = prepare(
        queries, name, args if args is not None else example_args(queries[name]), listed
    )
    return store.query(prepared.text, substitutions=prepared.substitutions)


# --- the setting --------------------------------------------------------------------------


def test_backend_setting_is_read_and_checked() -> None:
    assert load_settings(environ={}).backend == "embedded"
    url = "sparql+http://db:7878/query"
    assert load_settings(environ={"KIGRAPH_BACKEND": url}).backend == url
    ends = parse_backend(url)
    assert (ends.query, ends.update, ends.store, ends.union) == (
        "http://db:7878/query",
        "http://db:7878/update",
        "http://db:7878/store",
        "server",
    )
    virtuoso = parse_backend(
        "sparql+http://v:8890/sparql#update=/sparql&store=/sparql-graph-crud-auth&union=graphs"
    )
    assert virtuoso.update == "http://v:8890/sparql"
    assert virtuoso.store == "http://v:8890/sparql-graph-crud-auth"
    assert virtuoso.union == "graphs"
    assert parse_backend("sparql+https://f/ds/sparql").store is None
    for bad in ("http://db/query", "sparql+ftp://x/q", "sparql+http://x/q#bogus=1"):
        with pytest.raises(SettingsError):
            parse_backend(bad)


# --- binding parameters by VALUES -------------------------------------------------------


SHAPES = [
    "SELECT ?s WHERE { ?s ?p ?o }",
    "SELECT ?s { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
    "PREFIX x: <http://e/> SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s",
    'SELECT ?s WHERE { ?s ?p ?o FILTER(STR(?o) != "}{") } # { comment',
    "SELECT ?s WHERE { SELECT ?s WHERE { ?s ?p ?o } }",
    "SELECT (EXISTS { ?s ?p ?o } AS ?e) ?s WHERE { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "ASK { ?s ?p ?o }",
    "ASK WHERE { { ?s ?p ?o } UNION { ?o ?p ?s } }",
]


@pytest.mark.parametrize("text", SHAPES)
def test_values_binding_equals_substitution(embedded: GraphStore, text: str) -> None:
    subs = {ox.Variable("s"): ox.NamedNode(ID + "org/dfki")}
    bound = bind_values(text, subs)
    assert "VALUES (?s) { (<https://w3id.org/kigraph/id/org/dfki>) }" in bound
    assert bound.count("\n") == text.count("\n")  # error positions keep their lines
    reference = _rows(
        embedded._store.query(text, use_default_graph_as_union=True, substitutions=subs)
    )
    assert _rows(embedded.query(bound)) == reference
    assert _rows(embedded.query(text, substitutions=subs)) == reference


def test_every_saved_query_binds_the_same_by_values(embedded: GraphStore, queries) -> None:
    """The rule's premise, checked on the embedded engine: VALUES = pre-binding for each
    saved query with its example parameters."""
    for name, query in queries.items():
        prepared = prepare(
            queries,
            name,
            example_args(query),
            lambda source: [row["value"].value for row in embedded.query(source.text)],
        )
        if not prepared.substitutions:
            continue
        bound = bind_values(prepared.text, prepared.substitutions)
        expected = _rows(  # pyoxigraph's own pre-binding, the reference
            embedded._store.query(
                prepared.text,
                use_default_graph_as_union=True,
                substitutions=prepared.substitutions,
            )
        )
        assert _rows(embedded.query(bound)) == expected, name


HOSTILE = [
    '"',
    "'",
    "}",
    "> . ?s ?p ?o <",
    '" } UNION { ?s ?p ?o } #',
    "x\ny",
    "\u202eevil",
    "https://w3id.org/kigraph/id/org/dfki> . ?s ?p ?o . <x:y",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_literals_stay_one_term(embedded: GraphStore, value: str) -> None:
    text = "SELECT ?x ?s WHERE { ?s ?p ?o } LIMIT 1"
    bound = bind_values(text, {ox.Variable("x"): ox.Literal(value)})
    rows = list(embedded.query(bound))
    assert len(rows) == 1 and rows[0]["x"] == ox.Literal(value)


def test_only_terms_are_bound() -> None:
    with pytest.raises(TypeError):
        bind_values("SELECT ?x { ?x ?p ?o }", {"x": "<http://e/> } ?s ?p ?o {"})
    with pytest.raises(ValueError):
        bind_values("SELECT ?x { ?x ?p ?o }", {"x } {": ox.Literal("a")})


# --- the remote store itself ---------------------------------------------------------------


def test_remote_store_mirrors_the_embedded_one(remote: RemoteStore, embedded: GraphStore) -> None:
    assert remote.data_version == embedded.data_version
    assert remote.modified == embedded.modified
    assert remote.graphs() == embedded.graphs()
    assert remote.has_graph(GRAPH + "article") and not remote.has_graph(GRAPH + "nope")
    assert sorted(map(str, remote.quads(GRAPH + "article"))) == sorted(
        map(str, embedded.quads(GRAPH + "article"))
    )
    construct = remote.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3")
    assert isinstance(construct, RemoteTriples) and len(list(construct)) == 3
    assert remote.path is None


@pytest.mark.parametrize("name", sorted(load_queries(REPO)))
def test_saved_query_answers_equal_on_both_backends(remote, embedded, queries, name) -> None:
    assert _rows(_run(remote, queries, name)) == _rows(_run(embedded, queries, name))


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    ("name", "param"),
    [("label-search", "text"), ("organisation-initiatives", "agent"), ("lower-bounds", "minimum")],
)
def test_injection_on_the_remote_backend(apps, name, param, value) -> None:
    client = apps["remote"].test_client()
    response = client.get(f"/queries/{name}", query_string={param: value, "format": "json"})
    assert response.status_code in (200, 400), response.data[:300]
    if response.status_code == 200:
        example = {k: v[0] for k, v in example_args(load_queries(REPO)[name]).items()}
        normal = client.get(f"/queries/{name}", query_string={**example, "format": "json"})
        normal = normal.get_json()
        rows = response.get_json()["results"]["bindings"]
        assert len(rows) <= len(normal["results"]["bindings"]) or name == "label-search"


# --- the app on both backends ------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_select_formats(client, accept, media) -> None:
    query = f"SELECT ?label WHERE {{ <{ID}org/dfki> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200 and response.content_type.startswith(media)
    assert b"DFKI" in response.data or b"Forschungszentrum" in response.data


def test_construct_and_ask(client) -> None:
    construct = client.get(
        "/sparql",
        query_string={"query": f"CONSTRUCT WHERE {{ <{ID}org/dfki> ?p ?o }}"},
        headers={"Accept": "text/turtle"},
    )
    assert construct.status_code == 200 and construct.content_type.startswith("text/turtle")
    assert len(list(ox.parse(construct.data, format=ox.RdfFormat.TURTLE))) > 5
    ask = client.get("/sparql", query_string={"query": f"ASK {{ <{ID}org/dfki> ?p ?o }}"})
    assert ask.get_json()["boolean"] is True


def test_syntax_error_is_400_with_position(client) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT ?s WHERE {\n  ?s ?p }"})
    assert response.status_code == 400
    problem = response.get_json()
    assert problem["type"].endswith("query-syntax")
    assert "line 2" in problem["detail"]


def _count(client, query: str, **params) -> int:
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.data[:300]
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def test_dataset_semantics(client, embedded: GraphStore) -> None:
    counts = dict(embedded.graphs())
    every = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert _count(client, every) >= counts[GRAPH + "article"]
    article = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}article> WHERE {{ ?s ?p ?o }}"
    assert _count(client, article) == counts[GRAPH + "article"]
    assert (
        _count(client, every, **{"default-graph-uri": GRAPH + "links"}) == counts[GRAPH + "links"]
    )
    named = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{GRAPH}links> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert _count(client, named) == counts[GRAPH + "links"]


def test_resource_page_and_description(apps) -> None:
    pages, descriptions = {}, {}
    for name, app in apps.items():
        client = app.test_client()
        page = client.get("/doc/initiative/dfki?lang=de", headers={"Accept": "text/html"})
        assert page.status_code == 200
        pages[name] = page.get_data(as_text=True)
        nt = client.get("/doc/org/dfki.nt")
        assert nt.status_code == 200
        descriptions[name] = sorted(set(nt.get_data(as_text=True).splitlines()))
        assert client.get("/doc/org/no-such-thing.ttl").status_code == 404
    assert "22 Mio" in pages["remote"]
    assert pages["remote"] == pages["embedded"]
    assert descriptions["remote"] == descriptions["embedded"]


@pytest.mark.parametrize(
    "query", ["/dataset.nt", "/.well-known/void?format=nt", "/graph/links.ttl"]
)
def test_dataset_documents_equal(apps, query) -> None:
    bodies = {}
    for name, app in apps.items():
        response = app.test_client().get(query, headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, (name, response.data[:300])
        bodies[name] = sorted(set(response.get_data(as_text=True).splitlines()))
    assert bodies["remote"] == bodies["embedded"]


def test_saved_query_over_http(client) -> None:
    response = client.get(
        "/queries/organisation-initiatives",
        query_string={"agent": ID + "org/nvidia", "format": "json"},
    )
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"]


def test_downloads_on_the_remote_backend(apps, embedded: GraphStore) -> None:
    client = apps["remote"].test_client()
    listing = client.get("/downloads").get_json()
    assert listing
    response = client.get("/downloads/kigraph.nq")
    assert response.status_code == 200
    quads = ox.parse(response.data, format=ox.RdfFormat.N_QUADS)
    assert _without_blank_labels(quads) == _without_blank_labels(embedded.quads())


# --- failures map to problems -------------------------------------------------------------


def test_unreachable_backend_is_a_502_problem(built_store: Path) -> None:
    port = _free_port()  # nothing listens there
    url = f"sparql+http://127.0.0.1:{port}/query"
    store = RemoteStore(url, timeout=2)
    app = create_app(load_settings({"store": built_store, "backend": url}, environ={}), store=store)
    response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 502
    assert response.get_json()["type"].endswith("backend-unavailable")
    with pytest.raises(BackendUnavailable):
        store.graphs()


def test_silent_backend_is_a_503_timeout(built_store: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    url = f"sparql+http://127.0.0.1:{listener.getsockname()[1]}/query"
    store = RemoteStore(url, timeout=0.5)
    app = create_app(load_settings({"store": built_store, "backend": url}, environ={}), store=store)
    try:
        response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
        assert response.status_code == 503
        assert response.get_json()["type"].endswith("query-timeout")
    finally:
        for sock in accepted:
            sock.close()
        listener.close()
