"""``/downloads``: the dumps, written once per data version (:mod:`server.dumps`) — listed as a
page for browsers and as JSON otherwise, each file sent as it is (with its ``.gz`` twin, ranges
and revalidation, by Werkzeug's ``send_file``); ``/sitemap.xml`` and ``/robots.txt``."""

from __future__ import annotations

import json
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import Response, request, send_file

from .. import dumps, formats, i18n, internal_queries
from ..errors import NotFound
from .context import lang as current_lang
from .context import memo, root_url, runtime
from .documents import base, page, store
from .respond import CORS, PAGE_VARY, respond, tag

_THINGS = internal_queries.text("sitemap-things")


def _dumps() -> list[dumps.Dump]:
    db = store()
    directory = dumps.directory_for(db, runtime().settings)
    root = runtime().settings.root
    return memo("dumps", lambda: dumps.ensure_graph_exports(db, directory, root))


def downloads() -> Response:
    files = _dumps()
    lang = current_lang()
    listing = [
        {
            "name": d.name,
            "url": root_url() + "downloads/" + d.name,
            "media_type": d.media_type,
            "encoding": d.encoding,
            "bytes": d.size,
        }
        for d in files
    ]
    etag = tag("downloads", lang, request.headers.get("Accept", ""))
    if formats.prefers_html(request.headers.get("Accept")):
        return respond(lambda: _page(listing, lang), formats.HTML, etag=etag, vary=PAGE_VARY)
    document = {
        "data_version": store().data_version,
        "licence": runtime().licence,
        "files": listing,
    }
    return respond(json.dumps(document, indent=1), "application/json", etag=etag)


def _page(listing: list[dict], lang: str) -> str:
    t = i18n.texts(lang)
    rows = [
        [
            {"href": f["url"], "text": f["name"], "type": f["media_type"]},
            f["media_type"] + (" (gzip)" if f["encoding"] else ""),
            f"{f['bytes']:,}",
        ]
        for f in listing
    ]
    return page(
        "listing.html",
        lang=lang,
        heading=t["downloads"],
        intro=t["downloads_intro"] + (f" {t['licence_of_data']}" if runtime().licence else ""),
        columns=[t["file"], t["media_type"], f"{t['size']} ({t['bytes']})"],
        rows=rows,
        alternates=[],
    )


def download(name: str) -> Response:
    match = next((d for d in _dumps() if d.name == name), None)
    if match is None:
        raise NotFound(f"No download named {name!r}; GET /downloads lists them.")
    response = send_file(
        match.path,
        mimetype=match.media_type if match.encoding is None else "application/gzip",
        as_attachment=True,
        download_name=match.name,
        conditional=True,
        etag=tag("download", match.name),
        max_age=runtime().settings.cache_max_age,
    )
    response.headers.update(CORS)
    return response


def sitemap() -> Response:
    def make() -> str:
        prefix = len(base()) + len("id/")
        urls = [root_url() + path for path in ("", "ontology", "queries", "downloads", "sparql")]
        for row in store().query(_THINGS):
            urls.append(root_url() + "doc/" + quote(row["s"].value[prefix:]))
        items = "".join(f"<url><loc>{escape(u)}</loc></url>" for u in urls)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>\n'
        )

    body = memo("sitemap:" + root_url(), make)
    return respond(body, "application/xml", etag=tag("sitemap"), vary=None)


def robots() -> Response:
    body = (
        "User-agent: *\n"
        "Allow: /\n"
        "# query endpoints are expensive to crawl; pages and dumps are not\n"
        "Disallow: /sparql\n"
        "Disallow: /store\n"
        f"Sitemap: {root_url()}sitemap.xml\n"
    )
    return respond(body, "text/plain; charset=utf-8", etag=tag("robots"), vary=None)
