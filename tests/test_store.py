"""server.store on the real repository: named graphs, materialisation, the dataset description,
the atomic build, formats and every way of failing to open a store."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from server.app import create_app
from server.build import build_store, ensure_store
from server.content import load_content
from server.description import DATASET_GRAPH
from server.errors import (
    ContentError,
    QuerySyntaxError,
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreMissing,
    UnknownFormat,
    UnknownGraph,
)
from server.namespaces import DATASET, DCTERMS, GRAPH, ID, KG, sparql_prologue
from server.settings import Settings
from server.store import GraphStore

REPO = Path(__file__).resolve().parent.parent

ARTICLE = GRAPH + "article"
PROVENANCE = GRAPH + "provenance"


@pytest.fixture(scope="module")
def store(built_store: Path) -> GraphStore:
    return GraphStore.open(built_store)


@pytest.fixture(scope="module")
def content():
    return load_content(REPO)


def ask(store: GraphStore, query: str) -> bool:
    return bool(store.query(sparql_prologue() + query))


def count(store: GraphStore, query: str) -> int:
    return int(next(iter(store.query(sparql_prologue() + query)))["n"].value)


def comparable(quads) -> tuple[set[str], int]:
    """Quads without blank nodes (exactly), and how many have blank nodes (labels differ)."""
    plain, blank = set(), 0
    for q in quads:
        if any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object, q.graph_name)):
            blank += 1
        else:
            plain.add(str(q))
    return plain, blank


# --- graphs ----------------------------------------------------------------------------------


def test_named_graphs(store: GraphStore, content) -> None:
    names = {g for g, _ in store.graphs()}
    assert names == set(content.graphs) | {DATASET_GRAPH}
    assert {GRAPH + n for n in ("ontology", "shapes", "article", "provenance", "dataset")} <= names


def test_provenance_graph_is_exactly_what_content_made(store: GraphStore, content) -> None:
    canonical = ox.Store()  # the store keeps literals canonical ("1.0"^^xsd:decimal → "1")
    canonical.extend(content.graphs[PROVENANCE])
    assert {str(q) for q in store.quads(PROVENANCE)} == {str(q) for q in canonical}


def test_data_version_is_the_content_hash(store: GraphStore, content) -> None:
    assert store.data_version == content.version


# --- materialisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "triple",
    [
        "<id/initiative/dfki> kg:involves <id/org/bund>",
        "<id/org/bund> kg:involvedIn <id/initiative/dfki>",
    ],
)
def test_materialised_in_the_premise_graph(store: GraphStore, triple: str) -> None:
    assert ask(
        store, f"BASE <https://w3id.org/kigraph/> ASK {{ GRAPH <{ARTICLE}> {{ {triple} }} }}"
    )


SUPER = [
    ("partner", "involves"),
    ("funder", "involves"),
    ("hardware", "usesTechnology"),
    ("researchFocus", "focusArea"),
    ("researchFocus", "topic"),
    ("focusArea", "topic"),
]
INVERSE = [
    ("involves", "involvedIn"),
    ("partOf", "hasPart"),
    ("usesTechnology", "usedBy"),
    ("fundedInitiative", "grant"),
]


@pytest.mark.parametrize(("sub", "sup"), SUPER)
def test_super_properties(store: GraphStore, sub: str, sup: str) -> None:
    assert ask(store, f"ASK {{ GRAPH ?g {{ ?s kg:{sub} ?o }} }}"), f"no kg:{sub} in the data"
    missing = f"ASK {{ GRAPH ?g {{ ?s kg:{sub} ?o }} FILTER NOT EXISTS {{ GRAPH ?g {{ ?s kg:{sup} ?o }} }} }}"
    assert not ask(store, missing)


@pytest.mark.parametrize(("p", "q"), INVERSE + [(q, p) for p, q in INVERSE])
def test_inverses(store: GraphStore, p: str, q: str) -> None:
    assert ask(store, f"ASK {{ GRAPH ?g {{ ?s kg:{p} ?o }} }}"), f"no kg:{p} in the data"
    missing = (
        f"ASK {{ GRAPH ?g {{ ?s kg:{p} ?o }} FILTER NOT EXISTS {{ GRAPH ?g {{ ?o kg:{q} ?s }} }} }}"
    )
    assert not ask(store, missing)


@pytest.mark.parametrize("graph", [PROVENANCE, GRAPH + "ontology", GRAPH + "shapes"])
def test_nothing_materialised_outside_the_data_graphs(store: GraphStore, content, graph) -> None:
    canonical = ox.Store()
    canonical.extend(content.graphs[graph])
    assert len(list(store.quads(graph))) == len(canonical)


# --- the dataset description -----------------------------------------------------------------


def test_void_subset_counts_equal_count_queries(store: GraphStore) -> None:
    recorded = {
        row["g"].value: int(row["n"].value)
        for row in store.query(
            sparql_prologue()
            + f"SELECT ?g ?n WHERE {{ GRAPH <{DATASET_GRAPH}> {{ <{DATASET}> void:subset ?g ."
            " ?g void:triples ?n FILTER NOT EXISTS { ?g a void:Linkset } } }"
        )
    }
    actual = {g: n for g, n in store.graphs() if g != DATASET_GRAPH}
    assert recorded == actual
    for graph, n in actual.items():
        assert (
            count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == n
        )


@pytest.mark.parametrize(
    ("slug", "namespace"),
    [
        ("wikidata", "http://www.wikidata.org/entity/"),
        ("ror", "https://ror.org/"),
        ("geonames", "https://sws.geonames.org/"),
    ],
)
def test_linksets(store: GraphStore, slug: str, namespace: str) -> None:
    expected = count(
        store,
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s schema:sameAs ?o }}"
        f' FILTER(?g != <{DATASET_GRAPH}> && STRSTARTS(STR(?o), "{namespace}")) }}',
    )
    recorded = count(
        store,
        f"SELECT ?n WHERE {{ GRAPH <{DATASET_GRAPH}> {{ <{DATASET}> void:subset ?ls ."
        f" ?ls a void:Linkset ; void:linkPredicate schema:sameAs ; void:triples ?n ;"
        f' void:objectsTarget [ void:uriSpace "{namespace}" ] }} }}',
    )
    assert recorded == expected
    assert slug == "geonames" or expected > 0


@pytest.mark.parametrize(
    "pattern",
    [
        "a dcat:Dataset, void:Dataset",
        'dcterms:title ?t FILTER(LANG(?t) = "de")',
        'dcterms:title ?t FILTER(LANG(?t) = "en")',
        'dcterms:description ?d FILTER(LANG(?d) = "de")',
        'dcterms:description ?d FILTER(LANG(?d) = "en")',
        "dcterms:license <https://creativecommons.org/licenses/by/4.0/>",
        "dcterms:modified ?m FILTER(DATATYPE(?m) = xsd:dateTime)",
        "void:sparqlEndpoint <https://w3id.org/kigraph/sparql>",
        f'void:uriSpace "{ID}"',
        "prov:wasDerivedFrom <https://w3id.org/kigraph/id/source/article>",
        "void:classPartition [ void:class kg:Passage ; void:entities ?e ]",
        "void:propertyPartition [ void:property kg:partner ; void:triples ?t ]",
        "void:triples ?n ; void:classes ?c ; void:properties ?p",
    ],
)
def test_dataset_description(store: GraphStore, pattern: str) -> None:
    assert ask(store, f"ASK {{ GRAPH <{DATASET_GRAPH}> {{ <{DATASET}> {pattern} }} }}")


def test_sources_are_the_source_documents(store: GraphStore) -> None:
    docs = {
        r["d"].value
        for r in store.query(sparql_prologue() + "SELECT ?d { ?d a kg:SourceDocument }")
    }
    listed = {
        r["d"].value
        for r in store.query(
            sparql_prologue()
            + f"SELECT ?d {{ GRAPH <{DATASET_GRAPH}> {{ <{DATASET}> prov:wasDerivedFrom ?d }} }}"
        )
    }
    assert docs == listed and len(docs) > 1


@pytest.mark.parametrize(
    ("cls", "prop"),
    [("entities", "void:class kg:Passage"), ("triples", "void:property kg:partner")],
)
def test_partition_counts(store: GraphStore, cls: str, prop: str) -> None:
    recorded = count(
        store,
        f"SELECT ?n {{ GRAPH <{DATASET_GRAPH}> {{ ?part {prop} ; void:{cls} ?n }} }}",
    )
    if cls == "entities":
        q = f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ GRAPH ?g {{ ?s a kg:Passage }} FILTER(?g != <{DATASET_GRAPH}>) }}"
    else:
        q = f"SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?s kg:partner ?o }} FILTER(?g != <{DATASET_GRAPH}>) }}"
    assert recorded == count(store, q) > 0


# --- building --------------------------------------------------------------------------------


@pytest.mark.slow  # builds the whole store
def test_loading_twice_gives_the_same_store(built_store: Path, tmp_path: Path) -> None:
    target = tmp_path / "var" / "store"
    shutil.copytree(built_store.parent, target.parent, symlinks=True)
    before = {str(q) for q in GraphStore.open(target).quads()}
    first = Path(target.resolve())
    again = build_store(REPO, target)
    assert again.location != first and first.is_dir()  # a new generation; the previous kept
    assert {str(q) for q in again.quads()} == before
    third = build_store(REPO, target)
    assert not first.exists()  # generations older than the previous one go
    assert {str(q) for q in third.quads()} == before
    # (var/ may also hold downloads/, written per data version by the linked-data views)
    generations = [p.name for p in target.parent.iterdir() if p.name.startswith("store")]
    assert sorted(generations) == sorted(["store", again.location.name, third.location.name])


@pytest.mark.slow  # builds the whole store
def test_stale_temp_dirs_are_cleaned(built_store: Path, tmp_path: Path) -> None:
    target = tmp_path / "var" / "store"
    shutil.copytree(built_store.parent, target.parent, symlinks=True)
    stale = target.parent / "store.tmp-99999-deadbeef"
    stale.mkdir()
    (target.parent / ".store.link-99999-x").symlink_to("nowhere")
    build_store(REPO, target)
    assert not stale.exists() and not (target.parent / ".store.link-99999-x").is_symlink()


def test_refuses_a_plain_directory(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "precious.txt").write_text("keep me")
    with pytest.raises(StoreError, match="not a store link"):
        build_store(REPO, tmp_path / "store", validate=False)
    assert (tmp_path / "store" / "precious.txt").exists()


@pytest.mark.slow  # builds the whole store
def test_ensure_store_builds_when_absent(tmp_path: Path) -> None:
    settings = Settings(root=REPO, store=tmp_path / "var" / "store")
    store = ensure_store(settings)
    assert store.path == settings.store and store.data_version == load_content(REPO).version
    assert ensure_store(settings).location == store.location  # opened, not rebuilt


def test_ensure_store_with_data_files(tmp_path: Path) -> None:
    data = tmp_path / "mine.ttl"
    data.write_text("<http://example.org/a> <http://example.org/p> 1 .\n")
    store = ensure_store(Settings(root=REPO, data_files=(data,)))
    assert store.path is None
    assert (GRAPH + "mine", 1) in store.graphs()


def test_user_files_are_described_as_theirs(tmp_path: Path) -> None:
    """``serve --data`` files are the user's: named by file, with no licence of KI-Graph's,
    while the curated graph states CC BY 4.0 — and every page's footer follows the data."""
    data = tmp_path / "mine.ttl"
    data.write_text("<http://example.org/a> <http://example.org/p> 1 .\n")
    store = GraphStore.from_files([data])
    assert store.licence is None
    title = store.query(
        f"SELECT ?t WHERE {{ GRAPH <{DATASET_GRAPH}> {{ <{DATASET}> dcterms:title ?t }} }}",
        prefixes={"dcterms": DCTERMS},
    )
    assert [row["t"].value for row in title] == ["mine.ttl"]
    settings = Settings(root=REPO, data_files=(data,))
    for lang, own, ours in (
        ("en", "Data: your files, under their authors", "CC BY"),
        ("de", "Daten: Ihre Dateien, unter der Lizenz ihrer Urheber", "CC BY"),
    ):
        page = (
            create_app(settings, store)
            .test_client()
            .get(f"/?lang={lang}", headers={"Accept": "text/html"})
        )
        footer = page.get_data(as_text=True).split('<footer class="site">')[1]
        assert own in footer and ours not in footer.split("</footer>")[0]


