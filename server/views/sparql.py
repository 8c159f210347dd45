"""``/sparql`` (and ``/update``): the SPARQL 1.1 Protocol over HTTP — thin glue.

HTTP ⇄ core: this module reads the protocol's request shapes, asks :mod:`server.formats` for the
format and the query workers (:mod:`server.query_pool`) for the answer (or the result cache),
and :func:`.respond.respond` makes the HTTP answer (ETag/304, CORS, the truncation header).
Errors are raised as KGErrors and rendered by :mod:`server.http_errors`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os

from flask import Blueprint, Response, request

from .. import formats, sparql
from ..errors import (
    BadRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
    UpdateForbidden,
)
from . import graph_store, service
from .context import root_url, runtime
from .respond import fresh, negotiated, respond

bp = Blueprint("sparql", __name__)
log = logging.getLogger("kigraph.sparql")

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, X-KIGraph-Truncated, Content-Length",
}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, POST, HEAD, OPTIONS",
    "Access-Control-Max-Age": "86400",
}


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise BadRequest(f"The '{name}' parameter was given {len(values)} times; give it once.")
    return values[0] if values else None


def _body_text() -> str:
    try:
        return request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The request body is not valid UTF-8.") from None


def _read_operation(update_only: bool = False) -> tuple[str | None, str | None, list, list]:
    """``(query, update, default_graph_uris, named_graph_uris)`` from any protocol shape."""
    args = request.args
    if request.method != "POST":
        if args.getlist("update"):
            raise BadRequest("SPARQL Update must be sent with POST.")
        query = _one(args.getlist("query"), "query")
        return query, None, args.getlist("default-graph-uri"), args.getlist("named-graph-uri")
    essence = (request.mimetype or "").lower()
    if essence == FORM:
        form = request.form
        query = _one(form.getlist("query") + args.getlist("query"), "query")
        update = _one(form.getlist("update") + args.getlist("update"), "update")
        if query is not None and update is not None:
            raise BadRequest("Give either 'query' or 'update', not both.")
        if query is None and update is None:
            raise BadRequest("The form has no 'query' (or 'update') parameter.")
        dg = form.getlist("default-graph-uri") + args.getlist("default-graph-uri")
        ng = form.getlist("named-graph-uri") + args.getlist("named-graph-uri")
        if update is not None:
            dg = form.getlist("using-graph-uri") + args.getlist("using-graph-uri")
            ng = form.getlist("using-named-graph-uri") + args.getlist("using-named-graph-uri")
        return query, update, dg, ng
    if essence == QUERY_BODY and not update_only:
        if args.getlist("query"):
            raise BadRequest("A query in the body and a 'query' parameter: give one.")
        return (
            _body_text(),
            None,
            args.getlist("default-graph-uri"),
            args.getlist("named-graph-uri"),
        )
    if essence == UPDATE_BODY:
        return (
            None,
            _body_text(),
            args.getlist("using-graph-uri"),
            args.getlist("using-named-graph-uri"),
        )
    accepted = (
        f"{FORM} or {UPDATE_BODY}" if update_only else f"{FORM}, {QUERY_BODY} or {UPDATE_BODY}"
    )
    raise UnsupportedMediaType(
        f"A POST body of type '{request.content_type or '(none)'}' cannot be read here; "
        f"send {accepted}."
    )


def _check_size(text: str, max_bytes: int) -> None:
    if len(text) > max_bytes or (len(text) * 4 > max_bytes and len(text.encode()) > max_bytes):
        raise PayloadTooLarge(
            f"The query has {len(text.encode())} bytes; this server accepts at most {max_bytes}."
        )


@bp.route("/sparql", methods=["GET", "POST"], provide_automatic_options=False)
def endpoint():
    """The query operation; without a query the service description (or the query page)."""
    rt = runtime()
    query, update, dg, ng = _read_operation()
    if update is not None:
        return _update(rt, update)
    if query is None:
        if dg or ng:
            raise BadRequest(
                "default-graph-uri and named-graph-uri need a query: give 'query' as well."
            )
        return service.describe(rt)
    return answer(rt, query, dg, ng)


@bp.route("/store", methods=["GET", "HEAD"], provide_automatic_options=False)
def graph_store_read():
    """Reading the graph store is the CONSTRUCT of one graph (:mod:`.graph_store`)."""
    rt = runtime()
    query, dg = graph_store.operation(rt, request.args)
    return answer(rt, query, dg, [])


@bp.route("/store", methods=["PUT", "POST", "DELETE", "PATCH", "OPTIONS"])
def graph_store_write():
    return graph_store.read_only()


def answer(rt, query: str, dg: list, ng: list) -> Response:
    """The query operation as an HTTP response: negotiation, ETag/304, the result cache, the
    query workers, and large answers streamed from the file the worker wrote."""
    _check_size(query, rt.settings.max_query_bytes)
    info = sparql.prepare(query, updates_enabled=rt.settings.update_enabled)
    offered = formats.GRAPHS if info.is_graph else formats.RESULTS
    fmt = negotiated(offered, format_param=",".join(request.args.getlist("format")) or None)
    etag = hashlib.blake2b(
        f"{rt.version}\0{query}\0{dg}\0{ng}\0{fmt.name}".encode(), digest_size=12
    ).hexdigest()
    if fresh(etag):
        return respond(None, fmt, etag=etag, cors=CORS)
    body, truncated = _result(rt, query, info, fmt, dg, ng, etag)
    headers = {"X-KIGraph-Truncated": "true"} if truncated else None
    return respond(body, fmt, etag=etag, cors=CORS, headers=headers)


def _result(rt, query: str, info, fmt, dg: list, ng: list, key: str):
    """``(body, truncated)``: from the result cache, or run by the query workers; a large body
    is the open file its worker wrote (gone from the disk once opened, not cached)."""
    cached = rt.cache_get(key)
    if cached is not None:
        return cached
    settings = rt.settings
    base_iri = root_url() + "sparql"  # relative IRIs resolve against the endpoint
    if rt.isolated:
        with rt.slots.take(request.remote_addr or "unknown"):
            body, path, truncated = rt.generation.pool.answer(
                {
                    "query": query,
                    "format": fmt.name,
                    "default_graphs": dg,
                    "named_graphs": ng,
                    "row_cap": settings.row_cap,
                    "base_iri": base_iri,
                }
            )
        if path is not None:
            handle = open(path, "rb")  # noqa: SIM115 — closed by the response
            os.unlink(path)
            return handle, truncated
        result = sparql.Answer(body, truncated)
    else:
        result = sparql.execute(
            rt.store,
            query,
            info,
            fmt,
            default_graph_uris=dg,
            named_graph_uris=ng,
            row_cap=settings.row_cap,
            base_iri=base_iri,
        )
    return rt.cache_put(key, result)


def _update(rt, text: str):
    settings = rt.settings
    if not settings.update_enabled:
        raise UpdateForbidden(
            "SPARQL Update is disabled on this server (read-only). The operator can enable it "
            "with KIGRAPH_UPDATE_TOKEN; requests then need 'Authorization: Bearer <token>'."
        )
    auth = request.headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), settings.update_token.encode()
    ):
        raise UpdateForbidden(
            "SPARQL Update needs 'Authorization: Bearer <token>' with the configured token."
        )
    _check_size(text, settings.max_query_bytes)
    sparql.prepare(text, update=True)
    sparql.execute_update(rt.store, text)
    rt.updated()
    return respond(None, None, status=204, vary=None, cors=CORS, cache=False)


@bp.route("/update", methods=["POST"], provide_automatic_options=False)
def update_endpoint():
    rt = runtime()
    query, update, _dg, _ng = _read_operation(update_only=True)
    if update is None:
        raise BadRequest("POST /update takes 'update=' or an application/sparql-update body.")
    return _update(rt, update)


@bp.route("/sparql", methods=["OPTIONS"])
@bp.route("/update", methods=["OPTIONS"])
def preflight():
    headers = {
        "Access-Control-Allow-Headers": request.headers.get(
            "Access-Control-Request-Headers",
            "Accept, Content-Type, Authorization, If-None-Match",
        ),
        "Allow": "GET, POST, HEAD, OPTIONS",
    }
    return respond(None, None, status=204, vary=None, cors=PREFLIGHT, cache=False, headers=headers)
