"""Linked data: dereferencing, documents in every format, pages, dumps, VoID, GSP, sitemap —
on both backends (``client`` is the conftest's; ``store``, the reference, is the embedded one)."""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest

from server import i18n
from server.app import create_app
from server.settings import load_settings
from server.store import GraphStore

REPO = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/kigraph/"
ID = BASE + "id/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
PARSE = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


@pytest.fixture(scope="module")
def store(embedded_store) -> GraphStore:
    """The reference: the embedded store (``client`` runs on either backend)."""
    return embedded_store


def things(store: GraphStore) -> list[str]:
    query = f"""SELECT DISTINCT ?s WHERE {{ ?s ?p ?o
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID}") && !STRSTARTS(STR(?s), "{ID}statement/")) }}"""
    return [row["s"].value for row in store.query(query)]


def parse(body: bytes, content_type: str) -> list[ox.Triple]:
    fmt = PARSE[content_type.split(";")[0]]
    return [q.triple for q in ox.parse(body, format=fmt, base_iri=BASE)]


# (path, Accept, status, Location (suffix), Content-Type (prefix))
DEREFERENCING = [
    ("/id/org/dfki", "text/html", 303, "/doc/org/dfki", None),
    ("/id/org/dfki", BROWSER, 303, "/doc/org/dfki", None),
    ("/id/org/dfki", "text/turtle", 303, "/doc/org/dfki.ttl", None),
    ("/id/org/dfki", "application/ld+json", 303, "/doc/org/dfki.jsonld", None),
    ("/id/org/dfki", "application/n-triples", 303, "/doc/org/dfki.nt", None),
    ("/id/org/dfki", "application/rdf+xml", 303, "/doc/org/dfki.rdf", None),
    ("/id/org/dfki", "*/*", 303, "/doc/org/dfki.ttl", None),
    ("/id/org/dfki", "", 303, "/doc/org/dfki.ttl", None),
    ("/id/org/dfki", "text/turtle;q=0.5, application/rdf+xml", 303, "/doc/org/dfki.rdf", None),
    ("/id/org/dfki", "image/png", 406, None, "application/problem+json"),
    ("/id/org/no-such-thing", "text/turtle", 404, None, "application/problem+json"),
    ("/id/org/no-such-thing", "text/html", 404, None, "text/html"),
    ("/doc/org/dfki", "text/html", 200, None, "text/html"),
    ("/doc/org/dfki", "text/turtle", 200, None, "text/turtle"),
    ("/doc/org/dfki", "application/ld+json", 200, None, "application/ld+json"),
    ("/doc/org/dfki.ttl", "text/html", 200, None, "text/turtle"),
    ("/doc/org/dfki.jsonld", "", 200, None, "application/ld+json"),
    ("/doc/org/dfki.nt", "", 200, None, "application/n-triples"),
    ("/doc/org/dfki.rdf", "", 200, None, "application/rdf+xml"),
    ("/doc/org/no-such-thing.ttl", "", 404, None, "application/problem+json"),
    ("/ontology", "text/html", 200, None, "text/html"),
    ("/ontology", "text/turtle", 200, None, "text/turtle"),
    ("/ontology", "application/rdf+xml", 200, None, "application/rdf+xml"),
    ("/ontology.jsonld", "", 200, None, "application/ld+json"),
    ("/ontology/1.0.0", "text/turtle", 200, None, "text/turtle"),
    ("/shapes", "text/turtle", 200, None, "text/turtle"),
    ("/graph/article", "application/n-triples", 200, None, "application/n-triples"),
    ("/graph/no-such-graph", "text/turtle", 404, None, "application/problem+json"),
    ("/graph/%3Cscript%3E", "text/turtle", 404, None, "application/problem+json"),  # not an IRI
    ("/.well-known/void", "text/turtle", 200, None, "text/turtle"),
    ("/dataset", "text/html", 200, None, "text/html"),
    ("/dataset/linkset/wikidata", "text/turtle", 200, None, "text/turtle"),
]


@pytest.mark.parametrize(("path", "accept", "status", "location", "content_type"), DEREFERENCING)
def test_dereferencing_matrix(client, path, accept, status, location, content_type) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == status, response.data[:300]
    if location is not None:
        assert response.headers["Location"].endswith(location)
    if content_type is not None:
        assert response.headers["Content-Type"].startswith(content_type)
    if status in (200, 303):
        assert "Accept" in response.headers.get("Vary", "")


def test_documents_link_to_their_other_formats(client) -> None:
    response = client.get("/doc/initiative/dfki.ttl")
    links = response.headers["Link"]
    for ext, media in (
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
    ):
        assert f'/doc/initiative/dfki.{ext}>; rel="alternate"; type="{media}"' in links


