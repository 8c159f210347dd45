"""Exports for graph tools (issues 7 and 18): GraphML, GEXF 1.3, Cytoscape.js JSON and the Neo4j
CSV pair, all from the saved CONSTRUCT query cooperation-network; their CLI and /downloads; the
UI pages' server side (no inline JavaScript, the editor's saved-query examples run).

The files users download are fetched over HTTP from the real app and checked as the tools that
open them would: GraphML and GEXF against the official XSDs vendored under tests/schemas/
(README there says where each file comes from), the .cyjs by networkx's cytoscape_graph and by
Cytoscape.js itself, the Neo4j labels for one spelling."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import networkx as nx
import pytest
from lxml import etree
from networkx.readwrite.json_graph import cytoscape_graph

from server import exports, queries
from server.namespaces import ID, KG, RDF, RDFS
from server.store import GraphStore

REPO = Path(__file__).parent.parent

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
GEXF_NS = "http://gexf.net/1.3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMAS = Path(__file__).parent / "schemas"
DFKI = ID + "org/dfki"


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
    assert again.nodes["org.dfki"]["iri"] == DFKI and again.nodes["org.dfki"]["label_de"]


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


# --- the downloads, as the tools that open them see them (issue 18) -------------------------

GRAPHML_REMOTE = "http://graphml.graphdrawing.org/xmlns/1.0/"
CYTOSCAPE_JS = REPO / "server" / "static" / "vendor" / "cytoscape" / "cytoscape.min.js"


class _VendoredGraphML(etree.Resolver):
    """graphml.xsd redefines graphml-structure.xsd, which imports xlink.xsd, by absolute URLs:
    answer them from tests/schemas/graphml/ (the files stay byte-for-byte as published)."""

    def resolve(self, url, pubid, context):
        if url.startswith(GRAPHML_REMOTE):
            return self.resolve_filename(
                str(SCHEMAS / "graphml" / url[len(GRAPHML_REMOTE) :]), context
            )
        return None


def _schema(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_VendoredGraphML())
    return etree.XMLSchema(etree.parse(str(path), parser))


@pytest.fixture(scope="module")
def graphml_schema():
    return _schema(SCHEMAS / "graphml" / "graphml.xsd")


@pytest.fixture(scope="module")
def gexf_schema():
    return _schema(SCHEMAS / "gexf" / "gexf.xsd")


def _errors(schema: etree.XMLSchema, body: bytes) -> list[str]:
    schema.validate(etree.fromstring(body))
    return [f"{e.line}: {e.message}" for e in schema.error_log]


def _download(client, name: str) -> bytes:
    r = client.get(f"/downloads/{name}")
    assert r.status_code == 200, (name, r.status_code)
    return r.data


@pytest.fixture(scope="module")
def expected(store, construct):
    """What the exports must hold, from the store rather than from server.exports: the node
    IRIs and edges of the CONSTRUCT, DFKI's labels, and the classes of our ontology."""
    nodes, edges = construct
    labels = {
        row["l"].language: row["l"].value
        for row in store.query(f"SELECT ?l WHERE {{ <{DFKI}> <{RDFS}label> ?l }}")
    }
    classes = {
        row["c"].value.removeprefix(KG)
        for row in store.query(
            "SELECT DISTINCT ?c WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> }"
        )
        if row["c"].value.startswith(KG)
    }
    return {"nodes": nodes, "edges": edges, "dfki": labels, "classes": classes}


@pytest.mark.parametrize(
    "schema, body, complaint",
    [
        (
            "graphml_schema",
            b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="directed"><node id="https://w3id.org/kigraph/id/org/dfki"/></graph></graphml>',
            "xs:NMTOKEN",
        ),
        (
            "gexf_schema",
            b'<gexf xmlns="http://gexf.net/1.3" version="1.3"><graph name="x"><nodes/><edges/></graph></gexf>',
            "'name' is not allowed",
        ),
    ],
)
def test_vendored_schemas_reject_the_old_defects(request, schema, body, complaint):
    """The schemas are not vacuous: an IRI as GraphML node id and a GEXF graph name fail."""
    errors = _errors(request.getfixturevalue(schema), body)
    assert any(complaint in e for e in errors), errors


def test_graphml_download_is_valid_and_complete(client, graphml_schema, expected):
    body = _download(client, "kigraph-network.graphml")
    assert _errors(graphml_schema, body) == []
    read = nx.read_graphml(io.BytesIO(body), force_multigraph=True)
    assert {d["iri"] for _, d in read.nodes(data=True)} == expected["nodes"]
    assert read.number_of_edges() == len(expected["edges"])
    assert read.nodes["org.dfki"]["iri"] == DFKI
    assert read.nodes["org.dfki"]["label_en"] == expected["dfki"]["en"]
    assert read.nodes["org.dfki"]["label_de"] == expected["dfki"]["de"]


