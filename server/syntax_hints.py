"""Why a SPARQL query does not parse, in words a user can act on — pure (no Flask, no store).

pyoxigraph's parser reports a position and what its grammar could have read there, which is
rarely the cause: ``SELEKT`` gives "expected CONSTRUCT", an undeclared prefix a list of Unicode
ranges. :func:`explain` reads the query with :mod:`server.sparql_lexer` and names the likely
cause instead, in English and German, with the position to show. In this order:

1. the query is empty;
2. an update sent as a query (or a query sent as an update);
3. an undeclared prefix — with the exact ``PREFIX`` line if the namespace is ours or a common one;
4. an IRI that is not valid;
5. a string that is not closed;
6. a word that is no SPARQL keyword or function — with the closest keyword (``SELEKT`` → SELECT);
7. a bracket that is not closed, or closes the wrong one;
8. otherwise what the parser says, without its internal token lists.

The parser's own message stays available to experts (the problem document's
``parser_message``). :func:`mark` prints the query with a caret under the position; a position
past the last line (the query ends too early) is shown at the end of the last line.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .namespaces import ID, PREFIXES
from .sparql_lexer import QUERY_FORMS, UPDATE_FORMS, Token, tokens

#: SPARQL 1.1 keywords (and Oxigraph's SPARQL 1.2 ones), upper case; ``a``, ``true`` and
#: ``false`` are written in lower case
KEYWORDS = frozenset(
    """
    BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK DISTINCT REDUCED AS FROM NAMED WHERE ORDER BY ASC
    DESC LIMIT OFFSET GROUP HAVING VALUES UNDEF OPTIONAL GRAPH SERVICE SILENT BIND UNION MINUS
    FILTER EXISTS NOT IN LOAD CLEAR DROP CREATE ADD MOVE COPY TO INSERT DELETE DATA WITH USING
    DEFAULT ALL INTO SEPARATOR A TRUE FALSE VERSION LATERAL
    """.split()
)
#: built-in functions and aggregates
FUNCTIONS = frozenset(
    """
    COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE
    RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS
    STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1
    SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL
    ISNUMERIC REGEX SUBSTR REPLACE TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE LANGDIR STRLANGDIR
    HASLANG HASLANGDIR ADJUST
    """.split()
)
_VOCABULARY = sorted(KEYWORDS | FUNCTIONS)

#: namespaces a query may mean by a prefix it does not declare: the service's own (those its
#: answers and pages use) and a few common ones
KNOWN_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "id": ID,
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "dc": "http://purl.org/dc/elements/1.1/",
}

_KNOWN_WORDS = KEYWORDS | FUNCTIONS
_OPENER_OF = {")": "(", "}": "{", "]": "["}
_CLOSER_OF = {v: k for k, v in _OPENER_OF.items()}


@dataclass(frozen=True, slots=True)
class Hint:
    """The cause in English and German, and the 1-based position to show (None: unknown)."""

    en: str
    de: str
    line: int | None
    column: int | None


@dataclass(frozen=True, slots=True)
class _Query:
    text: str
    tokens: list[Token]
    offset: int | None  # where the parser stopped (0-based, in characters)
    limit: int  # the offset, or the end of the query if the position is not known
    at_end: bool  # nothing but white space and comments follows the position
    line: int | None  # the parser's position, or the end of the query when at_end
    column: int | None
    message: str
    update: bool


def explain(
    parser_message: str,
    query: str | None,
    line: int | None = None,
    column: int | None = None,
    *,
    update: bool = False,
) -> Hint:
    """The likely cause of pyoxigraph's ``parser_message`` (without its ``error at l:c:``)
    at ``line``:``column`` of ``query`` (an update if ``update``)."""
    if query is None:
        en, de = _parser_words(parser_message, None, at_end=False)
        return Hint(en, de, line, column)
    found = tokens(query)
    offset = _offset(query, line, column) if line is not None else None
    at_end = offset is not None and (not found or offset >= found[-1].end)
    if at_end:
        line, column = _position(query, found[-1].end) if found else (1, 1)
    limit = len(query) if offset is None else offset
    q = _Query(query, found, offset, limit, at_end, line, column, parser_message, update)
    for check in _CHECKS:  # in the order of the module docstring
        hint = check(q)
        if hint is not None:
            return hint
    at = next((t.text for t in found if offset is not None and t.end > offset), None)
    en, de = _parser_words(parser_message, at, at_end=at_end)
    return Hint(en, de, line, column)


# --- wrong operation: also the words of the endpoint's own check ---------------------------


def update_as_query(text: str, updates_enabled: bool | None = None) -> tuple[str, str]:
    """English and German: ``text`` is an update, sent to the query operation. Where updates
    go, and whether this server takes them (``updates_enabled``; None: not known here)."""
    words = _operation_words(text)
    en = (
        f"this is a SPARQL Update ({words} …), not a query: the query endpoint /sparql runs "
        "queries only (as does kigraph query), so nothing was executed. Updates go to POST "
        "/update (an application/sparql-update body, or the form field update=)"
    )
    de = (
        f"dies ist ein SPARQL-Update ({words} …), keine Abfrage: der Abfrage-Endpunkt /sparql "
        "führt nur Abfragen aus (wie kigraph query), es wurde nichts ausgeführt. Updates gehen "
        "per POST an /update (als Body vom Typ application/sparql-update oder im Formularfeld "
        "update=)"
    )
    if updates_enabled is None:
        en += (
            ", which takes them only when the service runs with updates enabled "
            "(KIGRAPH_UPDATE_TOKEN); otherwise it is read-only."
        )
        de += (
            "; dort werden sie nur angenommen, wenn der Dienst mit freigeschalteten Updates "
            "läuft (KIGRAPH_UPDATE_TOKEN), sonst ist er nur lesbar."
        )
    elif updates_enabled:
        en += ", with the header 'Authorization: Bearer <token>'."
        de += ", mit dem Header 'Authorization: Bearer <token>'."
    else:
        en += ", but this server is read-only: its operator has not enabled updates."
        de += ", dieser Server ist aber nur lesbar: Updates sind nicht freigeschaltet."
    return en, de


def query_as_update(text: str) -> tuple[str, str]:
    """English and German: ``text`` is a query, sent to the update operation."""
    words = _operation_words(text)
    return (
        f"this is a SPARQL query ({words} …), not an update, so nothing was executed: send "
        "it to /sparql as query= (GET or POST) or as an application/sparql-query body.",
        f"dies ist eine SPARQL-Abfrage ({words} …), kein Update, es wurde nichts ausgeführt: "
        "senden Sie sie an /sparql als query= (GET oder POST) oder als Body vom Typ "
        "application/sparql-query.",
    )


def _first_keyword(found: list[Token]) -> Token | None:
    """The first word after the prologue (``BASE``/``PREFIX`` declarations)."""
    i = 0
    while i < len(found):
        token = found[i]
        if token.kind != "word":
            return None
        word = token.text.upper()
        if word == "PREFIX":
            i += 3
        elif word == "BASE":
            i += 2
        else:
            return token
    return None


def _operation_words(text: str) -> str:
    found = tokens(text)
    first = _first_keyword(found)
    if first is None:
        return "…"
    i = found.index(first)
    words = [first.text.upper()]
    if i + 1 < len(found) and found[i + 1].kind == "word":
        words.append(found[i + 1].text.upper())
    return " ".join(words)


def _wrong_operation(q: _Query) -> Hint | None:
    first = _first_keyword(q.tokens)
    if first is None:
        return None
    word = first.text.upper()
    if not q.update and word in UPDATE_FORMS:
        en, de = update_as_query(q.text)
    elif q.update and word in QUERY_FORMS:
        en, de = query_as_update(q.text)
    else:
        return None
    return Hint(en, de, *_position(q.text, first.start))


# --- the checks ------------------------------------------------------------------------------


def _empty(q: _Query) -> Hint | None:
    if q.tokens:
        return None
    return Hint(
        "the query is empty (nothing but white space and comments).",
        "die Abfrage ist leer (nur Leerraum und Kommentare).",
        q.line,
        q.column,
    )


def _declared(found: list[Token]) -> tuple[dict[str, str], set[int]]:
    """The prefixes the query declares (name → IRI), and where their names stand."""
    declared, where = {}, set()
    for i, token in enumerate(found[:-2]):
        if token.kind == "word" and token.text.upper() == "PREFIX" and found[i + 1].kind == "pname":
            declared[found[i + 1].text[:-1]] = found[i + 2].text
            where.add(found[i + 1].start)
    return declared, where


def _unknown_prefix(q: _Query) -> Hint | None:
    if "Prefix not found" not in q.message:
        return None
    declared, declarations = _declared(q.tokens)
    used = [
        t
        for t in q.tokens
        if t.kind == "pname"
        and t.start < q.limit
        and _prefix(t) not in declared
        and _prefix(t) != "_"
        and t.start not in declarations
    ]
    if not used:
        return Hint(
            "a prefix used here is not declared — declare it with PREFIX name: <…>.",
            "ein hier benutztes Präfix ist nicht deklariert — deklarieren Sie es mit "
            "PREFIX name: <…>.",
            q.line,
            q.column,
        )
    culprit = next((t for t in used if t.end == q.limit), used[-1])
    prefix = _prefix(culprit)
    namespace = KNOWN_PREFIXES.get(prefix)
    if namespace is not None:
        line = f"PREFIX {prefix}: <{namespace}>"
        en = f"unknown prefix {prefix}: — declare it with {line}"
        de = f"unbekanntes Präfix {prefix}: — deklarieren Sie es mit {line}"
    else:
        en = f"unknown prefix {prefix}: — declare it with PREFIX {prefix}: <…> (its namespace IRI)"
        de = (
            f"unbekanntes Präfix {prefix}: — deklarieren Sie es mit PREFIX {prefix}: <…> "
            "(der IRI seines Namensraums)"
        )
        close = difflib.get_close_matches(prefix, [*declared, *KNOWN_PREFIXES], n=1, cutoff=0.7)
        if close:
            other = close[0]
            if other in declared:
                en += f", or did you mean {other}: (declared above)?"
                de += f", oder meinten Sie {other}: (oben deklariert)?"
            else:
                line = f"PREFIX {other}: <{KNOWN_PREFIXES[other]}>"
                en += f", or did you mean {other}: ({line})?"
                de += f", oder meinten Sie {other}: ({line})?"
    return Hint(en, de, q.line, q.column)


def _prefix(token: Token) -> str:
    return token.text.partition(":")[0]


def _open_string(q: _Query) -> Hint | None:
    quote = next(
        (t for t in q.tokens if t.kind == "other" and t.text in "\"'" and t.start < q.limit), None
    )
    if quote is None:
        return None
    line, column = _position(q.text, quote.start)
    return Hint(
        f"the string that starts at line {line}, column {column} is not closed "
        f'(a {quote.text} is missing; a line break inside needs """ … """).',
        f"die Zeichenkette ab Zeile {line}, Spalte {column} ist nicht geschlossen "
        f'(es fehlt ein {quote.text}; ein Zeilenumbruch darin braucht """ … """).',
        line,
        column,
    )


def _unknown_word(q: _Query) -> Hint | None:
    unknown = None
    for i, token in enumerate(q.tokens):
        if token.start > q.limit:
            break
        if token.kind != "word" or token.text.upper() in _KNOWN_WORDS:
            continue
        before = q.tokens[i - 1] if i else None
        if before is not None and before.end == token.start and before.kind == "other":
            if before.text == "@" or before.text.isdigit():  # a language tag, an exponent
                continue
        unknown = token
    if unknown is None:
        return None
    word = unknown.text
    line, column = _position(q.text, unknown.start)
    close = (
        difflib.get_close_matches(word.upper(), _VOCABULARY, n=1, cutoff=0.75)
        if len(word) >= 3
        else []
    )
    if close:
        return Hint(
            f"unknown keyword {word} — did you mean {close[0]}?",
            f"unbekanntes Schlüsselwort {word} — meinten Sie {close[0]}?",
            line,
            column,
        )
    return Hint(
        f"{word} is no SPARQL keyword or function — a variable is written ?{word}, a prefixed "
        f'name {word}:…, a string "{word}".',
        f"{word} ist kein SPARQL-Schlüsselwort und keine Funktion — eine Variable schreibt man "
        f'?{word}, einen Namen mit Präfix {word}:…, eine Zeichenkette "{word}".',
        line,
        column,
    )


def _bracket(q: _Query) -> Hint | None:
    stack: list[Token] = []
    for token in q.tokens:
        if token.start > q.limit:
            break
        if token.kind != "other":
            continue
        if token.text in _CLOSER_OF:
            stack.append(token)
        elif token.text in _OPENER_OF:
            if stack and stack[-1].text == _OPENER_OF[token.text]:
                stack.pop()
                continue
            line, column = _position(q.text, token.start)
            if not stack:
                opener = _OPENER_OF[token.text]
                return Hint(
                    f"this {token.text} closes nothing: there is no {opener} open before it.",
                    f"diese {token.text} schließt nichts: davor ist keine {opener} offen.",
                    line,
                    column,
                )
            open_line, open_column = _position(q.text, stack[-1].start)
            wanted = _CLOSER_OF[stack[-1].text]
            return Hint(
                f"this {token.text} comes before the {stack[-1].text} opened at line {open_line}, "
                f"column {open_column} is closed — a {wanted} is missing.",
                f"diese {token.text} steht, bevor die {stack[-1].text} aus Zeile {open_line}, "
                f"Spalte {open_column} geschlossen ist — es fehlt eine {wanted}.",
                line,
                column,
            )
    if stack and q.at_end:
        open_line, open_column = _position(q.text, stack[-1].start)
        wanted = _CLOSER_OF[stack[-1].text]
        return Hint(
            f"the query ends before the {stack[-1].text} opened at line {open_line}, column "
            f"{open_column} is closed — a {wanted} is missing.",
            f"die Abfrage endet, bevor die {stack[-1].text} aus Zeile {open_line}, Spalte "
            f"{open_column} geschlossen ist — es fehlt eine {wanted}.",
            q.line,
            q.column,
        )
    return None


def _bad_iri(q: _Query) -> Hint | None:
    if "IRI parsing failed" not in q.message:
        return None
    return Hint(
        'this IRI is not valid: write <http://…> with no spaces and none of < > " { } | ^ ` \\ '
        "inside (a space is %20).",
        "diese IRI ist ungültig: schreiben Sie <http://…> ohne Leerzeichen und ohne "
        '< > " { } | ^ ` \\ darin (ein Leerzeichen ist %20).',
        q.line,
        q.column,
    )


_CHECKS = (
    _empty,
    _wrong_operation,
    _unknown_prefix,
    _bad_iri,
    _open_string,
    _unknown_word,
    _bracket,
)


# --- the parser's words, without its internals -----------------------------------------------


def _parser_words(message: str, found: str | None, *, at_end: bool) -> tuple[str, str]:
    """What the parser expected, as far as it is punctuation (its keyword lists name whatever
    sorts first among hundreds of possibilities, and its character classes help nobody)."""
    expected = [
        re.sub(r"\\(.)", r"\1", item) for item in re.findall(r'"((?:[^"\\]|\\.)*)"', message)
    ]
    shown = " ".join(expected[:12]) + (" …" if len(expected) > 12 else "")
    if at_end:
        en = (
            "the parser reached the end without a complete query: something is missing, or "
            "wrong before this point"
        )
        de = (
            "der Parser hat das Ende erreicht, ohne eine vollständige Abfrage zu finden: es "
            "fehlt etwas, oder davor ist etwas falsch"
        )
    elif found:
        text = found if len(found) <= 40 else found[:40] + "…"
        en, de = f'unexpected "{text}" here', f"unerwartet an dieser Stelle: „{text}“"
    else:
        en, de = "the query does not parse here", "die Abfrage ist hier nicht lesbar"
    if len(expected) == 1:
        return f"{en}; expected: {shown}", f"{de}; erwartet: {shown}"
    if shown:
        return f"{en}; expected one of: {shown}", f"{de}; erwartet wird eines von: {shown}"
    return en + ".", de + "."


# --- positions and the caret -------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """The lines as the parser counts them (``\\n`` ends a line)."""
    lines = [line.rstrip("\r") for line in text.split("\n")]
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def _offset(text: str, line: int, column: int | None) -> int:
    lines = text.split("\n")
    before = sum(len(part) + 1 for part in lines[: max(line - 1, 0)])
    return min(before + max((column or 1) - 1, 0), len(text))


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def mark(text: str, line: int | None, column: int | None, *, around: int = 5) -> str:
    """The query with line numbers and a caret under ``line``:``column`` (1-based); a position
    past the last line is shown at its end. Long queries show the lines around the position,
    long lines the part around the column."""
    lines = _lines(text) or [""]
    if line is not None and line > len(lines):
        line, column = len(lines), len(lines[-1]) + 1
    numbers = range(1, len(lines) + 1)
    if len(lines) > 2 * around + 3:
        if line is None:
            numbers = range(1, 2 * around + 4)
        else:
            numbers = range(max(1, line - around), min(len(lines), line + 2) + 1)
    width = len(str(numbers[-1]))
    shown = ["  " + " " * width + " | …"] if numbers[0] > 1 else []
    for number in numbers:
        content = lines[number - 1]
        caret_at = min(max((column or 1) - 1, 0), len(content)) if number == line else 0
        if len(content) > 160:
            start = max(0, min(caret_at - 80, len(content) - 160))
            clipped = content[start : start + 160]
            content = ("…" if start else "") + clipped + ("…" if start + 160 < len(content) else "")
            caret_at = caret_at - start + (1 if start else 0)
        shown.append(f"  {number:>{width}} | {content}")
        if number == line:
            prefix = "".join(c if c == "\t" else " " for c in content[:caret_at])
            shown.append(f"  {'':>{width}} | {prefix}^")
    if numbers[-1] < len(lines):
        shown.append("  " + " " * width + " | …")
    return "\n".join(shown) + "\n"
