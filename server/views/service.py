"""GET ``/sparql`` without a query: the SPARQL 1.1 Service Description (Turtle, JSON-LD,
RDF/XML by ``Accept``) for programs, a small bilingual query page for browsers."""

from __future__ import annotations

import html

import pyoxigraph as ox
from flask import Response, request

from .. import formats
from ..namespaces import GRAPH

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
    features = "sd:UnionDefaultGraph" + (
        ", sd:BasicFederatedQuery" if settings.service_allowlist else ""
    )
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
    public = rt.settings.public_url
    return (public.rstrip("/") + "/sparql") if public else request.base_url


def describe(rt) -> Response:
    accept = request.headers.get("Accept")
    headers = {"Vary": "Accept", "Access-Control-Allow-Origin": "*"}
    if formats.prefers_html(accept) and not request.args.get("format"):
        return Response(query_page(rt), 200, headers, content_type=formats.HTML.media_type)
    fmt = formats.negotiate(accept, formats.DESCRIPTION, request.args.get("format"))
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
    return Response(body, 200, headers, content_type=fmt.media_type)


EXAMPLE = """PREFIX kg: <https://w3id.org/kigraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing ?label WHERE {
  ?thing rdfs:label ?label .
} LIMIT 20"""


def query_page(rt) -> str:
    esc = html.escape
    graphs = "".join(
        f"<li><code>{esc(g)}</code> ({n})</li>" for g, n in rt.graphs if g.startswith(GRAPH)
    )
    options = "".join(
        f'<option value="{f.name}">{esc(f.essence)}</option>'
        for f in (*formats.RESULTS, *formats.GRAPHS)
    )
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>KI-Graph SPARQL</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
textarea{{width:100%;font-family:monospace}}</style></head><body>
<h1>KI-Graph SPARQL</h1>
<p lang="de">SPARQL-1.1-Endpunkt des KI-Graph (nur lesend).</p>
<p lang="en">SPARQL 1.1 endpoint of KI-Graph (read-only).</p>
<form method="get" action="">
<label for="query"><span lang="de">Anfrage</span> / <span lang="en">Query</span></label>
<textarea id="query" name="query" rows="12">{esc(EXAMPLE)}</textarea>
<label for="format">Format</label> <select id="format" name="format">{options}</select>
<button type="submit"><span lang="de">Ausführen</span> / <span lang="en">Run</span></button>
</form>
<h2><span lang="de">Default-Graph</span> / <span lang="en">Default graph</span></h2>
<p lang="de">{esc(UNION_NOTE_DE)}</p><p lang="en">{esc(UNION_NOTE_EN)}</p>
<h2><span lang="de">Benannte Graphen</span> / <span lang="en">Named graphs</span></h2>
<ul>{graphs}</ul>
<p><span lang="de">Maschinenlesbare Beschreibung</span> / <span lang="en">Service
description</span>: <a href="?format=ttl">Turtle</a>, <a href="?format=jsonld">JSON-LD</a>,
<a href="?format=rdf">RDF/XML</a></p>
</body></html>"""
