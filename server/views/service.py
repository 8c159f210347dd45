"""GET ``/sparql`` without a query: the SPARQL 1.1 Service Description (Turtle, JSON-LD,
RDF/XML by ``Accept``) for programs, the query editor (:mod:`.ui`) for browsers."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Response, request

from .. import formats, internal_queries
from .context import lang as current_lang
from .respond import PAGE_VARY, negotiated, respond, tag

UNION_NOTE_EN = (
    "Without FROM / FROM NAMED and without default-graph-uri / named-graph-uri the default graph "
    "is the union of all named graphs, so SELECT * { ?s ?p ?o } finds the data. As soon as the "
    "query or the request names a dataset, standard SPARQL dataset semantics apply (the "
    "request's graphs override the query's). GRAPH ?g always ranges over the named graphs."
)
UNION_NOTE_DE = (
    "Ohne FROM / FROM NAMED und ohne default-graph-uri / named-graph-uri ist der Default-Graph "
    "die Vereinigung aller benannten Graphen, SELECT * { ?s ?p ?o } findet also die Daten. "
    "Sobald die Anfrage oder der Request einen Datensatz benennt, gilt die normale "
    "SPARQL-Semantik (die Graphen des Requests haben Vorrang). GRAPH ?g durchläuft immer die "
    "benannten Graphen."
)


def _lit(text: str, lang: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + f'"@{lang}'


def description_turtle(rt, endpoint: str) -> str:
    settings = rt.settings
    named = "".join(
        f"      sd:namedGraph [ sd:name <{g}> ; sd:graph [ a sd:Graph ; void:triples {n} ] ] ;\n"
        for g, n in rt.graphs
    )
    languages = "sd:SPARQL11Query" + (", sd:SPARQL11Update" if settings.update_enabled else "")
    features = "sd:UnionDefaultGraph"
    results = ", ".join(f"<{f.ox.iri}>" for f in (*formats.RESULTS, *formats.GRAPHS))
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{endpoint}> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  dcterms:title "KI-Graph SPARQL endpoint"@en, "KI-Graph SPARQL-Endpunkt"@de ;
  sd:supportedLanguage {languages} ;
  sd:feature {features} ;
  sd:resultFormat {results} ;
  sd:defaultDataset [ a sd:Dataset ;
      sd:defaultGraph [ a sd:Graph ; rdfs:comment {_lit(UNION_NOTE_EN, "en")},
          {_lit(UNION_NOTE_DE, "de")} ] ;
{named}      void:sparqlEndpoint <{endpoint}> ] ;
  rdfs:comment {_lit(UNION_NOTE_EN, "en")}, {_lit(UNION_NOTE_DE, "de")} .
"""


def _endpoint_url(rt) -> str:
    return rt.settings.public_root + "sparql"


def describe(rt) -> Response:
    accept = request.headers.get("Accept")
    if formats.prefers_html(accept) and not request.args.get("format"):
        lang = current_lang()
        return respond(
            lambda: query_page(rt), formats.HTML, etag=tag("sparql-page", lang), vary=PAGE_VARY
        )
    fmt = negotiated(formats.DESCRIPTION)
    endpoint = _endpoint_url(rt)
    key = (endpoint, fmt.name, rt.version)
    body = rt.memo.get(key)
    if body is None:
        turtle = description_turtle(rt, endpoint)
        quads = ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE)
        if fmt is formats.TURTLE:
            body = turtle.encode()
        else:
            body = ox.serialize(quads, format=fmt.ox)
        rt.memo[key] = body
    return respond(body, fmt, etag=tag("service-description", endpoint, fmt.name))


EXAMPLE = internal_queries.text("form-example").rstrip()


def query_page(rt) -> str:
    """The browser page: the YASGUI query editor (:mod:`.ui`), with a plain form as fallback."""
    from . import ui

    options = [(f.name, f.essence) for f in (*formats.RESULTS, *formats.GRAPHS)]
    return ui.sparql_page(rt, UNION_NOTE_DE, UNION_NOTE_EN, EXAMPLE, options)
