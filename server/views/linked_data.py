"""Linked data: every IRI under the base dereferences — thin glue over :mod:`server.describe`.

- ``/id/…`` (things) answer ``303 See Other`` to their description document by ``Accept``
  (the Cool-URIs pattern): ``/doc/…`` (HTML) or ``/doc/….ttl|.jsonld|.nt|.rdf``.
- ``/doc/…`` documents answer 200 with ``Vary: Accept`` and ``Link: rel="alternate"``.
- ``/ontology`` (hash namespace), ``/shapes``, ``/graph/<name>``, ``/dataset`` and
  ``/.well-known/void``: the ontology, shapes, a named graph, the DCAT/VoID description.
- ``/store?graph=…`` / ``?default`` (the read-only Graph Store Protocol) is answered in
  :mod:`.graph_store`, on the query operation's streaming path.
- ``/downloads``: dumps written once per data version; ``/sitemap.xml``, ``/robots.txt``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request, send_file

from .. import describe, dumps, formats, i18n, iris
from ..errors import NotFound
from ..namespaces import GRAPH, ID, KG, OWL, RDF, RDFS, SCHEMA, SKOS, compact
from ..rdf_output import serialize_triples
from .context import lang as _lang
from .context import memo as _memo
from .context import root_url as _root
from .context import runtime as _runtime

bp = Blueprint("linked_data", __name__)

RDF_FORMATS = (formats.TURTLE, formats.JSONLD, formats.NTRIPLES, formats.RDFXML)
PAGE_FORMATS = (formats.HTML, *RDF_FORMATS)
_BY_EXTENSION = {f.extension: f for f in RDF_FORMATS} | {"html": formats.HTML}
CORS = {"Access-Control-Allow-Origin": "*"}
_KIND_LABEL = {
    "contradicts": {"de": "Widerspruch", "en": "contradiction"},
    "updates": {"de": "überholt", "en": "outdated"},
    "refines": {"de": "Präzisierung", "en": "refinement"},
    "confirms": {"de": "bestätigt", "en": "confirmed"},
    "unconfirmed": {"de": "nicht bestätigt", "en": "not confirmed"},
}


# --- per-request context -----------------------------------------------------------------


def _store():
    return _runtime().store


def _base() -> str:
    return _runtime().settings.base_iri


def _vocab() -> describe.Vocabulary:
    return _memo("vocabulary", lambda: describe.vocabulary(_store()))


def _link(iri: str) -> str:
    return iris.url_for_iri(iri, _root(), _base())


def _choose(explicit_ext: str | None, offered=PAGE_FORMATS) -> formats.Format:
    if explicit_ext:
        return _BY_EXTENSION[explicit_ext]
    accept = request.headers.get("Accept")
    param = request.args.get("format")
    if not param and formats.HTML in offered and formats.prefers_html(accept):
        return formats.HTML
    rdf_only = tuple(f for f in offered if f is not formats.HTML)
    if param and param.lower() == "html" and formats.HTML in offered:
        return formats.HTML
    return formats.negotiate(accept, rdf_only, param)


def _split_extension(rest: str) -> tuple[str, str | None]:
    stem, dot, ext = rest.rpartition(".")
    if dot and ext in _BY_EXTENSION and stem:
        return stem, ext
    return rest, None


def _alternates(doc_url: str) -> list[dict]:
    return [
        {"name": f.name, "type": f.essence, "href": f"{doc_url}.{f.extension}"} for f in RDF_FORMATS
    ]


def _etag(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join((_runtime().version, *parts)).encode()).hexdigest()
    return f'"{digest[:32]}"'


def _respond(
    body: bytes | str,
    fmt: formats.Format,
    etag: str,
    *,
    links: list[dict] = (),
    vary: str = "Accept",
) -> Response:
    if request.if_none_match and etag.strip('"') in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(body, status=200, content_type=fmt.media_type)
    headers = response.headers
    headers["ETag"] = etag
    headers["Vary"] = vary
    headers["Cache-Control"] = _runtime().cache_control
    headers.update(CORS)
    if links:
        headers["Link"] = ", ".join(
            f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in links
        )
    return response


def _render(template: str, **context) -> str:
    lang = context.pop("lang", None) or _lang()
    return render_template(
        template,
        lang=lang,
        t=i18n.texts(lang),
        root=_root(),
        link=_link,
        compact=compact,
        **context,
    )


def _not_found(iri: str) -> Response:
    """A helpful 404: HTML with suggestions for browsers, the problem document otherwise."""
    if not formats.prefers_html(request.headers.get("Accept")):
        raise NotFound(f"No resource <{iri}> is described in KI-Graph.")
    tail = iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")[:60]
    suggestions = _suggest(tail) if tail else []
    body = _render("notfound.html", iri=iri, suggestions=suggestions)
    response = Response(body, status=404, content_type=formats.HTML.media_type)
    response.headers["Vary"] = "Accept"
    return response


def _suggest(text: str) -> list[dict]:
    import pyoxigraph as ox

    query = f"""PREFIX rdfs: <{RDFS}>
