"""The DCAT-AP distributions of the dataset: one ``dcat:Distribution`` per download file.

Two halves, because a dump cannot contain its own checksum:

- :func:`distributions` says what each file *is* (title, download URL, IANA media type, EU
  file type, compression, licence). It is written into the dataset description at load time,
  so the dumps and the SPARQL endpoint carry it.
- :func:`file_facts` says what each file *weighs* (``dcat:byteSize``, an SHA-256
  ``spdx:checksum``), read off the files once they exist; ``/dataset`` and the downloadable
  catalogue (``kigraph-catalogue.ttl``) add it to the stored description.

Pure: no Flask. The IRIs are in the canonical base space; the server maps them to where it runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .namespaces import BASE, DATASET, DCAT, DCTERMS, RDF, SKOS, XSD

SPDX = "http://spdx.org/rdf/terms#"
# DCAT-AP 3.0.0's vocabulary shape wants the algorithm IRI under https://spdx.org/rdf/terms
SHA256 = "https://spdx.org/rdf/terms#checksumAlgorithm_sha256"
# DCAT-AP 3.0.0's shapes ask for xsd:decimal byte sizes (DCAT 3 says nonNegativeInteger, a
# subtype: the same value either way)
_DECIMAL = ox.NamedNode(XSD + "decimal")
_HEX = ox.NamedNode(XSD + "hexBinary")
IANA = "https://www.iana.org/assignments/media-types/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
AVAILABILITY = "http://publications.europa.eu/resource/authority/planned-availability/"
DCATAP = "http://data.europa.eu/r5r/"
LICENCE = "http://dcat-ap.de/def/licenses/cc-by/4.0"
DOWNLOADS = BASE + "downloads"
CATALOGUE_FILE = "kigraph-catalogue.ttl"


@dataclass(frozen=True)
class FileKind:
    """What a download file is, for DCAT: its IANA media type, EU file type and a title."""

    media_type: str  # registered at IANA (DCAT-AP asks for IANA IRIs)
    file_type: str  # code in the EU file-type authority table
    title_de: str
    title_en: str
    conforms_to: str | None = None


#: suffix (after ``kigraph``) -> kind; the gzip twin of each adds ``dcat:compressFormat``
KINDS: dict[str, FileKind] = {
    ".trig": FileKind(
        "application/trig",
        "RDF_TRIG",
        "TriG, mit benannten Graphen",
        "TriG, with named graphs",
    ),
    ".nq": FileKind(
        "application/n-quads",
        "RDF_N_QUADS",
        "N-Quads, mit benannten Graphen",
        "N-Quads, with named graphs",
    ),
    ".ttl": FileKind(
        "text/turtle",
        "RDF_TURTLE",
        "Turtle, alle Graphen vereinigt",
        "Turtle, all graphs merged",
    ),
    ".nt": FileKind(
        "application/n-triples",
        "RDF_N_TRIPLES",
        "N-Triples, alle Graphen vereinigt",
        "N-Triples, all graphs merged",
    ),
    ".jsonld": FileKind(
        "application/ld+json",
        "JSON_LD",
        "JSON-LD, mit benannten Graphen",
        "JSON-LD, with named graphs",
    ),
    "-merged.jsonld": FileKind(
        "application/ld+json",
        "JSON_LD",
        "JSON-LD, alle Graphen im Standardgraphen vereinigt",
        "JSON-LD, all graphs merged into the default graph",
    ),
    ".rdf": FileKind(
        "application/rdf+xml",
        "RDF_XML",
        "RDF/XML, alle Graphen vereinigt",
        "RDF/XML, all graphs merged",
    ),
    "-network.graphml": FileKind(
        "application/xml",
        "XML",
        "Kooperationsnetz als GraphML",
        "Cooperation network as GraphML",
        "http://graphml.graphdrawing.org/xmlns",
    ),
    "-network.gexf": FileKind(
        "application/xml",
        "XML",
        "Kooperationsnetz als GEXF 1.3",
        "Cooperation network as GEXF 1.3",
        "http://gexf.net/1.3",
    ),
    "-network.cyjs": FileKind(
        "application/json",
        "JSON",
        "Kooperationsnetz als Cytoscape-JSON",
        "Cooperation network as Cytoscape JSON",
    ),
    "-network-nodes.csv": FileKind(
        "text/csv",
        "CSV",
        "Kooperationsnetz: Knoten für neo4j-admin import",
        "Cooperation network: nodes for neo4j-admin import",
    ),
    "-network-relationships.csv": FileKind(
        "text/csv",
        "CSV",
        "Kooperationsnetz: Kanten für neo4j-admin import",
        "Cooperation network: relationships for neo4j-admin import",
    ),
}


STANDARDS = {k.conforms_to for k in KINDS.values() if k.conforms_to}


def kind_of(name: str) -> FileKind | None:
    """The kind of a download file name such as ``kigraph.nq.gz``; None for other files."""
    stem = name.removesuffix(".gz")
    if not stem.startswith("kigraph"):
        return None
    return KINDS.get(stem[len("kigraph") :])


def distribution_iri(name: str, release: str | None = None) -> str:
    """``…/dataset#kigraph.nq`` (a fragment of the dataset's own document, so it dereferences),
    or ``…/dataset/release/<v>#kigraph.nq.gz`` for a release's file."""
    owner = DATASET if release is None else release_iri(release)
    return f"{owner}#{name}"


def release_iri(version: str) -> str:
    return f"{DATASET}/release/{version}"


