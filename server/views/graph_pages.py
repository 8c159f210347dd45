"""The dataset's own documents: the home page (``/``), the ontology (``/ontology``, a hash
namespace), the shapes (``/shapes``), a named graph (``/graph/<name>``) and the DCAT/VoID
description (``/dataset``, ``/.well-known/void``) — each a page for browsers, RDF otherwise."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

import pyoxigraph as ox
from flask import Response, request

from .. import formats, i18n, internal_queries
from ..citation import cite
from ..errors import NotFound
from ..namespaces import GRAPH, OWL, RDF, RDFS, SKOS, compact
from ..rdf_output import serialize_triples
from . import catalogue_page, downloads
from .context import lang as current_lang
from .context import memo, root_url, runtime
from .documents import (
    BY_EXTENSION,
    alternates,
    base,
    choose,
    graph_triples,
    link,
    page,
    split_extension,
    store,
)
from .respond import PAGE_VARY, respond, see_other, tag

_LANG = ox.Variable("lang")
_DATASET = ox.Variable("dataset")
_Q = {
    name: internal_queries.text(name)
    for name in (
        "home-cooperations",
        "home-dataset",
        "void-counts",
        "ontology-terms",
        "ontology-term-uses",
        "ontology-header",
    )
}


# --- the home page ---------------------------------------------------------------------------


def home() -> Response:
    """The home page for browsers; machines asking for / get the dataset description (VoID),
    as linked-data crawlers expect."""
    lang = current_lang()
    if not formats.prefers_html(request.headers.get("Accept")):
        return see_other(root_url() + "dataset")
    return respond(
        memo(f"home-{lang}", lambda: _home_page(lang)),
        formats.HTML,
        etag=tag("home", lang),
        vary=PAGE_VARY,
    )


def _home_page(lang: str) -> str:
    db = store()
    in_lang = {_LANG: ox.Literal(lang)}
    cooperations = [
        {
            "iri": r["c"].value,
            "rank": r["rank"].value,
            "name": r["name"].value,
            "characterisation": r["characterisation"].value if r["characterisation"] else "",
        }
        for r in db.query(_Q["home-cooperations"], substitutions=in_lang)
    ]
    dataset = {_DATASET: ox.NamedNode(base() + "dataset"), **in_lang}
    rows = list(db.query(_Q["home-dataset"], substitutions=dataset))
    title = rows[0]["title"].value if rows else "KI-Graph"
    description = rows[0]["description"].value if rows else ""
    total = sum(count for _, count in runtime().graphs)
    graphs, version = len(runtime().graphs), db.data_version[:12]
    stats = (
        f"{total:,} Tripel in {graphs} benannten Graphen · Datenversion {version}"
        if lang == "de"
        else f"{total:,} triples in {graphs} named graphs · data version {version}"
    )
    published = downloads.latest_release()
    return page(
        "home.html",
        lang=lang,
        title=title,
        description=description,
        stats=stats,
        counts=_void_counts(lang),
        cooperations=cooperations,
        citation=cite(*published, lang) if published else None,
    )


_COUNTED = (  # (VoID figure or class partition, German, English)
    ("void:triples", "Tripel", "triples"),
    ("void:distinctSubjects", "beschriebene Dinge", "described things"),
    ("kg:Cooperation", "Kooperationen", "cooperations"),
    ("kg:Project", "Projekte", "projects"),
    ("kg:Technology", "Technologien", "technologies"),
    ("schema:MonetaryGrant", "Förderungen", "grants"),
    ("kg:Passage", "belegte Textstellen", "source passages"),
    ("kg:Correction", "Korrekturen", "corrections"),
)


def _void_counts(lang: str) -> list[dict]:
    """Figures of the VoID description (…/graph/dataset) for the home page."""
    dataset = {_DATASET: ox.NamedNode(base() + "dataset")}
    found = {
        compact(r["key"].value): int(r["n"].value)
        for r in store().query(_Q["void-counts"], substitutions=dataset)
    }
    return [
        {"n": found[key], "label": de if lang == "de" else en}
        for key, de, en in _COUNTED
        if key in found
    ]


# --- the ontology ------------------------------------------------------------------------------


def ontology(ext: str | None = None, version: str | None = None) -> Response:
    if ext is not None and ext not in BY_EXTENSION:
        raise NotFound(f"No ontology document with extension .{ext}")
    fmt = choose(ext)
    lang = current_lang()
    links = alternates(root_url() + "ontology")
    etag = tag("ontology", fmt.name, lang)
    if fmt is not formats.HTML:
        return respond(
            lambda: serialize_triples(graph_triples("ontology"), fmt.name),
            fmt,
            etag=etag,
            alternates=links,
        )
    return respond(
        lambda: memo(f"ontology-page-{lang}", lambda: _ontology_page(lang, links)),
        fmt,
        etag=etag,
        alternates=links,
        vary=PAGE_VARY,
    )


def _ontology_page(lang: str, links: list[dict]) -> str:
    db = store()
    terms: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    for row in db.query(_Q["ontology-terms"]):
        terms[row["term"].value][row["p"].value].append(row["o"])
    uses = {row["term"].value: int(row["n"].value) for row in db.query(_Q["ontology-term-uses"])}
    classes, properties, individuals = [], [], []
    for iri, props in sorted(terms.items()):
        kinds = [compact(o.value) for o in props.get(RDF + "type", [])]

        def texts(p: str, props=props) -> dict[str, str]:
            return {o.language or "de": o.value for o in props.get(p, [])}

        entry = {
            "iri": iri,
            "local": iri.rsplit("#", 1)[-1],
            "kinds": kinds,
            "label": texts(RDFS + "label"),
            "definition": texts(SKOS + "definition"),
            "supers": [
                o.value
                for o in props.get(RDFS + "subClassOf", []) + props.get(RDFS + "subPropertyOf", [])
            ],
            "domain": [o.value for o in props.get(RDFS + "domain", [])],
            "range": [o.value for o in props.get(RDFS + "range", [])],
            "alignments": [
                o.value
                for o in props.get(SKOS + "closeMatch", []) + props.get(OWL + "inverseOf", [])
            ],
            "uses": uses.get(iri, 0),
        }
        if "owl:Class" in kinds:
            classes.append(entry)
        elif any(
            k in ("owl:ObjectProperty", "owl:DatatypeProperty", "rdf:Property") for k in kinds
        ):
            properties.append(entry)
        else:
            individuals.append(entry)
    header = {}
    for row in db.query(_Q["ontology-header"], substitutions={_LANG: ox.Literal(lang)}):
        header = {
            "iri": "https://w3id.org/kigraph/ontology",
            "title": row["title"].value,
            "description": row["description"].value,
            "version": row["version"].value,
            "licence": row["licence"].value,
        }
    return page(
        "ontology.html",
        lang=lang,
        header=header,
        classes=classes,
        properties=properties,
        individuals=individuals,
        alternates=links,
    )


# --- the shapes, a named graph, the dataset description ------------------------------------


def shapes(ext: str | None = None) -> Response:
    return _graph_document("shapes", ext, root_url() + "shapes")


def named_graph(name: str) -> Response:
    stem, ext = split_extension(name)
    return _graph_document(stem, ext, root_url() + "graph/" + quote(stem))


def dataset(ext: str | None = None) -> Response:
    """The DCAT-AP catalogue: the stored description plus each download's size and checksum."""
    return _graph_document("dataset", ext, root_url() + "dataset", read=downloads.catalogue_triples)