SELECT DISTINCT ?text ?iri ?label WHERE {{
  ?iri rdfs:label ?label .
  FILTER(isIRI(?iri) && STRSTARTS(STR(?iri), "{ID}"))
  FILTER(CONTAINS(LCASE(STR(?label)), LCASE(?text)))
}} ORDER BY STRLEN(?label) LIMIT 8"""
    rows = _store().query(query, substitutions={ox.Variable("text"): ox.Literal(text)})
    return [{"iri": r["iri"].value, "label": r["label"].value} for r in rows]


# --- the home page ---------------------------------------------------------------------------


@bp.get("/")
def home() -> Response:
    lang = _lang()
    if not formats.prefers_html(request.headers.get("Accept")):
        return _describe_graph_redirect()
    return _respond(
        _memo(f"home-{lang}", lambda: _home_page(lang)),
        formats.HTML,
        _etag("home", lang),
        vary="Accept, Accept-Language",
    )


def _describe_graph_redirect() -> Response:
    """Machines asking for / get the dataset description (VoID), as linked-data crawlers expect."""
    response = Response(
        status=303, headers={"Location": _root() + "dataset", "Vary": "Accept", **CORS}
    )
    return response


def _home_page(lang: str) -> str:
    store = _store()
    query = f"""PREFIX kg: <{KG}> PREFIX rdfs: <{RDFS}>
SELECT ?c ?rank ?name ?characterisation WHERE {{
  GRAPH <{GRAPH}article> {{ ?c a kg:Cooperation ; kg:articleRank ?rank }}
  ?c rdfs:label ?name FILTER(LANG(?name) = "{lang}")
  OPTIONAL {{ ?c kg:characterisation ?characterisation FILTER(LANG(?characterisation) = "{lang}") }}
}} ORDER BY ?rank"""
    cooperations = [
        {
            "iri": r["c"].value,
            "rank": r["rank"].value,
            "name": r["name"].value,
            "characterisation": r["characterisation"].value if r["characterisation"] else "",
        }
        for r in store.query(query)
    ]
    meta = f"""PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?title ?description WHERE {{ GRAPH <{GRAPH}dataset> {{
  <{_base()}dataset> dcterms:title ?title ; dcterms:description ?description
  FILTER(LANG(?title) = "{lang}" && LANG(?description) = "{lang}") }} }}"""
    rows = list(store.query(meta))
    title = rows[0]["title"].value if rows else "KI-Graph"
    description = rows[0]["description"].value if rows else ""
    total = sum(count for _, count in _runtime().graphs)
    graphs, version = len(_runtime().graphs), store.data_version[:12]
    stats = (
        f"{total:,} Tripel in {graphs} benannten Graphen · Datenversion {version}"
        if lang == "de"
        else f"{total:,} triples in {graphs} named graphs · data version {version}"
    )
    return _render(
        "home.html",
        lang=lang,
        title=title,
        description=description,
        stats=stats,
        counts=_void_counts(lang),
        cooperations=cooperations,
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
    void = "http://rdfs.org/ns/void#"
    dataset = f"<{_base()}dataset>"
    query = f"""PREFIX void: <{void}>
