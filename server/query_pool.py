"""Query workers: every SPARQL query runs in a separate process, bounded by the kernel.

The web process never evaluates a query itself. It hands the query text to a pool of worker
processes (pebble's ``ProcessPool``, whose tasks can be killed) started for one store
generation. Each worker, before it takes a task:

- moves into an empty **network namespace** (``unshare(CLONE_NEWNET)``): there is no interface
  but a loopback that is down, so ``SERVICE`` or ``LOAD`` cannot connect anywhere, whatever the
  query text says;
- limits its **address space** (``RLIMIT_AS``): a query that needs more fails there (pyoxigraph
  aborts the process), not in the web process, and the client gets ``507``;
- opens the store **read-only**.

A query runs on a thread with a large stack (deeply nested queries recurse in the parser), at a
lower CPU priority once it has run ``yield_after`` seconds, so short queries come first. When a
query outlives its deadline, pebble kills the worker and starts a fresh one; the client gets
``503``. A worker that dies (a crash, the memory limit) is replaced the same way, and only its
own client sees the error.

A client may hold ``client_slots`` workers at once (:class:`ClientSlots`); more queries from it
wait briefly for one of its slots, then get ``429``.
"""

from __future__ import annotations

import ctypes
import io
import logging
import multiprocessing
import multiprocessing.util
import os
import queue
import resource
import signal
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pebble

from .errors import (
    QueryOutOfMemory,
    QueryTimeout,
    QueryWorkerFailed,
    ServiceForbidden,
    TooManyQueries,
)

log = logging.getLogger("kigraph.query_pool")

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_PR_SET_PDEATHSIG = 1
#: answers larger than this leave the worker as a file, not through the pipe
SPOOL_AFTER = 1 << 20


@dataclass(frozen=True)
class Limits:
    timeout: float
    memory_bytes: int
    stack_bytes: int = 256 << 20
    yield_after: float = 1.0


# --- in the worker --------------------------------------------------------------------------

_store: Any = None
_yield_after = 1.0


def isolate_network() -> None:
    """Leave every network: a new, empty network namespace for this process.

    As root the network namespace alone; otherwise inside a new user namespace, which an
    unprivileged process may create where the kernel allows it."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWNET) == 0:
        return
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
        return
    error = ctypes.get_errno()
    raise OSError(error, f"cannot leave the network (unshare: {os.strerror(error)})")


def _die_with_parent() -> None:
    """The kernel kills this worker when the process that forked it ends: no query outlives
    the server, however the server ends."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _start_worker(store_dir: str, limits: Limits) -> None:
    global _store, _yield_after
    from .store import GraphStore

    _die_with_parent()
    isolate_network()
    _store = GraphStore.open(Path(store_dir), read_only=True)
    _yield_after = limits.yield_after
    threading.stack_size(limits.stack_bytes)
    # last: opening the store and the stack reservation count against it too
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))