def _graph_document(name: str, ext: str | None, doc_url: str, read=None) -> Response:
    """``read`` gives the triples when the document is more than the stored graph ``name``."""
    if ext is not None and ext not in BY_EXTENSION:
        raise NotFound(f"No document with extension .{ext}")
    triples = read() if read is not None else graph_triples(name)
    fmt = choose(ext)
    lang = current_lang()
    links = alternates(doc_url)
    etag = tag("graph", name, fmt.name, lang)
    if fmt is not formats.HTML:
        return respond(
            lambda: serialize_triples(triples, fmt.name), fmt, etag=etag, alternates=links
        )
    if name == "dataset":
        body = lambda: catalogue_page.render(triples, lang, links)  # noqa: E731
    else:
        body = lambda: _graph_page(name, len(triples), lang, links)  # noqa: E731
    return respond(body, fmt, etag=etag, alternates=links, vary=PAGE_VARY)


def _graph_page(name: str, size: int, lang: str, links: list[dict]) -> str:
    t = i18n.texts(lang)
    rows = [
        [{"href": link(graph), "text": graph}, f"{count:,}"] for graph, count in runtime().graphs
    ]
    intro = f"{size:,} {t['triples']}."
    return page(
        "listing.html",
        lang=lang,
        heading=f"{GRAPH}{name}",
        intro=intro,
        columns=[t["graphs"], t["triples"]],
        rows=rows,
        alternates=links,
    )
