"""The Oxigraph store: the only module that imports ``pyoxigraph.Store``.

Pure core: no Flask. What is here:

- :class:`GraphStore` wraps a ``pyoxigraph.Store`` (on disk, or in memory for ``serve --data``):
  ``query``, ``quads``, ``graphs``, ``serialize`` and the ``data_version`` recorded in the store.
- :func:`build_store` turns the repository (``ontology/``, ``data/``) into an on-disk store:
  validate, load every graph of :mod:`server.content`, materialise what the ontology promises
  (super-properties and inverses, in the premise's graph, never in the provenance graph), stream
  extra files in with the bulk loader (``kigraph load --add``), describe the dataset (DCAT + VoID
  in ``…/graph/dataset``) and swap the new store in atomically.
- :func:`ensure_store` is what ``kigraph serve`` calls: open the store, building it if absent.

On-disk layout and the atomic swap. ``var/store`` (``settings.store``) is a *symlink* to a
generation directory beside it, ``var/store-<version12>-<n>``. A build works in a fresh
``var/store.tmp-<pid>-<random>``, closes it, renames it to the next generation name, then points
a new symlink at it and ``os.replace``s it over ``var/store`` — a single ``rename(2)``, atomic on
POSIX. A ``kill -9`` at any moment therefore leaves ``var/store`` pointing at the previous,
complete store. Builds take an exclusive ``flock`` on ``var/.store.lock`` (released by the kernel
if the process dies), so whatever temp directory a build finds while holding it is stale and is
removed. The previous generation is kept (a server may still have it open); older ones go.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import gzip
import hashlib
import io
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

import pyoxigraph as ox

from . import generations
from .content import Content, load_content
from .description import DATASET_GRAPH, now
from .description import describe as describe_dataset
from .errors import (
    ContentError,
    KGError,
    Problem,
    QuerySyntaxError,
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreMissing,
    UnknownGraph,
    ValidationFailed,
)
from .formats import SERIALIZE_PREFIXES, format_for_path, rdf_format_for
from .inference import materialise
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


def build_from_files(files: Sequence[Path], link: Path) -> GraphStore:
    """``files`` (as :meth:`GraphStore.from_files` reads them) in an on-disk store, which
    ``link`` then points to — so that they are served like the curated store."""
    memory = GraphStore.from_files(files)
    link = Path(link)
    with _build_lock(link):
        parent, name = link.parent, link.name
        previous = Path(os.path.realpath(link)) if link.is_symlink() else None
        _clean(parent, name, keep={previous})
        version = memory.data_version
        final = parent / f"{name}-{version[:12]}-{_next_generation(parent, name)}"
        store = ox.Store(str(final))
        store.bulk_extend(memory._store.quads_for_pattern(None, None, None))
        store.flush()
        del store
        gc.collect()
        swap = parent / f".{name}.link-{os.getpid()}-{secrets.token_hex(4)}"
        os.symlink(final.name, swap)
        os.replace(swap, link)
        _clean(parent, name, keep={final})
    return GraphStore.open(link)


# --- building --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddedFile:
    """What ``load --add`` did with one file."""

    path: Path
    graph: str
    triples: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.triples / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class BuildResult:
    store: GraphStore
    added: tuple[AddedFile, ...]
    seconds: float


def build_store(
    root: Path,
    store_dir: Path,
    *,
    validate: bool = True,
    add: Sequence[Path] = (),
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> GraphStore:
    """Validate ``root``, build its store in a fresh directory, swap it in at ``store_dir``.

    Raises :class:`ContentError` (files do not parse), :class:`ValidationFailed` (they do but
    do not validate) before touching anything on disk.
    """
    return build(root, store_dir, validate=validate, add=add, progress=progress, log=log).store


def build(
    root: Path,
    store_dir: Path,
    *,
    validate: bool = True,
    add: Sequence[Path] = (),
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> BuildResult:
    """:func:`build_store`, also reporting what ``--add`` did (for the CLI and the bench)."""
    started = time.perf_counter()
    say = log or (lambda _message: None)
    add = [Path(p) for p in add]
    _check_added(add)
    content = load_content(root)
    if validate:
        from .validation import validate as run_validation

        report = run_validation(content)
        if not report.ok:
            raise ValidationFailed(report)
        say(f"validated {len(content.files)} files, {len(content)} quads")
    store_dir = Path(store_dir)
    with _build_lock(store_dir):
        return _build_locked(content, store_dir, add, progress, say, started)


def ensure_store(settings: Any) -> GraphStore:
    """The store ``kigraph serve`` uses: the ``--data`` files in memory if given, else the
    on-disk store at ``settings.store``, built from ``settings.root`` first if there is none."""
    if settings.data_files:
        return GraphStore.from_files(list(settings.data_files))
    try:
        return GraphStore.open(settings.store)
    except StoreMissing:
        pass
    store_dir = Path(settings.store)
    content = load_content(settings.root)
    from .validation import validate as run_validation

    report = run_validation(content)
    if not report.ok:
        raise ValidationFailed(report)
    with _build_lock(store_dir):
        with contextlib.suppress(StoreMissing):  # another process built it meanwhile
            return GraphStore.open(store_dir)
        result = _build_locked(content, store_dir, [], False, lambda _m: None, time.perf_counter())
    return result.store


def _build_locked(
    content: Content,
    store_dir: Path,
    add: list[Path],
    progress: bool,
    say: Callable[[str], None],
    started: float,
) -> BuildResult:
    parent, name = store_dir.parent, store_dir.name
    if store_dir.exists() and not store_dir.is_symlink():
        if store_dir.is_dir() and not any(store_dir.iterdir()):
            store_dir.rmdir()
        else:
            raise StoreError(
                f"{store_dir} exists and is not a store link made by `kigraph load`; "
                "move it away or choose another --store"
            )
    previous = Path(os.path.realpath(store_dir)) if store_dir.is_symlink() else None
    _clean(parent, name, keep={previous})

    tmp = parent / f"{name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    added: list[AddedFile] = []
    try:
        store = ox.Store(str(tmp))
        store.bulk_extend(content.quads())
        data_graphs = [f.graph for f in content.files if f.path.startswith("data/")]
        inferred = materialise(store, data_graphs)
        say(f"loaded {len(content)} quads, materialised {inferred} more")
        digest = hashlib.sha256(content.version.encode())
        for path in add:
            added.append(_add_file(store, path, digest, progress))
            say(
                f"added {path}: {added[-1].triples:,} triples in {added[-1].seconds:.1f} s "
                f"({added[-1].rate:,.0f} triples/s)"
            )
        version = digest.hexdigest() if add else content.version
        describe_dataset(store, version, _modified(content, add), curated=True)
        store.flush()
        # compact what bulk loads and updates left in many small files: queries on a fresh
        # store get up to 2x faster (bench/README.md, "Scale"); the store is read-only after
        store.optimize()
        del store
        gc.collect()  # close RocksDB before the directory moves
        final = parent / f"{name}-{version[:12]}-{_next_generation(parent, name)}"
        os.rename(tmp, final)
        _fsync_dir(parent)
        link = parent / f".{name}.link-{os.getpid()}-{secrets.token_hex(4)}"
        os.symlink(final.name, link)
        os.replace(link, store_dir)  # the atomic swap
        _fsync_dir(parent)
    except OSError as exc:  # disk full, file too large, no permission …
        shutil.rmtree(tmp, ignore_errors=True)
        kept = f"the store {store_dir} is unchanged" if previous else "no store was made"
        raise StoreError(
            f"the load failed while writing {tmp}: {_os_message(exc)}; {kept}"
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _clean(parent, name, keep={final, previous})
    return BuildResult(GraphStore.open(store_dir), tuple(added), time.perf_counter() - started)


# --- load --add --------------------------------------------------------------------------------


def _check_added(paths: Sequence[Path]) -> None:
    problems = []
    seen: dict[str, Path] = {}
    for path in paths:
        format_for_path(path)  # UnknownFormat early
        if not path.is_file():
            problems.append(Problem(str(path), None, None, "no such file"))
        elif not os.access(path, os.R_OK):
            problems.append(Problem(str(path), None, None, "cannot read: permission denied"))
        stem = _stem(path)
        if stem in seen:
            problems.append(
                Problem(str(path), None, None, f"graph …/graph/added/{stem} is also {seen[stem]}")
            )
        seen[stem] = path
    if problems:
        raise ContentError(problems)


def _add_file(store: ox.Store, path: Path, digest: Any, progress: bool) -> AddedFile:
    """Stream ``path`` into ``store`` with the bulk loader, into ``…/graph/added/<stem>``."""
    graph = ADDED_GRAPH + _stem(path)
    fmt = format_for_path(path)
    size = path.stat().st_size
    bar = _progress_bar(path, size) if progress else None
    file_digest = hashlib.sha256()
    # quads of N-Quads/TriG keep their own graphs (``to_graph`` is only the default): count
    # what the file added to the whole store, not to ``graph``
    keeps_graphs = fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
    before = len(store) if keeps_graphs else 0
    started = time.perf_counter()
    try:
        with _open_input(path) as (stream, _):
            tap = _Tap(stream, file_digest, bar)
            store.bulk_load(
                input=_decompressed(tap, path),
                format=fmt,
                base_iri=path.resolve().as_uri(),
                to_graph=ox.NamedNode(graph),
            )
    except SyntaxError as exc:
        raise ContentError([_syntax_problem(str(path), exc)]) from None
    except (OSError, EOFError, ValueError) as exc:
        raise ContentError([Problem(str(path), None, None, _os_message(exc))]) from None
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - started
    digest.update(_stem(path).encode() + b"\0" + file_digest.digest())
    if keeps_graphs:
        triples = len(store) - before
    else:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        triples = int(next(iter(store.query(query)))["n"].value)
    return AddedFile(path, graph, triples, seconds)


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


def _progress_bar(path: Path, size: int) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=size,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=path.name,
        file=sys.stderr,
        mininterval=0.5,
        leave=False,
        disable=None,  # no bar when stderr is not a terminal
    )


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


def _locked(lock_file: Path) -> bool:
    """Whether another process holds the RocksDB LOCK of a store (it is open read-write).

    Test-and-release with ``lockf``; POSIX record locks are per process, so this cannot see
    (and, on close, would drop) a lock held by this very process — we never hold one on a store
    we open read-only."""
    try:
        fd = os.open(lock_file, os.O_RDWR)
    except OSError:
        return False  # no LOCK file or read-only file system: let RocksDB decide
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno in (errno.EACCES, errno.EAGAIN)
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@contextlib.contextmanager
def _build_lock(store_dir: Path) -> Iterator[None]:
    """Exclusive lock for building ``store_dir`` (released by the kernel if we die)."""
    parent = store_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        handle = open(parent / f".{store_dir.name}.lock", "a+b")  # noqa: SIM115
    except OSError as exc:
        raise StoreError(f"cannot create the store in {parent}: {_os_message(exc)}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            print(f"kigraph: waiting for another load of {store_dir} …", file=sys.stderr)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _generations(parent: Path, name: str) -> dict[Path, int]:
    pattern = re.compile(rf"^{re.escape(name)}-[0-9a-f]{{12}}-(\d+)$")
    found = {}
    with contextlib.suppress(FileNotFoundError):
        for child in parent.iterdir():
            match = pattern.match(child.name)
            if match and child.is_dir() and not child.is_symlink():
                found[child] = int(match.group(1))
    return found


def _next_generation(parent: Path, name: str) -> int:
    return max(_generations(parent, name).values(), default=0) + 1


def _clean(parent: Path, name: str, keep: set[Path | None]) -> None:
    """Remove stale temp dirs and links, and generations other than ``keep`` that nobody
    holds a lease on (we hold the build lock, so no temp dir belongs to a live build)."""
    keep_real = {Path(os.path.realpath(p)) for p in keep if p is not None}
    for child in list(parent.iterdir()) if parent.is_dir() else []:
        if child.name.startswith(f"{name}.tmp-"):
            shutil.rmtree(child, ignore_errors=True)
        elif child.name.startswith(f".{name}.link-"):
            with contextlib.suppress(OSError):
                child.unlink()
    for generation in _generations(parent, name):
        if Path(os.path.realpath(generation)) not in keep_real:
            generations.remove_if_unused(generation)  # kept while a server still reads it


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _modified(content: Content, add: Sequence[Path]) -> datetime:
    """When the inputs last changed: the newest modification time among them (so loading the
    same files twice records the same date)."""
    paths = [content.root / f.path for f in content.files]
    paths += [content.root / q.path for q in content.violation_queries]
    paths += list(add)
    stamps = []
    for path in paths:
        with contextlib.suppress(OSError):
            stamps.append(path.stat().st_mtime)
    return datetime.fromtimestamp(int(max(stamps, default=0)), UTC)
