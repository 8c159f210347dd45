"""The store commands of the real command line (subprocesses): load, info, query, export, serve."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from server.cli_output import cell
from server.content import load_content
from server.dumps import directory_for
from server.namespaces import PREFIXES, XSD
from server.store import GraphStore

REPO = Path(__file__).resolve().parent.parent
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture
def store_copy(built_store: Path, tmp_path: Path) -> Path:
    """A writable copy of the session store (its var/ directory, link included)."""
    shutil.copytree(built_store.parent, tmp_path / "var", symlinks=True)
    return tmp_path / "var" / "store"


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for part in ("ontology", "data"):
        shutil.copytree(REPO / part, root / part)
    return root


def total(kigraph, store: Path) -> int:
    result = kigraph("query", COUNT_ALL, "--format", "csv", "--store", str(store))
    assert result.returncode == 0, result.stderr
    return int(result.stdout.splitlines()[1])


def write_ntriples(path: Path, n: int) -> None:
    with open(path, "w") as out:
        for i in range(n):
            out.write(f'<http://example.org/s{i}> <http://example.org/p> "value {i}" .\n')


# --- load → info → query → export ------------------------------------------------------------


@pytest.mark.slow  # builds the whole store in a subprocess
def test_load_info_query_export_round_trip(kigraph, repo_copy: Path, tmp_path: Path) -> None:
    store = tmp_path / "var" / "store"
    loaded = kigraph("load", "--root", str(repo_copy), "--store", str(store))
    assert loaded.returncode == 0, loaded.stderr
    assert "data version" in loaded.stdout and store.is_symlink()

    info = kigraph("info", "--store", str(store))
    assert info.returncode == 0, info.stderr
    version = GraphStore.open(store).data_version
    for expected in (version, "https://w3id.org/kigraph/graph/article", str(store)):
        assert expected in info.stdout

    n = total(kigraph, store)
    dump = tmp_path / "all.trig"
    exported = kigraph("export", "--store", str(store), "-o", str(dump))
    assert exported.returncode == 0, exported.stderr
    again = kigraph("query", COUNT_ALL, "--format", "csv", "--data", str(dump))
    assert again.returncode == 0, again.stderr
    assert int(again.stdout.splitlines()[1]) == n
    assert {str(q) for q in GraphStore.from_files([dump]).quads() if not _blank(q)} == {
        str(q) for q in GraphStore.open(store).quads() if not _blank(q)
    }


def _blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


SELECT = (
    "SELECT ?o WHERE { <https://w3id.org/kigraph/id/initiative/dfki> kg:involves ?o } ORDER BY ?o"
)
CONSTRUCT = "CONSTRUCT WHERE { <https://w3id.org/kigraph/id/initiative/dfki> kg:involves ?o }"


@pytest.mark.parametrize(
    ("query", "fmt", "expect"),
    [
        (SELECT, "table", "<https://w3id.org/kigraph/id/org/bund>"),
        (SELECT, "csv", "https://w3id.org/kigraph/id/org/bund"),
        (SELECT, "tsv", "<https://w3id.org/kigraph/id/org/bund>"),
        (SELECT, "json", '"value":"https://w3id.org/kigraph/id/org/bund"'),
        (SELECT, "xml", "<uri>https://w3id.org/kigraph/id/org/bund</uri>"),
        ("ASK { ?s kg:involves ?o }", "table", "true"),
        ("ASK { ?s kg:involves ?o }", "json", '"boolean":true'),
        (CONSTRUCT, "table", "kg:involves"),
        (CONSTRUCT, "ttl", "@prefix kg:"),
        (CONSTRUCT, "nt", "<https://w3id.org/kigraph/ontology#involves>"),
        (CONSTRUCT, "jsonld", '"@id"'),
    ],
)
def test_query_formats(kigraph, built_store: Path, query: str, fmt: str, expect: str) -> None:
    result = kigraph("query", query, "--format", fmt, "--store", str(built_store))
    assert result.returncode == 0, result.stderr
    assert expect in result.stdout
    if fmt == "json":
        json.loads(result.stdout)


def test_query_table_is_aligned(kigraph, built_store: Path) -> None:
    result = kigraph("query", SELECT, "--store", str(built_store))
    lines = result.stdout.splitlines()
    assert lines[0].startswith("?o") and set(lines[1]) == {"-"}
    assert lines[-1].endswith("rows)")


def test_query_from_file(kigraph, built_store: Path, tmp_path: Path) -> None:
    (tmp_path / "q.rq").write_text(SELECT)
    result = kigraph("query", "--file", str(tmp_path / "q.rq"), "--store", str(built_store))
    assert result.returncode == 0 and "<https://w3id.org/kigraph/id/org/bund>" in result.stdout


def test_query_syntax_error_marks_the_position(kigraph, built_store: Path) -> None:
    result = kigraph("query", "SELECT * WHERE {\n  ?s nope:x ?o }", "--store", str(built_store))
    assert result.returncode == 2
    assert "line 2, column 12" in result.stderr
    lines = result.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if line.endswith("?s nope:x ?o }"))
    assert lines[at + 1].index("^") == lines[at].index("nope:x") + len("nope:x")
    assert "Traceback" not in result.stderr


# --- output that pastes back, and pages ------------------------------------------------------

THING = re.compile(r"<https://w3id\.org/kigraph/id/[^>\s]+>")


def test_printed_iris_paste_into_a_query(kigraph, built_store: Path) -> None:
    """An IRI that `kigraph run` prints works, as printed, in `kigraph query` and as the
    parameter of another saved query; so does a prefixed name it prints."""
    common = ("--store", str(built_store), "--root", str(REPO))
    listed = kigraph("run", "organisations", *common)
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if "/id/org/dfki>" in line)
    iri = THING.search(row).group()
    kind = re.search(r"\bkg:\w+", row).group()
    query = f"SELECT ?label WHERE {{ {iri} a {kind} ; rdfs:label ?label }}"
    found = kigraph("query", query, "--store", str(built_store))
    assert found.returncode == 0, found.stderr
    assert '"German Research Center for Artificial Intelligence (DFKI)"@en' in found.stdout
    again = kigraph("run", "organisation-initiatives", "--param", f"agent={iri}", *common)
    assert again.returncode == 0, again.stderr
    assert "<https://w3id.org/kigraph/id/initiative/dfki>" in again.stdout


@pytest.mark.parametrize(
    "term",
    [
        ox.NamedNode("https://w3id.org/kigraph/id/org/dfki"),
        ox.NamedNode("https://w3id.org/kigraph/ontology#Initiative"),
        ox.NamedNode("https://w3id.org/kigraph/ontology#-odd."),
        ox.NamedNode("http://example.org/a(b)"),
        ox.Literal('say "hi" \\ back\nslash\ttab'),
        ox.Literal("Künstliche Intelligenz", language="de"),
        ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")),
        ox.Literal("-1.5", datatype=ox.NamedNode(XSD + "decimal")),
        ox.Literal(1.5e3),  # "1500"^^xsd:double: bare, it would read as an integer
        ox.Literal("INF", datatype=ox.NamedNode(XSD + "double")),
        ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
        ox.Literal("2024-05-01", datatype=ox.NamedNode(XSD + "date")),
        ox.Literal("x", datatype=ox.NamedNode("http://example.org/type")),
    ],
    ids=str,
)
def test_table_cells_are_sparql(term) -> None:
    """Every cell of the table reads back, in a query with the CLI's prefixes, as its term."""
    query = f"SELECT ?x WHERE {{ BIND({cell(term)} AS ?x) }}"
    (row,) = ox.Store().query(query, prefixes=dict(PREFIXES))
    assert row["x"] == term