def download_url(name: str, release: str | None = None) -> str:
    return f"{DOWNLOADS}/{name}" if release is None else f"{DOWNLOADS}/{release}/{name}"


def distributions(names: Iterable[str], graph: str, release: str | None = None) -> list[ox.Quad]:
    """What each download file is, as DCAT-AP quads in ``graph``, linked from the dataset (or
    from the release)."""
    g = ox.NamedNode(graph)
    owner = ox.NamedNode(DATASET if release is None else release_iri(release))
    quads: list[ox.Quad] = []
    for name in names:
        kind = kind_of(name)
        if kind is None:
            continue
        d = ox.NamedNode(distribution_iri(name, release))
        gz = name.endswith(".gz")
        packed = " (gzip)" if gz else ""

        def add(p: str, o: ox.NamedNode | ox.Literal, s: ox.NamedNode = d) -> None:
            quads.append(ox.Quad(s, ox.NamedNode(p), o, g))

        add(DCAT + "distribution", d, owner)
        add(RDF + "type", ox.NamedNode(DCAT + "Distribution"))
        add(DCTERMS + "title", ox.Literal(f"{name}: {kind.title_de}{packed}", language="de"))
        add(DCTERMS + "title", ox.Literal(f"{name}: {kind.title_en}{packed}", language="en"))
        what_de, what_en = _what(release)
        add(
            DCTERMS + "description",
            ox.Literal(f"{what_de}: {kind.title_de}{packed}.", language="de"),
        )
        add(
            DCTERMS + "description",
            ox.Literal(f"{what_en}: {kind.title_en}{packed}.", language="en"),
        )
        add(
            DCATAP + "availability",
            ox.NamedNode(AVAILABILITY + ("AVAILABLE" if release is None else "STABLE")),
        )
        add(DCAT + "accessURL", ox.NamedNode(download_url("", release).rstrip("/")))
        add(DCAT + "downloadURL", ox.NamedNode(download_url(name, release)))
        add(DCAT + "mediaType", ox.NamedNode(IANA + kind.media_type))
        add(DCTERMS + "format", ox.NamedNode(FILE_TYPE + kind.file_type))
        add(DCTERMS + "license", ox.NamedNode(LICENCE))
        if gz:
            add(DCAT + "compressFormat", ox.NamedNode(IANA + "application/gzip"))
        if kind.conforms_to:
            add(DCTERMS + "conformsTo", ox.NamedNode(kind.conforms_to))
    quads.extend(_vocabulary(quads, g))
    return quads


def _quad(s: str | ox.NamedNode, p: str, o, g: ox.NamedNode) -> ox.Quad:
    subject = s if isinstance(s, ox.NamedNode) else ox.NamedNode(s)
    obj = o if isinstance(o, (ox.NamedNode, ox.Literal)) else ox.NamedNode(o)
    return ox.Quad(subject, ox.NamedNode(p), obj, g)


def _what(release: str | None) -> tuple[str, str]:
    if release is None:
        return (
            "Der aktuelle Stand des KI-Graph, bei jedem Laden neu geschrieben",
            "KI-Graph as it is now, rewritten at every load",
        )
    return (f"KI-Graph, Veröffentlichung {release}", f"KI-Graph, release {release}")


def file_facts(
    files: Iterable[tuple[str, Path]], graph: str, release: str | None = None
) -> Iterator[ox.Quad]:
    """``dcat:byteSize`` and an SHA-256 ``spdx:checksum`` of each (name, path) that has a kind."""
    g = ox.NamedNode(graph)
    for name, path in files:
        if kind_of(name) is None:
            continue
        d = ox.NamedNode(distribution_iri(name, release))
        checksum = ox.NamedNode(distribution_iri(name, release) + "-sha256")
        size, digest = measure(path)
        yield _quad(d, DCAT + "byteSize", ox.Literal(str(size), datatype=_DECIMAL), g)
        yield _quad(d, SPDX + "checksum", checksum, g)
        yield _quad(checksum, RDF + "type", SPDX + "Checksum", g)
        yield _quad(checksum, SPDX + "algorithm", SHA256, g)
        yield _quad(SHA256, RDF + "type", SPDX + "ChecksumAlgorithm", g)
        yield _quad(checksum, SPDX + "checksumValue", ox.Literal(digest, datatype=_HEX), g)


def measure(path: Path) -> tuple[int, str]:
    """Size in bytes and SHA-256 (hex) of a file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _vocabulary(quads: list[ox.Quad], g: ox.NamedNode) -> Iterator[ox.Quad]:
    """The media types and file types used, typed and placed in their schemes as DCAT-AP's
    range and vocabulary shapes ask."""
    used = {q.object.value for q in quads if isinstance(q.object, ox.NamedNode)}
    for iri in sorted(used):
        if iri.startswith(IANA):
            yield _quad(iri, RDF + "type", DCTERMS + "MediaType", g)
        elif iri in STANDARDS:
            yield _quad(iri, RDF + "type", DCTERMS + "Standard", g)
        elif iri.startswith(AVAILABILITY):
            label = ox.Literal(iri.rsplit("/", 1)[1].lower(), language="en")
            yield _quad(iri, RDF + "type", SKOS + "Concept", g)
            yield _quad(iri, SKOS + "inScheme", AVAILABILITY.rstrip("/"), g)
            yield _quad(iri, SKOS + "prefLabel", label, g)
        elif iri.startswith(FILE_TYPE):
            yield _quad(iri, RDF + "type", DCTERMS + "MediaTypeOrExtent", g)
            yield _quad(iri, SKOS + "inScheme", FILE_TYPE.rstrip("/"), g)
