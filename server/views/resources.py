"""Things and their documents — thin glue over :mod:`server.describe`.

``/id/…`` (things) answer ``303 See Other`` to their description document by ``Accept`` (the
Cool-URIs pattern): ``/doc/…`` (HTML) or ``/doc/….ttl|.jsonld|.nt|.rdf``. Documents answer 200
with ``Vary: Accept`` and ``Link: rel="alternate"``; anything else under the base that the graph
describes (dataset partitions …) is a document too. What nothing describes is a helpful 404.
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
from flask import Response, request

from .. import describe, formats, internal_queries, iris
from ..errors import NotFound
from ..namespaces import KG, SCHEMA, compact
from ..rdf_output import serialize_triples
from . import geo
from .context import lang as current_lang
from .context import root_url, runtime
from .documents import (
    alternates,
    base,
    choose,
    link,
    page,
    split_extension,
    store,
    vocabulary,
)
from .neighbourhood import neighbours, resource_citation
from .respond import PAGE_VARY, respond, see_other, tag

_KIND_LABEL = {
    "contradicts": {"de": "Widerspruch", "en": "contradiction"},
    "updates": {"de": "überholt", "en": "outdated"},
    "refines": {"de": "Präzisierung", "en": "refinement"},
    "confirms": {"de": "bestätigt", "en": "confirmed"},
    "unconfirmed": {"de": "nicht bestätigt", "en": "not confirmed"},
}
_SUGGESTIONS = internal_queries.text("not-found-suggestions")


def thing(rest: str) -> Response:
    """``/id/…``: 303 to the document in the format asked for."""
    iri = iris.iri_for("id/" + rest, base())
    if not describe.exists(store(), iri):
        return not_found(iri)
    fmt = choose(None)
    target = root_url() + quote("doc/" + rest)
    if fmt is not formats.HTML:
        target += "." + fmt.extension
    return see_other(target)


def document(rest: str) -> Response:
    """``/doc/…`` and ``/doc/….<ext>``."""
    stem, ext = split_extension(rest)
    iri = iris.iri_for("id/" + stem, base())
    if not describe.exists(store(), iri):
        if ext is None or not describe.exists(store(), iris.iri_for("id/" + rest, base())):
            return not_found(iri)
        stem, ext, iri = rest, None, iris.iri_for("id/" + rest, base())
    return describe_document(iri, root_url() + quote("doc/" + stem), ext)


def other(rest: str) -> Response:
    """Anything else under the base that the graph describes (e.g. dataset partitions)."""
    stem, ext = split_extension(rest)
    iri = iris.iri_for(stem, base())
    if not describe.exists(store(), iri):
        return not_found(iris.iri_for(rest, base()))
    return describe_document(iri, root_url() + quote(stem), ext)


def describe_document(iri: str, doc_url: str, ext: str | None) -> Response:
    fmt = choose(ext)
    lang = current_lang()
    links = alternates(doc_url)
    etag = tag(iri, fmt.name, lang if fmt is formats.HTML else "")
    if fmt is formats.HTML:
        return respond(
            lambda: _resource_page(iri, lang, links),
            fmt,
            etag=etag,
            alternates=links,
            vary=PAGE_VARY,
        )
    return respond(
        lambda: serialize_triples(describe.description(store(), iri), fmt.name),
        fmt,
        etag=etag,
        alternates=links,
    )


def not_found(iri: str) -> Response:
    """A helpful 404: HTML with suggestions for browsers, the problem document otherwise."""
    if not formats.prefers_html(request.headers.get("Accept")):
        raise NotFound(f"No resource <{iri}> is described in KI-Graph.")
    tail = iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")[:60]
    suggestions = _suggest(tail) if tail else []
    body = page("notfound.html", iri=iri, suggestions=suggestions)
    return respond(body, formats.HTML, status=404, vary=PAGE_VARY)


def _suggest(text: str) -> list[dict]:
    rows = store().query(_SUGGESTIONS, substitutions={ox.Variable("text"): ox.Literal(text)})
    return [{"iri": r["iri"].value, "label": r["label"].value} for r in rows]


def _resource_page(iri: str, lang: str, links: list[dict]) -> str:
    vocab = vocabulary()
    view = describe.view(store(), iri, vocab)
    other_lang = "en" if lang == "de" else "de"
    name = view.labels.get(lang) or view.labels.get(other_lang) or compact(iri)
    other_name = view.labels.get(other_lang)
    return page(
        "resource.html",
        lang=lang,
        view=view,
        name=name,
        other_name=other_name if other_name and other_name != name else None,
        other_lang=other_lang,
        alternates=links,
        label=lambda p: vocab.label(p, lang),
        kind_label=lambda k: _KIND_LABEL.get(k, {}).get(lang, k),
        article_graph=describe.ARTICLE,
        corrections_graph=describe.CORRECTIONS,
        jsonld=_schema_org(view, lang),
        neighbourhood=neighbours(iri, lang, name),
        resource_citation=resource_citation(iri, name, lang),
        pinmap=geo.pin_map(iri, lang),
    )


def _schema_org(view: describe.View, lang: str) -> dict:
    """schema.org JSON-LD for search engines (embedded as data, never fetched by us)."""
    types = {t.term.value for t in view.types}
    kind = "Thing"
    if any(
        t.startswith(KG)
        and t.rsplit("#", 1)[1] in ("Cooperation", "Project", "Initiative", "FundingProgramme")
        for t in types
    ):
        kind = "Project"
    elif any(
        "Organization" in t
        or t.startswith(KG)
        and t.endswith(("Body", "Institute", "Centre", "Company", "Association"))
        for t in types
    ):
        kind = "Organization"
    elif any(
        t.startswith(SCHEMA) and t.rsplit("/", 1)[1] in ("City", "Country", "State", "Place")
        for t in types
    ):
        kind = "Place"
    elif any(
        t.startswith(KG) and t.rsplit("#", 1)[1] in ("Technology", "Topic", "Goal", "TargetGroup")
        for t in types
    ):
        kind = "DefinedTerm"
    doc = {"@context": "https://schema.org", "@type": kind, "@id": view.iri, "url": link(view.iri)}
    for key, language in (("name", lang), ("alternateName", "en" if lang == "de" else "de")):
        if view.labels.get(language):
            doc[key] = view.labels[language]
    if view.same_as:
        doc["sameAs"] = view.same_as
    if runtime().licence:  # files served with --data are the user's: no licence of ours
        doc["license"] = runtime().licence
    return doc