def test_query_says_when_its_limit_cut_the_answer(kigraph, built_store, monkeypatch) -> None:
    monkeypatch.setenv("KIGRAPH_ROW_CAP", "2")  # caps the HTTP endpoint, never the CLI

    def query(text: str) -> tuple[list[str], str]:
        result = kigraph("query", text, "--format", "csv", "--store", str(built_store))
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()[1:], result.stderr

    everything, said = query(SELECT)
    assert len(everything) > 3 and said == ""
    first, said = query(SELECT + " LIMIT 2")
    assert first == everything[:2]
    assert "LIMIT 2 cut the answer; more rows follow: LIMIT 2 OFFSET 2 gives the next" in said
    rest, said = query(SELECT + f" LIMIT {len(everything)} OFFSET 2")  # as told, larger
    assert rest == everything[2:] and said == ""
    inner, said = query(f"SELECT * WHERE {{ {{ {SELECT} LIMIT 1 }} }}")
    assert len(inner) == 1 and said == ""  # a sub-select's LIMIT is not the answer's


@pytest.mark.parametrize(
    ("fmt", "rdf"),
    [
        ("trig", "trig"),
        ("nq", "nq"),
        ("ttl", "ttl"),
        ("nt", "nt"),
        ("jsonld", "jsonld"),
        ("rdf", "rdf"),
    ],
)
@pytest.mark.parametrize("graph", [None, "article", "https://w3id.org/kigraph/graph/links"])
def test_export_formats(
    kigraph, built_store: Path, tmp_path: Path, fmt: str, rdf: str, graph
) -> None:
    out = tmp_path / f"out.{rdf}"
    args = ["export", "--format", fmt, "-o", str(out), "--store", str(built_store)]
    if graph:
        args += ["--graph", graph]
    result = kigraph(*args)
    assert result.returncode == 0, result.stderr
    parsed = list(ox.parse(path=str(out)))
    assert parsed
    if graph == "article":
        assert len({str(q.triple) for q in parsed}) == len(
            list(GraphStore.open(built_store).quads("https://w3id.org/kigraph/graph/article"))
        )


