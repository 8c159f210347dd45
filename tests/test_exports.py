"""Exports for graph tools (issue 7): GraphML, GEXF 1.3, Cytoscape.js JSON and the Neo4j CSV pair,
all from the saved CONSTRUCT query cooperation-network; their CLI and /downloads; the UI pages'
server side (no inline JavaScript, the editor's saved-query examples run).

No XSD validation: the official graphml.xsd and gexf.xsd ship in no PyPI, npm or Debian package
we can install here, so the files are checked for their structure and re-read by networkx."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from lxml import etree

from server import exports, queries
from server.namespaces import RDF, RDFS
from server.store import GraphStore

REPO = Path(__file__).parent.parent

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
GEXF_NS = "http://gexf.net/1.3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@pytest.fixture(scope="module")
def store(built_store):
    return GraphStore.open(built_store)


@pytest.fixture(scope="module")
def construct(store):
    """Nodes and edges as the CONSTRUCT states them."""
    text = queries.load_queries(REPO)["cooperation-network"].text
    triples = list(store.query(text))
    nodes = {t.subject.value for t in triples if t.predicate.value in (RDF + "type",)}
    edges = {
        (t.subject.value, t.predicate.value, t.object.value)
        for t in triples
        if t.predicate.value not in (RDF + "type", RDFS + "label")
    }
    return nodes, edges


@pytest.fixture(scope="module")
def graph(store):
    return exports.network(store, REPO)


def test_network_matches_construct(graph, construct):
    nodes, edges = construct
    assert set(graph.nodes) == nodes
    assert graph.number_of_edges() == len(edges)
    assert {(s, d["property"], o) for s, o, d in graph.edges(data=True)} == edges
    kinds = {d["kind"] for _, d in graph.nodes(data=True)}
    assert {"initiative", "organisation", "technology", "place", "targetGroup"} <= kinds
    assert "other" not in kinds
    for _, data in graph.nodes(data=True):
        assert data["iri"].startswith("https://w3id.org/kigraph/id/")
        assert data["label_de"] and data["label_en"] and data["type"]
    for _, _, data in graph.edges(data=True):
        assert data["property"].startswith("https://w3id.org/kigraph/ontology#")
        assert data["label_de"] and data["label_en"]
    assert graph.nodes["https://w3id.org/kigraph/id/org/dfki"]["kind"] == "organisation"


def test_graphml(graph):
    body = exports.graphml(graph)
    doc = etree.fromstring(body)
    assert doc.tag == f"{{{GRAPHML_NS}}}graphml"
    assert "graphml.xsd" in doc.get(f"{{{XSI}}}schemaLocation")
    keys = doc.findall(f"{{{GRAPHML_NS}}}key")
    assert len({k.get("id") for k in keys}) == len(keys)  # key ids are xs:ID: unique
    assert {(k.get("for"), k.get("attr.name")) for k in keys} >= {
        ("node", "iri"),
        ("node", "kind"),
        ("node", "label_de"),
        ("node", "label_en"),
        ("edge", "property"),
        ("edge", "label_de"),
    }
    (g,) = doc.findall(f"{{{GRAPHML_NS}}}graph")
    assert g.get("edgedefault") == "directed"
    again = nx.read_graphml(io.BytesIO(body), force_multigraph=True)
    assert again.number_of_nodes() == graph.number_of_nodes()
    assert again.number_of_edges() == graph.number_of_edges()
    assert again.nodes["https://w3id.org/kigraph/id/org/dfki"]["label_de"]


def test_gexf_13(graph):
    body = exports.gexf(graph)
    doc = etree.fromstring(body)
    assert doc.tag == f"{{{GEXF_NS}}}gexf" and doc.get("version") == "1.3"
    assert doc.get(f"{{{XSI}}}schemaLocation") == "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd"
    (g,) = doc.findall(f"{{{GEXF_NS}}}graph")
    assert g.get("defaultedgetype") == "directed"
    nodes = g.findall(f"{{{GEXF_NS}}}nodes/{{{GEXF_NS}}}node")
    edges = g.findall(f"{{{GEXF_NS}}}edges/{{{GEXF_NS}}}edge")
    assert len(nodes) == graph.number_of_nodes() and len(edges) == graph.number_of_edges()
    assert len({e.get("id") for e in edges}) == len(edges)
    assert all(n.get("label") for n in nodes)
    again = nx.read_gexf(io.BytesIO(body), version="1.3")
    assert again.number_of_nodes() == graph.number_of_nodes()
    assert again.number_of_edges() == graph.number_of_edges()


def test_cytoscape_json(graph):
    doc = exports.cytoscape(graph)
    nodes, edges = doc["elements"]["nodes"], doc["elements"]["edges"]
    assert len(nodes) == graph.number_of_nodes() and len(edges) == graph.number_of_edges()
    ids = {n["data"]["id"] for n in nodes}
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in edges)
    assert len({e["data"]["id"] for e in edges}) == len(edges)
    assert all(n["data"]["name"] and n["data"]["kind"] for n in nodes)
    assert json.loads(json.dumps(doc)) == doc


def test_neo4j_csv(graph):
    nodes_csv, rels_csv = exports.neo4j_csv(graph)
    nodes = list(csv.DictReader(io.StringIO(nodes_csv)))
    rels = list(csv.DictReader(io.StringIO(rels_csv)))
    header = nodes_csv.splitlines()[0].split(",")
    assert header[:2] == ["id:ID", ":LABEL"]
    assert rels_csv.splitlines()[0].split(",")[:3] == [":START_ID", ":END_ID", ":TYPE"]
    assert len(nodes) == graph.number_of_nodes() and len(rels) == graph.number_of_edges()
    ids = {n["id:ID"] for n in nodes}
    assert len(ids) == len(nodes)
    assert all(r[":START_ID"] in ids and r[":END_ID"] in ids for r in rels)
    assert all(re.fullmatch(r"[A-Z][A-Z_]*", r[":TYPE"]) for r in rels)
    assert all(re.fullmatch(r"[A-Za-z]+(;[A-Za-z]+)*", n[":LABEL"]) for n in nodes)
    assert any(r[":TYPE"] == "LEAD_ORGANISATION" for r in rels)


@pytest.mark.parametrize(
    "fmt, suffix",
    [("graphml", ".graphml"), ("gexf", ".gexf"), ("cytoscape", ".cyjs")],
)
def test_cli_export(kigraph, built_store, tmp_path, graph, fmt, suffix):
    out = tmp_path / f"net{suffix}"
    result = kigraph("export", "--format", fmt, "-o", str(out), "--store", str(built_store))
    assert result.returncode == 0, result.stderr
    body = out.read_bytes()
    if fmt == "graphml":
        assert nx.read_graphml(out, force_multigraph=True).number_of_edges() == len(graph.edges)
    elif fmt == "gexf":
        assert nx.read_gexf(out, version="1.3").number_of_nodes() == len(graph)
    else:
        assert len(json.loads(body)["elements"]["nodes"]) == len(graph)


def test_cli_export_csv(kigraph, built_store, tmp_path, graph):
    result = kigraph(
        "export", "--format", "csv", "-o", str(tmp_path / "neo"), "--store", str(built_store)
    )
    assert result.returncode == 0, result.stderr
    nodes = (tmp_path / "neo-nodes.csv").read_text()
    assert nodes.startswith("id:ID,:LABEL,")
    assert (tmp_path / "neo-relationships.csv").read_text().startswith(":START_ID,:END_ID,:TYPE")
    result = kigraph(
        "export", "--format", "csv", "-o", str(tmp_path) + "/", "--store", str(built_store)
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "nodes.csv").exists() and (tmp_path / "relationships.csv").exists()
    result = kigraph("export", "--format", "csv", "--store", str(built_store))
    assert result.returncode == 2 and "-o" in result.stderr


def test_downloads_list_graph_exports(client, graph):
    listing = client.get("/downloads", headers={"Accept": "application/json"}).get_json()
    names = {f["name"] for f in listing["files"]}
    assert {
        "kigraph-network.graphml",
        "kigraph-network.gexf",
        "kigraph-network.cyjs",
        "kigraph-network-nodes.csv",
        "kigraph-network-relationships.csv",
    } <= names
    r = client.get("/downloads/kigraph-network.gexf")
    assert r.status_code == 200
    assert nx.read_gexf(io.BytesIO(r.data), version="1.3").number_of_edges() == len(graph.edges)


def test_network_json(client, graph):
    r = client.get("/explore/network.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert len(r.get_json()["elements"]["nodes"]) == graph.number_of_nodes()


_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)


@pytest.mark.parametrize("path", ["/", "/sparql", "/explore", "/funding", "/queries"])
@pytest.mark.parametrize("lang", ["de", "en"])
def test_pages_have_no_inline_javascript(client, path, lang):
    r = client.get(path, headers={"Accept": "text/html", "Accept-Language": lang})
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert f'lang="{lang}"' in page
    for attrs, body in _SCRIPT.findall(page):
        assert "src=" in attrs or 'type="application/' in attrs, attrs
        if "src=" in attrs:
            assert not body.strip()
            src = re.search(r'src="([^"]+)"', attrs).group(1)
            assert src.startswith("http://localhost/static/") or src.startswith("/static/"), src
            assert client.get(src).status_code == 200
    assert " on" + "click=" not in page and "javascript:" not in page


def test_editor_examples_run(backend, request):
    """Every saved query is an editor example that parses; with parameters bound by a VALUES
    block, it gives as many rows as the API with substitutions (on both backends)."""
    from server.views import ui

    store = request.getfixturevalue(f"{backend}_store")

    for query in queries.load_queries(REPO).values():
        text = ui.editor_text(query)
        result = store.query(text)
        if query.params and query.kind == "SELECT":
            subs = ui.example_terms(query)
            expected = store.query(queries.paged_text(query, 1, 10_000), substitutions=subs)
            assert len(list(result)) == len(list(expected)), query.name
