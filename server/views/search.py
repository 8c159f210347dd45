"""Search by name: ``GET /api/search`` (JSON, for autocompletion and the UI) and ``GET /search``
(the results page, grouped by kind) — thin glue over :mod:`server.search`, whose index is kept
once per data version in the runtime's memo."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from .. import formats, i18n, search
from .context import lang as page_lang
from .context import memo, runtime
from .documents import link
from .respond import PAGE_VARY, render, respond, tag

bp = Blueprint("search", __name__)

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
#: hits the page shows
PAGE_LIMIT = 100


def index() -> search.Index:
    """The search index of the data version served."""
    return memo("search-index", lambda: search.build_index(runtime().store))


def one(name: str) -> str | None:
    """The parameter ``name``, given at most once (else a 400 naming it)."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise search.bad(
            name, f"given {len(values)} times; give it once", f"{len(values)}-mal angegeben"
        )
    return values[0] if values else None


def integer(name: str, default: int, low: int, high: int) -> int:
    """The integer parameter ``name`` (default ``default``), between ``low`` and ``high``."""
    raw = one(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise search.bad(
            name,
            f"{raw[:50]!r} is not an integer from {low} to {high}",
            f"{raw[:50]!r} ist keine ganze Zahl von {low} bis {high}",
        )
    return value


def api_lang() -> str:
    """``lang=de|en`` (anything else is a 400), else by ``Accept-Language``."""
    raw = one("lang")
    if raw is not None and raw not in i18n.LANGUAGES:
        raise search.bad(
            "lang", f"{raw[:20]!r} is not 'de' or 'en'", f"{raw[:20]!r} ist nicht 'de' oder 'en'"
        )
    return i18n.choose(raw, request.headers.get("Accept-Language"))


@bp.get("/api/search")
def api_search() -> Response:
    q = one("q")
    if q is None or not q.strip():
        raise search.bad("q", "give the text to search for", "fehlt: der Suchtext")
    if len(q) > search.MAX_QUERY:
        raise search.bad(
            "q",
            f"longer than {search.MAX_QUERY} characters",
            f"länger als {search.MAX_QUERY} Zeichen",
        )
    types = request.args.getlist("type")
    kinds, classes = search.parse_types(types)
    lang = api_lang()
    limit = integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = integer("offset", 0, 0, 10_000)

    def body() -> str:
        found = index()
        hits = found.search(q, lang, kinds=kinds, types=classes, limit=limit + 1, offset=offset)
        results = []
        for hit in hits[:limit]:
            item = search.hit_json(found, hit, lang)
            item["url"] = link(hit.entry.iri)
            results.append(item)
        answer = {
            "query": q,
            "lang": lang,
            "type": sorted(kinds | classes),
            "limit": limit,
            "offset": offset,
            "results": results,
            "more": len(hits) > limit,
        }
        return json.dumps(answer, ensure_ascii=False)

    etag = tag("api/search", q, lang, ",".join(sorted(kinds | classes)), str(limit), str(offset))
    return respond(body, "application/json", etag=etag, vary="Accept-Language")


@bp.get("/search")
def search_page() -> Response:
    lang = page_lang()
    q = (request.args.get("q") or "").strip()[: search.MAX_QUERY]
    kind = request.args.get("type") or ""
    if kind not in search.KINDS:
        kind = ""  # a page shows what it can; the API says what is wrong

    def body() -> str:
        found = index()
        hits = found.search(q, lang, kinds=[kind] if kind else None, limit=PAGE_LIMIT) if q else []
        groups = []
        for name, spec in search.KINDS.items():
            members = [
                {
                    "href": link(h.entry.iri),
                    "name": h.entry.name(lang),
                    "description": found.description(h.entry, lang),
                    "matched": h.name.text
                    if search.fold(h.name.text) != search.fold(h.entry.name(lang))
                    else None,
                }
                for h in hits
                if h.entry.kind == name
            ]
            if members:
                groups.append({"kind": name, "title": spec["plural"][lang], "hits": members})
        api = {"q": q, "lang": lang, **({"type": kind} if kind else {})}
        return render(
            "search.html",
            lang,
            q=q,
            kind=kind,
            kinds=[(k, spec["plural"][lang]) for k, spec in search.KINDS.items()],
            groups=groups,
            count=len(hits),
            json_url="api/search?" + urlencode(api) if q else None,
        )

    return respond(body, formats.HTML, etag=tag("search", q, kind, lang), vary=PAGE_VARY)
