"""Large answers are streamed (bounded memory, first bytes early); small ones kept whole."""

from __future__ import annotations

import gzip
import http.client
import json
import random
import urllib.parse

import brotli
import pytest

from server import streaming
from server.streaming import ResponseSink

ALL = "SELECT * WHERE { ?s ?p ?o }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ENDLESS = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c }"  # ~10⁸ rows: runs into the 2 s deadline


class _Client:
    def __init__(self) -> None:
        self.started: list[str | None] = []
        self.received = bytearray()

    def start(self, encoding):
        self.started.append(encoding)
        return self.received.extend


def test_a_small_answer_stays_whole():
    client = _Client()
    sink = ResponseSink(client.start, None, limit=100)
    sink.write(b"x" * 60)
    sink.write(b"y" * 40)
    sink.close()
    assert not sink.streaming and client.started == []
    assert sink.body() == b"x" * 60 + b"y" * 40


@pytest.mark.parametrize("encoding", [None, "gzip", "br"])
def test_a_large_answer_is_passed_on_once_past_the_limit(encoding):
    client = _Client()
    sink = ResponseSink(client.start, encoding, limit=1000)
    pieces = [random.Random(i).randbytes(700) for i in range(300)]  # incompressible
    sink.write(pieces[0])
    assert client.started == []  # still under the limit
    for piece in pieces[1:]:
        sink.write(piece)
    assert client.started == [encoding]
    assert len(client.received) > 0  # sent before the serialiser finished
    sink.close()
    unpack = {None: bytes, "gzip": gzip.decompress, "br": brotli.decompress}[encoding]
    assert unpack(bytes(client.received)) == b"".join(pieces)


def test_chunked_framing_ends_only_when_the_answer_is_complete():
    client = _Client()
    sink = ResponseSink(client.start, None, limit=10, chunked=True)
    sink.write(b"a" * 11)
    sink.write(b"b" * 5)
    cut_short = bytes(client.received)
    sink.close()
    framed = bytes(client.received)
    assert cut_short == b"b\r\n" + b"a" * 11 + b"\r\n"
    assert framed == cut_short + b"5\r\nbbbbb\r\n0\r\n\r\n"


def test_werkzeug_served_large_answer_is_complete(client):
    """In-process (the Flask test client) the same answer streams through WSGI ``write``."""
    count = int(
        client.get("/sparql", query_string={"query": COUNT}).json["results"]["bindings"][0]["n"][
            "value"
        ]
    )
    r = client.get("/sparql", query_string={"query": ALL})
    assert r.status_code == 200
    assert "Content-Length" not in r.headers
    assert len(r.data) > streaming.STREAM_AFTER
    assert len(r.json["results"]["bindings"]) == count


def _get(base: str, query: str, headers: dict):
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    connection.request(
        "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), headers=headers
    )
    return connection, connection.getresponse()


@pytest.mark.parametrize("encoding", [None, "gzip", "br"])
def test_live_large_answer_is_streamed_in_chunks(live_server, encoding):
    headers = {"Accept": "application/sparql-results+json"}
    if encoding:
        headers["Accept-Encoding"] = encoding
    connection, response = _get(live_server, COUNT, headers)
    count = int(json.loads(response.read())["results"]["bindings"][0]["n"]["value"])
    connection.close()
    connection, response = _get(live_server, ALL, headers)
    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("Content-Length") is None
    assert response.getheader("Content-Encoding") == encoding
    assert response.getheader("ETag")
    body = response.read()
    connection.close()
    unpack = {None: bytes, "gzip": gzip.decompress, "br": brotli.decompress}[encoding]
    assert len(json.loads(unpack(body))["results"]["bindings"]) == count


def test_live_answer_cut_short_by_the_deadline_is_visibly_incomplete(live_server):
    """Streaming had begun when the deadline came: the client must not take the partial body
    for the whole answer — the last chunk is missing and the read fails."""
    connection, response = _get(live_server, ENDLESS, {"Accept": "text/csv"})
    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    with pytest.raises(http.client.IncompleteRead):
        response.read()
    connection.close()


def test_live_graph_store_streams_the_whole_dataset(live_server, embedded_store):
    """GET /store?default (Graph Store Protocol) of more than 1 MiB: sent while it is read,
    complete — every triple of every graph."""
    import pyoxigraph as ox

    url = urllib.parse.urlsplit(live_server)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.request("GET", "/store?default", headers={"Accept": "application/n-triples"})
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("Content-Length") is None
    body = response.read()
    connection.close()
    assert len(body) > streaming.STREAM_AFTER
    got = {
        ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, ox.RdfFormat.N_TRIPLES)
    }
    expected = {ox.Triple(q.subject, q.predicate, q.object) for q in embedded_store.quads()}
    assert got == expected
