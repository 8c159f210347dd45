"""Building the store. Pure core: no Flask.

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
import fcntl
import gc
import hashlib
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import generations
from .content import Content, load_content
from .description import describe as describe_dataset
from .errors import ContentError, Problem, StoreError, StoreMissing, ValidationFailed
from .formats import format_for_path
from .inference import materialise
from .namespaces import GRAPH
from .store import (
    GraphStore,
    _decompressed,
    _open_input,
    _os_message,
    _stem,
    _syntax_problem,
    _Tap,
)

ADDED_GRAPH = GRAPH + "added/"


def build_from_files(
    files: Sequence[Path], link: Path, *, log: Callable[[str], None] | None = None
) -> GraphStore:
    """``files`` (as :meth:`GraphStore.from_files` reads them) in an on-disk store, which
    ``link`` then points to — so that they are served like the curated store. ``log`` hears
    of each phase, with its time."""
    phases = _Phases(log)
    memory = GraphStore.from_files(files)
    phases.done(f"read {len(files)} file{'s' if len(files) != 1 else ''}: {len(memory):,} quads")
    link = Path(link)
    with _build_lock(link):
        phases.restart()
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
        phases.done(f"stored them in {final}")
    return GraphStore.open(link)


class _Phases:
    """Tells ``log`` what each phase of a build did and how long it took."""

    def __init__(self, log: Callable[[str], None] | None) -> None:
        self.log = log or (lambda _message: None)
        self.restart()

    def restart(self) -> None:
        """The next phase starts now (time spent waiting for the lock is nobody's phase)."""
        self.started = time.perf_counter()

    def done(self, message: str) -> None:
        now = time.perf_counter()
        self.log(f"{message} ({now - self.started:.1f} s)")
        self.started = now


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
    """:func:`build_store`, also reporting what ``--add`` did (for the CLI and the bench).

    ``log`` hears of each phase as it ends — parsed, validated, stored, inferred, each added
    file, described, swapped in — with its time."""
    started = time.perf_counter()
    phases = _Phases(log)
    add = [Path(p) for p in add]
    _check_added(add)
    content = _parsed(root, phases)
    if validate:
        _validated(content, phases)
    store_dir = Path(store_dir)
    with _build_lock(store_dir):
        phases.restart()
        return _build_locked(content, store_dir, add, progress, phases, started)


def ensure_store(settings: Any, *, log: Callable[[str], None] | None = None) -> GraphStore:
    """The store ``kigraph serve`` uses: the ``--data`` files in memory if given, else the
    on-disk store at ``settings.store``, built from ``settings.root`` first if there is none
    (``log`` hears of each phase of that build, as for :func:`build`)."""
    if settings.data_files:
        return GraphStore.from_files(list(settings.data_files))
    try:
        return GraphStore.open(settings.store)
    except StoreMissing:
        pass
    store_dir = Path(settings.store)
    phases = _Phases(log)
    phases.log(f"no store at {store_dir} yet: building it from {settings.root}")
    content = _parsed(settings.root, phases)
    _validated(content, phases)
    with _build_lock(store_dir):
        with contextlib.suppress(StoreMissing):  # another process built it meanwhile
            return GraphStore.open(store_dir)
        phases.restart()
        result = _build_locked(content, store_dir, [], False, phases, time.perf_counter())
    return result.store


def _parsed(root: Path, phases: _Phases) -> Content:
    content = load_content(root)
    phases.done(f"parsed {len(content.files)} files in {root}: {len(content):,} quads")
    return content


def _validated(content: Content, phases: _Phases) -> None:
    from .validation import validate as run_validation

    report = run_validation(content)
    if not report.ok:
        raise ValidationFailed(report)
    phases.done("validated: SHACL shapes and violation queries")


def _build_locked(
    content: Content,
    store_dir: Path,
    add: list[Path],
    progress: bool,
    phases: _Phases,
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
        phases.done(f"stored {len(content):,} quads in a new store")
        data_graphs = [f.graph for f in content.files if f.path.startswith("data/")]
        inferred = materialise(store, data_graphs)
        phases.done(f"inference: materialised {inferred:,} more triples")
        digest = hashlib.sha256(content.version.encode())
        for path in add:
            added.append(_add_file(store, path, digest, progress))
            phases.done(
                f"added {path}: {added[-1].triples:,} triples, {added[-1].rate:,.0f} triples/s"
            )
        version = digest.hexdigest() if add else content.version
        describe_dataset(
            store,
            version,
            _modified(content, add),
            curated=True,
            releases=content.release_records,
        )
        store.flush()
        # compact what bulk loads and updates left in many small files: queries on a fresh
        # store get up to 2x faster (bench/README.md, "Scale"); the store is read-only after
        store.optimize()
        del store
        gc.collect()  # close RocksDB before the directory moves
        phases.done("described the dataset (…/graph/dataset) and compacted the store")
        final = parent / f"{name}-{version[:12]}-{_next_generation(parent, name)}"
        os.rename(tmp, final)
        _fsync_dir(parent)
        link = parent / f".{name}.link-{os.getpid()}-{secrets.token_hex(4)}"
        os.symlink(final.name, link)
        os.replace(link, store_dir)  # the atomic swap
        _fsync_dir(parent)
        phases.done(f"swapped in: {store_dir} → {final.name}")
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
