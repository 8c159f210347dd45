"""Pure parts of the endpoint: content negotiation (server.formats) and query analysis
(server.sparql_text.analyze) — parametrised tables."""

from __future__ import annotations

import pytest

from server import formats
from server.errors import NotAcceptable, ServiceForbidden, UpdateNotAllowedHere
from server.formats import GRAPHS, RESULTS, negotiate
from server.sparql import check_remote_calls, prepare
from server.sparql_text import analyze

# Oxigraph's cli/src/main.rs get_query_accept_* cases (SELECT), ported; then ours.
# Deviation: Oxigraph answers "text/*" with SPARQL JSON (application/…), which is not text/*;
# we answer with the first text/* format we have (CSV) — a body is never labelled with a type
# the client did not accept.
RESULT_CASES = [
    ("*/*", "json"),  # get_query_accept_star
    ("text/*", "csv"),  # get_query_accept_substar (deviation, see above)
    ("application/sparql-results+json;charset=utf-8", "json"),  # get_query_accept_good
    ("application/foo", None),  # get_query_accept_bad → 406
    ("text/foo;q=0.5 , text/json ; q = 0.7", "json"),  # get_query_accept_explicit_priority
    ("text/json,text/foo", "json"),  # get_query_accept_implicit_priority
    ("text/foo;q=0.9,text/csv", "csv"),  # get_query_accept_implicit_and_explicit_priority
    ("text/csv", "csv"),  # get_query
    # ours
    (None, "json"),
    ("", "json"),
    ("application/sparql-results+xml", "xml"),
    ("application/xml", "xml"),
    ("text/tab-separated-values", "tsv"),
    ("text/csv; charset=utf-8", "csv"),
    ("TEXT/CSV", "csv"),
    ("application/sparql-results+json;q=0.5, application/sparql-results+xml", "xml"),
    ("application/sparql-results+json;q=0, */*", "xml"),  # q=0 excludes
    ("*/*;q=0.1, text/tab-separated-values", "tsv"),
    ("text/csv;q=0, text/*", "tsv"),  # the specific q=0 beats the wildcard
    ("application/json", "json"),
    ("text/html", None),
    ("*/*;q=0", None),
    # SPARQLWrapper's defaults
    (
        "application/sparql-results+json,application/json,text/javascript,application/javascript",
        "json",
    ),
    ("application/sparql-results+xml", "xml"),
]

GRAPH_CASES = [
    (None, "ttl"),
    ("*/*", "ttl"),
    ("text/*", "ttl"),
    ("text/turtle", "ttl"),
    ("application/x-turtle", "ttl"),
    ("application/n-triples", "nt"),
    ("text/plain", "nt"),
    ("application/ld+json", "jsonld"),
    ("application/json", "jsonld"),
    ("application/rdf+xml", "rdf"),
    ("application/xml", "rdf"),
    ("application/trig", "trig"),
    ("application/n-quads", "nq"),
    ("application/sparql-results+json", None),
    ("text/turtle;q=0.2, application/rdf+xml;q=0.8", "rdf"),
    ("application/rdf+xml, text/rdf+n3;q=0.9, application/n-triples;q=0.5", "rdf"),
    ("text/n3", "ttl"),
]


@pytest.mark.parametrize(("accept", "expected"), RESULT_CASES)
def test_negotiate_results(accept, expected):
    if expected is None:
        with pytest.raises(NotAcceptable) as info:
            negotiate(accept, RESULTS)
        assert "application/sparql-results+json" in info.value.offered
    else:
        assert negotiate(accept, RESULTS).name == expected


@pytest.mark.parametrize(("accept", "expected"), GRAPH_CASES)
def test_negotiate_graphs(accept, expected):
    if expected is None:
        with pytest.raises(NotAcceptable):
            negotiate(accept, GRAPHS)
    else:
        assert negotiate(accept, GRAPHS).name == expected