def test_curated_data_states_its_licence(store: GraphStore) -> None:
    assert store.licence == "https://creativecommons.org/licenses/by/4.0/"
    page = (
        create_app(Settings(root=REPO), store)
        .test_client()
        .get("/?lang=en", headers={"Accept": "text/html"})
    )
    assert "Data and ontology: CC BY 4.0" in page.get_data(as_text=True)


# --- formats and queries ---------------------------------------------------------------------


def test_trig_round_trip(store: GraphStore, tmp_path: Path) -> None:
    dump = tmp_path / "all.trig"
    dump.write_bytes(store.serialize("trig"))
    again = GraphStore.from_files([dump])
    assert comparable(again.quads()) == comparable(store.quads())
    assert again.data_version == store.data_version


@pytest.mark.parametrize(
    ("fmt", "graph"),
    [(f, g) for f in ("trig", "nq", "ttl", "nt", "jsonld", "rdf") for g in (None, ARTICLE)],
)
def test_serialize_parses_back(store: GraphStore, fmt: str, graph: str | None) -> None:
    from server.formats import RDF_FORMATS

    data = store.serialize(fmt, graph)
    parsed = list(ox.parse(data, format=RDF_FORMATS[fmt]))
    expected = {str(q.triple) for q in store.quads(graph)}
    assert {
        str(q.triple) for q in parsed if not isinstance(q.subject, ox.BlankNode)
    } <= expected | {str(q.triple) for q in parsed}
    assert len({str(q.triple) for q in parsed}) == len(expected)