SELECT ?key ?n WHERE {{ GRAPH <{GRAPH}dataset> {{
  {{ {dataset} ?key ?n FILTER(?key IN (void:triples, void:distinctSubjects)) }}
  UNION {{ {dataset} void:classPartition [ void:class ?key ; void:entities ?n ] }} }} }}"""
    found = {compact(r["key"].value): int(r["n"].value) for r in _store().query(query)}
    return [
        {"n": found[key], "label": de if lang == "de" else en}
        for key, de, en in _COUNTED
        if key in found
    ]


# --- things and their documents -----------------------------------------------------------


@bp.get("/id/<path:rest>")
def thing(rest: str) -> Response:
    iri = iris.iri_for("id/" + rest, _base())
    if not describe.exists(_store(), iri):
        return _not_found(iri)
    fmt = _choose(None)
    target = _root() + quote("doc/" + rest)
    if fmt is not formats.HTML:
        target += "." + fmt.extension
    response = Response(status=303, headers={"Location": target, "Vary": "Accept", **CORS})
    response.headers["Cache-Control"] = _runtime().cache_control
    return response


@bp.get("/doc/<path:rest>")
def document(rest: str) -> Response:
    stem, ext = _split_extension(rest)
    iri = iris.iri_for("id/" + stem, _base())
    store = _store()
    if not describe.exists(store, iri):
        if ext is None or not describe.exists(store, iris.iri_for("id/" + rest, _base())):
            return _not_found(iri)
        stem, ext, iri = rest, None, iris.iri_for("id/" + rest, _base())
    return _describe_document(iri, _root() + quote("doc/" + stem), ext)


def _describe_document(iri: str, doc_url: str, ext: str | None) -> Response:
    fmt = _choose(ext)
    lang = _lang()
    links = _alternates(doc_url)
    etag = _etag(iri, fmt.name, lang if fmt is formats.HTML else "")
    if fmt is formats.HTML:
        body = _resource_page(iri, lang, links)
        return _respond(body, fmt, etag, links=links, vary="Accept, Accept-Language")
    return _respond(
        serialize_triples(describe.description(_store(), iri), fmt.name), fmt, etag, links=links
    )


def _resource_page(iri: str, lang: str, links: list[dict]) -> str:
    vocab = _vocab()
    view = describe.view(_store(), iri, vocab)
    other = "en" if lang == "de" else "de"
    name = view.labels.get(lang) or view.labels.get(other) or compact(iri)
    other_name = view.labels.get(other)
    return _render(
        "resource.html",
        lang=lang,
        view=view,
        name=name,
        other_name=other_name if other_name and other_name != name else None,
        other_lang=other,
        alternates=links,
        label=lambda p: vocab.label(p, lang),
        kind_label=lambda k: _KIND_LABEL.get(k, {}).get(lang, k),
        article_graph=describe.ARTICLE,
        corrections_graph=describe.CORRECTIONS,
        jsonld=_schema_org(view, lang),
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
    doc = {"@context": "https://schema.org", "@type": kind, "@id": view.iri, "url": _link(view.iri)}
    for key, language in (("name", lang), ("alternateName", "en" if lang == "de" else "de")):
        if view.labels.get(language):
            doc[key] = view.labels[language]
    if view.same_as:
        doc["sameAs"] = view.same_as
    doc["license"] = "https://creativecommons.org/licenses/by/4.0/"
    return doc


# --- the ontology and the shapes ----------------------------------------------------------


def _graph_triples(name: str):
    import pyoxigraph as ox

    graph = GRAPH + name
    if not _store().has_graph(graph):
        raise NotFound(f"No graph <{graph}> in this dataset.")
    return [ox.Triple(q.subject, q.predicate, q.object) for q in _store().quads(graph)]


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
@bp.get("/ontology/<version>")
def ontology(ext: str | None = None, version: str | None = None) -> Response:
    if ext is not None and ext not in _BY_EXTENSION:
        raise NotFound(f"No ontology document with extension .{ext}")
    fmt = _choose(ext)
    lang = _lang()
    doc_url = _root() + "ontology"
    links = _alternates(doc_url)
    etag = _etag("ontology", fmt.name, lang)
    if fmt is not formats.HTML:
        return _respond(
            serialize_triples(_graph_triples("ontology"), fmt.name), fmt, etag, links=links
        )
    body = _memo(f"ontology-page-{lang}", lambda: _ontology_page(lang, links))
    return _respond(body, fmt, etag, links=links, vary="Accept, Accept-Language")


def _ontology_page(lang: str, links: list[dict]) -> str:
    store = _store()
    terms: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    query = f"""PREFIX rdfs: <{RDFS}>
