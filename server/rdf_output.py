"""Serialising a set of triples for a linked-data response: pyoxigraph for everything it writes
well, rdflib for JSON-LD because pyoxigraph writes it only in expanded form and our readers want
a compact ``@context`` (short keys instead of full IRIs)."""

from __future__ import annotations

import json
from collections.abc import Iterable

import pyoxigraph as ox
import rdflib

from .namespaces import BASE, ID, PREFIXES

#: the compact @context of our JSON-LD: the standard prefixes and our thing namespace
CONTEXT = {**{p: ns for p, ns in PREFIXES.items()}, "id": ID, "kigraph": BASE}

_PYOXIGRAPH = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdf": ox.RdfFormat.RDF_XML,
}


def serialize_triples(triples: Iterable[ox.Triple], fmt: str) -> bytes:
    """``fmt``: ttl, nt, rdf or jsonld (compact, with :data:`CONTEXT`)."""
    triples = list(triples)
    if fmt == "jsonld":
        graph = rdflib.Graph()
        graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
        doc = json.loads(graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True))
        return json.dumps(doc, ensure_ascii=False, indent=1).encode()
    prefixes = dict(PREFIXES) | {"id": ID} if fmt == "ttl" else None
    return ox.serialize(triples, format=_PYOXIGRAPH[fmt], prefixes=prefixes)
