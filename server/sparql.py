"""SPARQL query execution for the endpoint — pure (no Flask).

- :func:`analyze` reads a query's shape without executing it: its form (SELECT/ASK/CONSTRUCT/
  DESCRIBE, or an update), whether it names a dataset (``FROM``/``FROM NAMED``), the IRIs of its
  ``SERVICE`` calls and ``LOAD`` sources. A small lexer skips strings, comments and IRIs, so
  ``"FROM"`` in a literal, ``# FROM`` in a comment, ``<http://x/FROM>`` or ``ex:from`` never count.
- :func:`execute` runs a query with our dataset rule (below) and serialises the result in Rust
  to bytes in the negotiated format, honouring the row cap. Where it runs, and under which
  limits, is :mod:`server.query_pool`'s business.

Dataset rule: without ``FROM``/``FROM NAMED`` and without ``default-graph-uri``/
``named-graph-uri`` the default graph is the union of all graphs; as soon as the query or the
request names a dataset, standard SPARQL semantics apply (the request's graphs override the
query's, SPARQL 1.1 Protocol §2.1.4). ``GRAPH ?g`` always sees the named graphs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from typing import IO

import pyoxigraph as ox

from . import syntax_hints
from .errors import (
    BadRequest,
    QuerySyntaxError,
    ServiceForbidden,
    UpdateNotAllowedHere,
)
from .formats import Format
from .sparql_text import QUERY_FORMS, QueryInfo, analyze


def check_remote_calls(info: QueryInfo) -> None:
    """Refuse SERVICE (and LOAD) before anything runs, with a message that says why.

    This is courtesy, not the safety: the query workers have no network at all
    (:mod:`server.query_pool`), so a call this check misses fails there."""
    for kind, targets in (("SERVICE", info.services), ("LOAD", info.loads)):
        for target in targets:
            shown = f"<{target}>" if target else "a variable or unresolvable IRI"
            raise ServiceForbidden(
                f"{kind} {shown} is refused: this server does not fetch URLs on behalf of a "
                "query (federated queries are disabled)."
            )


@dataclass(frozen=True, slots=True)
class Answer:
    """A serialised result."""

    body: bytes
    truncated: bool = False


def prepare(text: str, *, update: bool = False, updates_enabled: bool | None = None) -> QueryInfo:
    """Analyse a request's text for the query (or update) operation and apply the guards.
    ``updates_enabled`` (the server's setting, if known) is for the message when an update
    was sent as a query: where updates go, and whether this server takes them."""
    info = analyze(text)
    if not update and info.is_update:
        en, de = syntax_hints.update_as_query(text, updates_enabled)
        raise UpdateNotAllowedHere(_sentence(en), detail_de=_sentence(de))
    if update and info.form in QUERY_FORMS:
        en, de = syntax_hints.query_as_update(text)
        raise UpdateNotAllowedHere(_sentence(en), detail_de=_sentence(de))
    check_remote_calls(info)
    return info


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _graph_iris(iris: Sequence[str], what: str) -> list[str]:
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError as error:
            raise BadRequest(f"{what}={iri!r} is not a valid IRI: {error}") from None
    return list(iris)


def execute(
    store,
    text: str,
    info: QueryInfo,
    fmt: Format,
    *,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    row_cap: int = 0,
    output: IO[bytes] | None = None,
    base_iri: str | None = None,
) -> Answer:
    """Run a query on a GraphStore and serialise the result to ``fmt`` (pyoxigraph, in Rust).

    With ``output`` (a writable binary file, e.g. :class:`server.streaming.ResponseSink`) the
    serialiser writes there while the query is evaluated, and the answer's body stays empty.
    """
    kwargs: dict = {}
    if default_graph_uris or named_graph_uris:
        kwargs["union_default_graph"] = False
        kwargs["default_graph"] = _graph_iris(default_graph_uris, "default-graph-uri")
        kwargs["named_graphs"] = _graph_iris(named_graph_uris, "named-graph-uri")
    elif info.has_dataset:
        kwargs["union_default_graph"] = False
    if base_iri:
        kwargs["base_iri"] = base_iri
    result = store.query(text, **kwargs)
    if isinstance(result, ox.QueryBoolean) or row_cap <= 0:
        if output is None:
            return Answer(result.serialize(format=fmt.ox))
        result.serialize(output, format=fmt.ox)
        return Answer(b"")
    answer = _capped(result, fmt, row_cap)
    if output is None:
        return answer
    output.write(answer.body)
    return Answer(b"", answer.truncated)


def _capped(result, fmt: Format, row_cap: int) -> Answer:
    if not isinstance(result, ox.QuerySolutions):  # CONSTRUCT/DESCRIBE (either backend)
        triples = list(islice(result, row_cap + 1))
        truncated = len(triples) > row_cap
        body = ox.serialize(triples[:row_cap], format=fmt.ox) or b""
        if truncated and fmt.ox in (
            ox.RdfFormat.TURTLE,
            ox.RdfFormat.N_TRIPLES,
            ox.RdfFormat.TRIG,
            ox.RdfFormat.N_QUADS,
        ):
            body += f"# truncated: only the first {row_cap} triples\n".encode()
        return Answer(body, truncated)
    variables = [v.value for v in result.variables]
    rows = list(islice(result, row_cap + 1))
    truncated = len(rows) > row_cap
    return Answer(_write_solutions(variables, rows[:row_cap], fmt, truncated), truncated)


def execute_update(store, text: str) -> None:
    """Run a SPARQL Update (the caller has checked the token and :func:`prepare`d it)."""
    update = getattr(store, "update", None)
    if update is None:  # GraphStore has no update() yet: use its pyoxigraph store
        update = store._store.update
    try:
        update(text)
    except SyntaxError as exc:
        raise QuerySyntaxError.from_exception(exc, text, update=True) from None


# --- capped SELECT results: written here because pyoxigraph serialises whole iterators only ----


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f'<literal xml:lang="{term.language}">{_xml_escape(term.value)}</literal>'
        if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            dt = _xml_escape(term.datatype.value)
            return f'<literal datatype="{dt}">{_xml_escape(term.value)}</literal>'
        return f"<literal>{_xml_escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _csv_field(term) -> str:
    value = term.value if hasattr(term, "value") and not isinstance(term, ox.Triple) else str(term)
    if isinstance(term, ox.BlankNode):
        value = "_:" + term.value
    if any(c in value for c in ',"\r\n'):
        value = '"' + value.replace('"', '""') + '"'
    return value


TRUNCATED_LINK = "https://w3id.org/kigraph/problems/truncated"


def _write_solutions(variables: list[str], rows: list, fmt: Format, truncated: bool) -> bytes:
    if fmt.ox == ox.QueryResultsFormat.JSON:
        bindings = [
            {v: _json_term(row[v]) for v in variables if row[v] is not None} for row in rows
        ]
        doc: dict = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        if truncated:
            doc["head"]["link"] = [TRUNCATED_LINK]  # the one place strict parsers accept
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    if fmt.ox == ox.QueryResultsFormat.XML:
        out = ['<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f'<variable name="{v}"/>' for v in variables]
        if truncated:
            out.append(f'<link href="{TRUNCATED_LINK}"/>')
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            for v in variables:
                if row[v] is not None:
                    out.append(f'<binding name="{v}">{_xml_term(row[v])}</binding>')
            out.append("</result>")
        out.append("</results></sparql>")
        return "".join(out).encode()
    if fmt.ox == ox.QueryResultsFormat.CSV:
        lines = [",".join(variables)]
        lines += [
            ",".join("" if row[v] is None else _csv_field(row[v]) for v in variables)
            for row in rows
        ]
        return ("\r\n".join(lines) + "\r\n").encode()
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join("" if row[v] is None else str(row[v]) for v in variables) for row in rows]
    return ("\n".join(lines) + "\n").encode()


__all__ = [
    "Answer",
    "QueryInfo",
    "QuerySyntaxError",
    "analyze",
    "check_remote_calls",
    "execute",
    "prepare",
]
