"""Attack class: queries that would crash a query worker — deep recursion in the parser and
evaluator (a stack overflow is a segfault, not an exception), long collections, long
operator chains — including nesting hidden from the text check (``sparql_text.MAX_NESTING``) inside
what its lexer takes for an IRI.

Every one is answered: a status and a body (a problem document for 4xx/5xx, a SPARQL result
for 200), never an empty reply or a reset connection. Two clients repeating such queries do
not make a third one wait.
"""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import _serve

#: the largest query the server takes (KIGRAPH_MAX_QUERY_BYTES, default)
MAX_BYTES = 100_000


def _hidden(opening: str, closing: str, depth: int) -> str:
    """A FILTER whose nesting the text check's lexer reads as one IRI token
    ``<((((…1))))…)#>`` while SPARQL reads ``1 < ((((…1))))`` and a comment ``#>``."""
    return "SELECT * WHERE { FILTER(1<" + opening * depth + "1" + closing * depth + ")#>\n}"


ATTACKS = {
    # a collection of 5000 members: 5000 blank nodes, rdf:first/rdf:rest chains
    "collection-5000": "SELECT * WHERE { ?s ?p (" + " 1" * 5000 + " ) }",
    "collection-5000-subject": "SELECT * WHERE { (" + " 1" * 5000 + " ) ?p ?o }",
    # brackets inside a real string or a real IRI are not structure: answered normally
    "brackets-in-a-string": 'SELECT * WHERE { ?s ?p "' + "(" * 40_000 + '" }',
    "brackets-in-an-iri": "SELECT * WHERE { ?s ?p <http://x/" + "(" * 40_000 + "> }",
    # visible nesting is refused by the text check
    "visible-nesting": "SELECT * WHERE { FILTER(" + "(" * 40_000 + "1" + ")" * 40_000 + ") }",
    "visible-groups": "SELECT * WHERE " + "{" * 20_000 + "}" * 20_000,
    # nesting hidden in a fake IRI: the parser and evaluator recurse ~50 000 levels deep
    "hidden-parentheses": _hidden("(", ")", 49_000),
    "hidden-negations": _hidden("-(", ")", 33_000),
    "hidden-not": "SELECT * WHERE { FILTER(1<" + "!" * 99_000 + "1)#>\n}",
    "hidden-function-calls": _hidden("STR(", ")", 19_000),
    # long chains: visible ones are refused past MAX_STRUCTURE, hidden ones run (or time out)
    "chain-2900": "SELECT (" + "+".join(["1"] * 2900) + " AS ?x) {}",
    "chain-5000": "SELECT (" + "+".join(["1"] * 5000) + " AS ?x) {}",
    "hidden-chain-49000": "SELECT * { BIND(1<" + "+".join(["1"] * 49_000) + "#>\n AS ?x) }",
    "hidden-mixed": _hidden("(1+", ")", 24_000),
}


@pytest.fixture(scope="module")
def server(built_store: Path):
    yield from _serve(
        built_store,
        KIGRAPH_QUERY_WORKERS="3",
        KIGRAPH_QUERY_TIMEOUT="3",
        KIGRAPH_QUERY_MEMORY_MB="1200",
    )


def _post(base: str, query: str, *, source: str = "127.0.0.1", timeout: float = 30):
    """POST ``query`` (application/sparql-query) from loopback address ``source``:
    ``(status, content type, body)``; raises on an empty reply or a reset connection."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(
        url.hostname, url.port, timeout=timeout, source_address=(source, 0)
    )
    try:
        connection.request(
            "POST",
            "/sparql",
            body=query.encode(),
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
            },
        )
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def _assert_answered(name: str, status: int, ctype: str | None, body: bytes) -> None:
    assert body, f"{name}: an empty body with status {status}"
    if status == 200:
        assert ctype and ctype.startswith("application/sparql-results+json"), (name, ctype)
        assert "head" in json.loads(body), (name, body[:300])
        return
    assert 400 <= status < 600, (name, status)
    assert ctype and ctype.startswith("application/problem+json"), (name, status, ctype)
    problem = json.loads(body)
    assert problem["status"] == status and problem["type"].startswith("https://"), problem
    # the 256 MiB query stack covers the deepest query that fits in KIGRAPH_MAX_QUERY_BYTES:
    # no worker may die of one (a stack overflow is a SIGSEGV: 503 query-worker-failed)
    assert not problem["type"].endswith("/query-worker-failed"), (name, problem)


@pytest.mark.parametrize("name", list(ATTACKS))
def test_each_crash_query_is_answered(server, name):
    query = ATTACKS[name]
    assert len(query.encode()) <= MAX_BYTES, len(query.encode())
    try:
        status, ctype, body = _post(server, query)
    except (http.client.RemoteDisconnected, ConnectionError) as error:
        pytest.fail(f"{name}: no answer, the connection broke: {error!r}")
    _assert_answered(name, status, ctype, body)
    if name.startswith(("visible-", "chain-5000")):
        assert status == 400, (name, status, body[:300])
    if name.startswith("brackets-in-"):
        assert status == 200, (name, status, body[:300])
    # whatever happened to its worker, the server answers the next query
    status, _, body = _post(server, f"ASK {{}} # {name} {time.monotonic_ns()}")
    assert status == 200 and json.loads(body)["boolean"] is True


#: what the two attacking clients repeat (a fresh text each time: the result cache is no help)
REPEATED = [ATTACKS["hidden-parentheses"], ATTACKS["hidden-mixed"], ATTACKS["collection-5000"]]


def test_repeated_crash_queries_do_not_hold_up_another_client(server):
    """Two clients (127.0.0.2) repeat crash queries for 5 s; a third (127.0.0.3) asks
    ``ASK {}`` all the while: all its answers are 200, and 99% come within a second."""
    _reachable_from("127.0.0.2", server)
    stop = time.monotonic() + 5.0
    attacks: list[tuple[str, int, str | None, bytes]] = []
    broken: list[str] = []

    def attacker(k: int) -> None:
        i = 0
        while time.monotonic() < stop:
            text = REPEATED[(i + k) % len(REPEATED)] + f"\n# {k}-{i}"
            try:
                attacks.append((f"attack {k}-{i}", *_post(server, text, source="127.0.0.2")))
            except (http.client.HTTPException, OSError) as error:
                broken.append(repr(error))
            i += 1

    threads = [threading.Thread(target=attacker, args=(k,), daemon=True) for k in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    probes: list[tuple[int, float]] = []
    while time.monotonic() < stop:
        started = time.monotonic()
        status, _, body = _post(server, f"ASK {{}} # probe {started}", source="127.0.0.3")
        probes.append((status, time.monotonic() - started))
        time.sleep(0.05)
    for thread in threads:
        thread.join(30)
    assert not broken, broken[:3]
    assert len(attacks) >= 4, attacks
    for name, status, ctype, body in attacks:
        _assert_answered(name, status, ctype, body)
    assert len(probes) >= 20, probes
    assert all(status == 200 for status, _ in probes), [s for s, _ in probes if s != 200]
    waits = sorted(wait for _, wait in probes)
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
    assert p99 < 1.0, (
        f"p99 {p99:.2f} s, median {statistics.median(waits):.2f} s over {len(waits)} probes"
    )


def _reachable_from(source: str, base: str) -> None:
    url = urlsplit(base)
    try:
        socket.create_connection((url.hostname, url.port), 5, (source, 0)).close()
    except OSError as error:
        pytest.skip(f"cannot connect from {source}: {error}")
