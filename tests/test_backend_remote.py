"""The remote backend (server.remote) itself: the setting, binding parameters by VALUES, the
store mirroring the embedded one, answers and documents equal across the backends, failures.

The rest of the in-process suite runs on both backends through the conftest's parametrised
``app``/``client`` (``test_x[embedded]``, ``test_x[remote]``); the remote store is a real
``oxigraph serve --union-default-graph`` (PyPI ``oxigraph``) the conftest starts, with the curated
graph pushed by ``RemoteStore.push`` (``kigraph load --push``). Virtuoso (Debian
``virtuoso-opensource``) is an optional run: set ``KIGRAPH_TEST_BACKEND`` to its URL (docs/backends.md,
"Backends") and the remote runs use it instead of starting Oxigraph.
"""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from server.app import create_app
from server.queries import example_args, load_queries, prepare
from server.remote import (
    BackendUnavailable,
    RemoteStore,
    RemoteTriples,
    parse_backend,
)
from server.settings import SettingsError, load_settings
from server.sparql_text import bind_values
from server.store import GraphStore

REPO = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/kigraph/id/"
GRAPH = "https://w3id.org/kigraph/graph/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def embedded(embedded_store: GraphStore) -> GraphStore:
    return embedded_store


@pytest.fixture(scope="session")
def remote(remote_store: RemoteStore) -> RemoteStore:
    return remote_store


@pytest.fixture(scope="session")
def apps(embedded_app, remote_app):
    return {"embedded": embedded_app, "remote": remote_app}


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


def test_the_remote_app_runs_on_the_remote_store(apps, backend_url: str) -> None:
    """The parametrised suite's ``[remote]`` runs really go through a RemoteStore."""
    store = apps["remote"].extensions["kigraph"].store
    assert isinstance(store, RemoteStore)
    assert "sparql+" + store.endpoints.query == backend_url.partition("#")[0]
    from server.runtime import PooledStore  # the embedded store, queried through its workers

    assert isinstance(apps["embedded"].extensions["kigraph"].store, PooledStore)


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


# --- the app on both backends ------------------------------------------------------------


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
        lines = set(response.get_data(as_text=True).splitlines())
        # each server describes the files it serves: their blank node labels (from the shapes
        # graph) come from its own store, so sizes and checksums may differ; the rest may not
        bodies[name] = sorted(line for line in lines if not _FILE_FACT.search(line))
    assert bodies["remote"] == bodies["embedded"]


_FILE_FACT = re.compile(r"dcat#byteSize>|spdx.org/rdf/terms#checksumValue>")


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
