"""Attack class: HTTP/1.1 framing on raw sockets — request smuggling (``Content-Length`` and
``Transfer-Encoding`` together), chunked bodies, pipelining, ``Connection: close``, oversized
heads and request targets, and GET queries near ``KIGRAPH_MAX_QUERY_BYTES``.
"""

from __future__ import annotations

import json
import select
import socket
import time
import urllib.parse
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import _serve

MAX_QUERY_BYTES = 100_000


@pytest.fixture(scope="module")
def server(built_store: Path):
    yield from _serve(
        built_store, KIGRAPH_QUERY_WORKERS="2", KIGRAPH_MAX_QUERY_BYTES=str(MAX_QUERY_BYTES)
    )


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:
        return f"<{self.status} {self.headers.get('content-type')} {self.body[:80]!r}>"


def _exchange(base: str, data: bytes, wait: float = 2.0) -> tuple[bytes, bool]:
    """Send ``data`` on a fresh connection; everything received until ``wait`` seconds passed
    quietly (or the server closed): ``(bytes, closed by the server)``."""
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse before reading it all; what it said is still there
        received, closed = b"", False
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([sock], [], [], left)
            if not readable:
                break
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
            deadline = max(deadline, time.monotonic() + 0.5)
    return received, closed


def _parse(data: bytes) -> list[Response]:
    """The HTTP/1.1 responses in ``data``, in order (Content-Length or chunked bodies)."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        assert sep, f"an incomplete response head: {data[:200]!r}"
        lines = head.decode("latin-1").split("\r\n")
        assert lines[0].startswith("HTTP/1."), f"not a status line: {lines[0]!r}"
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size_line, _, rest = rest.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                body, rest = body + rest[:size], rest[size + 2 :]
                if size == 0:
                    rest = rest.partition(b"\r\n")[2] if rest.startswith(b"\r\n") else rest
                    break
        else:
            length = int(headers.get("content-length", "0"))
            body, rest = rest[:length], rest[length:]
        out.append(Response(status, headers, body))
        data = rest
    return out


def _request(method: str, target: str, headers: list[str], body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: localhost", *headers, "", ""]
    return "\r\n".join(lines).encode() + body


# --- smuggling -------------------------------------------------------------------------------

SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"

SMUGGLING = {
    # CL.TE: the length covers the smuggled request; chunked ends the body before it
    "cl-te": _request(
        "POST",
        "/sparql",
        [
            "Content-Type: application/sparql-query",
            f"Content-Length: {5 + len(SMUGGLED)}",
            "Transfer-Encoding: chunked",
        ],
        b"0\r\n\r\n" + SMUGGLED,
    ),
    # TE.CL: the length ends the body early; the chunk holds the smuggled request
    "te-cl": _request(
        "POST",
        "/sparql",
        [
            "Content-Type: application/sparql-query",
            "Content-Length: 4",
            "Transfer-Encoding: chunked",
        ],
        f"{len(SMUGGLED):x}\r\n".encode() + SMUGGLED + b"\r\n0\r\n\r\n",
    ),
    "te-obfuscated": _request(
        "POST",
        "/sparql",
        [
            "Content-Type: application/sparql-query",
            f"Content-Length: {5 + len(SMUGGLED)}",
            "Transfer-Encoding: xchunked",
        ],
        b"0\r\n\r\n" + SMUGGLED,
    ),
    "te-twice": _request(
        "POST",
        "/sparql",
        [
            "Content-Type: application/sparql-query",
            f"Content-Length: {5 + len(SMUGGLED)}",
            "Transfer-Encoding: chunked",
            "Transfer-Encoding: identity",
        ],
        b"0\r\n\r\n" + SMUGGLED,
    ),
    "two-lengths": _request(
        "POST",
        "/sparql",
        [
            "Content-Type: application/sparql-query",
            "Content-Length: 0",
            f"Content-Length: {len(SMUGGLED)}",
        ],
        SMUGGLED,
    ),
}


@pytest.mark.parametrize("name", list(SMUGGLING))
def test_a_smuggled_request_is_never_answered(server, name):
    received, _ = _exchange(server, SMUGGLING[name])
    responses = _parse(received)
    assert len(responses) == 1, f"{len(responses)} responses to one request: {responses}"
    assert all(b'"status": "ok"' not in r.body for r in responses), "the smuggled GET ran"


# --- framing that must work -----------------------------------------------------------------


def test_a_chunked_query_body_is_read(server):
    chunks = [b"SELECT (COUNT(*) ", b"AS ?n) WHERE { VALUES ?x { 1 2 3 ", b"} }"]
    body = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks) + b"0\r\n\r\n"
    received, _ = _exchange(
        server,
        _request(
            "POST",
            "/sparql",
            [
                "Content-Type: application/sparql-query",
                "Accept: application/sparql-results+json",
                "Transfer-Encoding: chunked",
            ],
            body,
        ),
    )
    (response,) = _parse(received)
    assert response.status == 200, response
    assert json.loads(response.body)["results"]["bindings"][0]["n"]["value"] == "3"


def test_pipelined_requests_are_answered_in_order(server):
    requests = (
        _request("GET", "/healthz", [])
        + _request("GET", "/sparql?query=ASK%7B%7D", ["Accept: application/sparql-results+json"])
        + _request("GET", "/robots.txt", [])
    )
    received, closed = _exchange(server, requests)
    responses = _parse(received)
    assert [r.status for r in responses] == [200, 200, 200], responses
    assert json.loads(responses[0].body)["status"] == "ok"
    assert json.loads(responses[1].body)["boolean"] is True
    assert responses[2].headers["content-type"].startswith("text/plain")
    assert b"User-agent" in responses[2].body or b"Sitemap" in responses[2].body
    assert not closed, "the server closed a kept-alive connection after pipelined requests"


def test_connection_close_closes(server):
    received, closed = _exchange(server, _request("GET", "/healthz", ["Connection: close"]))
    (response,) = _parse(received)
    assert response.status == 200
    assert closed, "the connection stayed open after Connection: close"


# --- oversized heads and targets ------------------------------------------------------------


def _assert_still_serving(base: str) -> None:
    received, _ = _exchange(base, _request("GET", "/healthz", ["Connection: close"]))
    assert _parse(received)[0].status == 200


def _refused(received: bytes) -> Response:
    responses = _parse(received)
    assert len(responses) == 1, responses
    assert 400 <= responses[0].status < 500, responses[0]
    return responses[0]


def test_a_20kb_header_block_of_many_headers_is_refused(server):
    headers = [f"X-Filler-{i}: {'a' * 100}" for i in range(200)]  # ~21 KB
    received, _ = _exchange(server, _request("GET", "/healthz", headers))
    assert _refused(received).status == 431
    _assert_still_serving(server)


def test_a_header_block_over_the_limit_in_few_headers_is_refused(server):
    """The request head may have 64 KiB of URL plus KIGRAPH_MAX_HEADER_BYTES (16384 by
    default) of headers — Granian's read buffer, which hyper may overrun by one read when a
    head arrives in one piece; three headers of 60 KB are well over it."""
    headers = [f"X-Filler-{i}: {'a' * 60_000}" for i in range(3)]
    received, _ = _exchange(server, _request("GET", "/healthz", headers))
    _refused(received)
    _assert_still_serving(server)


def test_a_megabyte_header_is_refused(server):
    received, _ = _exchange(server, _request("GET", "/healthz", ["X-Big: " + "a" * 1_000_000]))
    _refused(received)
    _assert_still_serving(server)


def _get_query(base: str, query: str) -> Response:
    target = "/sparql?" + urllib.parse.urlencode({"query": query})
    received, _ = _exchange(
        base,
        _request("GET", target, ["Accept: application/sparql-results+json", "Connection: close"]),
        wait=10,
    )
    (response,) = _parse(received)
    return response


def _assert_answered_ask(response: Response) -> None:
    assert response.status == 200, response
    assert response.headers["content-type"].startswith("application/sparql-results+json"), (
        "not the query's answer (the service description?)",
        response,
    )
    assert json.loads(response.body)["boolean"] is True


def test_a_60kb_get_query_is_answered(server):
    query = "# " + "a" * 60_000 + "\nASK {}"
    assert len(query) < MAX_QUERY_BYTES
    _assert_answered_ask(_get_query(server, query))


def test_a_long_get_query_with_punctuation_is_answered(server):
    """A realistic long query — a VALUES list — whose percent-encoded URL is just under the
    64 KiB a request target may have (hyper's limit, documented)."""
    values = " ".join(f'"v{i}"' for i in range(3_000))
    query = f"ASK {{ VALUES ?v {{ {values} }} }}"
    target = "/sparql?" + urllib.parse.urlencode({"query": query})
    assert 20_000 < len(query) and len(target) < 65_534, (len(query), len(target))
    _assert_answered_ask(_get_query(server, query))


def test_a_get_url_over_64_kib_is_refused_with_414(server):
    """The same kind of query once its URL is over 64 KiB: 414, which says to POST it."""
    values = " ".join(f'"v{i}"' for i in range(8_000))
    response = _get_query(server, f"ASK {{ VALUES ?v {{ {values} }} }}")
    assert response.status == 414, response


def test_a_get_query_over_the_limit_is_refused(server):
    query = "# " + "a" * (MAX_QUERY_BYTES + 10) + "\nASK {}"
    response = _get_query(server, query)
    assert response.status in (413, 414), response


def test_graph_uris_without_a_query_are_a_bad_request(server):
    target = "/sparql?" + urllib.parse.urlencode({"default-graph-uri": "http://example.org/g"})
    received, _ = _exchange(server, _request("GET", target, ["Connection: close"]))
    (response,) = _parse(received)
    assert response.status == 400, response
    assert json.loads(response.body)["status"] == 400
