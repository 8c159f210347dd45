"""The dataset's own description (DCAT + VoID), written into ``…/graph/dataset`` at load time:
title, licence, sources, endpoint, per-graph triple counts, class and property partitions,
link sets to Wikidata, ROR and GeoNames, last-modified and the data version.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .namespaces import DATASET, DCAT, DCTERMS, GRAPH, ID, KG, OWL, RDF, VOID, XSD, sparql_prologue

DATASET_GRAPH = GRAPH + "dataset"
ONTOLOGY_IRI = "https://w3id.org/kigraph/ontology"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
SPARQL_ENDPOINT = "https://w3id.org/kigraph/sparql"

#: external link targets of schema:sameAs: (slug, title, namespace)
LINK_TARGETS: tuple[tuple[str, str, str], ...] = (
    ("wikidata", "Wikidata", "http://www.wikidata.org/entity/"),
    ("ror", "Research Organization Registry (ROR)", "https://ror.org/"),
    ("geonames", "GeoNames", "https://sws.geonames.org/"),
)


def describe(
    store: ox.Store,
    version: str,
    modified: datetime,
    *,
    curated: bool,
    files: Sequence[Path] = (),
) -> None:
    """Write the DCAT + VoID description of everything in ``store`` into ``…/graph/dataset``."""
    ds, g = ox.NamedNode(DATASET), ox.NamedNode(DATASET_GRAPH)

    def iri(value: str) -> ox.NamedNode:
        return ox.NamedNode(value)

    def quad(s: ox.NamedNode, p: str, o: Any) -> ox.Quad:
        return ox.Quad(s, iri(p), o, g)

    static = [
        quad(ds, RDF + "type", iri(DCAT + "Dataset")),
        quad(ds, RDF + "type", iri(VOID + "Dataset")),
        quad(ds, OWL + "versionInfo", ox.Literal(version)),
        quad(ds, DCTERMS + "modified", ox.Literal(_iso(modified), datatype=iri(XSD + "dateTime"))),
        quad(ds, VOID + "sparqlEndpoint", iri(SPARQL_ENDPOINT)),
    ]
    if curated:
        static += [
            quad(ds, DCTERMS + "title", ox.Literal("KI-Graph", language="de")),
            quad(ds, DCTERMS + "title", ox.Literal("KI-Graph", language="en")),
            quad(
                ds,
                DCTERMS + "description",
                ox.Literal(
                    "Wissensgraph öffentlich-privater Kooperationen zur künstlichen Intelligenz "
                    "in Deutschland: Initiativen, beteiligte Organisationen, Technologien, Orte, "
                    "Ziele und Förderung, jede Aussage mit ihrer Quelle.",
                    language="de",
                ),
            ),
            quad(
                ds,
                DCTERMS + "description",
                ox.Literal(
                    "Knowledge graph of public–private cooperations on artificial intelligence "
                    "in Germany: initiatives, the organisations involved, technologies, places, "
                    "goals and funding, every statement with its source.",
                    language="en",
                ),
            ),
            quad(ds, DCTERMS + "license", iri(LICENCE)),
            quad(ds, VOID + "uriSpace", ox.Literal(ID)),
            quad(ds, VOID + "vocabulary", iri(KG)),
            quad(ds, VOID + "rootResource", iri(ONTOLOGY_IRI)),
        ]
    else:
        names = ", ".join(p.name for p in files)
        static += [
            quad(
                ds, DCTERMS + "title", ox.Literal(f"RDF served by kigraph: {names}", language="en")
            ),
            quad(ds, DCTERMS + "description", ox.Literal(f"Loaded from {names}.", language="en")),
        ]
    store.extend(static)

    d, dsg = f"<{DATASET}>", f"<{DATASET_GRAPH}>"
    others = f"FILTER(?g != {dsg})"
    updates = [
        # per-graph subsets: the named graph's IRI is the subset
        f"INSERT {{ GRAPH {dsg} {{ {d} void:subset ?g . ?g a void:Dataset ; void:triples ?n }} }}"
        f" WHERE {{ SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {others} }}"
        " GROUP BY ?g }",
        # totals
        f"INSERT {{ GRAPH {dsg} {{ {d} void:triples ?n ; void:classes ?c ; void:properties ?p ;"
        " void:distinctSubjects ?ds }} WHERE { SELECT (COUNT(*) AS ?n)"
        " (COUNT(DISTINCT ?class) AS ?c) (COUNT(DISTINCT ?pred) AS ?p)"
        f" (COUNT(DISTINCT ?s) AS ?ds) WHERE {{ GRAPH ?g {{ ?s ?pred ?o }} {others}"
        " OPTIONAL { FILTER(?pred = rdf:type) BIND(?o AS ?class) } } }",
        # class partitions
        f"INSERT {{ GRAPH {dsg} {{ {d} void:classPartition ?part ."
        " ?part void:class ?class ; void:entities ?n } } WHERE {"
        " { SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE"
        f" {{ GRAPH ?g {{ ?s a ?class }} {others} }} GROUP BY ?class }}"
        f' BIND(IRI(CONCAT("{DATASET}/class/", SUBSTR(SHA256(STR(?class)), 1, 16))) AS ?part) }}',
        # property partitions
        f"INSERT {{ GRAPH {dsg} {{ {d} void:propertyPartition ?part ."
        " ?part void:property ?pred ; void:triples ?n } } WHERE {"
        " { SELECT ?pred (COUNT(*) AS ?n) WHERE"
        f" {{ GRAPH ?g {{ ?s ?pred ?o }} {others} }} GROUP BY ?pred }}"
        f' BIND(IRI(CONCAT("{DATASET}/property/", SUBSTR(SHA256(STR(?pred)), 1, 16))) AS ?part) }}',
        # sources
        f"INSERT {{ GRAPH {dsg} {{ {d} dcterms:source ?doc }} }} WHERE"
        f" {{ GRAPH ?g {{ ?doc a kg:SourceDocument }} {others} }}",
    ]
    if curated:
        targets = " ".join(f'("{slug}" "{title}" "{ns}")' for slug, title, ns in LINK_TARGETS)
        namespaces = " ".join(f'"{ns}"' for _, _, ns in LINK_TARGETS)
        updates.append(
            f"INSERT {{ GRAPH {dsg} {{ {d} void:subset ?ls . ?ls a void:Linkset ;"
            f" void:subjectsTarget {d} ; void:objectsTarget ?target ;"
            " void:linkPredicate schema:sameAs ; void:triples ?n ."
            " ?target a void:Dataset ; dcterms:title ?title ; void:uriSpace ?ns } } WHERE {"
            f" VALUES (?slug ?title ?ns) {{ {targets} }}"
            " OPTIONAL { SELECT ?ns (COUNT(*) AS ?links) WHERE {"
            f" VALUES ?ns {{ {namespaces} }}"
            f" GRAPH ?g {{ ?s schema:sameAs ?o }} {others} FILTER(STRSTARTS(STR(?o), ?ns)) }}"
            " GROUP BY ?ns }"
            " BIND(COALESCE(?links, 0) AS ?n)"
            f' BIND(IRI(CONCAT("{DATASET}/linkset/", ?slug)) AS ?ls)'
            f' BIND(IRI(CONCAT("{DATASET}/target/", ?slug)) AS ?target) }}'
        )
    for update in updates:
        store.update(sparql_prologue() + update)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
