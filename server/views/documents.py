"""What the linked-data views share: their formats, the store and vocabulary of the request,
links from IRIs to pages, the ``.ttl``/``.jsonld``… extensions of documents, and their pages."""

from __future__ import annotations

from .. import describe, formats, iris
from ..errors import NotFound
from ..namespaces import GRAPH, compact
from .context import memo, root_url, runtime
from .respond import negotiated, render

#: the RDF serialisations of every document (first = default for programs)
RDF_FORMATS = (formats.TURTLE, formats.JSONLD, formats.NTRIPLES, formats.RDFXML)
#: a document's formats: a page for browsers, or RDF
PAGE_FORMATS = (formats.HTML, *RDF_FORMATS)
BY_EXTENSION = {f.extension: f for f in RDF_FORMATS} | {"html": formats.HTML}


def store():
    return runtime().store


def base() -> str:
    return runtime().settings.base_iri


def vocabulary() -> describe.Vocabulary:
    return memo("vocabulary", lambda: describe.vocabulary(store()))


def link(iri: str) -> str:
    """Where ``iri`` is served (``https://w3id.org/kigraph/id/x`` → ``<root>id/x``)."""
    return iris.url_for_iri(iri, root_url(), base())


def split_extension(rest: str) -> tuple[str, str | None]:
    """``org/dfki.ttl`` → ``("org/dfki", "ttl")``; a path without a known extension is whole."""
    stem, dot, ext = rest.rpartition(".")
    if dot and ext in BY_EXTENSION and stem:
        return stem, ext
    return rest, None


def choose(ext: str | None) -> formats.Format:
    """A document's format: its extension, else ``format=`` and ``Accept``."""
    if ext:
        return BY_EXTENSION[ext]
    return negotiated(PAGE_FORMATS)


def alternates(doc_url: str) -> list[dict]:
    """The document's RDF formats, each at ``<doc_url>.<extension>``."""
    return [
        {"name": f.name, "type": f.essence, "href": f"{doc_url}.{f.extension}"} for f in RDF_FORMATS
    ]


def page(template: str, **context) -> str:
    """A linked-data page: links to things (``link``) and compact IRIs (``compact``) at hand."""
    return render(template, link=link, compact=compact, **context)


def graph_triples(name: str) -> list:
    """The triples of the named graph ``…/graph/<name>``, or 404."""
    import pyoxigraph as ox

    graph = GRAPH + name
    if not store().has_graph(graph):
        raise NotFound(f"No graph <{graph}> in this dataset.")
    return [ox.Triple(q.subject, q.predicate, q.object) for q in store().quads(graph)]