def test_every_resource_dereferences_and_its_turtle_parses(client, store) -> None:
    resources = things(store)
    assert len(resources) > 150
    for iri in resources:
        path = "/" + iri[len(BASE) :]
        redirect = client.get(path, headers={"Accept": "text/turtle"})
        assert redirect.status_code == 303, iri
        document = client.get(redirect.headers["Location"].replace("http://localhost", ""))
        assert document.status_code == 200, iri
        triples = parse(document.data, document.headers["Content-Type"])
        assert any(
            t.subject == ox.NamedNode(iri) or t.object == ox.NamedNode(iri) for t in triples
        ), iri


@pytest.mark.parametrize("ext", ["ttl", "jsonld", "nt", "rdf"])
@pytest.mark.parametrize(
    "thing",
    [
        "initiative/dfki",
        "org/bmbf",
        "initiative/blue-lion",
        "quantity/ki-park-mitglieder",
        "place/heilbronn",
    ],
)
def test_every_format_carries_the_same_description(client, store, thing, ext) -> None:
    response = client.get(f"/doc/{thing}.{ext}")
    triples = set(parse(response.data, response.headers["Content-Type"]))
    reference = client.get(f"/doc/{thing}.nt")
    assert triples == set(parse(reference.data, "application/n-triples"))
    # the description is symmetric: outgoing and incoming links, with labels of neighbours
    iri = ox.NamedNode(ID + thing)
    assert any(t.subject == iri for t in triples)
    assert any(
        t.predicate == ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
        and t.subject != iri
        for t in triples
    )


def test_jsonld_has_a_compact_context(client) -> None:
    doc = client.get("/doc/initiative/dfki.jsonld").get_json()
    assert doc["@context"]["kg"] == BASE + "ontology#"
    assert "kg:partner" in client.get("/doc/initiative/dfki.jsonld").get_data(as_text=True)


def test_every_ontology_term_has_a_section_on_the_ontology_page(client, store) -> None:
    page = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    terms = [
        row["t"].value
        for row in store.query(
            f"SELECT ?t WHERE {{ ?t <http://www.w3.org/2000/01/rdf-schema#isDefinedBy> <{BASE}ontology> }}"
        )
    ]
    assert len(terms) > 80
    for term in terms:
        assert f'id="{term.rsplit("#", 1)[1]}"' in page, term


PAGES = [
    (
        "/doc/initiative/dfki",
        "de",
        [
            "22 Mio. € pro Jahr, hälftig Bund/Länder",
            "Saarland",
            "Abschnitt",
            "Schlüsseldaten",
            "7 beteiligte Länder",
        ],
    ),
    (
        "/doc/initiative/dfki",
        "en",
        [
            "EUR 22 million per year",
            "Saarland",
            "German Research Center for Artificial Intelligence",
        ],
    ),
    (
        "/doc/initiative/blue-lion",
        "de",
        [
            "Blue Lion steht am LRZ, nicht in Jülich",
            "Leibniz-Rechenzentrum (LRZ)",
            "https://www.lrz.de/news/detail/warmlaufen-fuer-blue-lion",
            "nur nahegelegt",
        ],
    ),
    ("/doc/initiative/ki-park", "de", ["über 300", "KI Park e.V."]),
    ("/doc/initiative/ki-park", "en", ["over 300"]),
    (
        "/doc/org/bmbf",
        "de",
        ["BMFTR", "Bundesministerium für Forschung, Technologie und Raumfahrt", "KI-Campus"],
    ),
    (
        "/doc/org/dfki",
        "de",
        ["https://ror.org/01ayc5b57", "http://www.wikidata.org/entity/Q896469", "Verwiesen von"],
    ),
]


@pytest.mark.parametrize(("path", "lang", "expected"), PAGES)
def test_pages_show_the_facts(client, path, lang, expected) -> None:
    page = client.get(f"{path}?lang={lang}", headers={"Accept": "text/html"}).get_data(as_text=True)
    for text in expected:
        assert text in page, text
    assert '<script type="application/ld+json">' in page
    assert f'<html lang="{lang}">' in page


def test_language_follows_accept_language(client) -> None:
    page = client.get(
        "/doc/org/dfki",
        headers={"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9,de;q=0.5"},
    )
    assert "German Research Center for Artificial Intelligence" in page.get_data(as_text=True)
    assert "Accept-Language" in page.headers["Vary"]


def test_pages_make_no_external_requests(client) -> None:
    page = client.get("/doc/initiative/dfki", headers={"Accept": "text/html"}).get_data(
        as_text=True
    )
    loads = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="([^"]+)"', page)
    for url in loads:
        assert url.startswith("http://localhost/"), url


