"""Saved queries: the strict parser, typed binding, real answers on the real store (on both
backends: ``[embedded]``, ``[remote]``), injection."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.errors import ContentError
from server.queries import BadParameter, bind, example_args, load_queries, paged_text
from server.store import GraphStore

REPO = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/kigraph/id/"
KG = "https://w3id.org/kigraph/ontology#"


@pytest.fixture(scope="module")
def queries():
    return load_queries(REPO)


@pytest.fixture
def store(backend, request) -> GraphStore:
    """The built store on this test's backend: the embedded GraphStore or the RemoteStore
    (parameters bound by VALUES there)."""
    return request.getfixturevalue(f"{backend}_store")


def run(store: GraphStore, queries, name: str, args: dict[str, list[str]] | None = None):
    query = queries[name]

    def listed(param):
        source = queries[param.values_query]
        return [row["value"].value for row in store.query(source.text)]

    substitutions = bind(query, example_args(query) if args is None else args, listed)
    result = store.query(paged_text(query, 1, 1000), substitutions=substitutions)
    if query.kind != "SELECT":
        return list(result)
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


def test_there_are_at_least_25_saved_queries(queries) -> None:
    assert len(queries) >= 25


def test_every_saved_query_has_bilingual_title_and_description(queries) -> None:
    for query in queries.values():
        for text in (query.title, query.description):
            assert text["de"].strip() and text["en"].strip(), query.name


@pytest.mark.parametrize("name", sorted(load_queries(REPO)))
def test_every_saved_query_answers_with_its_example(store, queries, name: str) -> None:
    rows = run(store, queries, name)
    assert rows, f"{name} returned nothing with its example parameters"


# (query, args, check on the rows)
ANSWERS = [
    (
        "cooperations",
        None,
        lambda rows: (
            [r["rank"] for r in rows] == [str(n) for n in range(1, 11)]
            and rows[0]["cooperation"] == ID + "initiative/dfki"
        ),
    ),
    (
        "initiative-funding",
        {"initiative": [ID + "initiative/dfki"]},
        lambda rows: (
            {(r["funder"], r["amount"], r["share"], r["period"]) for r in rows}
            == {
                (ID + "org/bund", "22000000", "0.5", "P1Y"),
                (ID + "org/laender", "22000000", "0.5", "P1Y"),
            }
        ),
    ),
    (
        "organisation-initiatives",
        {"agent": [ID + "org/nvidia"]},
        lambda rows: (
            {(r["initiative"], r["role"]) for r in rows if r["graph"].endswith("/article")}
            == {
                (ID + "initiative/industrial-ai-cloud", KG + "partner"),
                (ID + "initiative/industrial-ai-cloud", KG + "strategicPartner"),
                (ID + "initiative/industrial-ai-cloud", KG + "operator"),
            }
        ),
    ),
    (
        "funding-total",
        None,
        lambda rows: (
            rows
            == [
                {
                    "total_per_year": "72000000",
                    "currency": "EUR",
                    "quantified_grants": "2",
                    "unquantified_grants": "1",
                }
            ]
        ),
    ),
    (
        "corrections",
        {"kind": [KG + "contradicts"]},
        lambda rows: (
            {r["correction"].rsplit("/", 1)[1] for r in rows}
            == {
                "blue-lion-betreiber",
                "blue-lion-hardware",
                "ki-kompetenzzentren-foerderung",
                "industrial-ai-cloud-betreiber",
            }
        ),
    ),
    (
        "corrections",
        {"kind": [KG + "unconfirmed"]},
        lambda rows: (
            {r["correction"].rsplit("/", 1)[1] for r in rows}
            == {
                "ki-campus-fraunhofer",
                "ki-campus-kurse",
                "ki-campus-partner",
                "deutschland-stack-traeger",
                "ipai-bosch",
                "ipai-festo",
            }
            and not any("modelling-notes" in r["sources"] for r in rows)
        ),
    ),
    (
        "target-groups",
        {"group": [ID + "target-group/mittelstand"]},
        lambda rows: (
            {r["initiative"] for r in rows}
            == {ID + "initiative/industrial-ai-cloud", ID + "initiative/ki-fabriken"}
        ),
    ),
    (
        "initiative-technologies",
        {"initiative": [ID + "initiative/industrial-ai-cloud"]},
        lambda rows: (
            {r["technology"] for r in rows if r["graph"].endswith("/article")}
            == {ID + f"technology/{t}" for t in ("gpu", "nvidia-dgx-b200", "nvidia-omniverse")}
        ),
    ),
    (
        "shared-organisations",
        None,
        lambda rows: (
            {(r["agent"].rsplit("/", 1)[1], r["cooperations"]) for r in rows}
            == {("bmbf", "2"), ("bund", "2"), ("fraunhofer", "2"), ("nvidia", "2")}
        ),
    ),
    (
        "technology-initiatives",
        {"technology": [ID + "technology/nvidia-omniverse"]},
        lambda rows: (
            {(r["initiative"], r["relation"], r["graph"]) for r in rows}
            == {
                (
                    ID + "initiative/industrial-ai-cloud",
                    KG + "usesTechnology",
                    "https://w3id.org/kigraph/graph/article",
                )
            }
        ),
    ),
    (
        "technology-initiatives",
        {"technology": [ID + "technology/grace-hopper-superchip"]},
        lambda rows: (
            {(r["initiative"].rsplit("/", 1)[1], r["relation"], r["graph"]) for r in rows}
            == {
                ("ki-fabriken", KG + "hardware", "https://w3id.org/kigraph/graph/article"),
                ("jupiter", KG + "hardware", "https://w3id.org/kigraph/graph/implied"),
                ("blue-lion", KG + "hardware", "https://w3id.org/kigraph/graph/implied"),
            }
        ),
    ),
    (
        "places",
        None,
        lambda rows: (
            {(r["place"].rsplit("/", 1)[1], r["thing"].rsplit("/", 1)[1]) for r in rows}
            == {
                ("muenchen", "nvidia-technology-center-muenchen"),
                ("heilbronn", "ipai"),
                ("berlin", "bifold"),
                ("tuebingen", "tue-ai"),
            }
            and {r["graph"] for r in rows} == {"https://w3id.org/kigraph/graph/article"}
        ),
    ),
    (
        "places",
        {"graph": ["https://w3id.org/kigraph/graph/implied"]},
        lambda rows: (
            {(r["place"].rsplit("/", 1)[1], r["thing"].rsplit("/", 1)[1]) for r in rows}
            == {("heilbronn", "telekom-ipai"), ("juelich", "jsc")}
        ),
    ),
    (
        "places",
        {"graph": ["https://w3id.org/kigraph/graph/corrections"]},
        lambda rows: (
            {(r["place"].rsplit("/", 1)[1], r["thing"].rsplit("/", 1)[1]) for r in rows}
            == {
                ("garching", "blue-lion"),
                ("garching", "lrz"),
                ("juelich", "fzj"),
                ("muenchen", "industrial-ai-cloud"),
            }
        ),
    ),
    (
        "label-search",
        {"text": ["jülich"]},
        lambda rows: (
            ID + "org/jsc" in {r["resource"] for r in rows}
            and ID + "place/juelich" in {r["resource"] for r in rows}
        ),
    ),
    (
        "lower-bounds",
        {"minimum": ["100"]},
        lambda rows: (
            {r["quantity"].rsplit("/", 1)[1] for r in rows}
            == {"ki-park-mitglieder", "industrial-ai-cloud-blackwell-gpus"}
        ),
    ),
    (
        "renamed-organisations",
        None,
        lambda rows: (
            {(r["article_name"], r["new_acronym"]) for r in rows}
            == {("BMWi", "BMWK"), ("BMWi", "BMWE"), ("BMBF", "BMFTR")}
        ),
    ),
    (
        "unsourced-facts",
        None,
        lambda rows: (
            len(rows) == 12
            and all(r["cites_source"] == "false" for r in rows)
            and sum(r["source_cell_empty"] == "true" for r in rows) == 10
        ),
    ),
    (
        "initiatives-since",
        {"since": ["2022-01-01"]},
        lambda rows: (
            {(r["initiative"], r["funded_since"]) for r in rows if r["funded_since"]}
            == {(ID + "initiative/ki-kompetenzzentren", "2022-07-01")}
        ),
    ),
]


@pytest.mark.parametrize(
    ("name", "args", "check"), ANSWERS, ids=[f"{a[0]}-{i}" for i, a in enumerate(ANSWERS)]
)
def test_saved_query_answers(store, queries, name, args, check) -> None:
    rows = run(store, queries, name, args)
    assert check(rows), rows


HOSTILE = [
    '"',
    "'",
    "}",
    "> . ?s ?p ?o <",
    '" } UNION { ?s ?p ?o } #',
    "x\ny",
    "\u202eevil",
    "😀",
    "https://w3id.org/kigraph/id/org/dfki> . ?s ?p ?o . <x:y",
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("label-search", "text"),
        ("organisation-initiatives", "agent"),
        ("lower-bounds", "minimum"),
        ("initiatives-since", "since"),
        ("free-offers", "free"),
        ("labels-in-language", "label"),
        ("corrections", "kind"),
    ],
)
def test_injection_is_refused_or_bound_harmlessly(store, queries, name, param, value) -> None:
    query = queries[name]
    normal = run(store, queries, name)
    try:
        rows = run(store, queries, name, {param: [value]})
    except BadParameter as error:
        assert error.parameter == param and error.status == 400
        return
    # bound as a plain value: the result keeps its columns and can only lose rows
    assert query.params[0].type == "string" or query.params[0].type == "lang-string" or not rows
    assert not rows or set(rows[0]) == set(normal[0])
    assert len(rows) <= len(normal) or name == "label-search"


@pytest.mark.parametrize(
    ("args", "parameter", "message"),
    [
        ({}, "agent", "required"),
        ({"agent": ["not an iri"]}, "agent", "absolute IRI"),
        ({"agent": [ID + "org/dfki", ID + "org/bmbf"]}, "agent", "more than once"),
        ({"agent": [ID + "org/dfki"], "colour": ["blue"]}, "colour", "unknown parameter"),
    ],
)
def test_bad_parameters_name_the_parameter(queries, args, parameter, message) -> None:
    with pytest.raises(BadParameter) as caught:
        bind(queries["organisation-initiatives"], args)
    assert caught.value.parameter == parameter
    assert message in str(caught.value)


GOOD_HEAD = """#+ title: {de: "Titel", en: "Title"}
#+ description: {de: "Text", en: "Text"}
"""

BAD_FILES = [
    (
        "unknown key",
        GOOD_HEAD + "#+ colour: blue\nSELECT * { ?s ?p ?o }\n",
        3,
        "unknown metadata key 'colour'",
    ),
    ("bad YAML", GOOD_HEAD + "#+ tags: [a, b\nSELECT * { ?s ?p ?o }\n", None, "bad YAML"),
    (
        "no English title",
        '#+ title: {de: "Titel"}\n#+ description: {de: "a", en: "b"}\nSELECT * {?s ?p ?o}\n',
        1,
        "German and an English",
    ),
    (
        "parameter not in the query",
        GOOD_HEAD + "#+ params:\n#+   org: {type: iri}\nSELECT * { ?s ?p ?o }\n",
        4,
        "not a variable of the query",
    ),
    (
        "parameter not projected",
        GOOD_HEAD + "#+ params:\n#+   org: {type: iri}\nSELECT ?p { ?org ?p ?o }\n",
        4,
        "SELECT must project it",
    ),
    # pyoxigraph reports where it noticed the error, which may be past the real spot
    ("syntax error", GOOD_HEAD + "SELECT * { ?s ?p }\n", None, "SPARQL syntax error"),
    (
        "unknown type",
        GOOD_HEAD + "#+ params:\n#+   org: {type: uri}\nSELECT ?org { ?org ?p ?o }\n",
        4,
        "type must be one of",
    ),
    (
        "ill-typed default",
        GOOD_HEAD + "#+ params:\n#+   n: {type: integer, default: many}\nSELECT ?n { ?s ?p ?n }\n",
        4,
        "default of parameter 'n'",
    ),
    (
        "reserved name",
        GOOD_HEAD + "#+ params:\n#+   page: {type: integer}\nSELECT ?page { ?s ?p ?page }\n",
        4,
        "reserved",
    ),
    (
        "unknown values_query",
        GOOD_HEAD
        + "#+ params:\n#+   g: {type: enum, values_query: nowhere}\nSELECT ?g { ?s ?p ?g }\n",
        4,
        "names no saved query",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "message"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES]
)
def test_strict_parser_names_file_line_and_problem(
    tmp_path: Path, text: str, line, message
) -> None:
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "broken.rq").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_queries(tmp_path)
    (problem,) = caught.value.problems
    assert problem.file == "queries/broken.rq"
    assert message in problem.message
    assert problem.line is not None
    if line is not None:
        assert problem.line == line


def test_cli_lists_the_saved_queries(kigraph, queries) -> None:
    result = kigraph("queries", "--root", str(REPO))
    assert result.returncode == 0
    listed = {
        line.split()[0] for line in result.stdout.splitlines() if line and not line[0].isspace()
    }
    assert listed == set(queries)


def test_cli_runs_a_saved_query_with_a_parameter(kigraph, built_store) -> None:
    result = kigraph(
        "run",
        "organisation-initiatives",
        "--param",
        f"agent={ID}org/nvidia",
        "--format",
        "csv",
        "--store",
        str(built_store),
        "--root",
        str(REPO),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("agent,initiative,")
    assert sum(f"{ID}initiative/industrial-ai-cloud" in line for line in lines) >= 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", "organisation-initiatives", "-p", "agnt=x"],
            "parameter 'agnt': unknown parameter",
        ),
        (["run", "organisation-initiatives"], "parameter 'agent': required"),
        (["run", "lower-bounds", "-p", "minimum=abc"], "parameter 'minimum'"),
        (["run", "no-such-query"], "No saved query named 'no-such-query'"),
        (["run", "cooperations", "--format", "yaml"], "unknown format 'yaml'"),
        (["run", "cooperations", "--page", "0"], "parameter 'page'"),
    ],
)
def test_cli_run_refuses_bad_input_clearly(kigraph, built_store, args, message) -> None:
    result = kigraph(*args, "--store", str(built_store), "--root", str(REPO))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_says_when_a_page_is_not_the_whole_answer(kigraph, built_store) -> None:
    def run(*extra: str):
        common = ("--store", str(built_store), "--root", str(REPO))
        return kigraph("run", "labels-in-language", *extra, *common)

    first = run()
    assert first.returncode == 0, first.stderr
    assert "(100 rows)" in first.stdout
    assert "more rows follow: add --page 2" in first.stderr
    last = run("--per-page", "10000")  # every label on one page: nothing more to say
    assert last.returncode == 0, last.stderr
    assert "more rows follow" not in last.stderr