def test_serialize_errors(store: GraphStore) -> None:
    with pytest.raises(UnknownFormat):
        store.serialize("docx")
    with pytest.raises(UnknownGraph):
        store.serialize("ttl", GRAPH + "nope")


def test_query_syntax_error_has_position(store: GraphStore) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        store.query("SELECT * WHERE {\n  ?s nope:x ?o }")
    assert (info.value.line, info.value.column) == (2, 12)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, True),
        ({"union_default_graph": False}, False),
        ({"default_graph": [ARTICLE]}, True),
        ({"default_graph": [GRAPH + "links"]}, False),
    ],
)
def test_query_graph_options(store: GraphStore, kwargs: dict, expected: bool) -> None:
    query = f"ASK {{ <{ID}initiative/dfki> <{KG}involves> <{ID}org/bund> }}"
    assert bool(store.query(query, **kwargs)) is expected


def test_query_substitutions(store: GraphStore) -> None:
    rows = store.query(
        f"SELECT ?s ?o WHERE {{ ?s <{KG}involves> ?o }}",
        substitutions={"s": ox.NamedNode(ID + "initiative/dfki")},
    )
    assert ID + "org/bund" in {r["o"].value for r in rows}


# --- bad input -------------------------------------------------------------------------------


def test_open_missing(tmp_path: Path) -> None:
    with pytest.raises(StoreMissing, match="kigraph load"):
        GraphStore.open(tmp_path / "nope")
    (tmp_path / "dangling").symlink_to("gone")
    with pytest.raises(StoreMissing, match="gone"):
        GraphStore.open(tmp_path / "dangling")