SELECT ?term ?p ?o WHERE {{ GRAPH <{GRAPH}ontology> {{
  ?term rdfs:isDefinedBy <https://w3id.org/kigraph/ontology> ; ?p ?o }} }}"""
    for row in store.query(query):
        terms[row["term"].value][row["p"].value].append(row["o"])
    uses = {
        row["term"].value: int(row["n"].value)
        for row in store.query(
            f"""SELECT ?term (COUNT(*) AS ?n) WHERE {{
  GRAPH ?g {{ {{ ?s ?term ?o }} UNION {{ ?s a ?term }} }}
  FILTER(STRSTARTS(STR(?term), "{KG}") && ?g != <{GRAPH}ontology>)
}} GROUP BY ?term"""
        )
    }
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
    for row in store.query(
        f"""PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX owl: <{OWL}>
SELECT ?title ?description ?version ?licence WHERE {{ GRAPH <{GRAPH}ontology> {{
  <https://w3id.org/kigraph/ontology> dcterms:title ?title ; dcterms:description ?description ;
      owl:versionIRI ?version ; dcterms:license ?licence .
  FILTER(LANG(?title) = "{lang}" && LANG(?description) = "{lang}") }} }}"""
    ):
        header = {
            "iri": "https://w3id.org/kigraph/ontology",
            "title": row["title"].value,
            "description": row["description"].value,
            "version": row["version"].value,
            "licence": row["licence"].value,
        }
    return _render(
        "ontology.html",
        lang=lang,
        header=header,
        classes=classes,
        properties=properties,
        individuals=individuals,
        alternates=links,
    )


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:
    return _graph_document("shapes", ext, _root() + "shapes")


@bp.get("/graph/<name>")
def named_graph(name: str) -> Response:
    stem, ext = _split_extension(name)
    return _graph_document(stem, ext, _root() + "graph/" + quote(stem))


@bp.get("/dataset")
@bp.get("/dataset.<ext>")
@bp.get("/.well-known/void")
def dataset(ext: str | None = None) -> Response:
    return _graph_document("dataset", ext, _root() + "dataset")


def _graph_document(name: str, ext: str | None, doc_url: str) -> Response:
    if ext is not None and ext not in _BY_EXTENSION:
        raise NotFound(f"No document with extension .{ext}")
    triples = _graph_triples(name)
    fmt = _choose(ext)
    lang = _lang()
    links = _alternates(doc_url)
    etag = _etag("graph", name, fmt.name, lang)
    if fmt is not formats.HTML:
        return _respond(serialize_triples(triples, fmt.name), fmt, etag, links=links)
    t = i18n.texts(lang)
    rows = [
        [{"href": _link(graph), "text": graph}, f"{count:,}"] for graph, count in _runtime().graphs
    ]
    body = _render(
        "listing.html",
        lang=lang,
        heading=f"{GRAPH}{name}" if name != "dataset" else t["dataset"],
        intro=(
            f"{len(triples):,} {t['triples']}. "
            + (
                "Beschreibung des Datensatzes nach DCAT und VoID."
                if lang == "de"
                else "The dataset's description in DCAT and VoID."
            )
            if name == "dataset"
            else f"{len(triples):,} {t['triples']}."
        ),
        columns=[t["graphs"], t["triples"]],
        rows=rows,
        alternates=links,
    )
    return _respond(body, fmt, etag, links=links, vary="Accept, Accept-Language")


# --- downloads, sitemap, robots -----------------------------------------------------------


def _dumps() -> list[dumps.Dump]:
    store = _store()
    directory = dumps.directory_for(store, _runtime().settings)
    root = _runtime().settings.root
    return _memo("dumps", lambda: dumps.ensure_graph_exports(store, directory, root))


@bp.get("/downloads")
def downloads() -> Response:
    files = _dumps()
    lang = _lang()
    t = i18n.texts(lang)
    listing = [
        {
            "name": d.name,
            "url": _root() + "downloads/" + d.name,
            "media_type": d.media_type,
            "encoding": d.encoding,
            "bytes": d.size,
        }
        for d in files
    ]
    etag = _etag("downloads", lang, request.headers.get("Accept", ""))
    if formats.prefers_html(request.headers.get("Accept")):
        rows = [
            [
                {"href": f["url"], "text": f["name"], "type": f["media_type"]},
                f["media_type"] + (" (gzip)" if f["encoding"] else ""),
                f"{f['bytes']:,}",
            ]
            for f in listing
        ]
        body = _render(
            "listing.html",
            lang=lang,
            heading=t["downloads"],
            intro=t["downloads_intro"],
            columns=[t["file"], t["media_type"], f"{t['size']} ({t['bytes']})"],
            rows=rows,
            alternates=[],
        )
        return _respond(body, formats.HTML, etag, vary="Accept, Accept-Language")
    import json

    body = json.dumps(
        {
            "data_version": _store().data_version,
            "licence": "https://creativecommons.org/licenses/by/4.0/",
            "files": listing,
        },
        indent=1,
    )
    response = _respond(body, formats.HTML, etag)
    response.content_type = "application/json"
    return response


@bp.get("/downloads/<name>")
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
        etag=_etag("download", match.name).strip('"'),
        max_age=_runtime().settings.cache_max_age,
    )
    response.headers.update(CORS)
    return response


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    from xml.sax.saxutils import escape

    def make() -> str:
        query = (
            "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && "
            f'STRSTARTS(STR(?s), "{ID}") && !STRSTARTS(STR(?s), "{ID}statement/")) }} ORDER BY ?s'
        )
        base = _base()
        urls = [
            _root(),
            _root() + "ontology",
            _root() + "queries",
            _root() + "downloads",
            _root() + "sparql",
        ]
        for row in _store().query(query):
            urls.append(_root() + "doc/" + quote(row["s"].value[len(base) + 3 :]))
        items = "".join(f"<url><loc>{escape(u)}</loc></url>" for u in urls)
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>\n'

    body = _memo("sitemap:" + _root(), make)
    return Response(
        body, content_type="application/xml", headers={"Cache-Control": _runtime().cache_control}
    )


@bp.get("/robots.txt")
def robots() -> Response:
    body = (
        "User-agent: *\n"
        "Allow: /\n"
        "# query endpoints are expensive to crawl; pages and dumps are not\n"
        "Disallow: /sparql\n"
        "Disallow: /store\n"
        f"Sitemap: {_root()}sitemap.xml\n"
    )
    return Response(body, content_type="text/plain; charset=utf-8")


# --- anything else under the base that the graph describes (e.g. dataset partitions) --------


@bp.get("/<path:rest>")
def other(rest: str) -> Response:
    stem, ext = _split_extension(rest)
    iri = iris.iri_for(stem, _base())
    if not describe.exists(_store(), iri):
        return _not_found(iris.iri_for(rest, _base()))
    return _describe_document(iri, _root() + quote(stem), ext)
