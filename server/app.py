"""The Flask application factory: ``create_app(settings, store=None)``.

Everything reads the frozen :class:`~server.settings.Settings` given here; per-process state
(the opened store, the result cache, the query deadline) lives in one :class:`Runtime` at
``app.extensions["kigraph"]``. No ``before``/``after_request`` hooks: the SPARQL hot path is
the view and nothing else.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

from flask import Flask, Response

from . import __version__, http_errors
from .settings import Settings, load_settings
from .sparql import Answer, Deadline


class Runtime:
    """Per-process state of the app. The store is opened lazily in each process (an on-disk
    RocksDB store must not cross ``fork``); a store given to ``create_app`` is used as is."""

    def __init__(self, settings: Settings, store=None) -> None:
        self.settings = settings
        self._given = store
        self._store = store
        self._pid = os.getpid() if store is not None else 0
        self._open_lock = threading.Lock()
        self.deadline = Deadline()
        self.generation = 0
        self.cache_control = (
            f"public, max-age={settings.cache_max_age}"
            if settings.cache_max_age > 0
            else "no-cache"
        )
        self._cache: OrderedDict[str, list] = OrderedDict()
        self._cache_size = 0
        self._cache_max = max(0, settings.result_cache_bytes)
        self.memo: dict = {}
        self._graphs: tuple[str, list] | None = None

    # -- the store

    @property
    def store(self):
        if self._pid != os.getpid():
            with self._open_lock:
                if self._pid != os.getpid():
                    self._store = self._open()
                    self._pid = os.getpid()
        return self._store

    def _open(self):
        if self._given is not None:
            return self._given
        if self.settings.backend != "embedded":
            from .remote import open_backend

            return open_backend(self.settings)  # stateless: one HTTP pool per worker
        from .store import GraphStore, ensure_store

        if self.settings.update_enabled:
            return GraphStore.open(self.settings.store, read_only=False)
        if self.settings.store.exists():
            return GraphStore.open(self.settings.store, read_only=True)
        return ensure_store(self.settings)

    @property
    def version(self) -> str:
        store = self.store
        return f"{store.data_version}.{self.generation}" if self.generation else store.data_version

    @property
    def graphs(self) -> list[tuple[str, int]]:
        version = self.version
        if self._graphs is None or self._graphs[0] != version:
            self._graphs = (version, self.store.graphs())
        return self._graphs[1]

    def updated(self) -> None:
        """After a SPARQL Update: new ETags, empty caches."""
        self.generation += 1
        self._cache.clear()
        self._cache_size = 0
        self.memo.clear()

    # -- the result cache (per process, bounded in bytes, LRU)

    def cache_get(self, key: str):
        entry = self._cache.get(key)
        if entry is not None:
            self._cache.move_to_end(key)
        return entry

    def cache_put(self, key: str, answer: Answer) -> list:
        """Keep an answer: ``[body, truncated]``."""
        entry = [answer.body, answer.truncated]
        size = len(answer.body)
        if self._cache_max and size <= self._cache_max // 8:
            self._cache[key] = entry
            self._cache_size += size
            while self._cache_size > self._cache_max:
                _, old = self._cache.popitem(last=False)
                self._cache_size -= len(old[0])
        return entry


def create_app(settings: Settings | None = None, store=None) -> Flask:
    """The KI-Graph web app for ``settings`` (default: from the environment)."""
    settings = settings if settings is not None else load_settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_query_bytes * 3 + 4096
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_query_bytes * 3 + 4096
    rt = Runtime(settings, store)
    app.extensions["kigraph"] = rt

    from .compression import Compression
    from .security import Security, harden_templates
    from .views import linked_data, queries, ui
    from .views.sparql import QueryOperation
    from .views.sparql import bp as sparql_bp

    app.register_blueprint(sparql_bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(linked_data.bp)  # last: it has the catch-all for other base IRIs
    queries.check_queries(app)  # a broken query file stops start-up, naming file and line
    app.wsgi_app = QueryOperation(app.wsgi_app, rt)  # the query operation skips Flask
    app.wsgi_app = Compression(app.wsgi_app)  # streamed /sparql answers compress themselves
    # outermost: security headers, size limits and rate limiting cover every path
    app.wsgi_app = Security(app.wsgi_app, settings)
    harden_templates(app)  # labels with bidi overrides cannot reorder a page
    http_errors.register(app)

    @app.get("/healthz")
    def healthz():
        import json

        body = json.dumps(
            {"status": "ok", "version": __version__, "data_version": rt.version, "pid": os.getpid()}
        )
        return Response(body, 200, {"Cache-Control": "no-store"}, content_type="application/json")

    return app
