"""The browser views: the query editor (YASGUI, the page of ``GET /sparql`` for browsers), the
network view ``/explore`` (Cytoscape.js) and the funding view ``/funding`` (Chart.js).

All JavaScript is served by us from ``static/`` (``static/vendor/`` is copied from npm by
``ui/build.sh``) and none is inline: page data travels in ``<script type="application/json">``
blocks, so the pages work under a ``script-src 'self'`` Content Security Policy and make no
request outside the server's origin.
"""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
from flask import Blueprint, Response

from .. import exports, formats, i18n, internal_queries, queries
from ..namespaces import ID, PREFIXES
from .context import lang as _lang
from .context import memo as _memo
from .context import root_url as _root
from .context import runtime as _runtime
from .respond import PAGE_VARY, render, respond, tag

bp = Blueprint("ui", __name__)


def _saved() -> dict[str, queries.SavedQuery]:
    from .queries import saved_queries

    return saved_queries()


# --- the query editor ----------------------------------------------------------------------

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def example_terms(query: queries.SavedQuery) -> dict[str, ox.NamedNode | ox.Literal]:
    """Each parameter's documented example (or default) as an RDF term."""
    out: dict[str, ox.NamedNode | ox.Literal] = {}
    for param in query.params:
        raw = param.example if param.example is not None else param.default
        if raw is None:
            continue
        raw = queries.yaml_text(raw)
        if param.values_query:
            out[param.name] = ox.NamedNode(raw)
        else:
            out[param.name] = queries.term(param, raw, enum_values=param.values or None)
    return out


def editor_text(query: queries.SavedQuery) -> str:
    """The saved query as a runnable editor example: its parameters' examples become a
    ``VALUES`` block at the top of the outermost ``WHERE`` group (editor text the visitor sees
    and may change — the API itself binds parameters with substitutions)."""
    terms = example_terms(query)
    text = query.text
    if not terms:
        return text
    match = _WHERE.search(text)
    block = "".join(f"  VALUES ?{name} {{ {term} }}  # parameter\n" for name, term in terms.items())
    if match is None:
        return (
            text.rstrip()
            + "\nVALUES ("
            + " ".join(f"?{n}" for n in terms)
            + ") { ("
            + (" ".join(str(t) for t in terms.values()))
            + ") }\n"
        )
    return text[: match.end()] + "\n" + block + text[match.end() :].lstrip("\n")


DEFAULT_QUERY = internal_queries.text("editor-default")


def editor_config(lang: str) -> dict:
    root = _root()
    saved = sorted(_saved().values(), key=lambda q: q.title[lang].lower())
    return {
        "endpoint": root + "sparql",
        "lang": lang,
        "prefixes": {**dict(PREFIXES), "id": ID},
        "defaultQuery": DEFAULT_QUERY,
        "texts": {k: i18n.texts(lang)[k] for k in ("chart", "graph", "no_numbers")},
        "examples": [
            {
                "name": q.name,
                "kind": q.kind,
                "title": q.title[lang],
                "description": q.description.get(lang, ""),
                "query": editor_text(q),
            }
            for q in saved
        ],
    }


def sparql_page(rt, union_de: str, union_en: str, example: str, options: list[tuple]) -> str:
    """The browser page of ``GET /sparql`` (called by :mod:`.service`)."""
    lang = _lang()
    return render(
        "sparql.html",
        lang,
        config=editor_config(lang),
        union_de=union_de,
        union_en=union_en,
        example=example,
        options=options,
        graphs=[(g, n) for g, n in rt.graphs],
    )


# --- the network view ----------------------------------------------------------------------


def network_graph():
    rt = _runtime()
    return _memo("network", lambda: exports.network(rt.store, rt.settings.root))


@bp.get("/explore")
def explore() -> Response:
    lang = _lang()
    return respond(
        lambda: _explore_page(lang), formats.HTML, etag=tag("explore", lang), vary=PAGE_VARY
    )


def _explore_page(lang: str) -> str:
    graph = network_graph()
    initiatives = sorted(
        (
            (iri, d[f"label_{lang}"])
            for iri, d in graph.nodes(data=True)
            if d["kind"] == "initiative"
        ),
        key=lambda x: x[1].lower(),
    )
    roles: dict[str, str] = {}
    for _, _, d in graph.edges(data=True):
        roles.setdefault(d["role"], d[f"label_{lang}"])
    config = {
        "data": _root() + "explore/network.json",
        "root": _root(),
        "base": _runtime().settings.base_iri,
        "lang": lang,
        "kinds": {k: v[lang] for k, v in exports.KINDS.items()},
    }
    return render(
        "explore.html",
        lang,
        config=config,
        kinds=[(k, v[lang]) for k, v in exports.KINDS.items() if k != "other"],
        roles=sorted(roles.items(), key=lambda x: x[1].lower()),
        initiatives=initiatives,
    )


@bp.get("/explore/network.json")
def network_json() -> Response:
    body = _memo(
        "network.json",
        lambda: json.dumps(exports.cytoscape(network_graph()), ensure_ascii=False),
    )
    return respond(body, "application/json", etag=tag("network.json"), vary=None)


# --- the funding view ----------------------------------------------------------------------


@bp.get("/funding")
def funding() -> Response:
    lang = _lang()
    config = {
        "data": _root() + "queries/funding-overview.json",
        "root": _root(),
        "base": _runtime().settings.base_iri,
        "lang": lang,
        "texts": _funding_texts(lang),
    }
    return respond(
        lambda: render("funding.html", lang, config=config),
        formats.HTML,
        etag=tag("funding", lang),
        vary=PAGE_VARY,
    )


def _funding_texts(lang: str) -> dict[str, str]:
    """The funding chart's texts (``funding_chart_*`` in :mod:`server.i18n`), unprefixed."""
    prefix = "funding_chart_"
    return {k[len(prefix) :]: v for k, v in i18n.texts(lang).items() if k.startswith(prefix)}
