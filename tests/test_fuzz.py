"""Fuzzing every route with generated input (Hypothesis, Flask test client on the real store),
on both backends (``[embedded]``, ``[remote]``: the full count on each).

Property, for every generated request: never a 5xx (503 would be a timeout, which the test
client does not enforce), never a traceback in the body, and every error in our one shape —
``application/problem+json`` with ``type``/``title``/``status``, or our HTML error page.

CI runs ``FUZZ_TOTAL`` (default 2 400) generated requests; set ``KIGRAPH_FUZZ_EXAMPLES`` for a
long run (e.g. ``KIGRAPH_FUZZ_EXAMPLES=12000 pytest tests/test_fuzz.py``). The number of
requests sent on each backend is printed at the end of its run.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.app import create_app
from server.settings import load_settings
from server.store import GraphStore

REPO = Path(__file__).resolve().parent.parent

FUZZ_TOTAL = int(os.environ.get("KIGRAPH_FUZZ_EXAMPLES", "2400"))
BACKENDS = ("embedded", "remote")  # as in conftest.py
SENT = dict.fromkeys(BACKENDS, 0)
SLOWEST: dict[str, list] = {b: [0.0] for b in BACKENDS}


def _examples(share: float) -> int:
    return max(20, int(FUZZ_TOTAL * share))


def _settings(share: float):
    return settings(
        max_examples=_examples(share),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    """The conftest's ``backend``, once per module: each backend's app serves all its runs."""
    return request.param


@pytest.fixture(scope="module")
def fuzz_app(backend, built_store, request):
    values = {"store": built_store, "root": REPO, "row_cap": 1000}
    if backend == "remote":
        request.getfixturevalue("remote_store")  # the curated graph is there
        values["backend"] = request.getfixturevalue("backend_url")
        return create_app(load_settings(values, environ={}))
    return create_app(load_settings(values, environ={}), store=GraphStore.open(built_store))


@pytest.fixture(scope="module")
def fuzz_client(backend, fuzz_app, request):
    client = fuzz_app.test_client()
    client.backend = backend  # send() counts per backend
    yield client
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"test_fuzz[{backend}]: {SENT[backend]} generated requests")
        reporter.write_line(f"test_fuzz[{backend}]: slowest {SLOWEST[backend]}")


@pytest.fixture(scope="module")
def saved(fuzz_client):
    listing = fuzz_client.get("/queries", headers={"Accept": "application/json"}).get_json()
    return listing["queries"]


def send(client, method: str, path: str, **kwargs):
    SENT[client.backend] += 1
    started = time.perf_counter()
    response = client.open(path, method=method, **kwargs)
    took = time.perf_counter() - started
    if took > SLOWEST[client.backend][0]:
        SLOWEST[client.backend] = [took, method, path[:300], repr(kwargs.get("data", b""))[:300]]
    check(response, method)
    return response


def check(response, method: str = "GET") -> None:
    status = response.status_code
    body = response.get_data()
    assert status < 500 or status == 503, (status, body[:500])
    assert b"Traceback" not in body
    assert b'File "' not in body
    if status >= 400 and method != "HEAD":
        ctype = response.mimetype
        if ctype == "application/problem+json":
            doc = json.loads(body)
            assert {"type", "title", "status"} <= doc.keys(), doc
            assert doc["status"] == status
            assert doc["type"].startswith("https://w3id.org/kigraph/problems/")
        else:
            assert ctype == "text/html", (status, ctype, body[:300])
            # our error page, or a saved query's page with the parameter error on its form
            assert b"https://w3id.org/kigraph/problems/" in body or (
                status == 400 and b'<p role="alert"' in body
            ), body[:300]
    # the security layer covers every answer
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


# --- SPARQL --------------------------------------------------------------------------------

K = "https://w3id.org/kigraph/"
SEEDS = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
    f"ASK {{ ?s a <{K}ontology#Initiative> }}",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
    f"DESCRIBE <{K}id/org/dfki>",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    'SELECT ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, "KI")) } LIMIT 3',
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    f"SELECT * FROM <{K}graph/article> WHERE {{ ?s ?p ?o }} LIMIT 2",
    "SELECT ?x ?y WHERE { VALUES ?x { 1 2 3 } BIND(?x * 2 AS ?y) } ORDER BY DESC(?x)",
    'SELECT ?s WHERE { ?s ?p """long\nliteral"""@de } LIMIT 1',
    "# comment\nBASE <http://x/> PREFIX : <#> SELECT * { ?s :p ?o } LIMIT 1",
]
FRAGMENTS = [
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    '"',
    "'",
    '"""',
    "\\",
    "#",
    "?",
    "$",
    ":",
    ".",
    ";",
    ",",
    "@",
    "^^",
    "\x00",
    "\u202e",
    "\ufeff",
    "é",
    "😀",
    "SELECT",
    "WHERE",
    "UNION",
    "OPTIONAL",
    "FILTER(",
    "SERVICE <http://10.0.0.1/>",
    "LOAD <http://x/>",
    "GRAPH ?g",
    "LIMIT 0",
    "OFFSET 99999999999999999999",
    "%",
    "&",
    "=",
    "+",
    "\n",
    "\r\n",
    "\t",
    "INSERT",
    "DELETE",
    "CLEAR ALL",
    "FROM NAMED <x>",
    "1e999999",
    '"x"^^<bad iri>',
]
BYTES = [b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"%", b"&", b"="]


