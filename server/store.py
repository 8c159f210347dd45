"""The Oxigraph store as the service reads it: the only module that imports ``pyoxigraph.Store``
for reading (building is :mod:`server.build`). Pure core: no Flask.

:class:`GraphStore` wraps a ``pyoxigraph.Store`` (on disk, or in memory for files given on the
command line): ``query``, ``quads``, ``graphs``, ``serialize`` and the ``data_version`` recorded
in the store's dataset description.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import io
import os
import re
import struct
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO

import pyoxigraph as ox

from .description import DATASET_GRAPH, now
from .description import describe as describe_dataset
from .errors import (
    ContentError,
    KGError,
    Problem,
    QuerySyntaxError,
    StoreCorrupt,
    StoreLocked,
    StoreMissing,
    UnknownGraph,
)
from .formats import SERIALIZE_PREFIXES, format_for_path, rdf_format_for
from .namespaces import (
    DATASET,
    DCTERMS,
    GRAPH,
    OWL,
)
from .sparql_text import bind_values

ADDED_GRAPH = GRAPH + "added/"
_PARSER_PREFIX = re.compile(r"^Parser error (?:at|between) .*?: ")


# --- the store -------------------------------------------------------------------------------


class GraphStore:
    """A pyoxigraph store with the graph's conventions (named graphs, dataset description)."""

    def __init__(self, store: ox.Store, path: Path | None, data_version: str | None = None):
        self._store = store
        #: the path it was opened from (``var/store``, usually a symlink); None in memory
        self.path = path
        #: the directory really opened (the symlink's target); None in memory
        self.location = Path(os.path.realpath(path)) if path is not None else None
        self.data_version = data_version or self._recorded("versionInfo", OWL) or "unknown"

    def __repr__(self) -> str:
        return f"<GraphStore {self.path or 'in memory'} version {self.data_version[:12]}>"

    # -- opening

    @classmethod
    def open(cls, path: Path, *, read_only: bool = True) -> GraphStore:
        """Open the on-disk store at ``path`` (a store directory or a symlink to one)."""
        path = Path(path)
        if not path.exists():
            detail = f"no store at {path}"
            if path.is_symlink():
                detail += f" (the link points to {os.readlink(path)}, which is gone)"
            raise StoreMissing(detail + "; build it with `kigraph load`")
        if not path.is_dir():
            raise StoreCorrupt(f"{path} is not a directory")
        real = Path(os.path.realpath(path))
        if not (real / "CURRENT").is_file():
            raise StoreCorrupt(f"{path} is not an Oxigraph store (no CURRENT file)")
        if read_only and _locked(real / "LOCK"):
            raise StoreLocked(
                f"the store {path} is held read-write by another process; "
                "wait for it to finish or stop it"
            )
        try:
            store = ox.Store.read_only(str(real)) if read_only else ox.Store(str(real))
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreLocked(
                    f"the store {path} is held read-write by another process: {exc}"
                ) from None
            raise StoreCorrupt(f"cannot open the store {path}: {exc}") from None
        except RuntimeError as exc:  # RocksDB's "Corruption: …"
            raise StoreCorrupt(f"cannot open the store {path}: {exc}") from None
        try:
            return cls(store, path)
        except (OSError, RuntimeError) as exc:
            raise StoreCorrupt(f"cannot read the store {path}: {exc}") from None

    @classmethod
    def from_files(cls, files: Sequence[Path]) -> GraphStore:
        """An in-memory store of arbitrary RDF files, format by extension (``serve --data``).

        Triples of triple formats go into the named graph ``…/graph/<file stem>``; TriG and
        N-Quads files keep their default graph and their named graphs. A dataset
        description is generated unless the files already contain ``…/graph/dataset`` (as a
        ``kigraph export`` of the curated graph does).
        """
        if not files:
            raise KGError("no files given", status=400)
        store = ox.Store()
        digest = hashlib.sha256()
        problems: list[Problem] = []
        for path in map(Path, files):
            fmt = format_for_path(path)
            try:
                with _open_input(path) as (stream, _):
                    tap = _Tap(stream, digest)
                    # a dataset file keeps its default graph; a triple file gets a graph
                    to_graph = None if fmt.supports_datasets else ox.NamedNode(GRAPH + _stem(path))
                    store.load(
                        input=_decompressed(tap, path),
                        format=fmt,
                        base_iri=path.resolve().as_uri(),
                        to_graph=to_graph,
                    )
            except SyntaxError as exc:
                problems.append(_syntax_problem(str(path), exc))
            except (OSError, EOFError, ValueError) as exc:
                problems.append(Problem(str(path), None, None, _os_message(exc)))
        if problems:
            raise ContentError(problems)
        version = digest.hexdigest()
        if not store.contains_named_graph(ox.NamedNode(DATASET_GRAPH)):
            describe_dataset(store, version, now(), curated=False, files=[Path(f) for f in files])
        return cls(store, None)

    # -- reading

    def query(
        self,
        sparql: str,
        *,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
        union_default_graph: bool = True,
        substitutions: Mapping[Any, Any] | None = None,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run a SPARQL query; pyoxigraph's result object.

        The default graph is the union of all graphs unless ``default_graph`` names graphs (or
        ``union_default_graph`` is False: then it is the store's empty default graph).
        ``substitutions`` binds variables (names with or without ``?``) to pyoxigraph terms.
        A query that does not parse raises :class:`QuerySyntaxError` with line and column.
        """
        kwargs: dict[str, Any] = {}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        elif union_default_graph:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if substitutions:
            # bound with VALUES, as on the remote backend: pyoxigraph's own substitution (SEP-0007)
            # keeps the optimiser from using the bound term, so a resource page took 280 ms instead
            # of 7 ms at 1 M triples (bench/README.md, "Scale"). Same rows: tests check it.
            try:
                sparql = bind_values(sparql, substitutions)
            except (TypeError, KGError):  # a blank node or triple term, or no WHERE group
                kwargs["substitutions"] = {
                    (k if isinstance(k, ox.Variable) else ox.Variable(str(k).lstrip("?$"))): v
                    for k, v in substitutions.items()
                }
        if base_iri is not None:
            kwargs["base_iri"] = base_iri
        if prefixes:
            kwargs["prefixes"] = dict(prefixes)
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError.from_exception(exc, sparql) from None

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """All quads, or those of one named graph."""
        name = ox.NamedNode(graph) if graph is not None else None
        return iter(self._store.quads_for_pattern(None, None, None, name))

    def graphs(self) -> list[tuple[str, int]]:
        """Named graphs and their triple counts, sorted by IRI."""
        result = self._store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        )
        return [(row["g"].value, int(row["n"].value)) for row in result]

    def has_graph(self, graph: str) -> bool:
        try:
            node = ox.NamedNode(graph)
        except ValueError:  # not an IRI: no such graph
            return False
        return self._store.contains_named_graph(node)

    def __len__(self) -> int:
        return len(self._store)

    @property
    def modified(self) -> str | None:
        """``dcterms:modified`` of the dataset description (ISO date-time), if recorded."""
        return self._recorded("modified", DCTERMS)

    @property
    def licence(self) -> str | None:
        """``dcterms:license`` of the dataset description; None for data that is not ours
        (``serve --data``), so that no page claims a licence for it."""
        return self._recorded("license", DCTERMS)

    def serialize(
        self, fmt: str, graph: str | None = None, out: BinaryIO | None = None
    ) -> bytes | None:
        """The whole dataset (or one graph) as ``fmt`` (``trig nq ttl nt jsonld rdf``).

        Triple formats (ttl, nt, rdf) of the whole dataset merge all graphs into one.
        Returns bytes, or None when written to ``out``.
        """
        rdf_format = rdf_format_for(fmt)
        kwargs: dict[str, Any] = {}
        if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
            kwargs["prefixes"] = SERIALIZE_PREFIXES
        if graph is not None:
            if not self.has_graph(graph):
                raise UnknownGraph(f"no graph <{graph}> in the store")
            if rdf_format.supports_datasets:
                return ox.serialize(self.quads(graph), out, rdf_format, **kwargs)
            return self._store.dump(out, rdf_format, from_graph=ox.NamedNode(graph), **kwargs)
        if rdf_format.supports_datasets:
            return self._store.dump(out, rdf_format, **kwargs)
        triples = self._store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        )
        return ox.serialize(triples, out, rdf_format, **kwargs)

    # -- internals

    def _recorded(self, local: str, namespace: str) -> str | None:
        rows = list(
            self._store.query(
                f"SELECT ?v WHERE {{ GRAPH <{DATASET_GRAPH}> "
                f"{{ <{DATASET}> <{namespace}{local}> ?v }} }} LIMIT 1"
            )
        )
        return rows[0]["v"].value if rows else None


class _Tap(io.RawIOBase):
    """A reader that hashes (and reports progress of) the bytes read through it."""

    def __init__(self, raw: IO[bytes], digest: Any, bar: Any = None):
        self._raw, self._digest, self._bar = raw, digest, bar

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)
        if n:
            view = memoryview(buffer)[:n]
            self._digest.update(view)
            if self._bar is not None:
                self._bar.update(n)
        return n or 0


def _decompressed(tap: _Tap, path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return gzip.GzipFile(fileobj=io.BufferedReader(tap, 1 << 20), mode="rb")
    return io.BufferedReader(tap, 1 << 20)


@contextlib.contextmanager
def _open_input(path: Path) -> Iterator[tuple[IO[bytes], int]]:
    try:
        handle = open(path, "rb", buffering=0)  # noqa: SIM115
    except OSError as exc:
        raise ContentError([Problem(str(path), None, None, _os_message(exc))]) from None
    with handle:
        yield handle, os.fstat(handle.fileno()).st_size


# --- helpers ---------------------------------------------------------------------------------


def _stem(path: Path) -> str:
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return re.sub(r"[^A-Za-z0-9_.-]", "_", stem) or "file"


def _syntax_problem(file: str, exc: SyntaxError) -> Problem:
    message = _PARSER_PREFIX.sub("", str(exc.msg or exc))
    return Problem(file, exc.lineno, exc.offset, message)


def _os_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read: {exc.strerror}"
    return str(exc) or type(exc).__name__


# struct flock on Linux (64-bit off_t): l_type, l_whence, l_start, l_len, l_pid, padding
_FLOCK = struct.Struct("hhqqi4x")


def _locked(lock_file: Path) -> bool:
    """Whether another process holds the RocksDB LOCK of a store (it is open read-write).

    Asks the kernel with ``F_GETLK``, which reports a conflicting POSIX record lock without
    taking one: a probe that took the lock and released it again would, for that moment, make
    a second server starting beside it see the store as held."""
    try:
        fd = os.open(lock_file, os.O_RDONLY)
    except OSError:
        return False  # no LOCK file: let RocksDB decide
    try:
        query = _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    except OSError:
        return False
    finally:
        os.close(fd)
    return _FLOCK.unpack(answer)[0] != fcntl.F_UNLCK