@pytest.mark.parametrize(
    "make",
    [
        lambda d: d.mkdir(),  # empty directory
        lambda d: (d.mkdir(), (d / "CURRENT").write_text("garbage")),
        lambda d: d.write_text("a file"),
    ],
    ids=["empty", "garbage", "file"],
)
def test_open_corrupt(tmp_path: Path, make) -> None:
    make(tmp_path / "s")
    with pytest.raises(StoreCorrupt):
        GraphStore.open(tmp_path / "s")


def test_open_locked(built_store: Path, tmp_path: Path) -> None:
    shutil.copytree(built_store.resolve(), tmp_path / "s")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, pyoxigraph as ox; s = ox.Store(sys.argv[1]);"
            " print('ready', flush=True); time.sleep(60)",
            str(tmp_path / "s"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        for read_only in (True, False):
            with pytest.raises(StoreLocked, match="another process"):
                GraphStore.open(tmp_path / "s", read_only=read_only)
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert GraphStore.open(tmp_path / "s").graphs()


@pytest.mark.slow  # 1,200 store opens in six processes
def test_servers_starting_together_do_not_see_each_other_as_writers(built_store: Path) -> None:
    """Several processes opening one store read-only at the same moment (servers started side
    by side, or a pool's workers) all get it: checking for a writer must not itself look like
    one to the process beside it."""
    opener = (
        "import sys; from server.store import GraphStore\n"
        "for _ in range(200): GraphStore.open(sys.argv[1])\n"
    )
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", opener, str(built_store)],
            cwd=Path(__file__).resolve().parent.parent,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    failures = [p.communicate(timeout=120)[1] for p in openers if p.wait(timeout=120) != 0]
    assert not failures, failures[0][-500:]


@pytest.mark.parametrize(
    ("name", "text", "expect"),
    [
        ("bad.ttl", "<http://a> <http://b> <http://c> .\n<http://a> <http://b> .\n", "bad.ttl:2:"),
        (
            "bad.nt",
            '<http://a> <http://b> <http://c> .\n\n<http://a> <http://b> "x .\n',
            "bad.nt:3:",
        ),
        ("bad.jsonld", "{ nope", "bad.jsonld"),
    ],
)
def test_from_files_bad_file(tmp_path: Path, name: str, text: str, expect: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ContentError, match=expect):
        GraphStore.from_files([tmp_path / name])


def test_from_files_unknown_extension_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnknownFormat, match=r"\.docx"):
        GraphStore.from_files([tmp_path / "x.docx"])
    with pytest.raises(ContentError, match="cannot read"):
        GraphStore.from_files([tmp_path / "missing.ttl"])


@pytest.mark.parametrize("ext", ["ttl", "nt", "nq", "trig", "rdf", "owl", "jsonld", "nt.gz"])
def test_from_files_formats(store: GraphStore, tmp_path: Path, ext: str) -> None:
    import gzip

    fmt = {"owl": "rdf", "nt.gz": "nt"}.get(ext, ext)
    data = store.serialize(fmt, ARTICLE)
    path = tmp_path / f"article.{ext}"
    path.write_bytes(gzip.compress(data) if ext.endswith(".gz") else data)
    loaded = GraphStore.from_files([path])
    quads = [q for q in loaded.quads() if q.graph_name.value != DATASET_GRAPH]
    assert {str(q.triple) for q in quads} == {str(q.triple) for q in store.quads(ARTICLE)}