def test_hostile_labels_are_escaped(backend, scratch_backend, tmp_path: Path) -> None:
    evil = tmp_path / "evil.ttl"
    evil.write_text(
        f'<{ID}x/evil> <http://www.w3.org/2000/01/rdf-schema#label> "<script>alert(1)</script>\\" onmouseover=\\"x"@de ;\n'
        f'  <http://www.w3.org/2000/01/rdf-schema#comment> "\u202eRTL <b>bold</b>"@de .\n',
        encoding="utf-8",
    )
    store = GraphStore.from_files([evil])
    if backend == "remote":
        settings = load_settings(
            {"store": tmp_path / "none", "backend": scratch_backend(store)}, environ={}
        )
        app = create_app(settings)
    else:
        app = create_app(load_settings({"store": tmp_path / "none"}), store=store)
    page = (
        app.test_client().get("/doc/x/evil", headers={"Accept": "text/html"}).get_data(as_text=True)
    )
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page


def test_conditional_get_answers_304(client) -> None:
    first = client.get("/doc/org/dfki.ttl")
    again = client.get("/doc/org/dfki.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def canonical(quads) -> ox.Dataset:
    """The quads with blank nodes relabelled canonically (RDFC-1.0): equal iff isomorphic."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return dataset


def test_downloads_equal_export_and_are_listed(backend, client, store) -> None:
    listing = client.get("/downloads").get_json()
    names = {f["name"] for f in listing["files"]}
    for ext in ("trig", "nq", "ttl", "nt", "jsonld", "rdf"):
        assert {f"kigraph.{ext}", f"kigraph.{ext}.gz"} <= names
    response = client.get("/downloads/kigraph.nq")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/n-quads")
    assert "attachment; filename=kigraph.nq" in response.headers["Content-Disposition"]
    assert response.headers.get("Last-Modified") and response.headers.get("ETag")
    downloaded = set(ox.parse(response.data, format=ox.RdfFormat.N_QUADS))
    exported = set(ox.parse(store.serialize("nq"), format=ox.RdfFormat.N_QUADS))
    if backend == "embedded":  # the same store: even the blank node labels are the same
        assert downloaded == exported
    # a remote store labels blank nodes its own way: the same dataset, up to their labels
    assert canonical(downloaded) == canonical(exported)
    packed = client.get("/downloads/kigraph.nq.gz")
    assert gzip.decompress(packed.data) == response.data
    sizes = {f["name"]: f["bytes"] for f in listing["files"]}
    assert sizes["kigraph.nq"] == len(response.data)


class _Table(HTMLParser):
    """The visible text of a page, and its table rows as (link, text of each cell)."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.rows: list[tuple[str | None, list[str]]] = []
        self._row: list[str] | None = None
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row, self._href = [], None
        elif tag == "td" and self._row is not None:
            self._row.append("")
        elif tag == "a" and self._row:
            self._href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag == "tr" and self._row:
            self.rows.append((self._href, self._row))
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        self.text.append(data)
        if self._row:
            self._row[-1] += data


@pytest.mark.parametrize(
    ("lang", "heading", "columns"),
    [("de", "Downloads", ["Datei", "Medientyp"]), ("en", "Downloads", ["File", "Media type"])],
)
def test_downloads_page_lists_every_file_with_a_working_link(client, lang, heading, columns):
    """Issue 16: /downloads as HTML answered 500 (a missing text). Both languages: the
    heading, the intro, one row per dump with its type and size, each link downloads it."""
    page = client.get(f"/downloads?lang={lang}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    parsed = _Table()
    parsed.feed(page.get_data(as_text=True))
    visible = " ".join(" ".join(parsed.text).split())
    assert f"<h1>{heading}</h1>" in page.get_data(as_text=True)
    assert " ".join(i18n.texts(lang)["downloads_intro"].split()) in visible
    assert all(column in visible for column in columns)
    listing = client.get("/downloads").get_json()
    files = listing["files"]
    rows = {href: cells for href, cells in parsed.rows}
    # one row per file, then one per release (a link to its own listing)
    assert len(rows) == len(files) + len(listing["releases"]) and files
    for release in listing["releases"]:
        assert client.get(release["url"].removeprefix("http://localhost")).status_code == 200
    for entry in files:
        name, media_type, size = rows[entry["url"]]
        assert name == entry["name"] and media_type.startswith(entry["media_type"])
        assert int(size.replace(",", "")) == entry["bytes"]
        path = entry["url"].removeprefix("http://localhost")
        download = client.head(path)
        assert download.status_code == 200, entry["name"]
        assert int(download.headers["Content-Length"]) == entry["bytes"]
        assert entry["name"] in download.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "name", ["../store", "..%2F..%2Fetc%2Fpasswd", "kigraph.exe", ".complete", "%2e%2e"]
)
def test_downloads_refuse_anything_else(client, name) -> None:
    assert client.get(f"/downloads/{name}").status_code == 404


def test_void_counts_equal_count_queries(client, store) -> None:
    void = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    triples = parse(void.data, "application/n-triples")
    counts = {
        t.subject.value: int(t.object.value)
        for t in triples
        if t.predicate.value == "http://rdfs.org/ns/void#triples"
        and t.subject.value.startswith(BASE + "graph/")
    }
    assert {BASE + "graph/article", BASE + "graph/corrections", BASE + "graph/provenance"} <= set(
        counts
    )
    for graph, count in counts.items():
        (row,) = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        assert int(row["n"].value) == count, graph


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?graph=https://w3id.org/kigraph/graph/links", 200),
        ("?default", 200),
        ("", 400),
        ("?graph=https://example.org/g", 404),
        ("?graph=not%20an%20IRI%3C%3E", 404),
        ("?graph=a&default", 400),
    ],
)
def test_graph_store_protocol_read_only(client, query, status) -> None:
    assert client.get("/store" + query, headers={"Accept": "text/turtle"}).status_code == status


