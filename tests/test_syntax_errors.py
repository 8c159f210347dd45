"""SPARQL syntax errors name the likely cause (issue 15): a misspelt keyword, an undeclared prefix,
an update sent as a query, a query that ends too early — through the real app (problem+json
and the HTML page, German and English), ``kigraph query`` (with the caret) and saved-query
loading. The parser's own words stay in ``parser_message``; nothing internal leaks elsewhere."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from server.errors import ContentError
from server.queries import load_queries

#: what must never reach a user: Rust character classes and token lists, the parser's
#: misleading single keyword, Python class names and reprs
INTERNAL = re.compile(
    r"\[_\]|\\u\{|'\.\.=|\.\.= ?'|Prefix not found|expected (CONSTRUCT|OPTIONAL|DISTINCT)"
    r"|\b[A-Z][A-Za-z]+Error\b|\bNone\b|Traceback"
)

UNCLOSED = "SELECT * WHERE {\n  ?s ?p ?o .\n"

#: (id, query, slug, texts the message has, line, column) — line None: no position (the
#: request is refused before parsing)
CASES = [
    (
        "misspelt-keyword",
        "SELEKT * WHERE {?s ?p ?o}",
        "query-syntax",
        ["unknown keyword SELEKT", "did you mean SELECT?"],
        1,
        1,
    ),
    (
        "misspelt-clause",
        "SELECT * WHERE { ?s ?p ?o } LIMT 5",
        "query-syntax",
        ["unknown keyword LIMT", "did you mean LIMIT?"],
        1,
        29,
    ),
    (
        "unknown-prefix",
        "SELECT * WHERE { ?s foo:bar ?o }",
        "query-syntax",
        ["unknown prefix foo:", "declare it with PREFIX foo: <…>"],
        1,
        28,
    ),
    (
        "known-prefix-not-declared",
        "SELECT * WHERE {\n  ?s schema:name ?o }",
        "query-syntax",
        ["unknown prefix schema:", "PREFIX schema: <http://schema.org/>"],
        2,
        17,
    ),
    (
        "our-prefix-not-declared",
        "SELECT * WHERE { ?s kg:involves ?o }",
        "query-syntax",
        ["PREFIX kg: <https://w3id.org/kigraph/ontology#>"],
        1,
        32,
    ),
    (
        "unclosed-brace-at-end",
        UNCLOSED,
        "query-syntax",
        ["the query ends before the { opened at line 1, column 16 is closed", "a } is missing"],
        2,
        13,
    ),
    (
        "unclosed-string",
        'ASK { ?s ?p "unterminated }',
        "query-syntax",
        ["the string that starts at line 1, column 13 is not closed"],
        1,
        13,
    ),
    (
        "insert-data",
        "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
        "wrong-operation",
        ["SPARQL Update (INSERT DATA", "/sparql runs queries only", "POST /update", "read-only"],
        None,
        None,
    ),
    (
        "delete-where",
        "PREFIX ex: <http://example.org/>\nDELETE WHERE { ?s ex:p ?o }",
        "wrong-operation",
        ["SPARQL Update (DELETE WHERE", "POST /update"],
        None,
        None,
    ),
    (
        "load",
        "LOAD <http://example.org/data.ttl>",
        "wrong-operation",
        ["SPARQL Update (LOAD", "POST /update"],
        None,
        None,
    ),
    (
        "clear",
        "CLEAR ALL",
        "wrong-operation",
        ["SPARQL Update (CLEAR ALL", "POST /update"],
        None,
        None,
    ),
]
IDS = [case[0] for case in CASES]


def _problem(response, slug: str) -> dict:
    assert response.status_code == 400, response.data[:500]
    assert response.mimetype == "application/problem+json"
    doc = json.loads(response.data)
    assert doc["type"] == f"https://w3id.org/kigraph/problems/{slug}"
    return doc


@pytest.mark.parametrize(("name", "query", "slug", "texts", "line", "column"), CASES, ids=IDS)
def test_http_names_the_cause(client, name, query, slug, texts, line, column) -> None:
    doc = _problem(client.get("/sparql", query_string={"query": query}), slug)
    for text in texts:
        assert text in doc["detail"]
    if line is None:
        assert "line" not in doc
    else:
        assert (doc["line"], doc["column"]) == (line, column)
        assert doc["detail"].startswith(f"SPARQL syntax error at line {line}, column {column}: ")
        assert doc["message"] in doc["detail"]
        assert doc["parser_message"].startswith("error at ")  # the parser's words, for experts
    assert doc["detail_de"] and doc["detail_de"] != doc["detail"]
    for field in ("title", "detail", "detail_de", "message"):
        assert not INTERNAL.search(doc.get(field, "")), (field, doc.get(field))


@pytest.mark.parametrize(
    ("name", "query", "slug", "texts", "line", "column"),
    [c for c in CASES if c[2] == "query-syntax"],
    ids=[c[0] for c in CASES if c[2] == "query-syntax"],
)
def test_http_post_body_says_the_same(client, name, query, slug, texts, line, column) -> None:
    r = client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    doc = _problem(r, slug)
    assert all(text in doc["message"] for text in texts)
    assert (doc["line"], doc["column"]) == (line, column)


def test_the_endpoint_says_whether_updates_are_taken(client) -> None:
    doc = _problem(
        client.post("/sparql", data={"query": "INSERT DATA { <a:a> <a:a> <a:a> }"}),
        "wrong-operation",
    )
    assert "nothing was executed" in doc["detail"]
    assert "es wurde nichts ausgeführt" in doc["detail_de"]


@pytest.mark.parametrize(
    ("text", "slug", "words"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "wrong-operation", "is a SPARQL query (SELECT"),
        ("INSRT DATA { <a:a> <a:a> <a:a> }", "query-syntax", "did you mean INSERT?"),
        ("INSERT DATA { <a:a> <a:a> ex:c }", "query-syntax", "unknown prefix ex:"),
    ],
)
def test_the_update_operation_names_the_cause_too(update_client, text, slug, words) -> None:
    client = update_client
    r = client.post(
        "/update",
        data={"update": text},
        headers={"Authorization": "Bearer s3cret-token"},
    )
    doc = _problem(r, slug)
    assert words in doc["detail"]
    assert not INTERNAL.search(doc["detail"])


BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"


@pytest.mark.parametrize(
    ("language", "words", "title"),
    [
        (
            "de",
            "die Abfrage endet, bevor die { aus Zeile 1, Spalte 16 geschlossen ist",
            "Die SPARQL-Abfrage ist syntaktisch falsch",
        ),
        (
            "en",
            "the query ends before the { opened at line 1, column 16 is closed",
            "The SPARQL query does not parse",
        ),
    ],
)
def test_html_page_in_the_visitors_language_with_the_caret(client, language, words, title):
    r = client.get(
        "/sparql",
        query_string={"query": UNCLOSED},
        headers={"Accept": BROWSER, "Accept-Language": language},
    )
    assert r.status_code == 400 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert f'<html lang="{language}">' in page
    assert words in page and title in page
    assert "Accept-Language" in r.headers["Vary"]
    # the position is past the last line: the caret stands at the end of the last line
    excerpt = re.search(r'<pre class="query">(.*?)</pre>', page, re.S).group(1)
    lines = excerpt.splitlines()
    at = next(i for i, line in enumerate(lines) if line.endswith("?s ?p ?o ."))
    assert lines[at + 1].index("^") == len(lines[at])
    # the parser's own words are there for experts, folded away
    assert "<details><summary>" in page and "error at 3:1" in page


def test_html_page_language_parameter_wins(client):
    r = client.get(
        "/sparql",
        query_string={"query": "SELEKT * WHERE {?s ?p ?o}", "lang": "en"},
        headers={"Accept": BROWSER, "Accept-Language": "de"},
    )
    page = r.get_data(as_text=True)
    assert "unknown keyword SELEKT — did you mean SELECT?" in page
    assert not INTERNAL.search(page.split("<details>")[0])


# --- the command line -----------------------------------------------------------------------

CLI_CASES = [
    ("SELEKT * WHERE {?s ?p ?o}", "unknown keyword SELEKT — did you mean SELECT?", 1, 0),
    # kg:, rdfs: … are predeclared on the command line; wd: is not
    (
        "SELECT * WHERE { ?s wd:Q42 ?o }",
        "unknown prefix wd: — declare it with PREFIX wd: <http://www.wikidata.org/entity/>",
        1,
        len("SELECT * WHERE { ?s wd:Q42"),
    ),
    (UNCLOSED, "a } is missing", 2, len("  ?s ?p ?o .")),
    (
        "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
        # the whole message, not cut at 300 characters
        "otherwise it is read-only.",
        1,
        0,
    ),
]


@pytest.fixture(scope="module")
def cli_store(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session store: the in-process apps of this module hold the original."""
    var = tmp_path_factory.mktemp("cli") / "var"
    shutil.copytree(built_store.parent, var, symlinks=True)
    return var / built_store.name


