"""``/browse`` (a page) and ``/browse.json``: the organisations and initiatives, filtered by
facets — thin glue over :mod:`server.browse`, whose catalogue is kept once per data version.

Every state of the filters is a URL (``/browse?kind=kg:Company&land=place/bayern``, each
parameter repeatable). The page offers the facets as a form of checkboxes, submitted by GET, so
it needs no JavaScript; it links only to states with fewer filters (removing one), so a crawler
that follows every link meets a handful of URLs, not every combination of values.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from .. import browse, formats, i18n, search
from .context import lang as page_lang
from .context import memo, root_url, runtime
from .documents import link
from .respond import PAGE_VARY, render, respond, tag
from .search import api_lang, index, integer

bp = Blueprint("browse", __name__)

#: the parameters the two answers take besides the facets
OTHER_PARAMETERS = ("page", "lang")


def catalogue() -> browse.Catalogue:
    def class_label(iri: str) -> dict[str, str]:
        found = index()
        return {lang: found.class_label(iri, lang) for lang in i18n.LANGUAGES}

    return memo("browse", lambda: browse.build(runtime().store, class_label))


def _state() -> tuple[browse.Catalogue, dict[str, list[str]], int]:
    """The catalogue, the filters asked for and the page; a 400 naming what is not one."""
    known = (*browse.FACETS, *OTHER_PARAMETERS)
    for name in request.args:
        if name not in known:
            raise search.bad(
                name,
                f"not a parameter of /browse (these are: {', '.join(known)})",
                f"kein Parameter von /browse (das sind: {', '.join(known)})",
            )
    found = catalogue()
    chosen = found.parse({f: request.args.getlist(f) for f in browse.FACETS})
    page = integer("page", 1, 1, 10_000)
    return found, chosen, page


def url(chosen: dict[str, list[str]], page: int = 1, *, json_too: bool = False) -> str:
    """The URL of a state of the filters (the visitor's ``lang=`` kept, if they gave one)."""
    pairs = [(facet, token) for facet, tokens in chosen.items() for token in tokens]
    if page > 1:
        pairs.append(("page", str(page)))
    if "lang" in request.args and not json_too:
        pairs.append(("lang", request.args["lang"]))
    path = "browse.json" if json_too else "browse"
    return root_url() + path + ("?" + urlencode(pairs) if pairs else "")


def answer(lang: str, found: browse.Catalogue, chosen: dict[str, list[str]], page: int) -> dict:
    """What both answers say: the page of items, the facets with counts, the links."""
    items = found.select(chosen, lang)
    pages = max(1, -(-len(items) // browse.PER_PAGE))
    if page > pages:
        raise search.bad(
            "page",
            f"{page} is beyond the last page ({pages})",
            f"{page} liegt hinter der letzten Seite ({pages})",
        )
    shown = items[(page - 1) * browse.PER_PAGE : page * browse.PER_PAGE]
    counts = found.counts(chosen)
    index_ = index()
    results = []
    for item in shown:
        entry = index_.get(item.iri)
        kinds = sorted(v for v in found.item_values[item.iri].get("kind", ()))
        results.append(
            {
                "id": item.iri,
                "name": item.name(lang),
                "kind": item.kind,
                "types": [
                    {"id": found.values["kind"][k].iri, "name": found.values["kind"][k].name(lang)}
                    for k in kinds
                ],
                "description": index_.description(entry, lang) if entry else "",
                "url": link(item.iri),
            }
        )
    facets = {}
    for facet, names in browse.FACETS.items():
        chosen_here = chosen.get(facet, [])
        facets[facet] = {
            "name": names[lang],
            "values": [
                {
                    "value": token,
                    "id": value.iri,
                    "name": value.name(lang),
                    "count": counts[facet][token],
                    "selected": token in chosen_here,
                }
                for token, value in sorted(
                    found.values[facet].items(),
                    key=lambda kv: (search.fold(kv[1].name(lang)), kv[0]),
                )
                if counts[facet][token] or token in chosen_here
            ],
        }
    return {
        "lang": lang,
        "filters": chosen,
        "total": len(items),
        "page": page,
        "pages": pages,
        "per_page": browse.PER_PAGE,
        "results": results,
        "facets": facets,
    }


@bp.get("/browse.json")
def browse_json() -> Response:
    found, chosen, page = _state()
    lang = api_lang()

    def body() -> str:
        doc = answer(lang, found, chosen, page)
        doc["links"] = {
            "self": url(chosen, page, json_too=True),
            "page": url(chosen, page),
            **({"prev": url(chosen, page - 1, json_too=True)} if page > 1 else {}),
            **({"next": url(chosen, page + 1, json_too=True)} if page < doc["pages"] else {}),
        }
        return json.dumps(doc, ensure_ascii=False)

    etag = tag("browse.json", json.dumps(chosen), str(page), lang)
    return respond(body, "application/json", etag=etag, vary="Accept-Language")


@bp.get("/browse")
def browse_page() -> Response:
    found, chosen, page = _state()
    lang = page_lang()

    def body() -> str:
        doc = answer(lang, found, chosen, page)
        active = [
            {
                "facet": browse.FACETS[facet][lang],
                "name": found.values[facet][token].name(lang),
                "href": url(
                    {f: [x for x in ts if (f, x) != (facet, token)] for f, ts in chosen.items()}
                ),
            }
            for facet, tokens in chosen.items()
            for token in tokens
        ]
        t = i18n.texts(lang)
        return render(
            "browse.html",
            lang,
            doc=doc,
            active=active,
            clear_url=url({}),
            json_url=url(chosen, page, json_too=True),
            prev_url=url(chosen, page - 1) if page > 1 else None,
            next_url=url(chosen, page + 1) if page < doc["pages"] else None,
            page_text=t["browse_page_of"].format(page=page, pages=doc["pages"]),
            kind_names={k: search.KINDS[k][lang] for k in ("initiative", "organisation")},
        )

    etag = tag("browse", json.dumps(chosen), str(page), lang)
    return respond(body, formats.HTML, etag=etag, vary=PAGE_VARY)
