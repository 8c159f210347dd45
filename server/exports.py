"""Exports for graph tools — GraphML 1.0, GEXF 1.3, Cytoscape.js JSON and a Neo4j admin-import
CSV pair — of the saved CONSTRUCT query ``cooperation-network``, the same graph the network view
(``/explore``) draws. docs/exports.md describes the files; tests/test_exports.py validates them
against the official schemas vendored under tests/schemas/.

Pure core: no Flask. ``network(store, root)`` gives a :class:`networkx.MultiDiGraph` whose nodes
are IRIs with ``iri``, ``kind``, ``type``, ``types``, ``label``, ``label_de``, ``label_en`` and
whose edges carry ``property`` (the IRI), ``role`` (its local name), ``label``, ``label_de``,
``label_en``. ``render(graph, fmt)`` serialises it. GraphML, GEXF and Neo4j name nodes by short
ids (``org.dfki``, :func:`node_ids`), the Cytoscape.js JSON by their IRIs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from . import internal_queries
from .namespaces import ID, RDF, RDFS, compact

#: format name -> (file suffix, media type); ``csv`` is a pair of files
FORMATS = {
    "graphml": (".graphml", "application/graphml+xml"),
    "gexf": (".gexf", "application/gexf+xml"),
    "cytoscape": (".cyjs", "application/json"),
    "csv": (".csv", "text/csv"),
}
QUERY_NAME = "cooperation-network"
#: the kinds of node the views colour, in legend order, with their German and English names
KINDS = {
    "initiative": {"de": "Initiative", "en": "Initiative"},
    "organisation": {"de": "Organisation", "en": "Organisation"},
    "collective": {"de": "Kollektiv", "en": "Collective"},
    "technology": {"de": "Technologie", "en": "Technology"},
    "place": {"de": "Ort", "en": "Place"},
    "targetGroup": {"de": "Zielgruppe", "en": "Target group"},
    "other": {"de": "Sonstiges", "en": "Other"},
}
_KIND_OF_CLASS = {
    "kg:Cooperation": "initiative",
    "kg:Project": "initiative",
    "kg:FundingProgramme": "initiative",
    "kg:Initiative": "initiative",
    "kg:Collective": "collective",
    "kg:Technology": "technology",
    "kg:TargetGroup": "targetGroup",
    "kg:FederalState": "place",
    "schema:City": "place",
    "schema:Country": "place",
    "schema:Place": "place",
}
_ORGANISATION_HINTS = ("Organization", "Organisation", "Agent", "Body", "Institute", "Centre")
_ORGANISATION_CLASSES = {"kg:Company", "kg:Association"}


def kind_of(types: list[str]) -> str:
    """The view's kind of a node from its (compact) classes."""
    for t in types:
        if t in _KIND_OF_CLASS:
            return _KIND_OF_CLASS[t]
    for t in types:
        if t in _ORGANISATION_CLASSES or t.endswith(_ORGANISATION_HINTS):
            return "organisation"
    return "other"


def _main_type(types: list[str]) -> str:
    """The most telling class: ours before schema.org before org/prov."""
    for prefix in ("kg:", "schema:", "org:", "prov:"):
        for t in sorted(types):
            if t.startswith(prefix):
                return t
    return sorted(types)[0] if types else ""


def network(store: Any, root: Path | str) -> nx.MultiDiGraph:
    """The cooperation network: the saved query ``cooperation-network`` run on ``store``."""
    from .queries import load_queries

    saved = load_queries(root)[QUERY_NAME]
    triples = list(store.query(saved.text))
    return graph_from_triples(triples, _property_labels(store, triples))


def _property_labels(store: Any, triples: list) -> dict[str, dict[str, str]]:
    props = {t.predicate.value for t in triples} - {RDF + "type", RDFS + "label"}
    labels: dict[str, dict[str, str]] = {p: {} for p in props}
    query = internal_queries.text("property-labels")
    for p in sorted(props):
        for row in store.query(query, substitutions={ox.Variable("p"): ox.NamedNode(p)}):
            label = row["l"]
            if label.language in ("de", "en"):
                labels[p].setdefault(label.language, label.value)
    return labels


