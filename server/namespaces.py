"""IRI namespaces of KI-Graph and the standard prefixes we use everywhere.

Our IRI scheme (see docs/data-model.md, "IRIs"):

- ``BASE``       https://w3id.org/kigraph/
- ``KG``         ontology terms, ``…/ontology#Initiative``
- ``ID``         things, ``…/id/<kind>/<slug>``
- ``GRAPH``      named graphs, ``…/graph/<name>``
- ``STATEMENT``  reified statements (provenance), ``…/id/statement/<graph>-<hash>``
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

BASE = "https://w3id.org/kigraph/"
KG = BASE + "ontology#"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
STATEMENT = ID + "statement/"
DATASET = BASE + "dataset"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
SH = "http://www.w3.org/ns/shacl#"

#: prefix -> namespace IRI, in a stable order (used for SPARQL prologues and for
#: rendering IRIs compactly in reports).
PREFIXES: MappingProxyType[str, str] = MappingProxyType(
    {
        "kg": KG,
        "rdf": RDF,
        "rdfs": RDFS,
        "owl": OWL,
        "xsd": XSD,
        "skos": SKOS,
        "schema": SCHEMA,
        "org": ORG,
        "prov": PROV,
        "dcterms": DCTERMS,
        "dcat": DCAT,
        "void": VOID,
        "foaf": FOAF,
        "sh": SH,
    }
)


def graph_iri(name: str) -> str:
    """The IRI of the named graph ``name`` (``…/graph/<name>``)."""
    return GRAPH + name


def compact(iri: str, extra: Mapping[str, str] | None = None) -> str:
    """``rdfs:label`` for a known namespace (standard or ``extra``), else ``<iri>``."""
    for prefix, namespace in [*PREFIXES.items(), *(extra or {}).items()]:
        if not prefix:
            continue
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if local and all(c.isalnum() or c in "_-." for c in local) and local[-1] != ".":
                return f"{prefix}:{local}"
    return f"<{iri}>"


def sparql_prologue() -> str:
    """``PREFIX`` lines for all standard prefixes."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
