"""The one error renderer: every error becomes an RFC 9457 problem document.

Our :class:`~server.errors.KGError`s, Werkzeug's HTTP exceptions (routing 404/405, 413, …) and
unexpected exceptions (logged with their traceback; the client gets a generic detail, status
500) are all rendered here as ``application/problem+json`` —
``{"type", "title", "status", "detail", …}`` with ``type`` =
``https://w3id.org/kigraph/problems/<slug>`` — or, for browsers (``Accept`` preferring
``text/html``), as a small HTML page carrying the same fields. Never a traceback.

``detail`` is English; an error that has a German text too carries it as ``detail_de``, and its
HTML page is in the visitor's language (``?lang=``, ``Accept-Language``, as every page). A SPARQL
syntax error adds ``line``, ``column``, ``message`` (the likely cause) and ``parser_message``
(the parser's own words, for experts); its page shows the query with a caret at the position.
"""

from __future__ import annotations

import html
import json
import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from . import i18n
from .errors import KGError, NotAcceptable, QuerySyntaxError
from .formats import prefers_html
from .syntax_hints import mark
from .views.respond import render as render_page

PROBLEM_BASE = "https://w3id.org/kigraph/problems/"
PROBLEM_JSON = "application/problem+json"

log = logging.getLogger("kigraph.http")


def problem_of(error: BaseException) -> dict:
    """The problem document (a dict) for any exception."""
    if isinstance(error, KGError):
        doc = {
            "type": PROBLEM_BASE + error.slug,
            "title": error.title,
            "status": error.status,
            "detail": error.detail,
        }
        if error.detail_de:
            doc["detail_de"] = error.detail_de
        if isinstance(error, QuerySyntaxError):
            doc["message"] = error.message
            if error.parser_message:
                doc["parser_message"] = error.parser_message
            if error.line is not None:
                doc["line"] = error.line
                doc["column"] = error.column
        if isinstance(error, NotAcceptable) and error.offered:
            doc["offered"] = list(error.offered)
        return doc
    if isinstance(error, HTTPException):
        code = error.code or 500
        slug = (error.name or "error").lower().replace(" ", "-").replace("'", "")
        return {
            "type": PROBLEM_BASE + slug,
            "title": error.name,
            "status": code,
            "detail": error.description or error.name,
        }
    return {
        "type": PROBLEM_BASE + "internal-error",
        "title": "Internal error",
        "status": 500,
        "detail": "An unexpected error happened on the server; it has been logged.",
    }


#: bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): in a label
#: they would reorder the text around them on a page ("Trojan Source"); HTML escaping leaves them
#: alone (an entity is decoded to the same character), so pages show them as visible text
BIDI_CONTROLS = {c: f"[U+{c:04X}]" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def neutralise_bidi(text: str) -> str:
    return text.translate(BIDI_CONTROLS)


def problem_bytes(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


#: fields of the problem document the HTML page shows in its own way, not in the table
_SHOWN = frozenset({"type", "title", "status", "detail", "detail_de", "message", "parser_message"})


def _html_page(doc: dict, error: BaseException, lang: str = "en") -> str:
    """The page for browsers: our site's layout (the same as every page, so it fits a phone and
    names the way back), in the visitor's language; the detail in English where the error has
    no German text."""
    try:
        return _site_page(doc, error, lang)
    except Exception:  # noqa: BLE001 — the error page must not fail for a broken app
        log.exception("the HTML error page could not be rendered; sending the plain one")
        return _plain_page(doc, error, lang)


def _site_page(doc: dict, error: BaseException, lang: str) -> str:
    t = i18n.texts(lang)
    status, slug = doc["status"], doc["type"].rsplit("/", 1)[-1]
    title = doc["title"]
    if lang == "de":
        title = (
            getattr(error, "title_de", None)
            or t.get(f"error_title_{slug}")
            or t.get(f"error_title_{status}")
            or title
        )
    german = lang == "de" and doc.get("detail_de")
    excerpt = None
    if isinstance(error, QuerySyntaxError) and error.query is not None:
        excerpt = neutralise_bidi(mark(error.query, error.line, error.column))
    return render_page(
        "error.html",
        lang,
        status=status,
        type=doc["type"],
        title=neutralise_bidi(str(title)),
        detail=neutralise_bidi(str(doc["detail_de"] if german else doc["detail"])),
        detail_lang="de" if german else "en",
        query_excerpt=excerpt,
        parser_message=neutralise_bidi(doc.get("parser_message") or ""),
        extra=[
            (
                t.get("problem_" + str(k), str(k)),
                neutralise_bidi(", ".join(map(str, v)) if isinstance(v, list) else str(v)),
            )
            for k, v in doc.items()
            if k not in _SHOWN
        ],
    )


def _plain_page(doc: dict, error: BaseException, lang: str = "en") -> str:
    def esc(text: str) -> str:
        return html.escape(neutralise_bidi(text))

    lang = "de" if lang == "de" and doc.get("detail_de") else "en"
    t = i18n.texts(lang)
    title = (getattr(error, "title_de", None) if lang == "de" else None) or doc["title"]
    detail = doc["detail_de"] if lang == "de" else doc["detail"]
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{doc['status']} {esc(title)} – KI-Graph</title></head><body>"
        f"<main><h1>{doc['status']} {esc(title)}</h1>"
        f'<pre style="white-space:pre-wrap">{esc(str(detail))}</pre>'
        + f'<p>{esc(t["problem_type"])}: <a href="{esc(doc["type"])}">{esc(doc["type"])}</a></p>'
        + '<p><a href="/">KI-Graph</a></p></main></body></html>'
    )


def render(error: BaseException, accept: str | None = None, lang: str = "en") -> Response:
    """The response for ``error`` (problem+json, or HTML for browsers, in ``lang`` where the
    error has a German text)."""
    doc = problem_of(error)
    status = doc["status"]
    if accept is not None and prefers_html(accept):
        response = Response(_html_page(doc, error, lang), status=status, mimetype="text/html")
    else:
        response = Response(problem_bytes(doc), status=status, content_type=PROBLEM_JSON)
    headers = response.headers
    headers["Vary"] = "Accept, Accept-Language"
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Cache-Control"] = "no-store"
    if isinstance(error, HTTPException):
        for name, value in error.get_headers():
            if name.lower() in ("allow", "www-authenticate", "retry-after"):
                headers[name] = value
    if status == 503:
        headers.setdefault("Retry-After", "5")
    return response


def _handle(error: BaseException) -> Response:
    if not isinstance(error, KGError | HTTPException):
        log.exception("unexpected error on %s %s", request.method, request.path)
    lang = i18n.choose(request.args.get("lang"), request.headers.get("Accept-Language"))
    return render(error, request.headers.get("Accept", ""), lang)


def register(app: Flask) -> None:
    """Install the renderer for every error on ``app``."""
    app.register_error_handler(KGError, _handle)
    app.register_error_handler(HTTPException, _handle)
    app.register_error_handler(Exception, _handle)
