"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/store``, read-only: ``GET``/``HEAD`` with
``?graph=<IRI>`` or ``?default``.

Reading a graph is the CONSTRUCT of all its triples, with that graph as the default graph (no
IRI is spliced into query text). It is answered like any query on ``/sparql``: the same formats
and negotiation, ETag and ``304``, the result cache, compression, the query workers and their
deadline; a large graph is sent from the file its worker wrote.
"""

from __future__ import annotations

from werkzeug.exceptions import MethodNotAllowed

from .. import internal_queries
from ..errors import BadRequest, NotFound

EVERY_TRIPLE = internal_queries.text("every-triple")


def operation(rt, args) -> tuple[str, list[str]]:
    """``(query, default graphs)`` that reads the graph ``args`` name."""
    graph, default = args.getlist("graph"), "default" in args
    if (len(graph) == 1) == default or len(graph) > 1:
        raise BadRequest("Give exactly one of ?graph=<IRI> or ?default (Graph Store Protocol).")
    if default:  # the union of all graphs, as the default graph is on /sparql
        return EVERY_TRIPLE, []
    if not rt.store.has_graph(graph[0]):
        raise NotFound(f"No graph <{graph[0]}> in the store.")
    return EVERY_TRIPLE, [graph[0]]


def read_only():
    raise MethodNotAllowed(
        valid_methods=["GET", "HEAD"],
        description="The graph store is read-only: GET or HEAD with ?graph=<IRI> or ?default.",
    )