@pytest.mark.parametrize(
    ("param", "offered", "expected"),
    [
        ("json", RESULTS, "json"),
        ("xml", RESULTS, "xml"),
        ("csv", RESULTS, "csv"),
        ("tsv", RESULTS, "tsv"),
        ("srj", RESULTS, "json"),
        ("application/sparql-results+xml", RESULTS, "xml"),
        ("text/csv", RESULTS, "csv"),
        ("ttl", GRAPHS, "ttl"),
        ("turtle", GRAPHS, "ttl"),
        ("json", GRAPHS, "jsonld"),
        ("jsonld", GRAPHS, "jsonld"),
        ("xml", GRAPHS, "rdf"),
        ("nt", GRAPHS, "nt"),
        ("application/n-quads", GRAPHS, "nq"),
        ("trig", GRAPHS, "trig"),
    ],
)
def test_format_parameter_overrides_accept(param, offered, expected):
    assert negotiate("text/html", offered, param).name == expected


@pytest.mark.parametrize("param", ["ttl", "foo", "text/foo"])
def test_unknown_format_parameter_is_406(param):
    with pytest.raises(NotAcceptable):
        negotiate(None, RESULTS, param)


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),  # Firefox
        ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8", True),
        ("*/*", False),
        (None, False),
        ("text/turtle", False),
        ("text/turtle, text/html;q=0.5", False),
    ],
)
def test_prefers_html(accept, html):
    assert formats.prefers_html(accept) is html


# --- analyze -----------------------------------------------------------------------------------

ANALYZE_CASES = [
    ("SELECT * { ?s ?p ?o }", "SELECT", False, ()),
    ("select * from <http://g> { ?s ?p ?o }", "SELECT", True, ()),
    ("SELECT * FROM NAMED <http://g> { GRAPH ?g { ?s ?p ?o } }", "SELECT", True, ()),
    ('SELECT * { ?s ?p "FROM <x>" }', "SELECT", False, ()),
    ("SELECT * { ?s ?p '''\nFROM <x>''' }", "SELECT", False, ()),
    ("SELECT * { ?s ?p ?o } # FROM <http://g>", "SELECT", False, ()),
    ("PREFIX from: <http://x/> SELECT ?from { from:a ?p <http://x/FROM> }", "SELECT", False, ()),
    ("ASK {}", "ASK", False, ()),
    ("PREFIX s: <http://x/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT", False, ()),
    ("DESCRIBE <http://x/>", "DESCRIBE", False, ()),
    (
        "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "SELECT",
        False,
        ("http://127.0.0.1:1/",),
    ),
    (
        "PREFIX e: <http://127.0.0.1:1/> SELECT * { SERVICE SILENT e:q { ?s ?p ?o } }",
        "SELECT",
        False,
        ("http://127.0.0.1:1/q",),
    ),
    ("BASE <http://h/> SELECT * { service <s> { ?s ?p ?o } }", "SELECT", False, ("http://h/s",)),
    ("SELECT * { SERVICE ?x { ?s ?p ?o } }", "SELECT", False, (None,)),
    ('SELECT * { ?s ?p "SERVICE <http://x/>" }', "SELECT", False, ()),
    ("INSERT DATA { <a:a> <a:a> <a:a> }", "INSERT", False, ()),
    ("PREFIX x: <a:> DELETE WHERE { ?s ?p ?o }", "DELETE", False, ()),
]


@pytest.mark.parametrize(("text", "form", "dataset", "services"), ANALYZE_CASES)
def test_analyze(text, form, dataset, services):
    info = analyze(text)
    assert (info.form, info.has_dataset, info.services) == (form, dataset, services)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "SELECT * { SERVICE ?x { ?s ?p ?o } }",
        "SELECT * { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
        "PREFIX w: <https://query.wikidata.org/> SELECT * { SERVICE w:sparql { ?s ?p ?o } }",
    ],
)
def test_service_refused(text):
    with pytest.raises(ServiceForbidden):
        check_remote_calls(analyze(text))


def test_load_refused_in_updates():
    with pytest.raises(ServiceForbidden):
        prepare("LOAD <http://127.0.0.1:1/x.ttl>", update=True)


def test_update_to_query_operation_and_back():
    with pytest.raises(UpdateNotAllowedHere):
        prepare("INSERT DATA { <a:a> <a:a> <a:a> }")
    with pytest.raises(UpdateNotAllowedHere):
        prepare("SELECT * {}", update=True)