@st.composite
def sparql_bytes(draw) -> bytes:
    kind = draw(st.sampled_from(["seed", "mutated", "nested", "chain", "huge", "random"]))
    if kind == "random":
        return draw(st.binary(max_size=300))
    if kind == "nested":
        depth = draw(st.integers(1, 20_000))
        opener, closer = draw(st.sampled_from([("{", "}"), ("(", ")"), ("[", "]")]))
        body = {"{": " ?s ?p ?o ", "(": "1", "[": " ?p ?o "}[opener]
        inner = opener * depth + body + closer * draw(st.integers(0, depth))
        wrap = draw(
            st.sampled_from(
                ["SELECT * WHERE {}", "SELECT * {{ FILTER({}) }}", "ASK {{ ?s ?p {} }}"]
            )
        )
        return wrap.replace("{}", inner, 1).encode() if "{}" in wrap else inner.encode()
    if kind == "chain":
        # short, or over the limit (refused): a chain just under it is legal and can be slow
        # to optimise (minutes for 3 000 path steps) — the live server's timeout covers that,
        # the test client cannot
        n = draw(st.one_of(st.integers(1, 50), st.integers(3_100, 20_000)))
        op = draw(st.sampled_from(["+", " || ", " && ", "/"]))
        unit = draw(st.sampled_from(["1", "?x", "<urn:p>"]))
        chain = op.join([unit] * n)
        form = draw(
            st.sampled_from(
                [
                    "SELECT ({} AS ?z) {{}}",
                    "SELECT * {{ ?s {} ?o }} LIMIT 1",
                    "SELECT * {{ BIND(1 AS ?x) FILTER({}) }}",
                ]
            )
        )
        return form.format(chain).encode()
    if kind == "huge":
        n = draw(st.sampled_from([1_000, 99_000, 100_001, 150_000, 400_000]))
        char = draw(st.sampled_from(["a", "é", "\x00"]))
        return f'SELECT * {{ BIND("{char * n}" AS ?x) }}'.encode()
    text = draw(st.sampled_from(SEEDS))
    if kind == "seed":
        return text.encode()
    data = bytearray(text.encode())
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "bytes", "dup"]))
        at = draw(st.integers(0, len(data)))
        if op == "insert":
            data[at:at] = draw(st.sampled_from(FRAGMENTS)).encode()
        elif op == "bytes":
            data[at:at] = draw(st.sampled_from(BYTES))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 12))]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 40))]
    return bytes(data)


MEDIA = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/trig",
    "application/n-quads",
    "text/html",
    "application/json",
    "application/problem+json",
    "*/*",
    "text/*",
    "image/png",
    "",
]
header_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=80,
)


@st.composite
def accept(draw) -> str:
    if draw(st.booleans()):
        return draw(header_text)
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        item = draw(st.sampled_from(MEDIA))
        q = draw(st.sampled_from(["", ";q=0", ";q=0.5", ";q=1", ";q=x", ";q=-1", ";q=1e9"]))
        extra = draw(st.sampled_from(["", ";charset=utf-8", ";level=1", ";;", "; a=b"]))
        parts.append(item + q + extra)
    return draw(st.sampled_from([",", ", ", " ,", ";"])).join(parts)


CONTENT_TYPES = [
    "application/sparql-query",
    "application/sparql-update",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data; boundary=x",
    "multipart/form-data",
    "application/json",
    "text/plain",
    "",
]


@given(
    query=sparql_bytes(),
    accept=accept(),
    extra=st.sampled_from(
        [
            "",
            "&format=csv",
            "&format=zz",
            "&query=1",
            "&update=x",
            "&default-graph-uri=bad%20iri",
            "&named-graph-uri=urn:x",
        ]
    ),
    method=st.sampled_from(["GET", "HEAD"]),
)
@_settings(0.3)
def test_fuzz_sparql_get(fuzz_client, query, accept, extra, method) -> None:
    qs = "query=" + quote_from_bytes(query, safe="") + extra
    send(fuzz_client, method, "/sparql?" + qs, headers={"Accept": accept})


