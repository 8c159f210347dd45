"""How ``kigraph query`` and ``kigraph run`` print results, and what they say about pages.

The table is for reading and for pasting back: every term in it is valid SPARQL in a query
that ``kigraph query`` runs (the standard prefixes are predeclared there). IRIs in a
predeclared namespace are shown as prefixed names (``kg:Initiative``), every other IRI in
full, in angle brackets (``<https://w3id.org/kigraph/id/org/dfki>``); literals are quoted and
escaped as in a query. Only literals longer than :data:`MAX_CELL` characters are cut (``…``).

Results are never capped by the CLI (``KIGRAPH_ROW_CAP`` caps the HTTP endpoint only). What
cuts an answer is a page: a saved query's ``--page``, or a query's own ``LIMIT``; when more
rows follow, a line on stderr says so and how to ask for them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping

import pyoxigraph as ox

from .cli_common import EXIT_OK, err
from .errors import UnknownFormat
from .namespaces import PREFIXES, XSD

#: literals longer than this are cut in the table
MAX_CELL = 80

_RDF_FORMATS = {
    "table": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}
_RESULTS_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}


def write_result(result, fmt: str) -> int:
    """Print a query result in ``fmt`` (table, csv, tsv, json, xml, ttl, nt, jsonld)."""
    out = sys.stdout.buffer
    if not isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
        if fmt not in _RDF_FORMATS:
            raise UnknownFormat(
                f"--format {fmt} is for SELECT/ASK; a graph result takes table, ttl, nt or jsonld"
            )
        rdf = _RDF_FORMATS[fmt]
        prefixes = dict(PREFIXES) if rdf == ox.RdfFormat.TURTLE else None
        out.write(ox.serialize(result, None, rdf, prefixes=prefixes))
        return EXIT_OK
    if fmt in ("ttl", "nt", "jsonld"):
        raise UnknownFormat(
            f"--format {fmt} is for CONSTRUCT/DESCRIBE; use table, csv, tsv, json or xml"
        )
    if fmt == "table":
        if isinstance(result, ox.QueryBoolean):
            print("true" if bool(result) else "false")
        else:
            sys.stdout.write(table(result))
        return EXIT_OK
    out.write(result.serialize(format=_RESULTS_FORMATS[fmt]))
    if fmt in ("json", "xml"):
        out.write(b"\n")
    return EXIT_OK


# --- the table -------------------------------------------------------------------------------

_NUMERIC = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?([0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+"),
    XSD + "boolean": re.compile(r"true|false"),
}
#: the local part of a prefixed name that needs no escapes
_PLAIN_LOCAL = re.compile(r"\w(?:[\w.-]*[\w-])?")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def iri_text(iri: str) -> str:
    """``kg:Initiative`` for a predeclared namespace (when the rest is a plain name), else
    ``<iri>``: either way, SPARQL that ``kigraph query`` accepts."""
    for prefix, namespace in PREFIXES.items():
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and _PLAIN_LOCAL.fullmatch(local):
            return f"{prefix}:{local}"
    return f"<{iri}>"


def iri_argument(text: str) -> str:
    """The inverse of :func:`iri_text`, for parameter values: ``<iri>`` and ``kg:Initiative``
    (a predeclared prefix) become the IRI; anything else stays as it is."""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    prefix, colon, local = text.partition(":")
    if colon and prefix in PREFIXES and _PLAIN_LOCAL.fullmatch(local):
        return PREFIXES[prefix] + local
    return text


def cell(term) -> str:
    """One term as the table shows it."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return iri_text(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        value = term.value
        datatype = term.datatype.value
        pattern = _NUMERIC.get(datatype)
        if not term.language and pattern is not None and pattern.fullmatch(value):
            return value
        if len(value) > MAX_CELL:
            value = value[: MAX_CELL - 1] + "…"
        quoted = '"' + "".join(_ESCAPES.get(c, c) for c in value) + '"'
        if term.language:
            return f"{quoted}@{term.language}"
        if datatype == XSD + "string":
            return quoted
        return f"{quoted}^^{iri_text(datatype)}"
    return str(term)  # a triple term, in N-Triples form


def table(solutions) -> str:
    """Aligned columns, a row count."""
    variables = [v.value for v in solutions.variables]
    rows = [[cell(solution[v]) for v in variables] for solution in solutions]
    widths = [max([len(v) + 1, *(len(r[i]) for r in rows)]) for i, v in enumerate(variables)]
    lines = [
        "  ".join(f"?{v}".ljust(w) for v, w in zip(variables, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


# --- pages -----------------------------------------------------------------------------------

#: the solution modifiers that end a query: ``LIMIT n [OFFSET m]`` or ``OFFSET m LIMIT n``
_OUTER_LIMIT = re.compile(
    r"\b(?:LIMIT\s+(?P<limit>[0-9]+)(?:\s+OFFSET\s+(?P<offset>[0-9]+))?"
    r"|OFFSET\s+(?P<offset2>[0-9]+)\s+LIMIT\s+(?P<limit2>[0-9]+))\s*$",
    re.IGNORECASE,
)


def say_if_cut_by_limit(text: str, run: Callable[[str], object]) -> None:
    """On stderr, if the query ends in ``LIMIT n`` and more rows follow: how to get them.

    ``run(text)`` runs a query as the command ran the first one. The check runs the query
    once more, for one row past the page (a ``LIMIT`` inside a sub-select is not the query's
    own: only modifiers at the very end count)."""
    from .sparql_text import without_comments

    match = _OUTER_LIMIT.search(without_comments(text))
    if match is None:
        return
    limit = int(match["limit"] or match["limit2"])
    offset = int(match["offset"] or match["offset2"] or 0)
    if limit == 0:
        return
    following = run(f"{text[: match.start()]}LIMIT 1 OFFSET {offset + limit}")
    if isinstance(following, ox.QuerySolutions) and next(iter(following), None) is not None:
        err(
            f"the query's LIMIT {limit} cut the answer; more rows follow: "
            f"LIMIT {limit} OFFSET {offset + limit} gives the next ones, or raise the LIMIT"
        )


def say_if_more_pages(
    store, queries: Mapping, name: str, values: Mapping[str, list[str]], enum_values, prepared
) -> None:
    """On stderr, for a saved query: this is one page, and how to get the next (if any)."""
    from .queries import prepare

    following = prepare(queries, name, {**values, "page": [str(prepared.page + 1)]}, enum_values)
    rows = store.query(following.text, substitutions=following.substitutions)
    if next(iter(rows), None) is not None:
        err(
            f"page {prepared.page} ({prepared.per_page} rows per page); more rows follow: "
            f"add --page {prepared.page + 1}, or --per-page N for larger pages"
        )
