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
from .documents import link
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
        "texts": {
            **{k: i18n.texts(lang)[k] for k in ("chart", "graph", "no_numbers", "page_size")},
            "editor": i18n.texts(lang)["editor_title"],
        },
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
        groups=_node_groups(graph, lang),
    )


def _node_groups(graph, lang: str) -> list[dict]:
    """Every node of the network by kind, for the list beside the drawing: the way to the nodes
    for keyboards and screen readers, and the whole view without JavaScript."""
    groups = []
    for kind, names in exports.KINDS.items():
        nodes = sorted(
            (
                {
                    "iri": iri,
                    "href": link(iri),
                    "label": d[f"label_{lang}"],
                    "degree": graph.degree(iri),
                }
                for iri, d in graph.nodes(data=True)
                if d["kind"] == kind
            ),
            key=lambda n: n["label"].lower(),
        )
        if nodes:
            groups.append({"kind": kind, "label": names[lang], "nodes": nodes})
    return groups


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
        lambda: render("funding.html", lang, config=config, grants=_grant_rows(lang)),
        formats.HTML,
        etag=tag("funding", lang),
        vary=PAGE_VARY,
    )


def _grant_rows(lang: str) -> list[dict]:
    return _memo(f"grants-{lang}", lambda: _grants(lang))


def _grants(lang: str) -> list[dict]:
    """The table under the funding chart, one row per grant (as static/js/funding.js groups
    them for the chart): rendered here, so it is there without JavaScript too."""
    t = _funding_texts(lang)
    article = _runtime().settings.base_iri + "graph/article"
    grants: dict[str, dict] = {}
    for row in _runtime().store.query(_saved()["funding-overview"].text):

        def val(name: str, row=row) -> str | None:
            term = row[name]
            return term.value if term is not None else None

        grant = grants.get(val("grant"))
        if grant is None:
            amount, most = val("amount"), val("max_amount")
            grant = grants[val("grant")] = {
                "iri": val("grant"),
                "initiative": val("initiative"),
                "name": val(f"initiative_{lang}") or val("initiative_de") or val("initiative"),
                "amount": float(amount) if amount is not None else None,
                "max": float(most) if most is not None else None,
                "period": val("period"),
                "source": "article" if val("graph") == article else "later",
                "funders": {},
            }
        funder = val("funder")
        grant["funders"].setdefault(funder, (val("funder_de") or funder, val("share")))
    rows = []
    for g in grants.values():
        funders = g["funders"].values()
        funder_text = ", ".join(
            name + (f" ({t['share']} {_number(float(share) * 100, lang)} %)" if share else "")
            for name, share in funders
        )
        if len(funders) > 1 and not any(share for _, share in funders):
            funder_text += f" — {t['jointly']}"
        per = f" {t['per_year']}" if g["period"] == "P1Y" else ""
        if g["amount"] is not None:
            amount, cls = f"{_number(g['amount'] / 1e6, lang)} {t['million']}{per}", ""
        elif g["max"] is not None:
            amount = f"{t['up_to']} {_number(g['max'] / 1e6, lang)} {t['million']}{per}"
            cls = "bound"
        else:
            amount, cls = t["unstated"], "unstated"
        rows.append(
            {
                "name": g["name"],
                "href": link(g["initiative"]),
                "funders": funder_text,
                "amount": amount,
                "class": cls,
                "period": t["per_year"] if g["period"] == "P1Y" else g["period"] or "–",
                "source": t[g["source"]],
                "source_href": link(g["iri"]),
            }
        )
    return rows


def _number(x: float, lang: str) -> str:
    """At most one decimal, as the chart's Intl.NumberFormat writes it (1.234,5 or 1,234.5)."""
    text = f"{round(x, 1):,.1f}".removesuffix(".0")
    return text.translate(str.maketrans(",.", ".,")) if lang == "de" else text


def _funding_texts(lang: str) -> dict[str, str]:
    """The funding chart's texts (``funding_chart_*`` in :mod:`server.i18n`), unprefixed."""
    prefix = "funding_chart_"
    return {k[len(prefix) :]: v for k, v in i18n.texts(lang).items() if k.startswith(prefix)}
