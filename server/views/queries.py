"""Saved queries as a web API — thin glue over :mod:`server.queries`.

``GET /queries`` lists them (HTML for browsers, JSON otherwise); ``GET /queries/<name>`` runs one
with query-string parameters in a negotiated format (the endpoint's formats, an HTML table with a
parameter form, or a ``.json``/``.csv``/``.ttl``… suffix); ``GET /queries/<name>.rq`` returns the
source; ``GET /openapi.json`` and ``GET /api`` document them. Parameters are bound by
:func:`server.queries.prepare` (typed, never spliced); pages are linked with RFC 8288 ``Link``.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, request

from .. import formats, pickers, queries
from ..errors import NotAcceptable, NotFound
from ..namespaces import ID, compact
from ..openapi import build_openapi
from .context import lang as _lang
from .context import root_url as _root
from .context import runtime as _runtime
from .respond import PAGE_VARY, fresh, negotiated, render, respond, tag

bp = Blueprint("queries", __name__)

RESULT_FORMATS = (*formats.RESULTS, formats.HTML)
GRAPH_FORMATS = (*formats.GRAPHS, formats.HTML)
_SUFFIXES = (
    {f.extension: f for f in (*formats.RESULTS, *formats.GRAPHS)}
    | {f.name: f for f in (*formats.RESULTS, *formats.GRAPHS)}
    | {"html": formats.HTML}
)


def saved_queries() -> dict[str, queries.SavedQuery]:
    """Parsed once per process at start-up (``create_app`` calls this, so a bad file stops it)."""
    rt = _runtime()
    key = ("queries", "files")
    if key not in rt.memo:  # not setdefault(): its argument would re-parse every file each call
        rt.memo[key] = queries.load_queries(rt.settings.root)
    return rt.memo[key]


def _describe(query: queries.SavedQuery) -> dict:
    root = _root()
    return {
        "name": query.name,
        "kind": query.kind,
        "title": dict(query.title),
        "description": dict(query.description),
        "tags": list(query.tags),
        "url": f"{root}queries/{query.name}",
        "source": f"{root}queries/{query.name}.rq",
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "required": p.required,
                "default": p.default,
                "example": p.example,
                "values": list(p.values) or None,
                "values_query": p.values_query,
                "description": dict(p.description) or None,
            }
            for p in query.params
        ],
    }


@bp.get("/queries")
def listing() -> Response:
    all_queries = sorted(saved_queries().values(), key=lambda q: q.title[_lang()])
    html = (
        formats.prefers_html(request.headers.get("Accept")) and request.args.get("format") != "json"
    )
    etag = tag("queries", "html" if html else "json", _lang())
    if html:
        return respond(
            lambda: render("queries.html", queries=all_queries),
            formats.HTML,
            etag=etag,
            vary=PAGE_VARY,
        )
    return respond(
        lambda: json.dumps(
            {"queries": [_describe(q) for q in all_queries]}, ensure_ascii=False, indent=1
        ),
        "application/json",
        etag=etag,
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    memo = _runtime().memo
    key = ("queries", "openapi")
    if key not in memo:  # not setdefault(): its argument would be built on every request
        memo[key] = build_openapi(saved_queries(), "/")
    body = json.dumps(memo[key], ensure_ascii=False)
    return respond(body, "application/json", etag=tag("openapi"), vary=None)


@bp.get("/api")
def api_page() -> Response:
    return respond(
        lambda: render("api.html", queries=sorted(saved_queries().values(), key=lambda q: q.name)),
        formats.HTML,
        etag=tag("api", _lang()),
        vary="Accept-Language",
    )


@bp.get("/queries/<name>")
def run(name: str) -> Response:
    stem, dot, suffix = name.rpartition(".")
    if dot and suffix == "rq" and stem in saved_queries():
        query = saved_queries()[stem]
        return respond(
            query.text, "application/sparql-query; charset=utf-8", etag=tag("source", stem)
        )
    explicit = None
    if dot and suffix in _SUFFIXES and stem in saved_queries():
        name, explicit = stem, _SUFFIXES[suffix]
    if name not in saved_queries():
        raise queries.unknown_query(name, saved_queries())
    query = saved_queries()[name]
    offered = RESULT_FORMATS if query.kind in ("SELECT", "ASK") else GRAPH_FORMATS
    if explicit is not None and explicit not in offered:  # e.g. .ttl on a SELECT query
        raise NotAcceptable(
            f"The {query.kind} query {name!r} cannot be given as .{suffix}; it is offered as "
            + ", ".join(f.essence for f in offered if f is not formats.HTML)
            + ".",
            tuple(f.essence for f in offered if f is not formats.HTML),
        )
    fmt = explicit or negotiated(offered, default=query.format)
    args = {key: request.args.getlist(key) for key in request.args if key not in ("format", "lang")}
    store = _runtime().store

    def enum_values(source: queries.SavedQuery) -> list[str]:
        key = ("queries", "values", source.name, _runtime().version)
        memo = _runtime().memo
        if key not in memo:
            memo[key] = [row["value"].value for row in store.query(source.text)]
        return memo[key]

    html = fmt is formats.HTML
    try:
        prepared = queries.prepare(saved_queries(), name, args, enum_values)
    except queries.BadParameter as error:
        if not html:
            raise
        if not any(param.name in args for param in query.params):
            return _page(query, None, None, args)  # opened from a link: the form to fill in
        return _page(query, None, str(error), args, status=400)
    etag = tag("run", name, json.dumps(sorted(args.items())), fmt.name, _lang() if html else "")
    if fresh(etag):
        return respond(None, fmt, etag=etag, vary=PAGE_VARY if html else "Accept")

    def execute():
        return store.query(prepared.text, substitutions=prepared.substitutions)

    with _runtime().slots.take(request.remote_addr or "unknown"):
        if html:
            result = _table(execute())
        else:
            body = _serialize(execute(), fmt)
    if html:
        return _page(query, prepared, None, args, result=result, etag=etag)
    links = _page_links(query, prepared, args, fmt, more=_has_more(body, fmt, prepared))
    return respond(body, fmt, etag=etag, links=links)


def _serialize(result, fmt: formats.Format) -> bytes:
    if not isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
        return ox.serialize(result, format=fmt.ox) or b""
    return result.serialize(format=fmt.ox)


def _has_more(body: bytes, fmt: formats.Format, prepared: queries.Prepared) -> bool:
    """A full page suggests a next one (rows are counted cheaply from the serialisation)."""
    if not prepared.query.paginated:
        return False
    if fmt is formats.SPARQL_JSON:
        return len(json.loads(body)["results"]["bindings"]) >= prepared.per_page
    if fmt in (formats.SPARQL_CSV, formats.SPARQL_TSV):
        return body.count(b"\n") - 1 >= prepared.per_page
    if fmt is formats.SPARQL_XML:
        return body.count(b"<result>") >= prepared.per_page
    return False


def _url(query: queries.SavedQuery, args: dict[str, list[str]], **changes) -> str:
    merged = {k: v for k, v in args.items()}
    for key, value in changes.items():
        merged[key] = [str(value)]
    pairs = [(k, v) for k, values in merged.items() for v in values]
    return f"{_root()}queries/{query.name}" + (f"?{urlencode(pairs)}" if pairs else "")


def _page_links(query, prepared, args, fmt, *, more: bool) -> list[str]:
    if not query.paginated:
        return []
    extra = {"format": fmt.name} if "format" in request.args else {}
    links = [f'<{_url(query, args, page=1, **extra)}>; rel="first"']
    if prepared.page > 1:
        links.append(f'<{_url(query, args, page=prepared.page - 1, **extra)}>; rel="prev"')
    if more:
        links.append(f'<{_url(query, args, page=prepared.page + 1, **extra)}>; rel="next"')
    return links


def _table(result):
    """Columns and rows for the HTML view: IRIs become links, literals text."""
    if not isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
        return None, None, ox.serialize(result, format=ox.RdfFormat.TURTLE).decode()
    if isinstance(result, ox.QueryBoolean):
        return ["result"], [[{"text": "true" if bool(result) else "false"}]], None
    columns = [v.value for v in result.variables]
    root = _root()
    rows = []
    for solution in result:
        row = []
        for column in columns:
            term = solution[column]
            if term is None:
                row.append(None)
            elif isinstance(term, ox.NamedNode):
                href = (
                    root + term.value[len("https://w3id.org/kigraph/") :]
                    if term.value.startswith("https://w3id.org/kigraph/")
                    else term.value
                )
                text = (
                    "id:" + term.value[len(ID) :]
                    if term.value.startswith(ID)
                    else compact(term.value)
                )
                row.append({"href": href, "text": text})
            else:
                row.append({"text": term.value, "lang": getattr(term, "language", None)})
        rows.append(row)
    return columns, rows, None


def _page(query, prepared, error, args, *, result=None, etag=None, status=200) -> Response:
    columns, rows, graph_text = result if result else (None, None, None)
    choices = {}
    for param in query.params:
        if param.values:
            choices[param.name] = list(param.values)
        elif param.values_query:
            source = saved_queries()[param.values_query]
            choices[param.name] = [r["value"].value for r in _runtime().store.query(source.text)]
    values = {k: v[0] for k, v in args.items() if v}
    offered = formats.RESULTS if query.kind in ("SELECT", "ASK") else formats.GRAPHS
    # the answer in other formats, once there is one (the empty form has none to offer)
    alternates = [
        {"name": f.name, "type": f.essence, "href": _url(query, args, format=f.name)}
        for f in offered
        if prepared is not None
    ]
    more = bool(
        prepared and rows is not None and query.paginated and len(rows) >= prepared.per_page
    )
    body = render(
        "query.html",
        query=query,
        error=error,
        values=values,
        choices=choices,
        columns=columns,
        rows=rows or [],
        graph_text=graph_text,
        truncated=False,
        page=prepared.page if prepared else 1,
        prev_url=_url(query, args, page=prepared.page - 1)
        if prepared and prepared.page > 1
        else None,
        next_url=_url(query, args, page=prepared.page + 1) if more else None,
        alternates=alternates,
        pickers=pickers.pickers(query),
    )
    return respond(body, formats.HTML, status=status, etag=etag, vary=PAGE_VARY)


def check_queries(app) -> None:
    """Parse the query files at start-up: a broken file stops the service with file and line."""
    with app.app_context():
        saved_queries()


__all__ = ["bp", "check_queries", "NotFound"]