def graph_from_triples(triples: list, property_labels: dict[str, dict[str, str]]):
    """Nodes are the IRIs that carry a type and a label; every other IRI-to-IRI triple is an
    edge (parallel edges kept: a MultiDiGraph)."""
    types: dict[str, list[str]] = {}
    labels: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, str]] = []
    for t in triples:
        s, p, o = t.subject.value, t.predicate.value, t.object
        if p == RDF + "type":
            types.setdefault(s, []).append(compact(o.value))
        elif p == RDFS + "label":
            if isinstance(o, ox.Literal) and o.language in ("de", "en"):
                labels.setdefault(s, {})[o.language] = o.value
        elif isinstance(o, ox.NamedNode):
            edges.append((s, p, o.value))
    graph = nx.MultiDiGraph(name="KI-Graph cooperation network")
    for iri in sorted(set(types) | set(labels)):
        node_types = sorted(set(types.get(iri, [])))
        de = labels.get(iri, {}).get("de", "")
        en = labels.get(iri, {}).get("en", "")
        graph.add_node(
            iri,
            iri=iri,
            kind=kind_of(node_types),
            type=_main_type(node_types),
            types=" ".join(node_types),
            label=de or en or compact(iri),
            label_de=de or en,
            label_en=en or de,
        )
    for s, p, o in sorted(set(edges)):
        role = p.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        names = property_labels.get(p, {})
        graph.add_edge(
            s,
            o,
            key=f"{compact(s)} {compact(p)} {compact(o)}",
            property=p,
            role=role,
            label=names.get("de") or names.get("en") or role,
            label_de=names.get("de") or role,
            label_en=names.get("en") or role,
        )
    for iri in list(graph.nodes):  # an edge to a node without type/label: give it the basics
        data = graph.nodes[iri]
        if "iri" not in data:
            data.update(
                iri=iri,
                kind="other",
                type="",
                types="",
                label=compact(iri),
                label_de=compact(iri),
                label_en=compact(iri),
            )
    return graph


# --- serialisations ------------------------------------------------------------------------

#: Neo4j node labels: one per kind, spelt as the ontology spells its classes (British English)
NEO4J_KIND_LABELS = {
    "initiative": "Initiative",
    "organisation": "Organisation",
    "collective": "Collective",
    "technology": "Technology",
    "place": "Place",
    "targetGroup": "TargetGroup",
    "other": "Other",
}
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
GEXF_NS = "http://gexf.net/1.3"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NODE_ATTRIBUTES = ("iri", "kind", "type", "types", "label_de", "label_en")
EDGE_ATTRIBUTES = ("property", "role", "label_de", "label_en")
# ASCII letters, digits, ".", "-", "_": valid as xs:NMTOKEN (GraphML), as a GEXF id and in Cypher
_PORTABLE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


def node_ids(graph: nx.MultiDiGraph) -> dict[str, str]:
    """The short node id of each IRI in the GraphML, GEXF and Neo4j exports: the IRI's path
    below ``…/id/`` with ``/`` as ``.`` (``…/id/org/dfki`` → ``org.dfki``); an IRI elsewhere, or
    one whose path would not make a valid id, gets ``n`` + 12 hex digits of its SHA-256."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for iri in sorted(graph.nodes):
        short = iri[len(ID) :].replace("/", ".") if iri.startswith(ID) else ""
        if not _PORTABLE_ID.fullmatch(short) or short in taken:
            short = "n" + hashlib.sha256(iri.encode()).hexdigest()[:12]
        ids[iri] = short
        taken.add(short)
    return ids


def _portable(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph with short node ids and edge keys ``e0``, ``e1``, … (IRIs stay as ``iri``):
    GraphML types every id as xs:NMTOKEN, which has no room for ``/``."""
    ids = node_ids(graph)
    out = nx.MultiDiGraph(**graph.graph)
    for iri, data in graph.nodes(data=True):
        out.add_node(ids[iri], **{k: data[k] for k in ("label", *NODE_ATTRIBUTES)})
    for i, (s, o, data) in enumerate(graph.edges(data=True)):
        out.add_edge(
            ids[s], ids[o], key=f"e{i}", **{k: data[k] for k in ("label", *EDGE_ATTRIBUTES)}
        )
    return out


def graphml(graph: nx.MultiDiGraph) -> bytes:
    """GraphML 1.0 (valid against graphml.xsd): node ids from :func:`node_ids`, edge ids
    ``e0``, ``e1``, …, every attribute a typed ``<key>``."""
    out = io.BytesIO()
    nx.write_graphml(_portable(graph), out, encoding="utf-8", prettyprint=True)
    return out.getvalue()


def gexf(graph: nx.MultiDiGraph) -> bytes:
    """GEXF 1.3 (valid against gexf.xsd), written here rather than by networkx, whose 1.3 writer
    puts a ``name`` on ``<graph>`` that the schema forbids and misspells the XSI namespace.
    Each edge's ``kind`` is its role, which lets Gephi keep parallel edges apart."""
    # Unqualified tags with the namespaces declared as attributes: ElementTree can only make
    # GEXF the default namespace through its process-wide prefix registry.
    root = ET.Element(
        "gexf",
        {
            "xmlns": GEXF_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": f"{GEXF_NS} {GEXF_NS}/gexf.xsd",
            "version": "1.3",
        },
    )
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "KI-Graph"
    ET.SubElement(meta, "description").text = graph.graph.get("name", "")
    g = ET.SubElement(root, "graph", defaultedgetype="directed", mode="static")
    for cls, names in (("node", NODE_ATTRIBUTES), ("edge", EDGE_ATTRIBUTES)):
        declared = ET.SubElement(g, "attributes", {"class": cls, "mode": "static"})
        for name in names:
            ET.SubElement(declared, "attribute", id=name, title=name, type="string")

    def attvalues(parent: ET.Element, data: dict, names: tuple[str, ...]) -> None:
        values = ET.SubElement(parent, "attvalues")
        for name in names:
            ET.SubElement(values, "attvalue", {"for": name, "value": data[name]})

    portable = _portable(graph)
    nodes = ET.SubElement(g, "nodes", count=str(portable.number_of_nodes()))
    for node, data in portable.nodes(data=True):
        element = ET.SubElement(nodes, "node", id=node, label=data["label"])
        attvalues(element, data, NODE_ATTRIBUTES)
    edges = ET.SubElement(g, "edges", count=str(portable.number_of_edges()))
    for s, o, key, data in portable.edges(keys=True, data=True):
        element = ET.SubElement(
            edges, "edge", id=key, source=s, target=o, label=data["label"], kind=data["role"]
        )
        attvalues(element, data, EDGE_ATTRIBUTES)
    ET.indent(root, space="  ")
    out = io.BytesIO()
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return out.getvalue()