@given(
    query=sparql_bytes(),
    accept=accept(),
    ctype=st.one_of(st.sampled_from(CONTENT_TYPES), header_text),
    shape=st.sampled_from(["raw", "form-query", "form-update", "form-both", "form-raw"]),
    path=st.sampled_from(["/sparql", "/update", "/sparql?query=ASK{}", "/store"]),
)
@_settings(0.3)
def test_fuzz_sparql_post(fuzz_client, query, accept, ctype, shape, path) -> None:
    enc = quote_from_bytes(query, safe="").encode()
    body = {
        "raw": query,
        "form-query": b"query=" + enc,
        "form-update": b"update=" + enc,
        "form-both": b"query=" + enc + b"&update=" + enc,
        "form-raw": b"query=" + query,
    }[shape]
    send(
        fuzz_client,
        "POST",
        path,
        data=body,
        headers={"Accept": accept, "Content-Type": ctype, "Authorization": "Bearer nope"},
    )


# --- saved queries ---------------------------------------------------------------------------

values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            f"{K}id/org/dfki",
            "https://w3id.org/kigraph/id/org/dfki>",
            "<script>alert(1)</script>",
            "urn:x",
            "not an iri",
            "http://[::1",
            "Mittelstand@de",
            "x@",
            "@de",
            "2024-02-30",
            "-1",
            "99999999999999999999999",
            "1e400",
            "true",
            "NaN",
            "\u202eevil",
            "a" * 5000,
            '" } ; DROP ALL ; #',
            "?s ?p ?o",
        ]
    ),
    st.integers(-(2**70), 2**70).map(str),
)


@st.composite
def saved_request(draw, saved):
    query = draw(st.sampled_from(saved))
    names = [p["name"] for p in query["parameters"]]
    pool = names + ["page", "per_page", "format", "lang", "unknown", "query"]
    params = [(draw(st.sampled_from(pool)), draw(values)) for _ in range(draw(st.integers(0, 5)))]
    suffix = draw(st.sampled_from(["", "", ".json", ".csv", ".ttl", ".rq", ".xyz", ".json.gz"]))
    return query["name"] + suffix, params


@given(data=st.data(), accept=accept())
@_settings(0.2)
def test_fuzz_saved_query_parameters(fuzz_client, saved, data, accept) -> None:
    name, params = data.draw(saved_request(saved))
    qs = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
    send(fuzz_client, "GET", f"/queries/{name}?{qs}", headers={"Accept": accept})


# --- paths -----------------------------------------------------------------------------------

SEGMENTS = [
    "..",
    ".",
    "%2e%2e",
    "%2E%2E",
    "%2F",
    "..%2F",
    "%2F..%2F..%2Fetc%2Fpasswd",
    "%00",
    "%ff",
    "%252F",
    "%c0%ae%c0%ae",
    "",
    "~",
    "\\..\\",
    "etc",
    "passwd",
    "org",
    "dfki",
    "initiative",
    "kigraph.trig",
    "kigraph.trig.gz",
    "kigraph.nq",
    "cooperations",
    "cooperations.rq",
    "x.ttl",
    "x.jsonld",
    "%E2%80%AE",
    "%3Cscript%3E",
    "a" * 3000,
    "%20",
    "+",
    ";x=1",
    "?",
]


@st.composite
def path(draw) -> str:
    prefix = draw(
        st.sampled_from(
            ["/id/", "/doc/", "/downloads/", "/queries/", "/graph/", "/ontology/", "/static/", "/"]
        )
    )
    segments = draw(
        st.lists(
            st.one_of(
                st.sampled_from(SEGMENTS),
                st.text(max_size=20).map(lambda s: quote(s, safe="")),
            ),
            max_size=8,
        )
    )
    tail = draw(st.sampled_from(["", "", "?format=zz", "?lang=xx", "?graph=..%2F..", "?default"]))
    target = prefix + "/".join(segments) + tail
    # a leading "//" would make the test client read a host name (the network path reference)
    return "/x" + target[1:] if target.startswith("//") else target


@given(
    target=path(),
    method=st.sampled_from(["GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]),
    accept=accept(),
)
@_settings(0.2)
def test_fuzz_paths(fuzz_client, target, method, accept) -> None:
    response = send(fuzz_client, method, target, headers={"Accept": accept})
    if response.status_code == 200 and method == "GET":
        # nothing from outside the package's folders or the dumps
        assert b"root:x:0:0" not in response.get_data()


def test_fuzz_sent_enough(fuzz_client) -> None:
    """Runs last of its backend's tests: the generated requests add up to the configured total."""
    assert SENT[fuzz_client.backend] >= 0.9 * FUZZ_TOTAL
