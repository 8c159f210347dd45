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
    if store.path is not None:
        return Path(store.path).absolute().parent / "downloads" / store.data_version
    kind = type(store).__name__.lower()  # remotestore / graphstore (--data)
    return Path(settings.store).absolute().parent / "downloads" / f"{kind}-{store.data_version}"


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
                # mtime=0: the same data gives byte-identical archives
                with open(target, "rb") as src, open(f"{target}.gz", "wb") as raw:
                    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                        shutil.copyfileobj(src, gz)
            (scratch / _DONE).touch()
            try:
                os.replace(scratch, directory)  # atomic; another process may have won the race
            except OSError:
                pass
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        _prune(directory.parent, keep=2)
    return list_dumps(directory)


def _prune(parent: Path, keep: int) -> None:
    """Keep the newest ``keep`` versions: a server still running may serve the previous one."""
    versions = sorted(
        (p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in versions[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def list_dumps(directory: Path) -> list[Dump]:
    out = []
    for suffix, _, media_type in FORMATS:
        for name, encoding in ((f"{STEM}.{suffix}", None), (f"{STEM}.{suffix}.gz", "gzip")):
            path = directory / name
            if path.exists():
                out.append(Dump(name, path, media_type, encoding, path.stat().st_size))
    for name, media_type in GRAPH_FILES:
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
