"""``/downloads``: the dumps, written once per data version (:mod:`server.dumps`) — listed as a
page for browsers and as JSON otherwise, each file sent as it is (with its ``.gz`` twin, ranges
and revalidation, by Werkzeug's ``send_file``); ``/sitemap.xml`` and ``/robots.txt``."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

import pyoxigraph as ox
from flask import Response, request, send_file

from .. import dumps, formats, i18n, internal_queries, releases
from ..errors import NotFound
from .context import lang as current_lang
from .context import memo, root_url, runtime
from .documents import base, page, store
from .respond import CORS, PAGE_VARY, respond, see_other, tag

_THINGS = internal_queries.text("sitemap-things")


def _dumps() -> list[dumps.Dump]:
    db = store()
    directory = dumps.directory_for(db, runtime().settings)
    root = runtime().settings.root
    return memo("dumps", lambda: dumps.ensure_catalogue(db, directory, root))


def catalogue_triples() -> list:
    """The catalogue as ``kigraph-catalogue.ttl`` holds it — the stored description plus each
    download's size and checksum, measured once when the file was written — per data version."""

    def read() -> list:
        path = next(d.path for d in _dumps() if d.name == dumps.CATALOGUE)
        return [q.triple for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE)]

    return memo("catalogue-triples", read)


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
    published = [
        {"version": v, "issued": info["issued"], "url": root_url() + f"downloads/{quote(v)}/"}
        for v, info in _releases().items()
    ]
    etag = tag("downloads", lang, request.headers.get("Accept", ""))
    if formats.prefers_html(request.headers.get("Accept")):
        return respond(
            lambda: _page(listing, published, lang), formats.HTML, etag=etag, vary=PAGE_VARY
        )
    document = {
        "data_version": store().data_version,
        "licence": runtime().licence,
        "files": listing,
        "releases": published,
    }
    return respond(json.dumps(document, indent=1), "application/json", etag=etag)


def _page(listing: list[dict], published: list[dict], lang: str) -> str:
    t = i18n.texts(lang)
    rows = [
        [
            {"href": f["url"], "text": f["name"], "type": f["media_type"]},
            f["media_type"] + (" (gzip)" if f["encoding"] else ""),
            f"{f['bytes']:,}",
        ]
        for f in listing
    ]
    rows += [
        [{"href": r["url"], "text": r["version"] + "/"}, f"{t['release']} {r['issued']}", ""]
        for r in reversed(published)
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
    if name in _releases():
        return see_other(root_url() + f"downloads/{quote(name)}/")
    match = next((d for d in _dumps() if d.name == name), None)
    if match is None:
        raise NotFound(f"No download named {name!r}; GET /downloads lists them.")
    return _send(match, tag("download", match.name))


def _send(match: dumps.Dump, etag: str) -> Response:
    response = send_file(
        match.path,
        mimetype=match.media_type if match.encoding is None else "application/gzip",
        as_attachment=True,
        download_name=match.name,
        conditional=True,
        etag=etag,
        max_age=runtime().settings.cache_max_age,
    )
    response.headers.update(CORS)
    return response


# --- releases: /downloads/<version>/ ------------------------------------------------------------

_RELEASES = internal_queries.text("releases")


def _releases() -> dict[str, dict]:
    """The releases the dataset description lists: version -> date and notes per language."""

    def read() -> dict[str, dict]:
        found: dict[str, dict] = {}
        for row in store().query(_RELEASES):
            entry = found.setdefault(row["version"].value, {"issued": row["issued"].value})
            entry[row["notes"].language or "en"] = row["notes"].value
        return found

    return memo("releases", read)


def latest_release() -> tuple[str, str] | None:
    """(version, issued) of the newest release the description lists, if any."""
    listed = _releases()
    if not listed:
        return None
    version = max(listed, key=lambda v: (listed[v]["issued"], [int(x) for x in v.split(".")]))
    return version, listed[version]["issued"]


def _release_files(version: str) -> list[dumps.Dump]:
    if version not in _releases():
        known = ", ".join(sorted(_releases())) or "none"
        raise NotFound(f"No release {version!r} (releases: {known}); GET /downloads lists them.")
    archive = Path(runtime().settings.root) / releases.DIRECTORY / version / releases.ARCHIVE
    if not archive.is_file():
        raise NotFound(f"The archive of release {version} is not on this server.")
    return [
        dumps.Dump(archive.name, archive, "application/n-quads", "gzip", archive.stat().st_size)
    ]


def release(version: str) -> Response:
    """One release: its date, notes and archive, as a page or JSON."""
    files = _release_files(version)
    info = _releases()[version]
    lang = current_lang()
    listing = [
        {
            "name": d.name,
            "url": root_url() + f"downloads/{quote(version)}/{quote(d.name)}",
            "media_type": d.media_type,
            "encoding": d.encoding,
            "bytes": d.size,
        }
        for d in files
    ]
    etag = tag("release", version, lang, request.headers.get("Accept", ""))
    if formats.prefers_html(request.headers.get("Accept")):
        t = i18n.texts(lang)
        rows = [
            [{"href": f["url"], "text": f["name"]}, f"{f['media_type']} (gzip)", f"{f['bytes']:,}"]
            for f in listing
        ]
        body = lambda: page(  # noqa: E731
            "listing.html",
            lang=lang,
            heading=f"{t['release']} {version} ({info['issued']})",
            intro=info.get(lang) or info.get("en", ""),
            columns=[t["file"], t["media_type"], f"{t['size']} ({t['bytes']})"],
            rows=rows,
            alternates=[],
        )
        return respond(body, formats.HTML, etag=etag, vary=PAGE_VARY)
    notes = {k: v for k, v in info.items() if k != "issued"}
    document = {"version": version, "issued": info["issued"], "notes": notes, "files": listing}
    return respond(
        json.dumps(document, indent=1, ensure_ascii=False), "application/json", etag=etag
    )


def release_download(version: str, name: str) -> Response:
    match = next((d for d in _release_files(version) if d.name == name), None)
    if match is None:
        raise NotFound(
            f"Release {version} has no file {name!r}; GET /downloads/{version}/ lists it."
        )
    return _send(match, tag("release-download", version, name))


def release_document(version: str) -> Response:
    """``…/dataset/release/<v>`` (the release's IRI) is described in the catalogue."""
    _release_files(version)
    return see_other(root_url() + "dataset")


def sitemap() -> Response:
    def make() -> str:
        prefix = len(base()) + len("id/")
        pages = ("", "ontology", "queries", "downloads", "sparql", "map", "timeline", "browse")
        urls = [root_url() + path for path in pages]
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