def test_gexf_download_is_valid_and_complete(client, gexf_schema, expected):
    body = _download(client, "kigraph-network.gexf")
    assert _errors(gexf_schema, body) == []
    g = etree.fromstring(body).find(f"{{{GEXF_NS}}}graph")
    assert g.get("name") is None
    read = nx.read_gexf(io.BytesIO(body), version="1.3")
    assert {d["iri"] for _, d in read.nodes(data=True)} == expected["nodes"]
    assert read.number_of_edges() == len(expected["edges"])
    assert read.nodes["org.dfki"]["label"] == expected["dfki"]["de"]
    assert read.nodes["org.dfki"]["label_en"] == expected["dfki"]["en"]
    # Gephi keeps parallel edges apart by their kind: the role, e.g. leadOrganisation
    kinds = {e.get("kind") for e in g.iter(f"{{{GEXF_NS}}}edge")}
    assert {p.removeprefix(KG) for _, p, _ in expected["edges"]} == kinds


def test_cyjs_download_reads_in_networkx(client, expected):
    doc = json.loads(_download(client, "kigraph-network.cyjs"))
    read = cytoscape_graph(doc)
    assert read.is_directed() and read.is_multigraph()
    assert set(read.nodes) == expected["nodes"]
    assert {(s, d["property"], o) for s, o, d in read.edges(data=True)} == expected["edges"]
    assert read.number_of_edges() == len(expected["edges"])
    assert read.nodes[DFKI]["label_de"] == expected["dfki"]["de"]
    assert read.graph["name"]


def test_cyjs_download_is_the_network_view_data(client):
    """The network view draws the same JSON: its ids are IRIs it opens pages by."""
    assert (
        json.loads(_download(client, "kigraph-network.cyjs"))
        == client.get("/explore/network.json").get_json()
    )


@pytest.mark.slow
def test_cyjs_download_loads_in_cytoscape_js(client, expected):
    """Cytoscape.js (the copy the network view ships) takes the file whole with ``cy.json``."""
    if not Path("/usr/bin/chromium").exists():
        reason = "needs Debian's /usr/bin/chromium (installed by .ci/run)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    doc = json.loads(_download(client, "kigraph-network.cyjs"))
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.add_script_tag(path=str(CYTOSCAPE_JS))
            nodes, edges, name, iri = page.evaluate(
                """([doc, id]) => {
                    const cy = cytoscape({headless: true});
                    cy.json(doc);
                    const n = cy.getElementById(id);
                    return [cy.nodes().length, cy.edges().length, n.data("name"), n.data("iri")];
                }""",
                [doc, DFKI],
            )
        finally:
            browser.close()
    assert (nodes, edges) == (len(expected["nodes"]), len(expected["edges"]))
    assert (name, iri) == (expected["dfki"]["de"], DFKI)


def test_neo4j_labels_are_spelt_one_way(client, expected):
    nodes = list(
        csv.DictReader(io.StringIO(_download(client, "kigraph-network-nodes.csv").decode()))
    )
    rels = list(
        csv.DictReader(io.StringIO(_download(client, "kigraph-network-relationships.csv").decode()))
    )
    assert {n["iri"] for n in nodes} == expected["nodes"] and len(rels) == len(expected["edges"])
    kind_labels = set(exports.NEO4J_KIND_LABELS.values())
    used = set()
    for n in nodes:
        labels = n[":LABEL"].split(";")
        assert labels[0] == exports.NEO4J_KIND_LABELS[n["kind"]], n
        assert set(labels[1:]) <= expected["classes"], n
        used |= set(labels)
    assert "Organisation" in used
    assert not any("Organization" in label for label in used)
    assert used <= kind_labels | expected["classes"]
    (dfki,) = (n for n in nodes if n["iri"] == DFKI)
    assert dfki["id:ID"] == "org.dfki" and dfki[":LABEL"].startswith("Organisation")
    assert dfki["label_en"] == expected["dfki"]["en"]


def test_node_ids_agree_across_graphml_gexf_and_neo4j(client):
    graphml = nx.read_graphml(io.BytesIO(_download(client, "kigraph-network.graphml")))
    gexf = nx.read_gexf(io.BytesIO(_download(client, "kigraph-network.gexf")), version="1.3")
    neo4j = csv.DictReader(io.StringIO(_download(client, "kigraph-network-nodes.csv").decode()))
    by_graphml = {n: d["iri"] for n, d in graphml.nodes(data=True)}
    assert by_graphml == {n: d["iri"] for n, d in gexf.nodes(data=True)}
    assert by_graphml == {n["id:ID"]: n["iri"] for n in neo4j}


def test_node_ids_are_short_unique_and_xml_safe():
    clash = [ID + "org/a.b", ID + "org.a/b"]  # both would be org.a.b
    foreign = ["http://example.org/x", ID + "place/köln"]
    g = nx.MultiDiGraph()
    g.add_nodes_from([DFKI, ID + "initiative/dfki", *clash, *foreign])
    ids = exports.node_ids(g)
    assert ids[DFKI] == "org.dfki" and ids[ID + "initiative/dfki"] == "initiative.dfki"
    assert all(re.fullmatch(r"n[0-9a-f]{12}", ids[iri]) for iri in foreign)
    first, second = (ids[iri] for iri in sorted(clash))  # the later one gives way
    assert first == "org.a.b" and re.fullmatch(r"n[0-9a-f]{12}", second)
    assert len(set(ids.values())) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", i) for i in ids.values())


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
