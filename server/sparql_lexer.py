"""The SPARQL lexer: the token pattern that :mod:`server.sparql_text` reads queries with.

It imports nothing from the package, so that the error module (:mod:`server.errors`, through
:mod:`server.syntax_hints`) can lex a query that did not parse without an import cycle.

Tokens follow the SPARQL 1.1 grammar where it matters for reading a query's shape: an IRIREF
has no spaces (so ``<`` in an expression is an operator), strings, comments and IRIs are single
tokens (a keyword inside them never counts), a prefixed name (``ex:from``, ``_:b0``) is one token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_FORMS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)

TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<lstring>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][^\s(){}\[\],;.!=<>+*/|^&"'#]*)
  | (?P<pname>(?:[^\W\d][\w.-]*)?:(?:[\w\-:%]|\\.|\.(?=[\w\-:%]))*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
    """,
    re.X | re.S,
)


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind (a group name of :data:`TOKEN`), text and offsets in the query."""

    kind: str
    text: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """The tokens of ``text`` without white space and comments."""
    return [
        Token(m.lastgroup or "", m.group(), m.start(), m.end())
        for m in TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]