def cytoscape(graph: nx.MultiDiGraph) -> dict:
    """Cytoscape.js JSON as ``cy.json()`` gives and takes it, which Cytoscape desktop imports
    (File › Import › Network from File) and networkx reads (``json_graph.cytoscape_graph``:
    it needs ``directed``/``multigraph``, each node's ``value`` and each edge's ``key``).
    Node ids are the IRIs: the network view (/explore) opens a node's page from its id."""
    nodes = [
        {
            "data": {
                "id": iri,
                "value": iri,
                "name": data["label"],
                **data,
                "degree": graph.degree(iri),
            }
        }
        for iri, data in graph.nodes(data=True)
    ]
    edges = [
        {"data": {"id": key, "key": key, "source": s, "target": o, "name": data["label"], **data}}
        for s, o, key, data in graph.edges(keys=True, data=True)
    ]
    return {
        "format_version": "1.0",
        "generated_by": "KI-Graph",
        "target_cytoscapejs_version": "~3",
        "directed": True,
        "multigraph": True,
        "data": {"name": graph.graph.get("name", "")},
        "elements": {"nodes": nodes, "edges": edges},
    }


def _neo4j_type(role: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", role).upper()


def neo4j_labels(data: dict) -> list[str]:
    """A node's Neo4j labels: its kind (:data:`NEO4J_KIND_LABELS`), then its class when that
    is one of ours (``kg:Company`` → ``Company``). Classes of other vocabularies
    (``org:Organization``, ``schema:City``) stay in the ``type``/``types`` properties, so no
    label is spelt two ways."""
    labels = [NEO4J_KIND_LABELS[data["kind"]]]
    if data["type"].startswith("kg:"):
        labels.append(data["type"].removeprefix("kg:"))
    return list(dict.fromkeys(labels))


NODE_HEADER = ["id:ID", ":LABEL", "iri", "kind", "type", "types", "label_de", "label_en"]
RELATIONSHIP_HEADER = [":START_ID", ":END_ID", ":TYPE", "property", "label_de", "label_en"]


def neo4j_csv(graph: nx.MultiDiGraph) -> tuple[str, str]:
    """``(nodes.csv, relationships.csv)`` for ``neo4j-admin database import full``; node ids as
    in GraphML and GEXF (:func:`node_ids`)."""
    ids = node_ids(graph)
    nodes, rels = io.StringIO(), io.StringIO()
    w = csv.writer(nodes, lineterminator="\n")
    w.writerow(NODE_HEADER)
    for iri, d in graph.nodes(data=True):
        labels = ";".join(neo4j_labels(d))
        w.writerow(
            [ids[iri], labels, iri, d["kind"], d["type"], d["types"], d["label_de"], d["label_en"]]
        )
    w = csv.writer(rels, lineterminator="\n")
    w.writerow(RELATIONSHIP_HEADER)
    for s, o, d in graph.edges(data=True):
        w.writerow(
            [ids[s], ids[o], _neo4j_type(d["role"]), d["property"], d["label_de"], d["label_en"]]
        )
    return nodes.getvalue(), rels.getvalue()


def csv_paths(target: Path) -> tuple[Path, Path]:
    """Where ``--format csv -o TARGET`` writes: into TARGET if it is a directory (or ends in
    ``/``), else ``TARGET-nodes.csv`` and ``TARGET-relationships.csv`` (a ``.csv`` suffix of
    TARGET is dropped first)."""
    if target.is_dir() or str(target).endswith("/"):
        return target / "nodes.csv", target / "relationships.csv"
    stem = target.with_suffix("") if target.suffix == ".csv" else target
    return Path(f"{stem}-nodes.csv"), Path(f"{stem}-relationships.csv")


def render(graph: nx.MultiDiGraph, fmt: str) -> dict[str, bytes]:
    """The files of one export format: ``{suffix: bytes}`` (two entries for ``csv``)."""
    if fmt == "graphml":
        return {".graphml": graphml(graph)}
    if fmt == "gexf":
        return {".gexf": gexf(graph)}
    if fmt == "cytoscape":
        body = json.dumps(cytoscape(graph), ensure_ascii=False, indent=1)
        return {".cyjs": body.encode()}
    if fmt == "csv":
        nodes, rels = neo4j_csv(graph)
        return {"-nodes.csv": nodes.encode(), "-relationships.csv": rels.encode()}
    raise ValueError(f"unknown graph export format {fmt!r}")
