"""Attack class: host-header and forwarded-header poisoning of pages and of what is cached.

Requests with ``Host: evil.example``, ``X-Forwarded-Host: evil.example``,
``X-Forwarded-Proto: javascript`` (and friends) come first, while every cache is cold, then a
clean request: no answer — poisoned or clean — links to ``evil.example`` or to a
``javascript:`` URL, and the poisoned answers are byte-for-byte the clean ones (links come from
``Settings.public_root``, never from the request). This holds with ``KIGRAPH_TRUSTED_PROXIES``
at 0 (headers ignored) and at 1 (ProxyFix applies them to the request — links still must not
follow). 500 distinct Host headers get the clean answer and do not grow the web process.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import _serve

PATHS = [
    "/",
    "/ontology",
    "/doc/org/dfki",
    "/sitemap.xml",
    "/sparql",
    "/id/org/dfki",  # 303: the Location header
    "/robots.txt",
    "/.well-known/void",
    "/queries",
    "/doc/org/no-such-thing",  # 404 page
]

POISON = {
    "host": [("Host", "evil.example")],
    "host-with-port": [("Host", "evil.example:443")],
    "forwarded": [
        ("Host", "127.0.0.1"),
        ("X-Forwarded-Proto", "javascript"),
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Prefix", "/evil.example"),
        ("X-Forwarded-For", "203.0.113.9"),
        ("Forwarded", "for=203.0.113.9;host=evil.example;proto=javascript"),
        ("X-Original-URL", "//evil.example/"),
        ("X-Rewrite-URL", "//evil.example/"),
    ],
    "both": [
        ("Host", "evil.example"),
        ("X-Forwarded-Proto", "javascript"),
        ("X-Forwarded-Host", "evil.example"),
    ],
}

#: a javascript: URL where a URL goes (attribute, header, XML element); the pages' prose may say
#: "ohne JavaScript: einfaches Formular"
JAVASCRIPT_URL = re.compile(
    rb"""(?ix)
    (?:href|src|action|formaction|content|url|location|value)\s*[=:(]\s*["']?\s*javascript:
  | javascript://
  | <loc>\s*javascript:
  | \bjavascript:(?!\s)
    """
)


@pytest.fixture(scope="module", params=["0", "1"], ids=["no-proxy", "trusted-proxy"])
def server(built_store: Path, request: pytest.FixtureRequest):
    yield from _serve(built_store, KIGRAPH_QUERY_WORKERS="2", KIGRAPH_TRUSTED_PROXIES=request.param)


def _raw_get(base: str, path: str, headers: list[tuple[str, str]]) -> tuple[bytes, bytes]:
    """GET with exactly these headers (raw socket): ``(head without Date, body)``."""
    url = urlsplit(base)
    lines = [f"GET {path} HTTP/1.1"]
    if not any(name.lower() == "host" for name, _ in headers):
        lines.append(f"Host: {url.hostname}:{url.port}")
    lines += [f"{name}: {value}" for name, value in headers]
    lines += ["Accept: text/html", "Accept-Encoding: identity", "Connection: close", "", ""]
    with socket.create_connection((url.hostname, url.port), timeout=20) as sock:
        sock.sendall("\r\n".join(lines).encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    kept = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"date:")]
    return b"\r\n".join(kept), body


def _assert_clean(what: str, head: bytes, body: bytes) -> None:
    for part, text in (("head", head), ("body", body)):
        assert b"evil.example" not in text.lower(), f"{what}: evil.example in the {part}"
        found = JAVASCRIPT_URL.search(text)
        assert found is None, f"{what}: a javascript: URL in the {part}: {found.group()!r}"
        assert b"203.0.113.9" not in text, f"{what}: the forwarded client address in the {part}"


@pytest.mark.parametrize("poison", list(POISON))
def test_poisoned_requests_first_then_a_clean_one(server, poison):
    """Poisoned first (the caches are cold for it on this server), then clean."""
    for path in PATHS:
        poisoned = _raw_get(server, f"{path}?p={poison}", POISON[poison])
        clean = _raw_get(server, f"{path}?p={poison}", [])
        _assert_clean(f"{path} with {poison} headers", *poisoned)
        _assert_clean(f"{path} after {poison} headers", *clean)
        assert clean[0].startswith(b"HTTP/1.1 "), clean[0][:100]
        assert poisoned == clean, f"{path}: the {poison} headers changed the answer"


def test_clean_answers_are_not_empty(server):
    """The comparison above means something: the pages are there and carry links."""
    head, body = _raw_get(server, "/doc/org/dfki", [])
    assert head.startswith(b"HTTP/1.1 200") and b"href=" in body
    head, _ = _raw_get(server, "/id/org/dfki", [("Host", "evil.example")])
    assert head.startswith(b"HTTP/1.1 303") and b"\r\nlocation: http://127.0.0.1:" in head


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_many_distinct_hosts_change_nothing(server):
    with urllib.request.urlopen(server + "/healthz", timeout=10) as response:
        web = json.load(response)["pid"]
    url = urlsplit(server)
    clean = _raw_get(server, "/doc/org/dfki", [])

    def burst(first: int, count: int) -> list[tuple[bytes, bytes]]:
        """``count`` requests on one kept-alive connection, each with a Host of its own."""
        answers = []
        with socket.create_connection((url.hostname, url.port), timeout=20) as sock:
            reader = sock.makefile("rb")
            for i in range(first, first + count):
                sock.sendall(
                    f"GET /doc/org/dfki HTTP/1.1\r\nHost: h{i}.evil.example\r\n"
                    f"X-Forwarded-Host: f{i}.evil.example\r\nAccept: text/html\r\n"
                    "Accept-Encoding: identity\r\n\r\n".encode()
                )
                status = reader.readline()
                head = [status.rstrip(b"\r\n")]
                length = 0
                while (line := reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                    if not line.lower().startswith(b"date:"):
                        head.append(line.rstrip(b"\r\n"))
                answers.append((b"\r\n".join(head), reader.read(length)))
        return answers

    burst(0, 100)  # warm up: allocator arenas, template caches
    before = _rss_kib(web)
    answers = burst(100, 500)
    grown = (_rss_kib(web) - before) / 1024
    assert len(answers) == 500
    clean_body = clean[1]
    for head, body in answers:
        assert head.startswith(b"HTTP/1.1 200"), head[:100]
        assert body == clean_body, "a Host header changed the page"
        assert b"evil.example" not in head
    assert grown < 8, f"500 distinct Host headers grew the web process by {grown:.1f} MiB"
