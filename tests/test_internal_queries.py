"""The server's own SPARQL lives in files (server/internal_queries/*.rq): each says which
variables its caller binds, runs on both backends with the same answer, is used by the code and
ships as package data; the views and the page modules hold no query text of their own."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pyoxigraph as ox
import pytest

from server import internal_queries
from server.namespaces import PREFIXES
from server.sparql_text import bind_values

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "server"
BASE = "https://w3id.org/kigraph/"

#: an example value for every variable a file says its caller binds
EXAMPLES = {
    "r": ox.NamedNode(BASE + "id/initiative/dfki"),
    "p": ox.NamedNode(BASE + "ontology#fundedInitiative"),
    "text": ox.Literal("kompetenz"),
    "lang": ox.Literal("en"),
    "dataset": ox.NamedNode(BASE + "dataset"),
}
#: modules that must take their SPARQL from files
NO_INLINE_SPARQL = sorted(
    [*(SERVER / "views").glob("*.py"), SERVER / "describe.py", SERVER / "exports.py"]
)


def bound_variables(text: str) -> list[str]:
    """The variables a file's comment says the caller binds (``# ?r: …; ?lang: …``)."""
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    return sorted(set(re.findall(r"(?:^#|;)\s*\?(\w+):", header, re.MULTILINE)))


def query_part(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("#"))


def run(store, name: str) -> list:
    """The answer to ``name`` with the examples bound: sorted rows, triples, or [True/False]."""
    text = internal_queries.text(name)
    subs = {ox.Variable(v): EXAMPLES[v] for v in bound_variables(text)}
    result = store.query(text, substitutions=subs)
    if isinstance(result, ox.QueryBoolean):
        return [bool(result)]
    if isinstance(result, ox.QuerySolutions):
        columns = len(result.variables)
        return sorted(tuple(str(row[i]) for i in range(columns)) for row in result)
    return sorted(str(triple) for triple in result)


def test_there_are_query_files() -> None:
    assert len(internal_queries.names()) >= 20
    assert "describe" in internal_queries.names()


@pytest.mark.parametrize("name", internal_queries.names())
def test_every_file_says_what_it_binds_and_has_examples(name: str) -> None:
    text = internal_queries.text(name)
    for variable in bound_variables(text):
        assert variable in EXAMPLES, f"{name}.rq binds ?{variable}: add an example here"
        assert re.search(rf"\?{variable}\b", query_part(text)), f"{name}.rq never uses ?{variable}"
    unbound_inputs = {"r", "lang", "dataset", "text"} - set(bound_variables(text))
    for variable in unbound_inputs:  # a parameter the header forgot would run unbound
        if re.search(rf"= \?{variable}\b|\(\?{variable}\)", query_part(text)):
            pytest.fail(f"{name}.rq compares ?{variable}: say in its header that it is bound")


@pytest.mark.parametrize("name", internal_queries.names())
def test_every_file_answers_alike_on_both_backends(name: str, embedded_store, remote_store) -> None:
    """The same answer on both backends, and not an empty one: a binding that misses its
    variable (a filter in a nested group) would answer nothing."""
    here = run(embedded_store, name)
    there = run(remote_store, name)
    assert here and here != [False], f"{name}.rq answers nothing with the examples"
    if any("_:" in str(row) for row in here):  # blank nodes are labelled per store
        assert len(here) == len(there)
    else:
        assert here == there


def test_bindings_take_effect() -> None:
    """Bound as both backends bind (a VALUES block in the outermost WHERE group), the language
    reaches the filter: a filter inside the GRAPH group would see it unbound and pass nothing."""
    store = ox.Store()
    dataset = BASE + "graph/dataset"
    store.add(
        ox.Quad(
            ox.NamedNode(BASE + "dataset"),
            ox.NamedNode("http://purl.org/dc/terms/title"),
            ox.Literal("Titel", language="de"),
            ox.NamedNode(dataset),
        )
    )
    for lang in ("de", "en"):
        store.add(
            ox.Quad(
                ox.NamedNode(BASE + "dataset"),
                ox.NamedNode("http://purl.org/dc/terms/description"),
                ox.Literal(f"text {lang}", language=lang),
                ox.NamedNode(dataset),
            )
        )
    text = internal_queries.text("home-dataset")
    subs = {ox.Variable("dataset"): ox.NamedNode(BASE + "dataset")}
    german = list(store.query(bind_values(text, {**subs, ox.Variable("lang"): ox.Literal("de")})))
    english = list(store.query(bind_values(text, {**subs, ox.Variable("lang"): ox.Literal("en")})))
    assert [r["description"].value for r in german] == ["text de"]
    assert english == []  # there is no English title


def _pieces(node: ast.expr) -> list[str | None]:
    """A string expression as text pieces; None where a value is filled in at run time."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value if isinstance(v, ast.Constant) else None for v in node.values]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _pieces(node.left) + _pieces(node.right)
    return [None]


def _iri_hole(before: str) -> str:
    return "urn:x" if before.endswith(("<", '"')) else "<urn:x>"


def _query_like_strings(path: Path) -> dict[int, str]:
    """String expressions (constants, f-strings, sums of them) that parse as a SPARQL query
    with their holes filled by an IRI (bare after ``<`` or in quotes) or by nothing, the
    prefixes being namespaces.py's. By line."""
    found: dict[int, str] = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp):
            continue
        pieces = _pieces(node)
        if all(p is None for p in pieces):
            continue
        for fill in (_iri_hole, lambda before: ""):
            text = ""
            for piece in pieces:
                text += fill(text) if piece is None else piece
            if not re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", text, re.IGNORECASE):
                break
            try:
                ox.Store().query(text, prefixes=dict(PREFIXES))
            except SyntaxError:
                continue
            found[node.lineno] = text
            break
    return found


@pytest.mark.parametrize("path", NO_INLINE_SPARQL, ids=lambda p: str(p.relative_to(REPO)))
def test_views_and_page_modules_hold_no_query_text(path: Path) -> None:
    assert _query_like_strings(path) == {}


def test_the_check_finds_inline_queries(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        'Q = f"SELECT ?s WHERE {{ ?s a <{X}> }}"\n'
        'R = "ASK { ?s ?p ?o }"\n'
        'S = P + """SELECT ?s WHERE { ?s rdfs:label ?l }"""\n'
    )
    assert sorted(_query_like_strings(module)) == [1, 2, 3]


def test_every_file_is_used() -> None:
    code = "\n".join(p.read_text() for p in SERVER.rglob("*.py"))
    unused = [n for n in internal_queries.names() if f'"{n}"' not in code]
    assert unused == []


def test_files_are_package_data() -> None:
    """A wheel (not only an editable install) carries them."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    package_data = config["tool"]["setuptools"]["package-data"]
    assert "*.rq" in package_data["server.internal_queries"]
