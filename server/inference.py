"""What the ontology promises and Oxigraph does not infer, written into the store at load time.

``rdfs:subPropertyOf`` between ``kg:`` properties (transitively) and ``owl:inverseOf``: each
inferred triple goes into the graph of its premise, never into the provenance graph.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from .content import ONTOLOGY_GRAPH
from .namespaces import sparql_prologue


def materialise(store: ox.Store, graphs: Sequence[str]) -> int:
    """Add what the ontology's ``rdfs:subPropertyOf`` (between kg: properties, transitively) and
    ``owl:inverseOf`` axioms entail, each inferred triple in the graph of its premise.

    The axioms are read from the ontology graph. Only ``graphs`` are touched (the data graphs:
    never the provenance graph, whose triples describe what sources say). Returns the number of
    triples added."""
    if not graphs:
        return 0
    o = f"<{ONTOLOGY_GRAPH}>"
    supers = [
        (row["sub"], row["sup"])
        for row in store.query(
            sparql_prologue() + f"SELECT DISTINCT ?sub ?sup WHERE {{ GRAPH {o} {{ "
            "?sub rdfs:subPropertyOf+ ?sup } "
            "FILTER(?sub != ?sup && STRSTARTS(STR(?sub), STR(kg:)) "
            "&& STRSTARTS(STR(?sup), STR(kg:))) }"
        )
    ]
    inverses: set[tuple[ox.NamedNode, ox.NamedNode]] = set()
    for row in store.query(
        sparql_prologue() + f"SELECT ?p ?q WHERE {{ GRAPH {o} {{ ?p owl:inverseOf ?q }} "
        "FILTER(isIRI(?p) && isIRI(?q)) }"
    ):
        inverses |= {(row["p"], row["q"]), (row["q"], row["p"])}
    values_g = "VALUES ?g { " + " ".join(f"<{g}>" for g in graphs) + " }"
    updates = []
    if supers:
        pairs = " ".join(f"({a} {b})" for a, b in supers)
        updates.append(
            f"INSERT {{ GRAPH ?g {{ ?s ?sup ?o }} }} WHERE {{ VALUES (?sub ?sup) {{ {pairs} }} "
            f"{values_g} GRAPH ?g {{ ?s ?sub ?o }} }}"
        )
    if inverses:
        pairs = " ".join(f"({a} {b})" for a, b in sorted(inverses, key=str))
        updates.append(
            f"INSERT {{ GRAPH ?g {{ ?o ?q ?s }} }} WHERE {{ VALUES (?p ?q) {{ {pairs} }} "
            f"{values_g} GRAPH ?g {{ ?s ?p ?o }} FILTER(!isLiteral(?o)) }}"
        )
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ {values_g} GRAPH ?g {{ ?s ?p ?o }} }}"

    def size() -> int:
        return int(next(iter(store.query(count)))["n"].value)

    before = current = size()
    while updates:  # to a fixpoint: an inverse may have super-properties and back
        for update in updates:
            store.update(update)
        new = size()
        if new == current:
            break
        current = new
    return current - before
