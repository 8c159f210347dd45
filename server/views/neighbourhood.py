"""Two parts of a resource page (``resource.html`` includes ``_neighbours.html`` and
``_cite_resource.html``): its neighbourhood — the things one link away, drawn with Cytoscape.js
by ``static/js/neighbours.js`` and listed for readers without JavaScript — and how to cite it
within the latest release."""

from __future__ import annotations

import pyoxigraph as ox

from .. import citation, internal_queries, search
from .documents import link, store, vocabulary
from .downloads import latest_release
from .search import index

#: neighbours drawn and listed; the rest are counted ("and N more")
SHOWN = 12
#: the order kinds are shown in, when there are more neighbours than fit
_KIND_ORDER = [*search.KINDS, "other"]


def neighbours(iri: str, lang: str, name: str) -> dict:
    """The neighbourhood of ``iri``: ``{"center", "nodes", "edges", "more", "total"}``, the
    nodes sorted by kind and name, at most :data:`SHOWN` of them."""
    rows = store().query(
        internal_queries.text("neighbours-links"),
        substitutions={ox.Variable("r"): ox.NamedNode(iri)},
    )
    found: dict[str, dict] = {}
    for row in rows:
        n = row["n"].value
        node = found.setdefault(n, {"out": set(), "in": set(), "labels": {}})
        node[row["dir"].value].add(row["p"].value)
        term = row["label"]
        if term is not None:
            node["labels"].setdefault(getattr(term, "language", None) or "", term.value)
    things = index()
    vocab = vocabulary()
    other = "en" if lang == "de" else "de"
    nodes = []
    for node in found.values():
        for direction in ("out", "in"):
            node[direction] = _most_specific(node[direction], vocab)
    for n, node in found.items():
        entry = things.get(n)
        kind = entry.kind if entry else "other"
        labels = node["labels"]
        label = labels.get(lang) or labels.get(other) or labels.get("") or n.rsplit("/", 1)[-1]
        # an inverse property materialised beside its original says the same link twice
        direction = "out" if node["out"] else "in"
        properties = sorted({vocab.label(p, lang) for p in node[direction]}, key=str.casefold)
        nodes.append(
            {
                "id": n,
                "label": label,
                "kind": kind,
                "kind_name": search.KINDS[kind][lang] if kind in search.KINDS else "",
                "href": link(n),
                "dir": direction,
                "relation": ", ".join(properties),
            }
        )
    nodes.sort(key=lambda x: (_KIND_ORDER.index(x["kind"]), search.fold(x["label"]), x["id"]))
    shown = nodes[:SHOWN]
    return {
        "center": {"id": iri, "label": name, "href": link(iri)},
        "nodes": shown,
        "total": len(nodes),
        "more": len(nodes) - len(shown),
    }


def _most_specific(properties: set[str], vocab) -> set[str]:
    """Drop each property that is a super-property of another one given for the same link."""
    implied = set().union(*(vocab.supers.get(p, frozenset()) for p in properties))
    return {p for p in properties if p not in implied}


def resource_citation(iri: str, name: str, lang: str) -> citation.ResourceCitation | None:
    """How to cite ``iri`` within the latest release (None before the first release)."""
    published = latest_release()
    if not published:
        return None
    return citation.cite_resource(name, iri, *published, lang)
