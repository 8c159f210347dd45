"""The Flask application factory: ``create_app(settings, store=None)``.

Everything reads the frozen :class:`~server.settings.Settings` given here; the web process's
state (the store generation, its query workers, the result cache) lives in one
:class:`~server.runtime.Runtime` at ``app.extensions["kigraph"]``. Compression, security headers,
rate limits and the trusted-proxy rule come from well-kept Flask extensions and Werkzeug, set
up in :mod:`server.web_edge`.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlencode

from flask import Flask, Response

from . import __version__, http_errors, web_edge
from .runtime import Runtime
from .settings import Settings, load_settings


def create_app(settings: Settings | None = None, store=None) -> Flask:
    """The KI-Graph web app for ``settings`` (default: from the environment)."""
    settings = settings if settings is not None else load_settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = web_edge.max_body_bytes(settings)
    app.config["MAX_FORM_MEMORY_SIZE"] = web_edge.max_body_bytes(settings)
    rt = Runtime(settings, store)
    app.extensions["kigraph"] = rt

    from .views import browse, geo, linked_data, queries, reconcile, search, sparql, ui

    app.register_blueprint(sparql.bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(reconcile.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(geo.bp)
    app.register_blueprint(linked_data.bp)  # last: it has the catch-all for other base IRIs
    queries.check_queries(app)  # a broken query file stops start-up, naming file and line

    @app.get("/healthz")
    def healthz():
        body = json.dumps(
            {
                "status": "ok",
                "version": __version__,
                "data_version": rt.version,
                "store": rt.store_name,
                "pid": os.getpid(),
            }
        )
        return Response(body, 200, {"Cache-Control": "no-store"}, content_type="application/json")

    @app.context_processor
    def page_context() -> dict:
        from flask import request

        # pages name the data's licence only where its description states one: files served
        # with `serve --data` are the user's, not CC BY KI-Graph data
        other = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]

        def switch_language(lang: str) -> str:
            # the page in the other language, with everything else the URL asked for
            return "?" + urlencode([*other, ("lang", lang)])

        return {"data_licence": rt.licence, "switch_language": switch_language}

    app.before_request(rt.refresh)
    http_errors.register(app)
    web_edge.install(app, settings)
    return app


def create_app_from_environment() -> Flask:
    """The app ``kigraph serve`` runs (settings from ``KIGRAPH_*``), one per web process."""
    return create_app(load_settings())