# --- the atomic swap, refusals, idempotence --------------------------------------------------


@pytest.mark.slow  # builds stores in subprocesses and kills one
def test_kill_9_mid_load_leaves_the_old_store(kigraph, store_copy: Path, tmp_path: Path) -> None:
    before_version = GraphStore.open(store_copy).data_version
    before = total(kigraph, store_copy)
    big = tmp_path / "big.nt"
    write_ntriples(big, 300_000)
    load = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server",
            "load",
            "--root",
            str(REPO),
            "--store",
            str(store_copy),
            "--add",
            str(big),
            "--no-progress",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not list(store_copy.parent.glob("store.tmp-*")):
        assert load.poll() is None, "load finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.3)  # well into the bulk load
    assert load.poll() is None, "load finished before it could be killed"
    os.kill(load.pid, signal.SIGKILL)
    load.wait()
    assert list(store_copy.parent.glob("store.tmp-*"))  # the half-built store is left behind
    assert total(kigraph, store_copy) == before
    assert GraphStore.open(store_copy).data_version == before_version
    again = kigraph("load", "--root", str(REPO), "--store", str(store_copy))
    assert again.returncode == 0, again.stderr
    assert not list(store_copy.parent.glob("store.tmp-*"))  # cleaned by the next load
    assert total(kigraph, store_copy) == before


@pytest.mark.slow  # builds the whole store in a subprocess
def test_invalid_data_is_refused_and_the_store_unchanged(
    kigraph, store_copy: Path, repo_copy: Path
) -> None:
    article = repo_copy / "data" / "article.trig"
    text = article.read_text()
    label = next(line for line in text.splitlines() if "rdfs:label" in line and "@en" in line)
    article.write_text(text.replace(label, label.replace("@en", "@fr"), 1))
    target = store_copy.resolve()
    before = total(kigraph, store_copy)
    result = kigraph("load", "--root", str(repo_copy), "--store", str(store_copy))
    assert result.returncode == 1
    assert "kigraph validate: FAILED" in result.stdout and "rdfs:label" in result.stdout
    assert "unchanged" in result.stderr and "Traceback" not in result.stderr
    assert store_copy.resolve() == target and total(kigraph, store_copy) == before


@pytest.mark.slow  # builds the whole store twice in subprocesses
def test_load_twice_is_idempotent(kigraph, store_copy: Path) -> None:
    first = kigraph("export", "--format", "nq", "--store", str(store_copy)).stdout
    assert kigraph("load", "--root", str(REPO), "--store", str(store_copy)).returncode == 0
    second = kigraph("export", "--format", "nq", "--store", str(store_copy)).stdout
    assert sorted(first.splitlines()) == sorted(second.splitlines())


@pytest.mark.slow  # builds the whole store in a subprocess
def test_load_add(kigraph, store_copy: Path, tmp_path: Path) -> None:
    import gzip

    plain, packed = tmp_path / "extra.nt", tmp_path / "more.nt.gz"
    write_ntriples(plain, 1000)
    packed.write_bytes(gzip.compress(b'<http://example.org/x> <http://example.org/p> "1" .\n'))
    before = GraphStore.open(store_copy).data_version
    result = kigraph(
        "load", "--root", str(REPO), "--store", str(store_copy), "--add", str(plain), str(packed)
    )
    assert result.returncode == 0, result.stderr
    assert "triples/s" in result.stdout
    graphs = dict(GraphStore.open(store_copy).graphs())
    assert graphs["https://w3id.org/kigraph/graph/added/extra"] == 1000
    assert graphs["https://w3id.org/kigraph/graph/added/more"] == 1
    assert GraphStore.open(store_copy).data_version != before


