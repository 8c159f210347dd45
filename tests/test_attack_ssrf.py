"""Attack class: server-side request forgery through SPARQL ``SERVICE`` (and ``LOAD``).

A loopback listener of ours stands for an internal service. Queries that try to make the
server call it — plainly, ``SILENT``, or disguised so that the text check (``sparql_text.analyze``)
misses the ``SERVICE`` keyword — are answered 4xx, and the listener never sees a connection.
The last tests go below the text check: the query workers have no network at all
(``unshare(CLONE_NEWNET)``), so a ``SERVICE`` that reaches pyoxigraph cannot connect either —
while the same query in an ordinary process does (the control that shows the probe works).
"""

from __future__ import annotations

import json
import os
import select
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import _serve

#: how long the listener is watched for a connection after each attempt
QUIET = 0.5


@pytest.fixture(scope="module")
def server(built_store: Path):
    yield from _serve(built_store, KIGRAPH_QUERY_WORKERS="2", KIGRAPH_QUERY_TIMEOUT="5")


@pytest.fixture
def listener():
    """A loopback TCP listener standing for an internal service; ``(socket, port)``."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock, sock.getsockname()[1]
    sock.close()


def _connected(sock: socket.socket, wait: float = QUIET) -> bool:
    """Whether anyone connected to the listener (a completed handshake waits in its backlog)."""
    readable, _, _ = select.select([sock], [], [], wait)
    if readable:
        sock.accept()[0].close()
    return bool(readable)


def _request(base: str, path: str, *, data: bytes | None = None, ctype: str | None = None):
    headers = {"Accept": "application/sparql-results+json"}
    if ctype:
        headers["Content-Type"] = ctype
    request = urllib.request.Request(base + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _get(base: str, query: str):
    return _request(base, "/sparql?" + urllib.parse.urlencode({"query": query}))


#: query texts that ask the server to call http://127.0.0.1:{port}/ (``{port}`` filled in)
ATTACKS = {
    # the text check's lexer sees a prefixed name `SERVICEex:s` and a comment; SPARQL sees
    # the keyword SERVICE, the IRI ex:s, and a comment `#>`
    "disguised": "PREFIX ex: <http://127.0.0.1:{port}/> SELECT * WHERE {{ FILTER(1<2) "
    "SERVICEex:s#>\n {{?s ?p ?o}} }}",
    "disguised-silent": "PREFIX ex: <http://127.0.0.1:{port}/> SELECT * WHERE {{ FILTER(1<2) "
    "SERVICE SILENTex:s#>\n {{?s ?p ?o}} }}",
    "plain": "SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "silent": "SELECT * {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "lowercase-no-space": "select * {{ service<http://127.0.0.1:{port}/>{{?s ?p ?o}} }}",
    "prefixed": "PREFIX ex: <http://127.0.0.1:{port}/> SELECT * {{ SERVICE ex:sparql {{?s ?p ?o}} }}",
    "relative-to-base": "BASE <http://127.0.0.1:{port}/> SELECT * {{ SERVICE <sparql> {{?s ?p ?o}} }}",
    "in-subquery": "SELECT * {{ {{ SELECT * {{ SERVICE SILENT <http://127.0.0.1:{port}/> "
    "{{ ?s ?p ?o }} }} }} }}",
    "in-exists": "SELECT * {{ BIND(1 AS ?x) FILTER NOT EXISTS {{ SERVICE "
    "<http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }} }}",
    "variable-endpoint": "SELECT * {{ VALUES ?e {{ <http://127.0.0.1:{port}/> }} "
    "SERVICE ?e {{ ?s ?p ?o }} }}",
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_service_is_refused_and_nothing_connects(server, listener, name):
    sock, port = listener
    status, body = _get(server, ATTACKS[name].format(port=port))
    assert not _connected(sock), f"{name}: the server connected to the loopback listener"
    if name.endswith("silent") and status == 200:
        # SILENT may turn the (failed) call into an empty answer — but never into data
        assert json.loads(body)["results"]["bindings"] in ([], [{}]), body[:300]
        return
    assert 400 <= status < 500, (status, body[:300])
    problem = json.loads(body)
    assert problem["status"] == status
    assert problem["type"].endswith("/service-forbidden"), problem


@pytest.mark.parametrize(
    "path, data, ctype",
    [
        ("/sparql", "LOAD <http://127.0.0.1:{port}/x.ttl>", "application/sparql-update"),
        ("/update", "LOAD <http://127.0.0.1:{port}/x.ttl>", "application/sparql-update"),
        ("/update", "LOAD SILENT <http://127.0.0.1:{port}/x.ttl>", "application/sparql-update"),
        ("/sparql", "SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{?s ?p ?o}} }}", None),
    ],
    ids=["load-to-query-endpoint", "load-to-update", "load-silent", "post-service"],
)
def test_load_and_posted_service_are_refused(server, listener, path, data, ctype):
    sock, port = listener
    text = data.format(port=port).encode()
    status, body = _request(server, path, data=text, ctype=ctype or "application/sparql-query")
    assert 400 <= status < 500, (status, body[:300])
    assert json.loads(body)["status"] == status
    assert not _connected(sock), "the server connected to the loopback listener"


def test_the_server_still_answers_afterwards(server):
    status, body = _get(server, "ASK {}")
    assert status == 200 and json.loads(body)["boolean"] is True


# --- below the text check: the kernel -------------------------------------------------------


def _job(query: str) -> dict:
    return {"query": query, "format": "json", "default_graphs": [], "named_graphs": []} | {
        "row_cap": 0
    }


def test_a_query_worker_cannot_connect_even_without_the_text_check(built_store, listener, tmp_path):
    """``QueryPool.answer`` runs the query in a worker as it is — the text check
    (``sparql.check_remote_calls``) is the view's business and is not in this path."""
    from server.errors import ServiceForbidden
    from server.query_pool import Limits, QueryPool

    sock, port = listener
    pool = QueryPool(built_store, 1, Limits(timeout=20, memory_bytes=2048 << 20), tmp_path)
    try:
        with pytest.raises(ServiceForbidden, match="reach the network"):
            pool.answer(_job(f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"))
        assert not _connected(sock), "a query worker connected to the loopback listener"
        # SILENT swallows the failure: an empty answer, still no connection
        body, path, _ = pool.answer(
            _job(f"SELECT * {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}")
        )
        assert path is None and json.loads(body)["results"]["bindings"] in ([], [{}])
        assert not _connected(sock), "a query worker connected to the loopback listener"
        # the worker is otherwise fine
        body, _, _ = pool.answer(_job("ASK {}"))
        assert json.loads(body)["boolean"] is True
    finally:
        pool.stop()


def test_pyoxigraph_does_connect_outside_a_worker(listener):
    """The control: the same SERVICE call in an ordinary process reaches the listener — so the
    tests above would see a connection if the isolation were missing."""
    import pyoxigraph as ox

    sock, port = listener
    errors: list[BaseException] = []

    def run() -> None:
        try:
            query = f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"
            list(ox.Store().query(query))
        except BaseException as error:  # noqa: BLE001 — the closed connection fails it
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert _connected(sock, wait=10), "pyoxigraph did not call the SERVICE endpoint"
    finally:
        thread.join(10)
    assert errors, "the SERVICE call cannot have succeeded against a closed connection"


def _connect_from_child(port: int, isolate: bool) -> str:
    """In a forked child (optionally after ``isolate_network()``), connect to ``port``;
    what happened, as text (``connected`` or the error)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running any of pytest's cleanup
        outcome = b"?"
        try:
            os.close(read)
            if isolate:
                from server.query_pool import isolate_network

                isolate_network()
            socket.create_connection(("127.0.0.1", port), timeout=3).close()
            outcome = b"connected"
        except BaseException as error:  # noqa: BLE001
            outcome = repr(error).encode()
        finally:
            os.write(write, outcome)
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        outcome = pipe.read().decode()
    os.waitpid(pid, 0)
    return outcome


def test_isolate_network_leaves_no_way_to_the_listener(listener):
    sock, port = listener
    assert _connect_from_child(port, isolate=False) == "connected"  # the control
    assert _connected(sock, wait=5)
    outcome = _connect_from_child(port, isolate=True)
    assert outcome != "connected" and "Error" in outcome, outcome
    assert not _connected(sock), "an isolated process reached the loopback listener"
