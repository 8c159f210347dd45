"""Releases: dated, numbered snapshots of the curated graph that stay downloadable.

``kigraph release VERSION`` builds the graph from the repository, archives it as sorted
N-Quads (``releases/<VERSION>/kigraph.nq.gz``, byte-identical for the same data), counts what
changed since the previous release, and records the release in ``releases/releases.ttl``: a
``dcat:Dataset`` with ``dcat:version``, ``dcterms:issued``, ``dcat:previousVersion``, the counts
(``kg:triplesAdded`` …) and version notes in German and English, and its archive as a
``dcat:Distribution`` with size and checksum. The next load writes that file into the dataset
description (:mod:`server.description`), so the catalogue lists every release; ``/downloads/
<VERSION>/`` serves its archive.

Pure: no Flask.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from . import catalogue
from .errors import KGError
from .namespaces import DATASET, DCAT, DCTERMS, GRAPH, ID, KG, RDF, SKOS, STATEMENT, XSD

DIRECTORY = "releases"
RECORDS = "releases.ttl"
ARCHIVE = "kigraph.nq.gz"
VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_DESCRIPTION_GRAPH = GRAPH + "dataset"
_PROVENANCE_GRAPH = GRAPH + "provenance"
ADMS = "http://www.w3.org/ns/adms#"
_HEADER = (
    "# KI-Graph's releases, written by `kigraph release` (server/releases.py): not by hand.\n"
    "# Each release is a dcat:Dataset; its archive is releases/<version>/kigraph.nq.gz.\n"
)


@dataclass(frozen=True)
class Release:
    version: str
    issued: date


@dataclass
class Changes:
    """What changed between two releases (or since nothing, for the first)."""

    triples_added: int = 0
    triples_removed: int = 0
    resources_added: int = 0
    resources_removed: int = 0
    resources_changed: int = 0
    per_graph: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (+, -)

    def notes(self, previous: str | None) -> tuple[str, str]:
        """Version notes in German and English."""
        return self._notes_de(previous), self._notes_en(previous)

    def _graphs(self, n) -> str:
        return ", ".join(
            f"{name} +{n(plus)}/−{n(minus)}" for name, (plus, minus) in self.per_graph.items()
        )

    def _notes_de(self, previous: str | None) -> str:
        def n(x: int) -> str:
            return f"{x:,}".replace(",", ".")

        if previous is None:
            return (
                f"Erste Veröffentlichung: {n(self.triples_added)} Tripel, "
                f"{n(self.resources_added)} Ressourcen ({self._graphs(n)})."
            )
        return (
            f"Seit {previous}: {n(self.triples_added)} Tripel hinzugefügt, "
            f"{n(self.triples_removed)} entfernt; Ressourcen: {n(self.resources_added)} neu, "
            f"{n(self.resources_removed)} entfernt, {n(self.resources_changed)} geändert "
            f"(je Graph: {self._graphs(n)})."
        )

    def _notes_en(self, previous: str | None) -> str:
        def n(x: int) -> str:
            return f"{x:,}"

        if previous is None:
            return (
                f"First release: {n(self.triples_added)} triples, "
                f"{n(self.resources_added)} resources ({self._graphs(n)})."
            )
        return (
            f"Since {previous}: {n(self.triples_added)} triples added, "
            f"{n(self.triples_removed)} removed; resources: {n(self.resources_added)} added, "
            f"{n(self.resources_removed)} removed, {n(self.resources_changed)} changed "
            f"(per graph: {self._graphs(n)})."
        )


def archive_lines(quads: Iterable[ox.Quad]) -> list[str]:
    """The release's content as sorted N-Quads lines: every graph but the description (which
    holds dates and counts of its own)."""
    kept = (q for q in quads if q.graph_name.value != _DESCRIPTION_GRAPH)
    text = ox.serialize(kept, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return sorted(set(text.splitlines()))


def write_archive(lines: list[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ("\n".join(lines) + "\n").encode("utf-8")
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(body)


def read_archive(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return f.read().splitlines()


def compare(old: list[str], new: list[str]) -> Changes:
    """Triples added and removed (per graph and in all), and the resources (things under
    ``…/id/``, provenance statements aside) that appeared, disappeared or changed.

    Blank nodes are compared by what they say (:func:`_by_content`), not by their labels,
    which a rebuild may assign anew: a SHACL shape that did not change counts as unchanged."""
    before, after = _by_content(old), _by_content(new)
    added, removed = after - before, before - after
    changes = Changes(triples_added=len(added), triples_removed=len(removed))
    plus: Counter[str] = Counter()
    minus: Counter[str] = Counter()
    for counter, lines in ((plus, added), (minus, removed)):
        for quad in _parse(lines):
            counter[quad.graph_name.value.removeprefix(GRAPH)] += 1
    changes.per_graph = {g: (plus[g], minus[g]) for g in sorted(set(plus) | set(minus))}
    old_subjects, new_subjects = _subjects(before), _subjects(after)
    touched = {q.subject.value for q in _parse(added | removed)}
    changes.resources_added = len(set(new_subjects) - set(old_subjects))
    changes.resources_removed = len(set(old_subjects) - set(new_subjects))
    changes.resources_changed = len(touched & set(old_subjects) & set(new_subjects))
    return changes


def _by_content(lines: list[str]) -> set[str]:
    """The N-Quads lines with each blank node renamed after a hash of its own triples (and,
    recursively, of the blank nodes they lead to): the same shape gets the same name in any
    build. Two blank nodes that say exactly the same fall into one name — fine for counting
    changes, which is all this is for. A cycle of blank nodes keeps its labels."""
    quads = _parse(lines)
    edges: dict[str, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        if isinstance(q.subject, ox.BlankNode):
            edges[q.subject.value].append(q)
    names: dict[str, str] = {}

    def name(node: str, path: frozenset[str]) -> str:
        if node in names:
            return names[node]
        if node in path:
            return node  # a cycle: no content name
        inner = path | {node}
        parts = sorted(f"{q.graph_name} {q.predicate} {term(q.object, inner)}" for q in edges[node])
        names[node] = "h" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]
        return names[node]

    def term(t, path: frozenset[str] = frozenset()) -> str:
        return f"_:{name(t.value, path)}" if isinstance(t, ox.BlankNode) else str(t)

    return {f"{term(q.subject)} {q.predicate} {term(q.object)} {q.graph_name} ." for q in quads}


def _parse(lines: Iterable[str]) -> list[ox.Quad]:
    return list(ox.parse(("\n".join(lines) + "\n").encode(), format=ox.RdfFormat.N_QUADS))


def _subjects(lines: set[str]) -> dict[str, int]:
    found: dict[str, int] = defaultdict(int)
    for quad in _parse(lines):
        s = quad.subject
        if (
            isinstance(s, ox.NamedNode)
            and s.value.startswith(ID)
            and not s.value.startswith(STATEMENT)
            and quad.graph_name.value != _PROVENANCE_GRAPH
        ):
            found[s.value] += 1
    return found


def recorded(root: Path) -> list[Release]:
    """The releases ``releases/releases.ttl`` records, oldest first."""
    path = Path(root) / DIRECTORY / RECORDS
    if not path.exists():
        return []
    found = []
    query = (
        f"SELECT ?v ?d WHERE {{ <{DATASET}> <{DCAT}hasVersion> ?r . "
        f"?r <{DCAT}version> ?v ; <{DCTERMS}issued> ?d }}"
    )
    store = ox.Store()
    store.load(path=path, format=ox.RdfFormat.TURTLE)
    for row in store.query(query):
        found.append(Release(row["v"].value, date.fromisoformat(row["d"].value)))
    return sorted(found, key=lambda r: (r.issued, [int(x) for x in r.version.split(".")]))


def cut(root: Path, version: str, issued: date, quads: Iterable[ox.Quad]) -> Changes:
    """Archive ``quads`` as release ``version`` under ``root/releases`` and record it."""
    root = Path(root)
    if not VERSION.match(version):
        raise KGError(f"release version {version!r} is not MAJOR.MINOR.PATCH (e.g. 1.2.0)")
    earlier = recorded(root)
    if any(r.version == version for r in earlier):
        raise KGError(f"release {version} exists already ({root / DIRECTORY / RECORDS})")
    previous = earlier[-1] if earlier else None
    if previous is not None and issued < previous.issued:
        raise KGError(f"release date {issued} is before the previous release's ({previous.issued})")
    lines = archive_lines(quads)
    old = read_archive(root / DIRECTORY / previous.version / ARCHIVE) if previous else []
    changes = compare(old, lines)
    archive = root / DIRECTORY / version / ARCHIVE
    write_archive(lines, archive)
    record = _record(version, issued, previous, changes, archive)
    path = root / DIRECTORY / RECORDS
    store = ox.Store()
    if path.exists():
        store.load(path=path, format=ox.RdfFormat.TURTLE)
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in record)
    body = ox.serialize(
        sorted((q.triple for q in store.quads_for_pattern(None, None, None)), key=str),
        format=ox.RdfFormat.TURTLE,
        prefixes=_PREFIXES,
    )
    path.write_bytes(_HEADER.encode() + body)
    return changes


_PREFIXES = {
    "adms": ADMS,
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "kg": KG,
    "rdf": RDF,
    "skos": SKOS,
    "spdx": catalogue.SPDX,
    "xsd": XSD,
}


def _record(
    version: str, issued: date, previous: Release | None, changes: Changes, archive: Path
) -> list[ox.Triple]:
    r = ox.NamedNode(catalogue.release_iri(version))
    dataset = ox.NamedNode(DATASET)

    def iri(value: str) -> ox.NamedNode:
        return ox.NamedNode(value)

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=iri(XSD + "nonNegativeInteger"))

    de, en = changes.notes(previous.version if previous else None)
    triples = [
        ox.Triple(dataset, iri(DCAT + "hasVersion"), r),
        ox.Triple(dataset, iri(DCTERMS + "hasVersion"), r),
        ox.Triple(r, iri(RDF + "type"), iri(DCAT + "Dataset")),
        ox.Triple(r, iri(DCTERMS + "title"), ox.Literal(f"KI-Graph {version}", language="de")),
        ox.Triple(r, iri(DCTERMS + "title"), ox.Literal(f"KI-Graph {version}", language="en")),
        ox.Triple(r, iri(DCTERMS + "description"), ox.Literal(de, language="de")),
        ox.Triple(r, iri(DCTERMS + "description"), ox.Literal(en, language="en")),
        ox.Triple(r, iri(ADMS + "versionNotes"), ox.Literal(de, language="de")),
        ox.Triple(r, iri(ADMS + "versionNotes"), ox.Literal(en, language="en")),
        ox.Triple(r, iri(DCAT + "version"), ox.Literal(version)),
        ox.Triple(
            r, iri(DCTERMS + "issued"), ox.Literal(issued.isoformat(), datatype=iri(XSD + "date"))
        ),  # fmt: skip
        ox.Triple(r, iri(DCTERMS + "isVersionOf"), dataset),
        ox.Triple(r, iri(DCTERMS + "publisher"), iri(DATASET + "#publisher")),
        ox.Triple(r, iri(DCAT + "contactPoint"), iri(DATASET + "#contact")),
        ox.Triple(
            r,
            iri(DCAT + "theme"),
            iri("http://publications.europa.eu/resource/authority/data-theme/TECH"),
        ),  # fmt: skip
        ox.Triple(
            r,
            iri(DCTERMS + "spatial"),
            iri("http://publications.europa.eu/resource/authority/country/DEU"),
        ),  # fmt: skip
        ox.Triple(r, iri(DCAT + "keyword"), ox.Literal("künstliche Intelligenz", language="de")),
        ox.Triple(r, iri(DCAT + "keyword"), ox.Literal("artificial intelligence", language="en")),
        ox.Triple(r, iri(KG + "triplesAdded"), integer(changes.triples_added)),
        ox.Triple(r, iri(KG + "triplesRemoved"), integer(changes.triples_removed)),
        ox.Triple(r, iri(KG + "resourcesAdded"), integer(changes.resources_added)),
        ox.Triple(r, iri(KG + "resourcesRemoved"), integer(changes.resources_removed)),
        ox.Triple(r, iri(KG + "resourcesChanged"), integer(changes.resources_changed)),
    ]
    if previous is not None:
        triples.append(
            ox.Triple(
                r, iri(DCAT + "previousVersion"), iri(catalogue.release_iri(previous.version))
            )  # fmt: skip
        )
    graph = DATASET  # any graph: only the triples are kept
    quads = catalogue.distributions([ARCHIVE], graph, release=version)
    quads += catalogue.file_facts([(ARCHIVE, archive)], graph, release=version)
    triples.extend(q.triple for q in quads)
    return triples


def changelog_entry(version: str, issued: date, changes: Changes, previous: str | None) -> str:
    """A CHANGELOG.md section for the release (English; the catalogue carries both languages)."""
    _, en = changes.notes(previous)
    out = io.StringIO()
    out.write(f"## [{version}] – {issued.isoformat()}\n\n")
    out.write(f"{en}\n\n")
    out.write(f"- Triples: +{changes.triples_added:,} / −{changes.triples_removed:,}\n")
    out.write(
        f"- Resources: +{changes.resources_added:,} / −{changes.resources_removed:,} / "
        f"~{changes.resources_changed:,} changed\n"
    )
    out.write(f"- Archive: `/downloads/{version}/{ARCHIVE}`\n")
    return out.getvalue()