@pytest.mark.slow  # builds the whole store in a subprocess
def test_load_reports_each_phase_and_the_whole_time(kigraph, store_copy: Path, tmp_path):
    """One line per phase as it ends, the files it wrote, and a total that is the whole run."""
    extra = tmp_path / "extra.nt"
    write_ntriples(extra, 100)
    argv = ["load", "--root", str(REPO), "--store", str(store_copy), "--add", str(extra)]
    started = time.monotonic()
    result = kigraph(*argv, "--no-progress")
    wall = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    phases = [line for line in result.stderr.splitlines() if line.startswith("kigraph load: ")]
    directory = directory_for(GraphStore.open(store_copy), None)
    files = len(load_content(REPO).files)
    expected = [
        f"parsed {files} files in {REPO}",
        "validated",
        "stored",
        "inference: materialised",
        f"added {extra}: 100 triples",
        "described the dataset",
        f"swapped in: {store_copy} → store-",
        f"wrote 14 dumps of the whole dataset to {directory}",
        f"wrote 5 cooperation-network exports to {directory}",
        f"wrote 1 DCAT catalogue (sizes and checksums) to {directory}",
    ]
    assert len(phases) == len(expected), result.stderr
    for line, start in zip(phases, expected, strict=True):
        assert line.startswith(f"kigraph load: {start}") and line.endswith(" s)"), line
    assert f"download files in {directory}:" in result.stdout
    listed = re.findall(r"^  (kigraph\S*) \(", result.stdout, re.M)
    assert len(listed) == 20 and "kigraph.trig.gz" in listed
    assert all((directory / name).is_file() for name in listed)
    total = float(re.search(r"^kigraph load: done, ([0-9.]+) s in all$", result.stdout, re.M)[1])
    assert total >= wall - 1.0, (total, wall)  # the rest: starting and ending Python


@pytest.mark.slow  # builds the whole store in a subprocess
def test_load_add_counts_quads_that_keep_their_graphs(kigraph, store_copy: Path, tmp_path):
    """An N-Quads file's quads stay in their own graphs; the report counts them all."""
    quads = tmp_path / "quads.nq"
    quads.write_text(
        '<http://example.org/a> <http://example.org/p> "1" <http://example.org/g1> .\n'
        '<http://example.org/b> <http://example.org/p> "2" <http://example.org/g2> .\n'
        '<http://example.org/c> <http://example.org/p> "3" .\n'
    )
    result = kigraph("load", "--root", str(REPO), "--store", str(store_copy), "--add", str(quads))
    assert result.returncode == 0, result.stderr
    assert "quads.nq: 3 triples" in result.stdout, result.stdout
    graphs = dict(GraphStore.open(store_copy).graphs())
    assert graphs["http://example.org/g1"] == graphs["http://example.org/g2"] == 1
    assert graphs["https://w3id.org/kigraph/graph/added/quads"] == 1


# --- bad input -------------------------------------------------------------------------------


def _bad_add(tmp: Path) -> list[str]:
    good, bad = tmp / "good.nt", tmp / "bad.nt"
    write_ntriples(good, 10)
    bad.write_text('<http://a> <http://b> "ok" .\n<http://a> <http://b> .\n')
    return ["load", "--root", str(REPO), "--add", str(good), str(bad)]


def _corrupt(tmp: Path) -> list[str]:
    (tmp / "junk").mkdir()
    (tmp / "junk" / "CURRENT").write_text("garbage")
    return ["info", "--store", str(tmp / "junk")]


CASES = [
    ("missing store", lambda t: ["info", "--store", str(t / "nope")], "no store at"),
    (
        "missing store (query)",
        lambda t: ["query", "ASK {}", "--store", str(t / "nope")],
        "kigraph load",
    ),
    ("corrupt store", _corrupt, "damaged" if False else "cannot open the store"),
    ("not a store", lambda t: ["info", "--store", str(t)], "not an Oxigraph store"),
    (
        "unknown export format",
        lambda t: ["export", "--format", "docx"],
        "unknown RDF format 'docx'",
    ),
    ("unknown query format", lambda t: ["query", "ASK {}", "--format", "docx"], "unknown format"),
    (
        "format for another result",
        lambda t: [
            "query",
            SELECT,
            "--format",
            "ttl",
            "--data",
            str(REPO / "data" / "sources.ttl"),
        ],
        "CONSTRUCT",
    ),
    (
        "unknown graph",
        lambda t: ["export", "--graph", "nope", "--data", str(REPO / "data" / "sources.ttl")],
        "no graph",
    ),
    ("unreadable query file", lambda t: ["query", "--file", str(t / "none.rq")], "cannot read"),
    ("query and --file", lambda t: ["query", "ASK {}", "--file", str(t / "x.rq")], "not both"),
    (
        "unknown data extension",
        lambda t: ["serve", "--data", str(t / "x.docx")],
        "unknown RDF file extension",
    ),
    ("unreadable data file", lambda t: ["serve", "--data", str(t / "none.ttl")], "cannot read"),
    (
        "missing --add file",
        lambda t: ["load", "--add", str(t / "none.nt"), "--store", str(t / "s")],
        "no such file",
    ),
    # builds a store before it meets the bad line: full tier
    pytest.param("bad line in --add file", _bad_add, "bad.nt:2:", marks=pytest.mark.slow),
    (
        "unwritable output",
        lambda t: [
            "export",
            "-o",
            str(t / "no" / "dir" / "x.trig"),
            "--data",
            str(REPO / "data" / "sources.ttl"),
        ],
        "cannot write",
    ),
]


