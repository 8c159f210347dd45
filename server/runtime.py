"""The web process's state: the store generation it serves, its query workers, its caches.

One :class:`Runtime` per app, at ``app.extensions["kigraph"]``. For the embedded store it
serves exactly one generation at a time: on every request it looks where ``var/store`` points
(one ``readlink``), and when ``kigraph load`` has swapped in a new generation it switches the
store, the query workers and the caches together, and lets the old generation's workers finish
their queries before its lease is given back (:mod:`server.generations`).
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import generations
from .backend import Backend
from .query_pool import ClientSlots, Limits, QueryPool
from .remote import RemoteTriples
from .settings import Settings
from .sparql import Answer

log = logging.getLogger("kigraph.runtime")


class PooledStore:
    """The store as the web process sees it: queries go to the query workers (parsed back
    into pyoxigraph results); reading whole graphs and the dataset description stays local
    (no query text of anyone's)."""

    def __init__(self, generation: Generation) -> None:
        self._generation = generation
        self._local = generation.local
        self.path = self._local.path
        self.location = self._local.location
        self.data_version = self._local.data_version

    @property
    def modified(self) -> str | None:
        return self._local.modified

    def query(self, sparql: str, **kwargs: Any):
        kind, body = self._generation.pool.rows(sparql, kwargs)
        if kind == "graph":
            return RemoteTriples([q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)])
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)

    def __getattr__(self, name: str):
        return getattr(self._local, name)  # quads, graphs, has_graph, serialize, modified …

    def __len__(self) -> int:
        return len(self._local)


class Generation:
    """One store generation, leased, with its local read-only handle and its query pool."""

    def __init__(self, settings: Settings) -> None:
        from .store import GraphStore

        self.settings = settings
        if not Path(settings.store).exists():
            from .build import ensure_store

            ensure_store(settings)  # a fresh checkout: build it first
        self.lease = generations.lease_current(settings.store)
        self.path = self.lease.generation
        try:
            self.local = GraphStore.open(self.path, read_only=True)
        except BaseException:
            self.lease.release()
            raise
        self._pool: QueryPool | None = None
        self._lock = threading.Lock()
        self.store = PooledStore(self)

    @property
    def pool(self) -> QueryPool:
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    s = self.settings
                    self._pool = QueryPool(
                        self.path,
                        s.query_workers,
                        Limits(s.query_timeout, s.query_memory_mb << 20),
                        Path(s.store).absolute().parent / "spool",
                    )
        return self._pool

    def retire(self) -> None:
        """Let running queries finish, then end the workers and give the lease back."""
        threading.Thread(target=self._retire, name="kigraph-retire", daemon=True).start()

    def _retire(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
        self.local = self.store = None  # type: ignore[assignment]
        gc.collect()  # close RocksDB before the lease goes
        self.lease.release()
        log.info("stopped serving %s", self.path.name)

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.stop()


class Runtime:
    """Per-process state of the app. A store given to ``create_app`` is used as it is (tests,
    in-memory stores): its queries run in this process."""

    def __init__(self, settings: Settings, store=None) -> None:
        self.settings = settings
        self._given = store
        self._remote = None
        self._generation: Generation | None = None
        self._switch_lock = threading.Lock()
        self.updates = 0
        self.slots = ClientSlots(settings.client_queries, wait=1.0)
        self.cache_control = (
            f"public, max-age={settings.cache_max_age}"
            if settings.cache_max_age > 0
            else "no-cache"
        )
        self._cache: OrderedDict[str, list] = OrderedDict()
        self._cache_size = 0
        self._cache_max = max(0, settings.result_cache_bytes)
        self._cache_lock = threading.Lock()
        self.memo: dict = {}
        self._graphs: tuple[str, list] | None = None
        self._licence: tuple[str, str | None] | None = None

    # -- the store

    @property
    def isolated(self) -> bool:
        """Whether queries run in the query workers (the embedded on-disk store, read-only)."""
        return (
            self._given is None
            and self.settings.backend == "embedded"
            and not self.settings.update_enabled
        )

    @property
    def generation(self) -> Generation:
        """The generation this request is served from (see :meth:`refresh`)."""
        generation = self._generation
        if generation is None:
            with self._switch_lock:
                if self._generation is None:
                    self._switch(None)
                generation = self._generation
        return generation

    def refresh(self) -> None:
        """Before each request: follow ``var/store`` if a load has moved it (one ``readlink``),
        so that a request sees one data version from start to end."""
        generation = self._generation
        if not self.isolated or generation is None:
            return
        if generations.target_name(self.settings.store) != generation.path.name:
            with self._switch_lock:
                if generations.current(self.settings.store) != self._generation.path:
                    self._switch(self._generation)

    def _switch(self, old: Generation | None) -> Generation:
        new = Generation(self.settings)
        self._generation = new
        self._clear()
        if old is not None:
            log.info("now serving %s (was %s)", new.path.name, old.path.name)
            old.retire()
        return new

    @property
    def store(self) -> Backend:
        if self._given is not None:
            return self._given
        if self.settings.backend != "embedded":
            if self._remote is None:
                from .remote import open_backend

                self._remote = open_backend(self.settings)
            return self._remote
        if self.settings.update_enabled:
            if self._given is None:
                from .store import GraphStore

                self._given = GraphStore.open(self.settings.store, read_only=False)
            return self._given
        return self.generation.store

    @property
    def store_name(self) -> str | None:
        """The generation directory served (None for other stores)."""
        location = getattr(self.store, "location", None)
        return location.name if location is not None else None

    @property
    def version(self) -> str:
        store = self.store
        return f"{store.data_version}.{self.updates}" if self.updates else store.data_version

    @property
    def graphs(self) -> list[tuple[str, int]]:
        version = self.version
        if self._graphs is None or self._graphs[0] != version:
            self._graphs = (version, self.store.graphs())
        return self._graphs[1]

    @property
    def licence(self) -> str | None:
        """The licence the data's own description states (None: not ours, say none)."""
        version = self.version
        if self._licence is None or self._licence[0] != version:
            self._licence = (version, self.store.licence)
        return self._licence[1]

    def updated(self) -> None:
        """After a SPARQL Update: new ETags, empty caches."""
        self.updates += 1
        self._clear()

    def close(self) -> None:
        if self._generation is not None:
            self._generation.stop()

    def _clear(self) -> None:
        with self._cache_lock:
            self._cache.clear()
            self._cache_size = 0
        self.memo.clear()

    # -- the result cache (bounded in bytes, LRU)

    def cache_get(self, key: str):
        with self._cache_lock:
            entry = self._cache.get(key)
            if entry is not None:
                self._cache.move_to_end(key)
            return entry

    def cache_put(self, key: str, answer: Answer) -> list:
        """Keep an answer: ``[body, truncated]``."""
        entry = [answer.body, answer.truncated]
        size = len(answer.body)
        if self._cache_max and size <= self._cache_max // 8:
            with self._cache_lock:
                if key not in self._cache:
                    self._cache[key] = entry
                    self._cache_size += size
                while self._cache_size > self._cache_max:
                    _, old = self._cache.popitem(last=False)
                    self._cache_size -= len(old[0])
        return entry