@pytest.mark.parametrize(("query", "text", "line", "caret"), CLI_CASES)
def test_cli_names_the_cause_with_the_caret(kigraph, cli_store: Path, query, text, line, caret):
    result = kigraph("query", query, "--store", str(cli_store))
    assert result.returncode == 2
    assert text in result.stderr
    assert not INTERNAL.search(result.stderr)
    lines = result.stderr.splitlines()
    shown = query.split("\n")[line - 1]
    at = next(i for i, out in enumerate(lines) if out.endswith(f"{line} | {shown}"))
    gutter = lines[at].index("| ") + 2
    assert lines[at + 1].index("^") - gutter == caret


# --- saved queries ----------------------------------------------------------------------------

HEAD = '#+ title: {de: "Titel", en: "Title"}\n#+ description: {de: "Text", en: "Text"}\n'


def test_saved_query_loading_names_the_cause(tmp_path: Path) -> None:
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "broken.rq").write_text(
        HEAD + "SELECT * WHERE { ?s schema:name ?o }\n", encoding="utf-8"
    )
    with pytest.raises(ContentError) as caught:
        load_queries(tmp_path)
    (problem,) = caught.value.problems
    assert problem.line == 3
    assert "unknown prefix schema: — declare it with PREFIX schema: <http://schema.org/>" in (
        problem.message
    )
    assert not INTERNAL.search(problem.message)


# --- the caret, pure ----------------------------------------------------------------------------


def test_caret_past_the_last_line_stands_at_its_end() -> None:
    from server.syntax_hints import mark

    shown = mark("SELECT * {\n  ?s ?p ?o\n", 3, 1).splitlines()
    assert shown[-2] == "  2 |   ?s ?p ?o"
    assert shown[-1] == "    |           ^"


def test_caret_in_long_queries_and_lines() -> None:
    from server.syntax_hints import mark

    query = "".join(f"line {n}\n" for n in range(1, 101))
    shown = mark(query, 50, 3).splitlines()
    assert shown[0].endswith("| …") and shown[-1].endswith("| …")
    assert any(line.endswith("| line 50") for line in shown) and len(shown) < 12
    wide = "x" * 1000 + "Y" + "x" * 1000
    caret = mark(wide, 1, 1001).splitlines()
    assert len(caret[0]) < 200 and caret[0][caret[1].index("^")] == "Y"
