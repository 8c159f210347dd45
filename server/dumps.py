"""Dumps of the whole dataset, written once per data version (at ``kigraph load`` or, failing
that, on the first request) — never per request. Each format also gzipped. Next to them, the
cooperation network for graph tools (:mod:`server.exports`), also once per data version."""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .namespaces import GRAPH

DATASET_GRAPH = GRAPH + "dataset"

#: name suffix, ``kigraph export`` format, media type; the first two keep the named graphs
FORMATS = (
    ("trig", "trig", "application/trig"),
    ("nq", "nq", "application/n-quads"),
    ("ttl", "ttl", "text/turtle"),
    ("nt", "nt", "application/n-triples"),
    ("jsonld", "jsonld", "application/ld+json"),
    ("rdf", "rdf", "application/rdf+xml"),
)
STEM = "kigraph"
#: the downloads' layout and formats: part of their directory's name, so that a server with new
#: code writes new files even for the same data (raise it when a file's content or the set of
#: files changes)
LAYOUT = "v2"
#: JSON-LD for readers that ignore named graphs (a plain rdflib ``Graph`` reads 0 triples from
#: kigraph.jsonld, where every triple sits in a named graph): all graphs in the default graph
MERGED_JSONLD = f"{STEM}-merged.jsonld"
_DONE = ".complete"


@dataclass(frozen=True)
class Dump:
    name: str
    path: Path
    media_type: str
    encoding: str | None  # "gzip" for the .gz twin
    size: int


def directory_for(store: Any, settings: Any) -> Path:
    """Where the dumps of this store's data version live: beside the store (for a remote or
    in-memory store, beside the configured store path, never in a machine-wide folder that
    outlives this service's data)."""
    name = f"{store.data_version}-{LAYOUT}"
    if store.path is not None:
        return Path(store.path).absolute().parent / "downloads" / name
    kind = type(store).__name__.lower()  # remotestore / graphstore (--data)
    return Path(settings.store).absolute().parent / "downloads" / f"{kind}-{name}"


def ensure_dumps(store: Any, directory: Path) -> list[Dump]:
    """The dumps in ``directory``, writing them first if they are not complete there."""
    if not (directory / _DONE).exists():
        directory.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
        try:
            for suffix, fmt, _ in FORMATS:
                target = scratch / f"{STEM}.{suffix}"
                with open(target, "wb") as out:
                    store.serialize(fmt, out=out)
                _gzip(target)
            _write_merged_jsonld(scratch / f"{STEM}.nt", scratch / MERGED_JSONLD)
            (scratch / _DONE).touch()
            try:
                os.replace(scratch, directory)  # atomic; another process may have won the race
            except OSError:
                pass
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        _prune(directory.parent, keep=2)
    return list_dumps(directory)


def _write_merged_jsonld(nt: Path, target: Path) -> None:
    """All triples (the N-Triples dump) as JSON-LD in the default graph, streamed: the same
    N-Triples give the same bytes (blank node labels kept, not renamed)."""
    with open(target, "wb") as out:
        ox.serialize(ox.parse(path=nt, format=ox.RdfFormat.N_TRIPLES), out, ox.RdfFormat.JSON_LD)
    _gzip(target)


def _gzip(path: Path) -> None:
    # mtime=0: the same data gives byte-identical archives
    with open(path, "rb") as src, open(f"{path}.gz", "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            shutil.copyfileobj(src, gz)


def _prune(parent: Path, keep: int) -> None:
    """Keep the newest ``keep`` versions: a server still running may serve the previous one."""
    versions = sorted(
        (p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in versions[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def download_names() -> list[str]:
    """Every file name the downloads of a data version have (dumps with their gzip twins, the
    network exports), in the order they are listed; the catalogue file aside."""
    stems = [f"{STEM}.{suffix}" for suffix, _, _ in FORMATS] + [MERGED_JSONLD]
    return [n for stem in stems for n in (stem, f"{stem}.gz")] + [n for n, _ in GRAPH_FILES]


def list_dumps(directory: Path) -> list[Dump]:
    out = []
    names = [(f"{STEM}.{suffix}", media_type) for suffix, _, media_type in FORMATS]
    names.append((MERGED_JSONLD, "application/ld+json"))
    for stem, media_type in names:
        for name, encoding in ((stem, None), (f"{stem}.gz", "gzip")):
            path = directory / name
            if path.exists():
                out.append(Dump(name, path, media_type, encoding, path.stat().st_size))
    for name, media_type in (*GRAPH_FILES, (CATALOGUE, "text/turtle")):
        path = directory / name
        if path.exists():
            out.append(Dump(name, path, media_type, None, path.stat().st_size))
    return out


# --- the cooperation network for graph tools (server.exports), next to the dumps -------------

#: file name, media type: GraphML, GEXF 1.3, Cytoscape.js JSON, the Neo4j admin-import pair
GRAPH_FILES = (
    (f"{STEM}-network.graphml", "application/graphml+xml"),
    (f"{STEM}-network.gexf", "application/gexf+xml"),
    (f"{STEM}-network.cyjs", "application/json"),
    (f"{STEM}-network-nodes.csv", "text/csv"),
    (f"{STEM}-network-relationships.csv", "text/csv"),
)
_GRAPH_DONE = ".complete-network"


def ensure_graph_exports(store: Any, directory: Path, root: Path | str) -> list[Dump]:
    """The dumps plus the network exports, writing the exports once per data version (each
    file via a temporary name and a rename)."""
    files = ensure_dumps(store, directory)
    if (directory / _GRAPH_DONE).exists():
        return files
    from . import exports

    graph = exports.network(store, root)
    for fmt in ("graphml", "gexf", "cytoscape", "csv"):
        for suffix, body in exports.render(graph, fmt).items():
            target = directory / f"{STEM}-network{suffix}"
            scratch = directory / f".{target.name}.{os.getpid()}.tmp"
            scratch.write_bytes(body)
            os.replace(scratch, target)
    (directory / _GRAPH_DONE).touch()
    return list_dumps(directory)


# --- the DCAT catalogue with every file's size and checksum, next to the files ---------------

CATALOGUE = "kigraph-catalogue.ttl"


def ensure_catalogue(store: Any, directory: Path, root: Path | str) -> list[Dump]:
    """Dumps, network exports and ``kigraph-catalogue.ttl``: the stored dataset description
    plus the byte size and SHA-256 of each file (which no dump can carry about itself)."""
    files = ensure_graph_exports(store, directory, root)
    target = directory / CATALOGUE
    if not target.exists():
        from .catalogue import file_facts
        from .formats import SERIALIZE_PREFIXES

        described = ox.parse(
            store.serialize("ttl", graph=DATASET_GRAPH), format=ox.RdfFormat.TURTLE
        )
        facts = file_facts(((d.name, d.path) for d in files), DATASET_GRAPH)
        triples = [*described, *(q.triple for q in facts)]
        scratch = directory / f".{CATALOGUE}.{os.getpid()}.tmp"
        scratch.write_bytes(
            ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=SERIALIZE_PREFIXES)
        )
        os.replace(scratch, target)
    return list_dumps(directory)