def test_graph_store_protocol_refuses_writes(client) -> None:
    for method in (client.put, client.post, client.delete):
        response = method(
            "/store?graph=https://w3id.org/kigraph/graph/links",
            data="<a:b> <a:c> <a:d> .",
            content_type="text/turtle",
        )
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET, HEAD"
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "read-only" in response.get_json()["detail"]


@pytest.mark.parametrize(
    "media_type",
    ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"],
)
def test_graph_store_answers_exactly_the_graph(client, embedded_store, media_type) -> None:
    graph = "https://w3id.org/kigraph/graph/links"
    response = client.get(f"/store?graph={graph}", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(media_type)
    fmt = ox.RdfFormat.from_media_type(media_type)
    got = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(response.data, fmt)}
    expected = {ox.Triple(q.subject, q.predicate, q.object) for q in embedded_store.quads(graph)}
    assert got == expected
    again = client.get(
        f"/store?graph={graph}",
        headers={"Accept": media_type, "If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_sitemap_and_robots(client, store) -> None:
    sitemap = ET.fromstring(client.get("/sitemap.xml").data)
    locs = {el.text for el in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert "http://localhost/doc/initiative/dfki" in locs
    assert len(locs) >= len(things(store))
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots


def test_every_resource_and_term_dereferences_in_every_format_on_a_live_server(
    live_server, store
) -> None:
    """Over a real socket, following the 303 like a linked-data client does."""
    import urllib.request

    formats = {
        "text/turtle": "text/turtle",
        "application/ld+json": "application/ld+json",
        "application/n-triples": "application/n-triples",
        "application/rdf+xml": "application/rdf+xml",
        "text/html": "text/html",
    }
    failures = []
    for iri in things(store):
        for accept, expected in formats.items():
            request = urllib.request.Request(
                live_server + "/" + iri[len(BASE) :], headers={"Accept": accept}
            )
            with urllib.request.urlopen(request, timeout=10) as response:  # follows the 303
                body = response.read()
                content_type = response.headers["Content-Type"]
            if response.status != 200 or not content_type.startswith(expected):
                failures.append((iri, accept, response.status, content_type))
            elif expected != "text/html":
                triples = parse(body, content_type)
                if not any(ox.NamedNode(iri) in (t.subject, t.object) for t in triples):
                    failures.append((iri, accept, "not described"))
    terms = [
        row["t"].value
        for row in store.query(
            f"SELECT ?t WHERE {{ ?t <http://www.w3.org/2000/01/rdf-schema#isDefinedBy> <{BASE}ontology> }}"
        )
    ]
    for accept, expected in formats.items():
        request = urllib.request.Request(live_server + "/ontology", headers={"Accept": accept})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            assert response.headers["Content-Type"].startswith(expected)
        if expected == "text/html":
            page = body.decode()
            assert all(f'id="{t.rsplit("#", 1)[1]}"' in page for t in terms)
        else:
            subjects = {t.subject.value for t in parse(body, response.headers["Content-Type"])}
            assert set(terms) <= subjects
    assert failures == []


def test_a_page_linked_from_a_shape_links_no_blank_node(client) -> None:
    """A SHACL shape names the research notes (sh:not [ sh:hasValue … ]): the notes' page must
    not offer that blank node as "referenced by" (it has no page; the crawler met a 404)."""
    html = client.get("/doc/source/modelling-notes", headers={"Accept": "text/html"})
    assert html.status_code == 200
    targets = set(re.findall(r'href="(http://localhost/(?:doc|id)/[^"#?]+)"', html.get_data(as_text=True)))  # fmt: skip
    assert targets
    for target in targets:
        status = client.get(target.removeprefix("http://localhost")).status_code
        assert status in (200, 303), (target, status)
