"""SPARQL as text — the one place that reads query text (no Flask, no store).

- :func:`analyze` lexes a query or update and reports its shape: its form (SELECT/ASK/CONSTRUCT/
  DESCRIBE, or an update), whether it names a dataset (``FROM``/``FROM NAMED``) and which
  graphs, the IRIs of its ``SERVICE`` calls and ``LOAD`` sources. The lexer skips strings,
  comments and IRIs, so ``"FROM"`` in a literal, ``# FROM`` in a comment,
  ``<http://x/FROM>`` or ``ex:from`` never count. What it reports is for messages and for
  restating a dataset: no safety rests on it (the query workers have no network). The token
  pattern is :mod:`server.sparql_lexer`'s (no package imports: the error messages of
  :mod:`server.syntax_hints` lex with it too).
- :func:`bind_values` binds saved-query parameters: the parsed, validated RDF terms (never
  request text) go into a ``VALUES`` block in the query's outermost ``WHERE`` group — inside a
  wrapping group when that is a bare sub-select; a short ``CONSTRUCT WHERE`` is expanded first.
  Both backends bind this way, so a parameter used only inside a sub-select that does not
  project it would not be bound (no saved query does that; a test runs them all on both).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

import pyoxigraph as ox

from .errors import BadRequest, KGError, QuerySyntaxError
from .sparql_lexer import QUERY_FORMS, UPDATE_FORMS
from .sparql_lexer import TOKEN as _TOKEN

#: deepest nesting of ( { [ a query may have: pyoxigraph's parser and evaluator recurse, and
#: a few thousand levels overflow the thread's stack — a segfault that ends the worker
MAX_NESTING = 128
#: most operators, brackets, separators and keywords a query may have: long chains
#: (``1+1+…``, ``{…} UNION {…} …``, thousands of BINDs or triple patterns) build left-deep trees
#: that overflow the stack in the same way. IRIs, literals, names and variables do not count.
MAX_STRUCTURE = 3000


def _check_structure(tokens: list[tuple[str | None, str]]) -> None:
    depth = deepest = count = 0
    for kind, value in tokens:
        if kind == "word":
            count += 1
        elif kind == "other":
            if value in "({[":
                depth += 1
                deepest = max(deepest, depth)
            elif value in ")}]":
                depth -= 1
            if not value.isdigit():
                count += 1
    if deepest > MAX_NESTING:
        raise BadRequest(
            f"The query nests brackets {deepest} levels deep; this server accepts at most "
            f"{MAX_NESTING}."
        )
    if count > MAX_STRUCTURE:
        raise BadRequest(
            f"The query has {count} operators, brackets and keywords; this server accepts at "
            f"most {MAX_STRUCTURE}. Split it up, or use VALUES for long lists."
        )


@dataclass(frozen=True, slots=True)
class QueryInfo:
    """What :func:`analyze` found out about a query text."""

    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE; or the first update keyword; None
    has_dataset: bool  # FROM or FROM NAMED in the query
    services: tuple[str | None, ...]  # SERVICE targets (absolute IRI, or None if a variable)
    loads: tuple[str | None, ...]  # LOAD sources (updates)
    from_default: tuple[str, ...] = ()  # FROM graphs (absolute IRIs)
    from_named: tuple[str, ...] = ()  # FROM NAMED graphs

    @property
    def is_update(self) -> bool:
        return self.form in UPDATE_FORMS

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def without_comments(text: str) -> str:
    """``text`` with its comments blanked out (lines and columns stay where they were)."""
    return "".join(
        " " * len(m.group()) if m.lastgroup == "comment" else m.group()
        for m in _TOKEN.finditer(text)
    )


@lru_cache(maxsize=4096)
def analyze(text: str) -> QueryInfo:
    """Lex ``text`` (a query or an update) and report its shape; never executes anything."""
    base = ""
    prefixes: dict[str, str] = {}
    form = None
    has_dataset = False
    services: list[str | None] = []
    loads: list[str | None] = []
    from_default: list[str] = []
    from_named: list[str] = []
    tokens = [
        (m.lastgroup, m.group())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]
    _check_structure(tokens)

    def resolve(kind: str, value: str) -> str | None:
        if kind == "iri":
            return urljoin(base, value[1:-1]) if base else value[1:-1]
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix in prefixes:
                return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        return None

    i, n = 0, len(tokens)
    while i < n:
        kind, value = tokens[i]
        if kind == "word":
            word = value.upper()
            if word == "BASE" and i + 1 < n and tokens[i + 1][0] == "iri":
                base = resolve("iri", tokens[i + 1][1]) or ""
                i += 2
                continue
            if word == "PREFIX" and i + 2 < n and tokens[i + 1][0] == "pname":
                prefixes[tokens[i + 1][1][:-1]] = resolve(*tokens[i + 2]) or ""
                i += 3
                continue
            if form is None and (word in QUERY_FORMS or word in UPDATE_FORMS):
                form = word
            if word == "FROM":
                has_dataset = True
                is_named = (
                    i + 1 < n and tokens[i + 1][0] == "word" and tokens[i + 1][1].upper() == "NAMED"
                )
                j = i + 2 if is_named else i + 1
                target = resolve(*tokens[j]) if j < n else None
                if target:
                    (from_named if is_named else from_default).append(target)
            elif word in ("SERVICE", "LOAD"):
                j = i + 1
                if j < n and tokens[j][0] == "word" and tokens[j][1].upper() == "SILENT":
                    j += 1
                target = resolve(*tokens[j]) if j < n else None
                (services if word == "SERVICE" else loads).append(target)
        i += 1
    return QueryInfo(
        form, has_dataset, tuple(services), tuple(loads), tuple(from_default), tuple(from_named)
    )


# --- binding parameters: one rule for both backends -------------------------------------------


def _term_text(term: Any) -> str:
    if isinstance(term, ox.NamedNode | ox.Literal):
        return str(term)  # N-Triples form: escaped by pyoxigraph, valid SPARQL
    raise TypeError(f"only IRIs and literals can be bound remotely, not {type(term).__name__}")


def _variable(key: Any) -> ox.Variable:
    return key if isinstance(key, ox.Variable) else ox.Variable(str(key).lstrip("?$"))


def values_clause(substitutions: Mapping[Any, Any]) -> str:
    names = [str(_variable(k)) for k in substitutions]
    terms = [_term_text(v) for v in substitutions.values()]
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def _tokens(text: str) -> list[tuple[str, str, int, int]]:
    return [
        (m.lastgroup or "", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]


def _matching(tokens: list[tuple[str, str, int, int]], i: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        kind, value = tokens[j][0], tokens[j][1]
        if kind == "other" and value == "{":
            depth += 1
        elif kind == "other" and value == "}":
            depth -= 1
            if depth == 0:
                return j
    raise QuerySyntaxError("unbalanced braces")


def bind_values(text: str, substitutions: Mapping[Any, Any] | None) -> str:
    """``text`` with ``substitutions`` bound by a VALUES block in its outermost WHERE group
    (the rule is in the module docstring). Line numbers of the query stay as they were."""
    if not substitutions:
        return text
    values = values_clause(substitutions)
    tokens = _tokens(text)
    form = next(
        (
            i
            for i, t in enumerate(tokens)
            if t[0] == "word" and t[1].upper() in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
        ),
        None,
    )
    if form is None:
        raise QuerySyntaxError("not a SELECT, CONSTRUCT, ASK or DESCRIBE query", query=text)
    i = form + 1
    if tokens[form][1].upper() == "CONSTRUCT" and i < len(tokens):
        if tokens[i][0] == "other" and tokens[i][1] == "{":  # the template
            i = _matching(tokens, i) + 1
        elif tokens[i][0] == "word" and tokens[i][1].upper() == "WHERE":  # CONSTRUCT WHERE {…}
            open_ = i + 1
            close = _matching(tokens, open_)
            block = text[tokens[open_][2] : tokens[close][3]]
            inner = text[tokens[open_][3] : tokens[close][2]]
            return (
                text[: tokens[i][2]]
                + f"{block} WHERE {{ {values} {inner}}}"
                + text[tokens[close][3] :]
            )
    depth = 0
    while i < len(tokens):
        kind, value = tokens[i][0], tokens[i][1]
        if kind == "other" and value == "(":
            depth += 1
        elif kind == "other" and value == ")":
            depth -= 1
        elif kind == "other" and value == "{" and depth == 0:
            break
        i += 1
    else:
        raise KGError("cannot bind parameters remotely: the query has no WHERE group", status=500)
    brace_end = tokens[i][3]
    if i + 1 < len(tokens) and tokens[i + 1][0] == "word" and tokens[i + 1][1].upper() == "SELECT":
        close = _matching(tokens, i)
        return (
            text[:brace_end]
            + f" {values} {{"
            + text[brace_end : tokens[close][2]]
            + "} "
            + text[tokens[close][2] :]
        )
    return text[:brace_end] + f" {values} " + text[brace_end:]


def query_dataset(text: str) -> tuple[list[str], list[str]]:
    """The IRIs of a query's ``FROM`` and ``FROM NAMED`` clauses (prefixes and BASE resolved),
    from the same lexer that guards the endpoint."""
    info = analyze(text)
    return list(info.from_default), list(info.from_named)
