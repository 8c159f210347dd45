"""The ceiling of our stack: a bare Flask app under Granian, with the settings
``server.serving`` uses (WSGI, one web process), answering every ``GET /sparql`` with a fixed
SPARQL JSON body — no query, no cache lookup, no security headers, no compression.
``bench/endpoint.py --ceiling`` measures it in the same run as ours and ``oxigraph serve``: no
version of our endpoint that goes through Flask in one web process can answer faster."""

from __future__ import annotations

from flask import Flask, Response

BODY = b'{"head":{},"boolean":true}'


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/sparql")
    def sparql() -> Response:
        return Response(BODY, mimetype="application/sparql-results+json")

    return app
