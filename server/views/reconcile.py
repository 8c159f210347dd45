"""The reconciliation service for OpenRefine and other clients (W3C Reconciliation API 0.2) at
``/reconcile`` — thin glue over :mod:`server.reconcile`:

- ``GET /reconcile``: the service manifest; with ``queries=`` (GET, or a ``POST`` form) the
  answers to a reconciliation query batch;
- ``GET /reconcile/suggest/entity|type|property?prefix=…&cursor=…``: the suggest services;
- ``GET /reconcile/preview?id=…``: a small HTML card of an entity, which clients show in an
  iframe (so, unlike every other page, it may be framed by other sites);
- ``GET /reconcile/view?id=…``: ``303`` to the entity's page.

Every answer allows cross-origin requests (CORS), as the protocol requires; JSONP is not
offered. Errors are problem documents naming the parameter.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from flask import Blueprint, Response, request

from .. import __version__, formats, iris, reconcile
from ..errors import NotFound
from .context import lang as page_lang
from .context import root_url
from .documents import base
from .respond import PAGE_VARY, render, respond, see_other, tag
from .search import api_lang, index, integer, one

bp = Blueprint("reconcile", __name__)

JSON = "application/json"
#: JSON answers depend on the language (``lang=`` or ``Accept-Language``)
JSON_VARY = "Accept-Language"


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


@bp.route("/reconcile", methods=["GET", "POST"])
def service() -> Response:
    lang = api_lang()
    raw = _queries()
    if raw is None:
        body = _json(reconcile.manifest(root_url(), lang, __version__))
        return respond(body, JSON, etag=tag("reconcile", lang), vary=JSON_VARY)
    batch = reconcile.parse_batch(raw)
    answer = _json(reconcile.reconcile(index(), batch, lang))
    if request.method == "POST":
        return respond(answer, JSON, vary=JSON_VARY, cache=False)
    return respond(answer, JSON, etag=tag("reconcile", lang, raw), vary=JSON_VARY)


def _queries() -> str | None:
    """The ``queries`` parameter, from the query string or the form, at most once."""
    values = request.args.getlist("queries")
    if request.method == "POST":
        values += request.form.getlist("queries")
    if len(values) > 1:
        raise reconcile.bad(
            "queries", f"given {len(values)} times; give it once", f"{len(values)}-mal angegeben"
        )
    return values[0] if values else None


def _suggest_args() -> tuple[str, str, int, int]:
    prefix = one("prefix")
    if prefix is None:
        raise reconcile.bad(
            "prefix", "give the text typed so far", "fehlt: der bisher getippte Text"
        )
    if len(prefix) > reconcile.MAX_TEXT:
        raise reconcile.bad(
            "prefix",
            f"longer than {reconcile.MAX_TEXT} characters",
            f"länger als {reconcile.MAX_TEXT} Zeichen",
        )
    cursor = integer("cursor", 0, 0, 10_000)
    limit = integer("limit", reconcile.DEFAULT_LIMIT, 1, reconcile.MAX_LIMIT)
    return prefix, api_lang(), cursor, limit


@bp.get("/reconcile/suggest/entity")
def suggest_entity() -> Response:
    prefix, lang, cursor, limit = _suggest_args()
    types = tuple(request.args.getlist("type"))

    def body() -> str:
        if not prefix.strip():
            return _json({"result": []})
        found = reconcile.suggest_entities(index(), prefix, lang, cursor, limit, types)
        return _json(found)

    etag = tag("suggest/entity", prefix, lang, str(cursor), str(limit), *types)
    return respond(body, JSON, etag=etag, vary=JSON_VARY)


@bp.get("/reconcile/suggest/type")
def suggest_type() -> Response:
    prefix, lang, cursor, limit = _suggest_args()
    etag = tag("suggest/type", prefix, lang, str(cursor), str(limit))
    return respond(
        lambda: _json(reconcile.suggest_types(index(), prefix, lang, cursor, limit)),
        JSON,
        etag=etag,
        vary=JSON_VARY,
    )


@bp.get("/reconcile/suggest/property")
def suggest_property() -> Response:
    prefix, lang, cursor, limit = _suggest_args()
    etag = tag("suggest/property", prefix, lang, str(cursor), str(limit))
    return respond(
        lambda: _json(reconcile.suggest_properties(prefix, lang, cursor, limit)),
        JSON,
        etag=etag,
        vary=JSON_VARY,
    )


def _entity():
    raw = one("id")
    if raw is None or not raw.strip():
        raise reconcile.bad(
            "id", "give an entity's id (its IRI)", "fehlt: die ID (IRI) einer Entität"
        )
    entry = index().resolve(raw[: reconcile.MAX_TEXT])
    if entry is None:
        raise NotFound(
            f"No entity {raw[:200]!r} in KI-Graph's reconciliation service.",
            detail_de=f"Keine Entität {raw[:200]!r} im Abgleichsdienst des KI-Graph.",
        )
    return entry


@bp.get("/reconcile/preview")
def preview() -> Response:
    entry = _entity()
    lang = page_lang()

    def body() -> str:
        found = index()
        places = [found.get(iri) for iri in entry.locations]
        other = "en" if lang == "de" else "de"
        return render(
            "reconcile-preview.html",
            lang,
            name=entry.name(lang),
            other_name=entry.labels.get(other)
            if entry.labels.get(other) not in (None, entry.name(lang))
            else None,
            description=found.description(entry, lang),
            places=[p.name(lang) for p in places if p is not None],
            same_as=entry.same_as,
            iri=entry.iri,
            href=_page(entry.iri),
        )

    return respond(body, formats.HTML, etag=tag("preview", entry.iri, lang), vary=PAGE_VARY)


@bp.get("/reconcile/view")
def view() -> Response:
    return see_other(_page(_entity().iri))


def _page(iri: str) -> str:
    """The HTML page describing the thing ``iri`` (its document, not the thing's 303)."""
    path = iris.local_path(iri, base())
    if path is not None and path.startswith(iris.THING_PREFIX):
        return root_url() + quote(iris.doc_path(path))
    return iris.url_for_iri(iri, root_url(), base())
