"""Linked data: every IRI under the base dereferences. This module is the blueprint's route
table; the views are in

- :mod:`.resources`: ``/id/…`` (things) answer ``303 See Other`` to their description document
  by ``Accept`` (the Cool-URIs pattern): ``/doc/…`` (HTML) or ``/doc/….ttl|.jsonld|.nt|.rdf``,
  which answer 200 with ``Vary: Accept`` and ``Link: rel="alternate"``; anything else under the
  base that the graph describes (the catch-all route);
- :mod:`.graph_pages`: the home page, ``/ontology`` (hash namespace), ``/shapes``,
  ``/graph/<name>``, ``/dataset`` and ``/.well-known/void``;
- :mod:`.downloads`: ``/downloads`` (dumps written once per data version), ``/sitemap.xml``,
  ``/robots.txt``.

``/store?graph=…`` / ``?default`` (the read-only Graph Store Protocol) is answered in
:mod:`.graph_store`, on the query operation's streaming path. Every answer is made by
:func:`.respond.respond`.
"""

from __future__ import annotations

from flask import Blueprint

from . import downloads, graph_pages, resources

bp = Blueprint("linked_data", __name__)

ROUTES = (  # (rule, view); the endpoint is the view's name ("linked_data.download")
    ("/", graph_pages.home),
    ("/id/<path:rest>", resources.thing),
    ("/doc/<path:rest>", resources.document),
    ("/ontology", graph_pages.ontology),
    ("/ontology.<ext>", graph_pages.ontology),
    ("/ontology/<version>", graph_pages.ontology),
    ("/shapes", graph_pages.shapes),
    ("/shapes.<ext>", graph_pages.shapes),
    ("/graph/<name>", graph_pages.named_graph),
    ("/dataset", graph_pages.dataset),
    ("/dataset.<ext>", graph_pages.dataset),
    ("/.well-known/void", graph_pages.dataset),
    ("/downloads", downloads.downloads),
    ("/downloads/<name>", downloads.download),
    ("/downloads/<version>/", downloads.release),
    ("/downloads/<version>/<name>", downloads.release_download),
    ("/dataset/release/<version>", downloads.release_document),
    ("/sitemap.xml", downloads.sitemap),
    ("/robots.txt", downloads.robots),
    ("/<path:rest>", resources.other),  # last: anything else the graph describes
)

for rule, view in ROUTES:
    bp.add_url_rule(rule, view_func=view, methods=["GET"])
