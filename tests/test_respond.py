"""Every view answers through one ``respond()`` (server/views/respond.py), so every answer has one
shape: CORS, ``Vary`` naming what it varies by, ``Cache-Control``, and — where it has an ETag —
``304`` on revalidation (strong, weak or ``*``) carrying the headers of the 200. The choice
between a page and data is :func:`server.formats.choose` (pure, tested here as a table)."""

from __future__ import annotations

import pytest

from server import formats
from server.errors import NotAcceptable

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
PAGE = (formats.HTML, formats.TURTLE, formats.JSONLD, formats.NTRIPLES, formats.RDFXML)
RESULTS_OR_PAGE = (*formats.RESULTS, formats.HTML)

# (Accept, offered, format=, default, chosen format's name or None for 406)
CHOICES = [
    (None, PAGE, None, None, "ttl"),
    ("", PAGE, None, None, "ttl"),
    ("*/*", PAGE, None, None, "ttl"),
    ("text/html", PAGE, None, None, "html"),
    (BROWSER, PAGE, None, None, "html"),
    ("application/ld+json", PAGE, None, None, "jsonld"),
    ("text/html", PAGE, "nt", None, "nt"),  # format= beats Accept
    ("text/turtle", PAGE, "html", None, "html"),
    ("text/turtle", PAGE, " HTML ", None, "html"),
    ("image/png", PAGE, None, None, None),
    ("*/*", RESULTS_OR_PAGE, None, "csv", "csv"),  # a saved query's own format …
    (None, RESULTS_OR_PAGE, None, "csv", "csv"),
    ("application/sparql-results+xml", RESULTS_OR_PAGE, None, "csv", "xml"),  # … not Accept's
    ("*/*", RESULTS_OR_PAGE, "json", "csv", "json"),  # … nor format='s
    (BROWSER, RESULTS_OR_PAGE, None, "csv", "html"),
    ("text/html", formats.RESULTS, None, None, None),  # no page offered: 406
    (None, formats.RESULTS, "html", None, None),
]


@pytest.mark.parametrize(("accept", "offered", "param", "default", "expected"), CHOICES)
def test_choose(accept, offered, param, default, expected) -> None:
    if expected is None:
        with pytest.raises(NotAcceptable):
            formats.choose(accept, offered, param, default)
    else:
        assert formats.choose(accept, offered, param, default).name == expected


SELECT = "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%203"
DATA, PAGE_, ONE = "Accept", "Accept, Accept-Language", None  # what an answer varies by
# (path, Accept, status, Vary)
ANSWERS = [
    ("/", "text/html", 200, PAGE_),
    ("/", "text/turtle", 303, DATA),
    ("/id/org/dfki", "text/turtle", 303, DATA),
    ("/doc/org/dfki", "text/html", 200, PAGE_),
    ("/doc/org/dfki", "text/turtle", 200, DATA),
    ("/doc/org/dfki.jsonld", "", 200, DATA),
    ("/ontology", "text/html", 200, PAGE_),
    ("/ontology", "application/rdf+xml", 200, DATA),
    ("/dataset", "text/html", 200, PAGE_),
    ("/graph/article", "application/n-triples", 200, DATA),
    ("/downloads", "text/html", 200, PAGE_),
    ("/downloads", "application/json", 200, DATA),
    ("/queries", "text/html", 200, PAGE_),
    ("/queries", "", 200, DATA),
    ("/queries/cooperations", "text/html", 200, PAGE_),
    ("/queries/cooperations", "text/csv", 200, DATA),
    ("/queries/cooperations.rq", "", 200, DATA),
    ("/openapi.json", "", 200, ONE),
    ("/api", "text/html", 200, "Accept-Language"),  # a page only
    ("/explore", "text/html", 200, PAGE_),
    ("/explore/network.json", "", 200, ONE),
    ("/funding", "text/html", 200, PAGE_),
    ("/sparql", "text/html", 200, PAGE_),
    ("/sparql", "text/turtle", 200, DATA),
    (SELECT, "", 200, DATA),
    ("/store?default", "application/n-triples", 200, DATA),  # large: sent from a file
    ("/sitemap.xml", "", 200, ONE),
    ("/robots.txt", "", 200, ONE),
]


@pytest.mark.parametrize(("path", "accept", "status", "vary"), ANSWERS)
def test_every_answer_has_one_shape(client, path, accept, status, vary) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == status
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Cache-Control"].startswith("public, max-age=")
    ours = [v for v in headers.get("Vary", "").split(", ") if v and v != "Accept-Encoding"]
    assert ours == (vary.split(", ") if vary else [])  # (the compression adds Accept-Encoding)
    if status != 200:
        return  # a redirect
    etag = headers.get("ETag")
    assert etag, "every answer can be revalidated"
    for tag in (etag, "W/" + etag, "*", f'"other", {etag}'):
        again = client.get(path, headers={"Accept": accept, "If-None-Match": tag})
        assert again.status_code == 304, tag
        assert again.data == b""
        for name in ("ETag", "Vary", "Cache-Control", "Access-Control-Allow-Origin"):
            assert again.headers.get(name) == headers.get(name), name
    other = client.get(path, headers={"Accept": accept, "If-None-Match": '"other"'})
    assert other.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/id/org/no-such-thing",  # the helpful 404 page
        "/queries/organisation-initiatives?agent=oops",  # the form, an ill-typed parameter: 400
    ],
)
def test_client_errors_shown_as_pages_are_not_stored(client, path) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code in (400, 404) and response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers
    assert "Accept-Language" in response.headers["Vary"]


def test_an_unpaged_answer_has_no_empty_link_header(client) -> None:
    response = client.get("/queries/cooperation-network", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert "Link" not in response.headers
