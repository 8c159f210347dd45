"""Attacks that must be refused: updates without the token, SSRF through SERVICE, path
traversal, script injection through labels; security headers, rate limits and size limits."""

from __future__ import annotations

import hashlib
import json
import select
import socket
from pathlib import Path

import pytest

from server.app import create_app
from server.settings import load_settings
from server.store import GraphStore
from server.web_edge import CSP_HEADER as CSP

REPO = Path(__file__).resolve().parent.parent
K = "https://w3id.org/kigraph/"
HOSTILE = "<script>alert('x')</script>\"'&\u202egnp.exe"

TURTLE = f"""@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix kg: <{K}ontology#> .
<{K}id/org/evil> a kg:Organisation ;
    rdfs:label {json.dumps(HOSTILE)}@de, {json.dumps(HOSTILE)}@en ;
    kg:partner <{K}id/org/{HOSTILE.replace("<", "").replace(">", "").replace('"', "").replace("'", "").replace(" ", "").replace("(", "").replace(")", "").replace("&", "")}> .
<{K}id/org/good> a kg:Organisation ; rdfs:label "Gut"@de, "Good"@en ;
    kg:partner <{K}id/org/evil> .
"""


@pytest.fixture
def hostile_app(backend, scratch_backend, tmp_path: Path):
    """``hostile_app(**settings)``: an app serving only TURTLE above — from memory (``--data``),
    or pushed into a scratch ``oxigraph serve`` for the remote backend."""

    def make(**overrides):
        data = tmp_path / "hostile.ttl"
        data.write_text(TURTLE, encoding="utf-8")
        store = GraphStore.from_files([data])
        values = {"root": REPO, "store": tmp_path / "none", **overrides}
        if backend == "remote":
            settings = load_settings({**values, "backend": scratch_backend(store)}, environ={})
            return create_app(settings)
        settings = load_settings({**values, "data_files": (data,)}, environ={})
        return create_app(settings, store=store)

    return make