class _QueryThread:
    """The thread with the large stack that runs this worker's queries, one after another.

    It lives on between queries (starting a thread with such a stack costs ~0.1 ms); once a
    query has run long enough to be lowered in priority, the thread is left to finish and a new
    one, at the worker's own priority, takes the next query — Linux keeps nice values per
    thread, and an unprivileged process cannot raise one again."""

    def __init__(self) -> None:
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.outbox: queue.SimpleQueue = queue.SimpleQueue()
        # a daemon: a worker told to stop exits without waiting for the query
        self.thread = threading.Thread(target=self._serve, name="kigraph-query", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            work, args = self.inbox.get()
            if work is None:
                return  # retired: its stack goes back to the address space the worker may use
            try:
                self.outbox.put((True, work(*args)))
            except BaseException as error:  # noqa: BLE001 — handed back to the caller
                self.outbox.put((False, error))

    def run(self, work, args) -> tuple[bool, Any, bool]:
        """``(ok, value or error, lowered)``."""
        self.inbox.put((work, args))
        try:
            return (*self.outbox.get(timeout=_yield_after), False)
        except queue.Empty:
            pass
        try:
            os.setpriority(os.PRIO_PROCESS, self.thread.native_id, 10)
        except OSError:
            pass
        return (*self.outbox.get(), True)


_query_thread: _QueryThread | None = None


def _in_thread(work, *args):
    """``work(*args)`` on the query thread, lowered in priority after ``_yield_after`` s."""
    global _query_thread
    if _query_thread is None:
        try:
            _query_thread = _QueryThread()
        except RuntimeError:  # its stack does not fit under RLIMIT_AS: a 503, not a 500
            raise QueryWorkerFailed(
                "A query worker could not start the thread that runs queries (not enough of "
                "its memory, KIGRAPH_QUERY_MEMORY_MB, is free); try again shortly."
            ) from None
    ok, value, lowered = _query_thread.run(work, args)
    if lowered:
        _query_thread.inbox.put((None, ()))
        _query_thread = None
    if not ok:
        raise value
    return value


def _answer(job: dict) -> tuple[bytes | None, str | None, bool]:
    """Run and serialise: ``(body, None, truncated)``, or ``(None, path, truncated)`` when the
    answer is large and was written to a file in ``job["spool"]``."""
    return _in_thread(_answer_here, job)


def _answer_here(job: dict) -> tuple[bytes | None, str | None, bool]:
    from . import sparql, sparql_text

    fmt = _FORMATS[job["format"]]
    info = sparql_text.analyze(job["query"])
    out = io.BytesIO()
    try:
        answer = _execute(sparql, job, info, fmt, out)
    except OSError as error:  # only SERVICE and LOAD do I/O, and there is no network here
        raise ServiceForbidden(
            "The query tried to reach the network (SERVICE or LOAD), which query workers "
            f"cannot: federated queries are disabled on this server. ({error})"
        ) from None
    body = out.getvalue()
    if len(body) <= SPOOL_AFTER:
        return body, None, answer.truncated
    with tempfile.NamedTemporaryFile(dir=job["spool"], prefix="answer-", delete=False) as file:
        file.write(body)
    return None, file.name, answer.truncated


def _execute(sparql, job: dict, info, fmt, out):
    return sparql.execute(
        _store,
        job["query"],
        info,
        fmt,
        default_graph_uris=job["default_graphs"],
        named_graph_uris=job["named_graphs"],
        row_cap=job["row_cap"],
        output=out,
        base_iri=job.get("base_iri"),
    )


def _rows(job: dict) -> tuple[str, bytes]:
    """Run a query written by the service itself: ``(kind, serialised)`` for the web process
    to parse back (SPARQL JSON for solutions and booleans, N-Triples for graphs)."""
    return _in_thread(_rows_here, job)


def _rows_here(job: dict) -> tuple[str, bytes]:
    import pyoxigraph as ox

    result = _store.query(job["query"], **job["kwargs"])
    if isinstance(result, ox.QueryTriples):
        return "graph", ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b""
    return "results", result.serialize(format=ox.QueryResultsFormat.JSON)


def _formats() -> dict:
    from . import formats

    return {f.name: f for f in formats.RESULTS + formats.GRAPHS}


class _LazyFormats(dict):
    def __missing__(self, key):
        self.update(_formats())
        return dict.__getitem__(self, key)


_FORMATS = _LazyFormats()


# --- in the web process ---------------------------------------------------------------------


class ClientSlots:
    """At most ``per_client`` queries of one client in the workers at once.

    A bounded table: an entry exists only while its client has a query running, so it holds
    at most as many entries as there are requests in flight."""

    def __init__(self, per_client: int, wait: float) -> None:
        self.per_client = per_client
        self.wait = wait
        self._busy: dict[str, int] = {}
        self._freed = threading.Condition()

    @contextmanager
    def take(self, client: str) -> Iterator[None]:
        if self.per_client <= 0:
            yield
            return
        with self._freed:
            if not self._freed.wait_for(
                lambda: self._busy.get(client, 0) < self.per_client, timeout=self.wait
            ):
                raise TooManyQueries(
                    f"This client already has {self.per_client} queries running (the limit per "
                    "client, KIGRAPH_CLIENT_QUERIES). Wait for one to finish, then try again."
                )
            self._busy[client] = self._busy.get(client, 0) + 1
        try:
            yield
        finally:
            with self._freed:
                left = self._busy[client] - 1
                if left:
                    self._busy[client] = left
                else:
                    del self._busy[client]
                self._freed.notify_all()


class QueryPool:
    """The worker processes of one store generation."""

    def __init__(self, store_dir: Path, workers: int, limits: Limits, spool: Path) -> None:
        self.store_dir = store_dir
        self.limits = limits
        self.spool = spool
        spool.mkdir(parents=True, exist_ok=True)
        # glibc gives each thread that allocates a malloc arena of its own, reserving 64 MiB of
        # address space apiece; under RLIMIT_AS that reservation, not real use, made a worker
        # refuse to start its query thread (~700 MiB of a 1,200 MiB budget before any query;
        # ~450 MiB with two arenas). The forkserver, and so every worker, inherits this.
        os.environ.setdefault("MALLOC_ARENA_MAX", "2")
        # forkserver: workers fork from a small clean process, not from the threaded server
        self._pool = pebble.ProcessPool(
            max_workers=workers,
            initializer=_start_worker,
            initargs=(str(store_dir), limits),
            context=multiprocessing.get_context("forkserver"),
        )
        # when the web process exits, multiprocessing joins its children before anything else
        # could stop them: idle workers would keep it alive until the server kills it
        self._finalizer = multiprocessing.util.Finalize(
            self, _stop_pool, args=(self._pool,), exitpriority=10
        )

    def answer(self, job: dict) -> tuple[bytes | None, str | None, bool]:
        job = {**job, "spool": str(self.spool)}
        return self._run(_answer, job)

    def rows(self, query: str, kwargs: dict) -> tuple[str, bytes]:
        return self._run(_rows, {"query": query, "kwargs": kwargs})

    def _run(self, function, job: dict):
        limits = self.limits
        future = self._pool.schedule(function, args=(job,), timeout=limits.timeout)
        try:
            return future.result()
        except FutureTimeout:
            raise QueryTimeout(
                f"The query was stopped after {limits.timeout:g} s (the server's limit, "
                "KIGRAPH_QUERY_TIMEOUT). Narrow it down, add a LIMIT, or run it on a local copy."
            ) from None
        except pebble.ProcessExpired as expired:
            raise _worker_died(expired.exitcode, limits) from None
        except BrokenProcessPool:
            log.error("the query workers cannot start (see the errors above)")
            raise QueryWorkerFailed(
                "The server's query workers cannot start, so no query can run; the operator "
                "finds the reason in the server log."
            ) from None

    def close(self) -> None:
        """Finish the running queries, then end the workers (in the background)."""
        self._pool.close()

    def join(self) -> None:
        self._pool.join()
        self._finalizer.cancel()

    def stop(self) -> None:
        self._finalizer()  # runs once: stops the workers, and is not run again at exit


def _stop_pool(pool: pebble.ProcessPool) -> None:
    pool.stop()
    pool.join()


def _worker_died(exitcode: int | None, limits: Limits):
    mib = limits.memory_bytes >> 20
    if exitcode == -signal.SIGABRT:  # pyoxigraph aborts when an allocation fails
        log.warning("a query worker ran out of memory (limit %d MiB)", mib)
        return QueryOutOfMemory(
            f"The query needed more than the {mib} MiB a query may use "
            "(KIGRAPH_QUERY_MEMORY_MB); its worker was stopped. Narrow it down or add a LIMIT."
        )
    log.error("a query worker died (exit code %s)", exitcode)
    return QueryWorkerFailed(
        f"The query ended its worker process (exit code {exitcode}); a fresh worker has taken "
        f"its place. If the query is very large, it may have exceeded the {mib} MiB limit."
    )