@pytest.mark.parametrize(
    ("name", "args", "expect"),
    CASES,
    ids=[c.values[0] if hasattr(c, "values") else c[0] for c in CASES],
)
def test_bad_input(kigraph, built_store: Path, tmp_path: Path, name, args, expect) -> None:
    argv = args(tmp_path)
    if "--store" not in argv and "--data" not in argv:
        argv += ["--store", str(tmp_path / "var" / "store")]
    result = kigraph(*argv)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert expect in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "var" / "store").exists()  # nothing committed


def test_locked_store(kigraph, built_store: Path, tmp_path: Path) -> None:
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
        result = kigraph("info", "--store", str(tmp_path / "s"))
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    assert "held read-write by another process" in result.stderr


# --- serve and docs --------------------------------------------------------------------------


def _lines_until(stream, end: str, process, seconds: float) -> list[str]:
    """Lines of ``stream`` up to the first that contains ``end``."""
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    while not lines or end not in lines[-1]:
        assert process.poll() is None, "".join(lines) + stream.read()
        assert time.monotonic() < deadline, "".join(lines)
        if select.select([stream], [], [], 0.2)[0]:
            lines.append(stream.readline())
    return [line.rstrip("\n") for line in lines]


@pytest.mark.slow  # builds the whole store and starts a server
def test_serve_builds_the_store_first(tmp_path: Path) -> None:
    """`kigraph serve` on a fresh machine: a line per phase of the build, then a URL that
    answers; Granian's own banners only with --verbose. Stopped, it exits 0."""
    store = tmp_path / "var" / "store"
    with open(tmp_path / "stdout", "w") as stdout:
        serve = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--store", str(store), "--port", "0"],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
        )
    try:
        said = _lines_until(serve.stderr, "listening on", serve, 60)
        url = re.fullmatch(r"kigraph serve: listening on (http://127\.0\.0\.1:(\d+)/)", said[-1])
        assert url and url[2] != "0", said
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url[1] + "healthz", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        # the access log line is written after the response: wait for it, then stop
        while not (tmp_path / "stdout").read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        serve.terminate()
        try:
            serve.wait(timeout=20)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()
    phases = [
        f"no store at {store} yet: building it",
        f"parsed {len(load_content(REPO).files)} files",
        "validated",
        "stored",
        "inference",
        "described the dataset",
        f"swapped in: {store} → store-",
        f"serving the store {store} (store-",
        "listening on http://127.0.0.1:",
    ]
    assert len(said) == len(phases), said
    for line, start in zip(said, phases, strict=True):
        assert line.startswith(f"kigraph serve: {start}"), line
    assert GraphStore.open(store).graphs()
    assert "Traceback" not in serve.stderr.read()
    logged = (tmp_path / "stdout").read_text().splitlines()  # the access log, no banners
    assert logged and all(line.startswith("time=") for line in logged), logged
    assert serve.returncode == 0


def test_serve_refuses_a_port_that_is_no_port(kigraph) -> None:
    result = kigraph("serve", "--port", "99999")
    assert result.returncode == 2
    assert "99999 is not a port" in result.stderr


def test_serve_says_when_its_port_is_taken(kigraph, built_store: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = kigraph("serve", "--store", str(built_store), "--port", port)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert "Traceback" not in result.stderr and "panicked" not in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        "kigraph load",
        "kigraph info",
        "kigraph query",
        "kigraph export",
        "kigraph serve",
        "kigraph validate",
    ],
)
def test_docs_document_each_command(command: str) -> None:
    assert command in (REPO / "docs" / "cli.md").read_text()