def _content_hash(app) -> str:
    """Every quad in the store, asked for by a query: on a remote backend ``quads()`` lists
    only the graphs of the dataset description and would miss a graph an update creates."""
    store = app.extensions["kigraph"].store
    rows = store.query(
        "SELECT ?g ?s ?p ?o WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } }",
        union_default_graph=False,
    )
    lines = sorted(" ".join(str(row[v]) for v in ("g", "s", "p", "o")) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# --- updates ---------------------------------------------------------------------------------

UPDATE = f"INSERT DATA {{ GRAPH <{K}graph/x> {{ <urn:a> <urn:b> <urn:c> }} }}"
WRONG_AUTH = [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Bearer wrong",
    "Basic c2VjcmV0",
    "bearer secret2",
    "Bearer secre",
    "Bearer secret secret",
    "Token secret",
]


@pytest.mark.parametrize("token", ["", "secret"], ids=["updates-off", "updates-on"])
@pytest.mark.parametrize("auth", WRONG_AUTH)
def test_updates_without_the_right_token_change_nothing(hostile_app, token, auth) -> None:
    app = hostile_app(update_token=token)
    client = app.test_client()
    before = _content_hash(app)
    headers = {"Authorization": auth} if auth is not None else {}
    answers = [
        client.post("/sparql", data={"update": UPDATE}, headers=headers),
        client.post("/update", data={"update": UPDATE}, headers=headers),
        client.post(
            "/sparql", data=UPDATE, headers={**headers, "Content-Type": "application/sparql-update"}
        ),
        client.get("/sparql", query_string={"update": UPDATE}, headers=headers),
        client.post("/sparql", data={"query": UPDATE}, headers=headers),
        client.post(
            "/sparql", data=UPDATE, headers={**headers, "Content-Type": "application/sparql-query"}
        ),
    ]
    assert all(a.status_code in (400, 403) for a in answers), [a.status_code for a in answers]
    assert _content_hash(app) == before


def test_the_right_token_does_change_the_store(hostile_app) -> None:
    """The control: the hash does see an update."""
    app = hostile_app(update_token="secret")
    before = _content_hash(app)
    answer = app.test_client().post(
        "/update", data={"update": UPDATE}, headers={"Authorization": "Bearer secret"}
    )
    assert answer.status_code == 204
    assert _content_hash(app) != before


# --- SSRF ------------------------------------------------------------------------------------


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def _connected(sock: socket.socket, wait: float = 0.3) -> bool:
    readable, _, _ = select.select([sock], [], [], wait)
    return bool(readable)


def test_service_and_load_are_refused_and_nothing_connects(client, listener) -> None:
    port = listener.getsockname()[1]
    targets = [
        f"http://127.0.0.1:{port}/sparql",
        f"http://localhost:{port}/sparql",
        f"http://[::1]:{port}/",
        f"http://0x7f000001:{port}/",
        f"http://2130706433:{port}/",
        "http://10.0.0.1/sparql",
        "http://192.168.1.1/sparql",
        "http://169.254.169.254/latest/meta-data/",
        "https://query.wikidata.org/sparql",
        "file:///etc/passwd",
    ]
    for target in targets:
        for query in (
            f"SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            f"SELECT * {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
            f"PREFIX x: <{target}> SELECT * {{ SERVICE x: {{ ?s ?p ?o }} }}",
            f"BASE <{target}> SELECT * {{ SERVICE <> {{ ?s ?p ?o }} }}",
        ):
            answer = client.get("/sparql", query_string={"query": query})
            assert answer.status_code == 403, (query, answer.status_code)
            assert answer.get_json()["type"].endswith("/service-forbidden")
    variable = client.get(
        "/sparql",
        query_string={
            "query": f"SELECT * {{ BIND(<http://127.0.0.1:{port}/> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}"
        },
    )
    assert variable.status_code in (400, 403)
    assert not _connected(listener)


# --- path traversal --------------------------------------------------------------------------

TRAVERSALS = [
    "/downloads/../pyproject.toml",
    "/downloads/..%2Fpyproject.toml",
    "/downloads/%2e%2e/%2e%2e/pyproject.toml",
    "/downloads/..%2F..%2F..%2Fetc%2Fpasswd",
    "/downloads/%2Fetc%2Fpasswd",
    "/downloads//etc/passwd",
    "/static/../app.py",
    "/static/..%2Fapp.py",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/..%5C..%5Cpyproject.toml",
    "/static//etc/passwd",
    "/queries/..%2F..%2Fpyproject.toml",
    "/queries/../server/app.py",
    "/doc/..%2F..%2F..%2Fetc%2Fpasswd",
    "/graph/..%2F..%2Fpyproject.toml",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_traversal(client, path) -> None:
    answer = client.get(path)
    body = answer.get_data()
    assert answer.status_code in (400, 404), (path, answer.status_code)
    assert b"root:x:0" not in body and b"[build-system]" not in body and b"create_app" not in body


def test_static_and_downloads_still_serve(client) -> None:
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/downloads/kigraph.nt.gz").status_code == 200


# --- hostile labels --------------------------------------------------------------------------


def _assert_escaped(body: str, where: str) -> None:
    assert "<script>alert" not in body, where
    assert "&lt;script&gt;alert(" in body or where == "error page", where
    assert "\u202e" not in body, where  # a raw RTL override would reorder the page's text


@pytest.mark.parametrize("lang", ["de", "en"])
def test_hostile_labels_are_escaped_on_every_html_page(hostile_app, lang) -> None:
    client = hostile_app().test_client()
    html = {"Accept": "text/html", "Accept-Language": lang}
    pages = {
        "resource page": client.get("/doc/org/evil", headers=html),
        "page linking to it": client.get("/doc/org/good", headers=html),
        "query results table": client.get(
            "/queries/label-search", query_string={"text": "script"}, headers=html
        ),
        "404 page": client.get("/doc/org/" + HOSTILE.replace(" ", "%20"), headers=html),
        "error page": client.get(
            "/sparql",
            query_string={"query": "SELECT " + HOSTILE},
            headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"},
        ),
    }
    for where, answer in pages.items():
        assert answer.mimetype == "text/html", where
        _assert_escaped(answer.get_data(as_text=True), where)


# --- headers, limits, rate ---------------------------------------------------------------------


def test_security_headers_everywhere(client) -> None:
    html = {"Accept": "text/html"}
    answers = {
        "home": (client.get("/", headers=html), True),
        "resource": (client.get("/doc/org/dfki", headers=html), True),
        "query page": (client.get("/sparql", headers=html), True),
        "404 page": (client.get("/doc/org/nothing-here", headers=html), True),
        "sparql json": (client.get("/sparql", query_string={"query": "ASK {}"}), False),
        "sparql error": (client.get("/sparql", query_string={"query": "SELEC"}), False),
        "404 json": (client.get("/nowhere/at/all"), False),
        "turtle": (client.get("/doc/org/dfki.ttl"), False),
        "download": (client.get("/downloads/kigraph.nt.gz"), False),
    }
    for where, (answer, is_html) in answers.items():
        h = answer.headers
        assert h["X-Content-Type-Options"] == "nosniff", where
        assert h["Referrer-Policy"] in ("no-referrer", "strict-origin-when-cross-origin"), where
        assert h["X-Frame-Options"] == "DENY", where
        if is_html:
            assert answer.mimetype == "text/html", where
            assert h["Content-Security-Policy"] == CSP, where
    assert "unsafe-inline" not in CSP.split("script-src", 1)[1].split(";", 1)[0]


def test_rate_limit_answers_429_with_retry_after(make_app) -> None:
    app = make_app(rate_limit="3/minute")
    remote = app.test_client()
    remote.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    statuses = [remote.get("/doc/org/dfki.ttl").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    answer = remote.get("/sparql", query_string={"query": "ASK {}"})
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) >= 1
    doc = answer.get_json()
    assert doc["status"] == 429 and doc["type"].endswith("/too-many-requests")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    assert other.get("/doc/org/dfki.ttl").status_code == 200  # each address counts alone


def test_rate_limit_is_off_by_default(client) -> None:
    client.environ_base["REMOTE_ADDR"] = "203.0.113.8"
    assert all(client.get("/healthz").status_code == 200 for _ in range(50))


def test_size_limits(client) -> None:
    big_body = client.post(
        "/sparql",
        data=b"a" * 400_000,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert big_body.status_code == 413
    assert big_body.get_json()["status"] == 413
    long_uri = client.get("/doc/" + "a" * 400_000)
    assert long_uri.status_code == 414
    bad_length = client.post(
        "/sparql",
        data=b"x",
        headers={"Content-Type": "application/sparql-query", "Content-Length": "-5"},
    )
    assert bad_length.status_code == 400
