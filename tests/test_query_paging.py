"""Paging of saved queries: ``# @page`` (the page's LIMIT/OFFSET inside a sub-select) and the
rewrites of bench/README.md "Query rewrites" — every page of every paginated query, put
together, is its whole answer, and ``graphs`` reads the same counts as a full COUNT(*)."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.errors import ContentError
from server.queries import bind, example_args, load_queries, paged_text
from server.store import GraphStore

REPO = Path(__file__).resolve().parent.parent
HEAD = '#+ title: {de: "Titel", en: "Title"}\n#+ description: {de: "Text", en: "Text"}\n'
PAGED = HEAD + (
    "SELECT ?s ?o WHERE {\n"
    "  { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\n"
    "    # @page\n"
    "  }\n"
    "  ?s ?q ?o\n"
    "}\n"
    "ORDER BY ?s\n"
)


@pytest.fixture(scope="module")
def queries():
    return load_queries(REPO)


@pytest.fixture(scope="module")
def store(built_store: Path) -> GraphStore:
    return GraphStore.open(built_store)


def _load(tmp_path: Path, text: str):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "q.rq").write_text(text, encoding="utf-8")
    return load_queries(tmp_path)


def test_page_mark_is_replaced_in_place(tmp_path: Path) -> None:
    query = _load(tmp_path, PAGED)["q"]
    assert query.paginated
    text = paged_text(query, 3, 10)
    assert "    LIMIT 10 OFFSET 20\n  }" in text
    assert "@page" not in text and text.count("LIMIT") == 1
    assert text.count("\n") == PAGED.count("\n")  # error positions stay on the file's lines


def test_without_a_mark_the_page_is_appended(tmp_path: Path) -> None:
    query = _load(tmp_path, HEAD + "SELECT * { ?s ?p ?o } ORDER BY ?s\n")["q"]
    assert paged_text(query, 2, 5).endswith("ORDER BY ?s\nLIMIT 5 OFFSET 5\n")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (PAGED.replace("ORDER BY ?s\n", "ORDER BY ?s\n# @page\n", 1), 6, "more than one"),
        (HEAD + "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o\n# @page\n}\n", 4, "for a SELECT"),
        (HEAD + "SELECT * { ?s ?p ?o\n# @page\n}\n", 4, "not where LIMIT/OFFSET can stand"),
    ],
    ids=["twice", "construct", "misplaced"],
)
def test_bad_page_marks_stop_start_up(tmp_path: Path, text: str, line: int, message: str) -> None:
    with pytest.raises(ContentError) as caught:
        _load(tmp_path, text)
    (problem,) = caught.value.problems
    assert message in problem.message
    assert problem.line == line


def _rows(store: GraphStore, queries, name: str, page: int, per_page: int) -> list[tuple]:
    query = queries[name]

    def listed(param):
        return [row["value"].value for row in store.query(queries[param.values_query].text)]

    result = store.query(
        paged_text(query, page, per_page), substitutions=bind(query, example_args(query), listed)
    )
    names = [v.value for v in result.variables]
    return [tuple(str(row[n]) if row[n] is not None else None for n in names) for row in result]


@pytest.mark.parametrize("name", sorted(n for n, q in load_queries(REPO).items() if q.paginated))
def test_pages_put_together_are_the_whole_answer(store, queries, name: str) -> None:
    whole = _rows(store, queries, name, 1, 10_000)
    pages: list[tuple] = []
    for page in range(1, 100):
        rows = _rows(store, queries, name, page, 4)
        pages += rows
        if len(rows) < 4:
            break
    assert pages == whole


def test_graphs_query_counts_as_a_full_count(store, queries) -> None:
    rows = _rows(store, queries, "graphs", 1, 100)
    assert [(g.strip("<>"), int(n.split('"')[1])) for g, n in rows] == store.graphs()


# --- `kigraph query`: a query's own LIMIT (the CLI caps nothing else) --------------------------

FIVE = "SELECT ?n WHERE { VALUES ?n { 1 2 3 4 5 } } ORDER BY ?n"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (FIVE + " LIMIT 2", "LIMIT 2 cut the answer; more rows follow: LIMIT 2 OFFSET 2 gives"),
        (FIVE + "\nlimit 2 offset 2  # a comment", "more rows follow: LIMIT 2 OFFSET 4 gives"),
        (FIVE + " OFFSET 1 LIMIT 3", "more rows follow: LIMIT 3 OFFSET 4 gives"),
        (FIVE + " LIMIT 5", None),  # exactly all of it
        (FIVE + " LIMIT 3 OFFSET 2", None),  # the last page
        (FIVE + " LIMIT 0", None),
        (FIVE, None),
        ("SELECT * WHERE { { " + FIVE + " LIMIT 1 } }", None),  # a sub-select's LIMIT
        ('SELECT ?n WHERE { BIND("LIMIT 1" AS ?n) }', None),
    ],
)
def test_the_cli_says_when_a_querys_limit_cut_it(capsys, text: str, said: str | None) -> None:
    import pyoxigraph as ox

    from server.cli_output import say_if_cut_by_limit

    say_if_cut_by_limit(text, ox.Store().query)
    stderr = capsys.readouterr().err
    if said is None:
        assert stderr == ""
    else:
        assert said in stderr and stderr.count("\n") == 1
