"""Saved queries: ``queries/<name>.rq`` files with ``#+`` YAML metadata, parsed strictly.

A file is valid SPARQL (the metadata lines are comments). Parameters are typed
(:mod:`server.query_params`): a request value is parsed into an RDF term and the query bound to
that term by a ``VALUES`` block (the rule is in :mod:`server.sparql_text`) — the request's text is
never spliced into the query — so a parameter value can change which rows come back, never the
shape of the query. Any problem in a file (unknown key, bad YAML, a parameter that is not a
projected variable, a query that does not parse) stops start-up with a message naming the file
and line.

Paging appends ``LIMIT``/``OFFSET`` to the query — or, where a comment line ``# @page`` stands
in the query (at most one, in a SELECT), replaces that line with them. That lets a listing page
its subjects in a sub-select first and look up labels and other columns for that page only,
instead of for every row before the ``ORDER BY`` (see bench/README.md, "Query rewrites"). Run
as it stands, the file is still the whole answer: the marker is a comment. A page then holds
``per_page`` rows of the sub-select; should the outer part give one of them two rows (two English
labels, say), that page is one row longer — no row is lost or repeated across pages.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from .errors import ContentError, KGError, Problem, QuerySyntaxError
from .query_params import (
    MAX_STRING,
    TYPES,
    BadParameter,
    Parameter,
    iri_term,
    term,
    yaml_text,
)
from .sparql_text import QUERY_FORMS, analyze, without_comments

__all__ = ["MAX_STRING", "TYPES", "BadParameter", "Parameter", "term", "yaml_text"]

QUERIES_DIR = "queries"
FORMATS = ("json", "xml", "csv", "tsv", "html", "ttl", "nt", "jsonld", "rdf", "trig", "nq")
_TOP_KEYS = {"title", "description", "params", "tags", "format", "timeout", "per_page"}
_PARAM_KEYS = {"type", "required", "default", "example", "values", "values_query", "description"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TRAILING_LIMIT = re.compile(r"\b(LIMIT|OFFSET)\s+[0-9]+\s*$", re.I)
#: ``# @page`` on a line of its own: where the page's LIMIT/OFFSET go (default: appended)
_PAGE_MARK = re.compile(r"^([ \t]*)#[ \t]*@page\b.*$", re.M)
#: query-string parameters the API itself uses; a saved query cannot declare these names
RESERVED = frozenset({"format", "page", "per_page", "lang"})
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 10_000
MAX_PAGE = 1_000_000


class UnknownQuery(KGError):
    status = 404
    slug = "unknown-query"
    title = "No saved query by that name"


@dataclass(frozen=True)
class SavedQuery:
    name: str
    path: str  # relative to the repository root
    text: str  # the whole file: valid SPARQL, metadata as comments
    kind: str  # SELECT, CONSTRUCT, ASK or DESCRIBE
    title: Mapping[str, str]
    description: Mapping[str, str]
    params: tuple[Parameter, ...] = ()
    tags: tuple[str, ...] = ()
    format: str | None = None
    timeout: float | None = None
    per_page: int | None = None

    @property
    def paginated(self) -> bool:
        """SELECT queries page with LIMIT/OFFSET unless the file fixes its own limit."""
        return self.kind == "SELECT" and not _TRAILING_LIMIT.search(without_comments(self.text))

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.params if p.name == name), None)


# --- loading -------------------------------------------------------------------------------


def load_queries(root: Path | str) -> dict[str, SavedQuery]:
    """Parse every ``queries/*.rq``; raise :class:`ContentError` naming file and line."""
    root = Path(root)
    directory = root / QUERIES_DIR
    if not directory.is_dir():
        return {}
    problems: list[Problem] = []
    queries: dict[str, SavedQuery] = {}
    for path in sorted(directory.glob("*.rq")):
        rel = path.relative_to(root).as_posix()
        try:
            queries[path.stem] = _parse_file(path.stem, rel, path.read_text(encoding="utf-8"))
        except _FileProblem as problem:
            problems.append(Problem(rel, problem.line, None, problem.message))
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(rel, None, None, f"cannot read: {error}"))
    for query in queries.values():
        for param in query.params:
            if param.values_query and param.values_query not in queries:
                problems.append(
                    Problem(
                        query.path,
                        _line_of(query.text, param.name),
                        None,
                        f"parameter {param.name!r}: values_query {param.values_query!r} "
                        "names no saved query",
                    )
                )
    if problems:
        raise ContentError(problems)
    return queries


class _FileProblem(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _parse_file(name: str, rel: str, text: str) -> SavedQuery:
    lines = text.splitlines()
    meta_lines: list[str] = []
    for line in lines:
        if not line.startswith("#+"):
            break
        meta_lines.append(line[3:] if line.startswith("#+ ") else line[2:])
    try:
        meta = yaml.safe_load("\n".join(meta_lines)) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise _FileProblem(line, f"bad YAML metadata: {getattr(error, 'problem', error)}") from None
    if not isinstance(meta, dict):
        raise _FileProblem(1, "the #+ metadata must be a YAML mapping")
    for key in meta:
        if key not in _TOP_KEYS:
            raise _FileProblem(
                _meta_line(lines, str(key)),
                f"unknown metadata key {key!r} (allowed: {', '.join(sorted(_TOP_KEYS))})",
            )
    kind = _query_kind(text)
    _check_syntax(text)
    _check_page_mark(text, kind)
    params = tuple(
        _parameter(pname, spec, lines) for pname, spec in (meta.get("params") or {}).items()
    )
    for param in params:
        _check_parameter_in_query(param, text, kind, lines)
    fmt = meta.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise _FileProblem(
            _meta_line(lines, "format"), f"unknown format {fmt!r} (one of {', '.join(FORMATS)})"
        )
    timeout = meta.get("timeout")
    if timeout is not None and (not isinstance(timeout, (int, float)) or timeout <= 0):
        raise _FileProblem(
            _meta_line(lines, "timeout"), "timeout must be a positive number of seconds"
        )
    per_page = meta.get("per_page")
    if per_page is not None and (not isinstance(per_page, int) or not 0 < per_page <= MAX_PER_PAGE):
        raise _FileProblem(
            _meta_line(lines, "per_page"), f"per_page must be an integer 1..{MAX_PER_PAGE}"
        )
    tags = meta.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _FileProblem(_meta_line(lines, "tags"), "tags must be a list of words")
    return SavedQuery(
        name=name,
        path=rel,
        text=text,
        kind=kind,
        title=_bilingual(meta.get("title"), "title", lines),
        description=_bilingual(meta.get("description"), "description", lines),
        params=params,
        tags=tuple(tags),
        format=fmt,
        timeout=float(timeout) if timeout is not None else None,
        per_page=per_page,
    )


def _bilingual(value: Any, key: str, lines: list[str]) -> Mapping[str, str]:
    if not (
        isinstance(value, dict)
        and all(isinstance(value.get(lang), str) and value[lang].strip() for lang in ("de", "en"))
    ):
        raise _FileProblem(
            _meta_line(lines, key), f"{key} needs a German and an English text: {{de: …, en: …}}"
        )
    return {"de": value["de"], "en": value["en"]}


def _parameter(name: Any, spec: Any, lines: list[str]) -> Parameter:
    line = _meta_line(lines, str(name))
    if not isinstance(name, str) or not _NAME.match(name):
        raise _FileProblem(line, f"parameter name {name!r} is not a SPARQL variable name")
    if name in RESERVED:
        raise _FileProblem(
            line, f"parameter name {name!r} is reserved by the API ({', '.join(sorted(RESERVED))})"
        )
    if not isinstance(spec, dict):
        raise _FileProblem(line, f"parameter {name!r} must be a mapping with at least a type")
    for key in spec:
        if key not in _PARAM_KEYS:
            raise _FileProblem(
                line,
                f"parameter {name!r}: unknown key {key!r} "
                f"(allowed: {', '.join(sorted(_PARAM_KEYS))})",
            )
    ptype = spec.get("type")
    if ptype not in TYPES:
        raise _FileProblem(line, f"parameter {name!r}: type must be one of {', '.join(TYPES)}")
    values = spec.get("values") or ()
    if ptype == "enum" and not values and not spec.get("values_query"):
        raise _FileProblem(line, f"parameter {name!r}: an enum needs values or values_query")
    if ptype != "enum" and (values or spec.get("values_query")):
        raise _FileProblem(line, f"parameter {name!r}: values and values_query are for enums only")
    description = spec.get("description") or {}
    if description and not (isinstance(description, dict) and {"de", "en"} <= set(description)):
        raise _FileProblem(line, f"parameter {name!r}: description needs de and en")
    param = Parameter(
        name=name,
        type=ptype,
        required=bool(spec.get("required", False)),
        default=spec.get("default"),
        example=spec.get("example"),
        values=tuple(str(v) for v in values),
        values_query=spec.get("values_query"),
        description=description,
    )
    for key in ("default", "example"):
        value = getattr(param, key)
        # values_query enums are checked against the graph at request time
        if value is not None and not param.values_query:
            try:
                term(param, yaml_text(value), enum_values=param.values or None)
            except BadParameter as error:
                raise _FileProblem(line, f"{key} of {error.detail}") from None
    return param


def _check_syntax(text: str) -> None:
    try:
        ox.Store().query(text)
    except SyntaxError as error:
        problem = QuerySyntaxError.from_exception(error, text)
        column = f" (column {problem.column})" if problem.column else ""
        raise _FileProblem(
            problem.line, f"SPARQL syntax error{column}: {problem.message}"
        ) from None
    except Exception:  # noqa: BLE001 — the query parsed; running it on an empty store may not matter
        pass


def _check_page_mark(text: str, kind: str) -> None:
    marks = list(_PAGE_MARK.finditer(text))
    if not marks:
        return
    line = text.count("\n", 0, marks[0].start()) + 1
    if len(marks) > 1:
        raise _FileProblem(
            text.count("\n", 0, marks[1].start()) + 1, "more than one '# @page' line"
        )
    if kind != "SELECT" or _TRAILING_LIMIT.search(without_comments(text)):
        raise _FileProblem(line, "'# @page' is for a SELECT that the server pages")
    paged = _PAGE_MARK.sub(r"\1LIMIT 1 OFFSET 0", text)
    try:
        ox.Store().query(paged)
    except SyntaxError as error:
        raise _FileProblem(
            line, f"'# @page' is not where LIMIT/OFFSET can stand: {_message(error, paged)}"
        ) from None
    except Exception:  # noqa: BLE001 — parsed; the empty store does not matter
        pass


def _check_parameter_in_query(param: Parameter, text: str, kind: str, lines: list[str]) -> None:
    line = _meta_line(lines, param.name)
    body = without_comments(text)
    if not re.search(rf"[?$]{re.escape(param.name)}\b", body):
        raise _FileProblem(line, f"parameter {param.name!r} is not a variable of the query")
    sample = param.example if param.example is not None else param.default
    value = _sample_term(param, sample)
    try:
        ox.Store().query(text, substitutions={ox.Variable(param.name): value})
    except RuntimeError as error:
        raise _FileProblem(
            line,
            f"parameter {param.name!r} cannot be bound: {error} (a SELECT must project it)",
        ) from None
    except Exception:  # noqa: BLE001
        pass


def _sample_term(param: Parameter, sample: Any) -> ox.NamedNode | ox.Literal:
    if sample is not None and param.values_query:
        return iri_term(yaml_text(sample), lambda: BadParameter(param.name, "bad example"))
    if sample is not None:
        return term(param, yaml_text(sample), enum_values=param.values or None)
    if param.type in ("iri",) or (param.type == "enum" and param.values_query):
        return ox.NamedNode("https://w3id.org/kigraph/id/example")
    if param.type == "enum":
        return term(param, param.values[0], enum_values=param.values)
    return ox.Literal("1")


# --- binding -------------------------------------------------------------------------------


def bind(
    query: SavedQuery,
    args: Mapping[str, list[str]],
    enum_values: Callable[[Parameter], list[str]] | None = None,
) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """Substitutions for ``args`` (name → all values given): unknown, repeated, missing or
    ill-typed parameters raise :class:`BadParameter` naming the parameter."""
    known = {p.name for p in query.params}
    for name in args:
        if name not in known and name not in RESERVED:
            expected = ", ".join(sorted(known)) or "none"
            raise BadParameter(name, f"unknown parameter (this query takes: {expected})")
    substitutions: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
    for param in query.params:
        given = args.get(param.name, [])
        if len(given) > 1:
            raise BadParameter(param.name, "given more than once")
        raw = given[0] if given else None
        if raw is None or raw == "":
            if param.default is not None:
                raw = yaml_text(param.default)
            elif param.required:
                raise BadParameter(param.name, f"required, expected {param.expected}")
            else:
                continue
        allowed = None
        if param.type == "enum" and param.values_query and enum_values is not None:
            allowed = enum_values(param)
        substitutions[ox.Variable(param.name)] = term(param, raw, enum_values=allowed)
    return substitutions


def paged_text(query: SavedQuery, page: int, per_page: int) -> str:
    """The query text with LIMIT/OFFSET for one page (integers we computed, not user text):
    on the ``# @page`` line if the query has one (line numbers stay), else appended."""
    if not query.paginated:
        return query.text
    limit = f"LIMIT {int(per_page)} OFFSET {int((page - 1) * per_page)}"
    if _PAGE_MARK.search(query.text):
        return _PAGE_MARK.sub(lambda mark: mark.group(1) + limit, query.text, count=1)
    return f"{query.text.rstrip()}\n{limit}\n"


def example_args(query: SavedQuery) -> dict[str, list[str]]:
    """The documented example (or default) of each parameter, as a request would carry it."""
    out: dict[str, list[str]] = {}
    for param in query.params:
        value = param.example if param.example is not None else param.default
        if value is not None:
            out[param.name] = [yaml_text(value)]
    return out


# --- helpers -------------------------------------------------------------------------------


def _query_kind(text: str) -> str:
    form = analyze(text).form
    if form not in QUERY_FORMS:
        raise _FileProblem(None, "not a SELECT, CONSTRUCT, ASK or DESCRIBE query")
    return form


def _meta_line(lines: list[str], key: str) -> int | None:
    for number, line in enumerate(lines, start=1):
        if not line.startswith("#+"):
            break
        if re.search(rf"(^|[\s{{,]){re.escape(key)}\s*:", line[2:]):
            return number
    return None


def _line_of(text: str, key: str) -> int | None:
    return _meta_line(text.splitlines(), key)


def _message(error: SyntaxError, text: str) -> str:
    """The likely cause (:mod:`server.syntax_hints`), not the parser's internal words."""
    return QuerySyntaxError.from_exception(error, text).message


def unknown_query(name: str, known: Iterable[str]) -> UnknownQuery:
    """The error for a name that is no saved query, with the nearest name if one is close."""
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return UnknownQuery(
        f"No saved query named {name!r}; {hint}GET /queries (or `kigraph queries`) lists them."
    )


# --- one call for every front end (CLI and HTTP) ---------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A saved query ready to run: final text, bound parameters and the page asked for."""

    query: SavedQuery
    text: str
    substitutions: Mapping[ox.Variable, ox.NamedNode | ox.Literal]
    page: int
    per_page: int


def prepare(
    queries: Mapping[str, SavedQuery],
    name: str,
    args: Mapping[str, list[str]],
    enum_values: Callable[[SavedQuery], list[str]] | None = None,
) -> Prepared:
    """Resolve ``name``, bind ``args`` (query-string style: name → values) and the page.

    ``enum_values(query)`` runs a ``values_query`` and returns its ``?value`` column.
    """
    query = queries.get(name)
    if query is None:
        raise unknown_query(name, queries)

    def listed(param: Parameter) -> list[str]:
        source = queries[param.values_query] if param.values_query else None
        return enum_values(source) if (source is not None and enum_values) else []

    substitutions = bind(query, args, listed)
    page = _positive(args, "page", 1, MAX_PAGE)
    per_page = _positive(args, "per_page", query.per_page or DEFAULT_PER_PAGE, MAX_PER_PAGE)
    return Prepared(query, paged_text(query, page, per_page), substitutions, page, per_page)


def _positive(args: Mapping[str, list[str]], name: str, default: int, maximum: int) -> int:
    given = args.get(name) or []
    if len(given) > 1:
        raise BadParameter(name, "given more than once")
    if not given or given[0] == "":
        return default
    raw = given[0]
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise BadParameter(name, f"{raw!r} is not an integer from 1 to {maximum}")
    return int(raw)
