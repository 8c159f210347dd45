"""``/sparql`` (and ``/update``): the SPARQL 1.1 Protocol over HTTP — thin glue.

HTTP ⇄ core: this module reads the protocol's request shapes, asks :mod:`server.formats` for the
format and :mod:`server.sparql` for the answer, and adds the HTTP things (ETag/304, caching,
compression, CORS, the truncation header). Errors are raised as KGErrors and rendered by
:mod:`server.http_errors`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
from urllib.parse import parse_qs

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from .. import formats, sparql, streaming
from ..errors import (
    BadRequest,
    KGError,
    PayloadTooLarge,
    UnsupportedMediaType,
    UpdateForbidden,
)
from ..http_errors import render
from . import graph_store, service
from .context import runtime
from .guard import run_guarded

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
    """What :class:`QueryOperation` passes on: no query (service description / query page),
    updates, and the protocol errors of those."""
    rt = runtime()
    query, update, dg, ng = _read_operation()
    if update is not None:
        return _update(rt, update)
    if query is None:
        return service.describe(rt)
    # only reached if QueryOperation is not installed (it handles every query request)
    status, headers, body = answer(
        rt,
        query,
        dg,
        ng,
        request.headers,
        ",".join(request.args.getlist("format")) or None,
        request.environ,
    )
    return Response(body, status, headers)


def answer(rt, query: str, dg: list, ng: list, headers, format_param, environ, start_response=None):
    """The query operation: ``(status, headers, body)``, or a raised KGError.

    Given the WSGI ``start_response``, an answer that outgrows ``streaming.STREAM_AFTER`` is
    streamed through it while the query runs; then the response is already under way and the
    return value is None.
    """
    settings = rt.settings
    _check_size(query, settings.max_query_bytes)
    info = sparql.prepare(query, settings.service_allowlist)
    offered = formats.GRAPHS if info.is_graph else formats.RESULTS
    fmt = formats.negotiate(headers.get("Accept"), offered, format_param)
    etag = hashlib.blake2b(
        f"{rt.version}\0{query}\0{dg}\0{ng}\0{fmt.name}".encode(), digest_size=12
    ).hexdigest()
    inm = headers.get("If-None-Match")
    if inm and (etag in inm or inm.strip() == "*"):
        return 304, [*CORS.items(), ("ETag", f'"{etag}"'), ("Vary", "Accept, Accept-Encoding")], b""
    out = [
        ("Content-Type", fmt.media_type),
        *CORS.items(),
        ("Vary", "Accept, Accept-Encoding"),
        ("Cache-Control", rt.cache_control),
    ]
    cached = rt.cache_get(etag)
    if cached is None:
        sink = None
        if start_response is not None and settings.row_cap <= 0:  # a cap bounds the size
            sink = streaming.ResponseSink(
                _streamer(out, etag, environ, start_response),
                formats.negotiate_encoding(headers.get("Accept-Encoding"), streaming.ENCODINGS),
                chunked=_frames_itself(environ),
            )
        result = _run(rt, query, info, fmt, dg, ng, environ, sink)
        if sink is not None:
            if sink.streaming:
                return None
            result = sparql.Answer(sink.body(), result.truncated)
        cached = rt.cache_put(etag, result)
    body, truncated = cached
    if truncated:
        out.append(("X-KIGraph-Truncated", "true"))
    out.append(("ETag", f'"{etag}"'))  # server.compression encodes it, as every other answer
    out.append(("Content-Length", str(len(body))))
    return 200, out, body


def _streamer(out: list, etag: str, environ, start_response):
    """What :class:`streaming.ResponseSink` calls when an answer turns out large: send the
    status and headers (no Content-Length: the server frames it) and return the writer."""

    def start(encoding: str | None):
        environ[streaming.STARTED] = True  # from now on an error can only cut the response short
        headers = list(out)
        if encoding:
            headers.append(("Content-Encoding", encoding))
        headers.append(("ETag", f'"{etag}-{encoding}"' if encoding else f'"{etag}"'))
        if _frames_itself(environ):
            # "close": the client (or uWSGI's router) ends the connection after the last chunk
            # rather than wait on it for a next request; a cut-short answer ends it at once
            headers += [("Transfer-Encoding", "chunked"), ("Connection", "close")]
        write = start_response("200 OK", headers)
        return _discard if environ["REQUEST_METHOD"] == "HEAD" else write

    return start


def _frames_itself(environ) -> bool:
    """Under uWSGI we frame streamed answers ourselves (see ``streaming.ResponseSink``); other
    servers (gunicorn, Werkzeug) chunk a body without Content-Length on their own."""
    return "uwsgi.version" in environ and environ.get("SERVER_PROTOCOL") == "HTTP/1.1"


def _discard(data: bytes) -> None:
    pass


def _run(rt, query, info, fmt, dg, ng, environ, sink=None) -> sparql.Answer:
    def work() -> sparql.Answer:
        result = sparql.execute(
            rt.store,
            query,
            info,
            fmt,
            default_graph_uris=dg,
            named_graph_uris=ng,
            row_cap=rt.settings.row_cap,
            output=sink,
        )
        if sink is not None:
            sink.close()
        return result

    return run_guarded(rt, environ, rt.settings.query_timeout, work)


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
    sparql.prepare(text, settings.service_allowlist, update=True)
    sparql.execute_update(rt.store, text)
    rt.updated()
    return Response(status=204, headers=CORS)


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
    headers = dict(PREFLIGHT)
    headers["Access-Control-Allow-Headers"] = request.headers.get(
        "Access-Control-Request-Headers",
        "Accept, Content-Type, Authorization, If-None-Match",
    )
    headers["Allow"] = "GET, POST, HEAD, OPTIONS"
    return Response(status=204, headers=headers)


class QueryOperation:
    """WSGI middleware for the SPARQL query operation at ``/sparql`` — the hot path — and for
    reading the graph store at ``/store`` (:mod:`.graph_store`), which is a CONSTRUCT too.

    It answers GET/HEAD with ``query=``, POST ``application/sparql-query`` and POST forms with
    ``query=`` straight from the WSGI environ (no Flask request/response objects: they cost more
    than a small query does), and can stream: a large answer is written while the query runs.
    Everything else — no query, updates, other paths — goes to Flask, with the body put back.
    Errors are rendered by :mod:`server.http_errors`, as everywhere.
    """

    def __init__(self, flask_wsgi, rt) -> None:
        self.flask_wsgi = flask_wsgi
        self.rt = rt
        self.max_body = rt.settings.max_query_bytes * 3 + 4096

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO")
        if path not in ("/sparql", "/store"):
            return self.flask_wsgi(environ, start_response)
        method = environ["REQUEST_METHOD"]
        try:
            if path == "/store":
                params = _parse(environ.get("QUERY_STRING", ""))
                query, dg = graph_store.operation(self.rt, method, params)
                ng: list[str] = []
            else:
                operation = self._query_operation(environ, method)
                if operation is None:
                    return self.flask_wsgi(environ, start_response)
                query, dg, ng, params = operation
            fmt_param = params.get("format")
            answered = answer(
                self.rt,
                query,
                dg,
                ng,
                _Headers(environ),
                ",".join(fmt_param or ()) or None,
                environ,
                start_response,
            )
        except Exception as error:  # noqa: BLE001 — every error goes to the one renderer
            if environ.get(streaming.STARTED):
                return _cut_short(error, environ)
            if not isinstance(error, KGError | HTTPException):
                log.exception("unexpected error on %s %s", method, path)
            return render(error, environ.get("HTTP_ACCEPT", ""))(environ, start_response)
        if answered is None:
            return []  # streamed
        status, headers, body = answered
        start_response(_STATUS[status], headers)
        return [] if method == "HEAD" else [body]

    def _query_operation(self, environ, method: str):
        """``(query, default graphs, named graphs, URL parameters)`` of a query operation, or
        None for what Flask answers (no query, updates, other methods and media types)."""
        if method in ("GET", "HEAD"):
            qs = environ.get("QUERY_STRING", "")
            if "query=" not in qs:
                return None
            params = _parse(qs)
            if "update" in params:
                raise BadRequest("SPARQL Update must be sent with POST.")
            query = _one(params.get("query", []), "query")
            return (
                query,
                params.get("default-graph-uri", []),
                params.get("named-graph-uri", []),
                params,
            )
        if method != "POST":
            return None
        ctype = environ.get("CONTENT_TYPE", "")
        essence = ctype.split(";", 1)[0].strip().lower()
        if essence not in (QUERY_BODY, FORM):
            return None
        body = self._body(environ)
        params = _parse(environ.get("QUERY_STRING", ""))
        if essence == FORM:
            form = _parse(body.decode("latin-1"))
            if "query" not in form:  # an update, or nothing: Flask's part
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
                return None
            if "update" in form or "update" in params:
                raise BadRequest("Give either 'query' or 'update', not both.")
            query = _one(form["query"] + params.get("query", []), "query")
            dg = form.get("default-graph-uri", []) + params.get("default-graph-uri", [])
            ng = form.get("named-graph-uri", []) + params.get("named-graph-uri", [])
            return query, dg, ng, params
        if "query" in params:
            raise BadRequest("A query in the body and a 'query' parameter: give one.")
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("The request body is not valid UTF-8.") from None
        return query, params.get("default-graph-uri", []), params.get("named-graph-uri", []), params

    def _body(self, environ) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise BadRequest("Content-Length is not a number.") from None
        if length > self.max_body:
            raise PayloadTooLarge(
                f"The request body has {length} bytes; this server accepts queries of at most "
                f"{self.rt.settings.max_query_bytes} bytes."
            )
        return environ["wsgi.input"].read(length) if length else b""


_STATUS = {200: "200 OK", 304: "304 Not Modified"}


class StreamCutShort(Exception):
    """Raised to the WSGI server after a streamed answer failed midway: the server then drops
    the connection instead of ending the body, so the client sees an incomplete response."""


def _cut_short(error: Exception, environ) -> list:
    if isinstance(error, OSError):  # the client went away: nobody is left to tell
        log.info("streamed answer not finished: %s", error)
        return []
    log.error("streamed answer failed midway: %s", error)
    streaming.end_connection(environ)
    raise StreamCutShort(str(error)) from error


def _parse(qs: str) -> dict[str, list[str]]:
    try:
        return parse_qs(qs, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("The parameters are not valid percent-encoded UTF-8.") from None


class _Headers:
    """Request headers read straight from the WSGI environ (``get`` only)."""

    __slots__ = ("environ",)

    def __init__(self, environ) -> None:
        self.environ = environ

    def get(self, name: str, default=None):
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"), default)
