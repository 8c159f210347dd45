"""The one exception hierarchy of KI-Graph.

Every error we raise on purpose is a :class:`KGError`. It carries what an HTTP
problem document (RFC 9457) needs — ``status``, ``slug`` (the last segment of
the problem type), ``title`` and ``detail`` — so the web layer can render it,
and the command line prints ``str(error)``. Nothing here imports Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .syntax_hints import explain


class KGError(Exception):
    """Base class: an error with a human message and HTTP metadata."""

    status: int = 500
    slug: str = "internal-error"
    title: str = "Internal error"
    #: German title and detail where the web UI shows them (None: English only)
    title_de: str | None = None
    detail_de: str | None = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        title: str | None = None,
        detail_de: str | None = None,
    ) -> None:
        self.detail = detail or self.title
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        if detail_de is not None:
            self.detail_de = detail_de
        super().__init__(self.detail)

    def __str__(self) -> str:
        return self.detail

    def __reduce__(self):
        # errors cross from the query workers to the web process by pickle; subclasses take
        # other constructor arguments, so rebuild from the attributes, not from ``args``
        return (_rebuild_error, (type(self), self.__dict__))


def _rebuild_error(cls: type[KGError], state: dict) -> KGError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, state.get("detail", ""))
    return error


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, with its position where known (1-based)."""

    file: str
    line: int | None
    column: int | None
    message: str

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ContentError(KGError):
    """The repository's content (ontology/, data/, violation queries) cannot be read."""

    status = 500
    slug = "content-error"
    title = "The graph's source files cannot be read"

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = [f"{self.title} ({len(self.problems)} problem(s)):"]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class ValidationFailed(KGError):
    """The content parses but violates the shapes or the violation queries."""

    status = 500
    slug = "validation-failed"
    title = "The graph does not validate"

    def __init__(self, report: Any) -> None:
        # ``report`` is a server.validation.Report (not imported here: no cycle)
        self.report = report
        super().__init__(report.render() if hasattr(report, "render") else str(report))


class QuerySyntaxError(KGError):
    """A SPARQL query does not parse; ``line``/``column`` are 1-based where known.

    ``message`` names the likely cause (:mod:`server.syntax_hints`), ``message_de`` in German;
    ``parser_message`` is what the parser said, for experts."""

    status = 400
    slug = "query-syntax"
    title = "The SPARQL query does not parse"
    title_de = "Die SPARQL-Abfrage ist syntaktisch falsch"

    def __init__(
        self,
        message: str,
        *,
        query: str | None = None,
        line: int | None = None,
        column: int | None = None,
        message_de: str | None = None,
        parser_message: str | None = None,
    ) -> None:
        self.message = message
        self.message_de = message_de
        self.parser_message = parser_message
        self.query = query
        self.line = line
        self.column = column
        where = f" at line {line}, column {column}" if line is not None else ""
        where_de = f" in Zeile {line}, Spalte {column}" if line is not None else ""
        super().__init__(
            f"SPARQL syntax error{where}: {message}",
            detail_de=f"SPARQL-Syntaxfehler{where_de}: {message_de}" if message_de else None,
        )

    @classmethod
    def from_exception(
        cls, exc: BaseException, query: str | None = None, *, update: bool = False
    ) -> QuerySyntaxError:
        """Build from pyoxigraph's ``SyntaxError('error at 3:17: expected …')`` for ``query``
        (an update if ``update``), naming the likely cause (:func:`syntax_hints.explain`)."""
        text = str(getattr(exc, "msg", None) or exc)
        line = column = None
        words = text
        match = re.match(r"^error at (\d+):(\d+): ?(.*)$", text, re.S)
        if match:
            line, column, words = int(match.group(1)), int(match.group(2)), match.group(3)
        hint = explain(words, query, line, column, update=update)
        return cls(
            hint.en,
            query=query,
            line=hint.line,
            column=hint.column,
            message_de=hint.de,
            parser_message=text,
        )


class StoreError(KGError):
    """The on-disk store cannot be used (base class of the store errors below)."""

    status = 503
    slug = "store-unavailable"
    title = "The store cannot be opened"


class StoreMissing(StoreError):
    """There is no store at the given path (run ``kigraph load``)."""

    slug = "store-missing"
    title = "There is no store"


class StoreLocked(StoreError):
    """Another process holds the store read-write."""

    slug = "store-locked"
    title = "The store is locked by another process"


class StoreCorrupt(StoreError):
    """The directory is not a readable Oxigraph store."""

    slug = "store-corrupt"
    title = "The store is damaged or not an Oxigraph store"


class UnknownFormat(KGError):
    """A serialisation format name (or file extension) we do not know."""

    status = 400
    slug = "unknown-format"
    title = "Unknown format"


class UnknownGraph(KGError):
    """A named graph that is not in the store."""

    status = 404
    slug = "unknown-graph"
    title = "No such graph"


# --- HTTP-facing errors (issue 4: the SPARQL endpoint) ------------------------------------------


class BadRequest(KGError):
    """The request is malformed (missing or repeated parameters, bad encoding, …)."""

    status = 400
    slug = "bad-request"
    title = "Bad request"


class UpdateNotAllowedHere(KGError):
    """A SPARQL Update was sent to the query operation (or a query to the update operation)."""

    status = 400
    slug = "wrong-operation"
    title = "Wrong SPARQL operation"
    title_de = "Falsche SPARQL-Operation"


class UnsupportedMediaType(KGError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported request body media type"


class PayloadTooLarge(KGError):
    status = 413
    slug = "query-too-large"
    title = "The query is too large"


class NotAcceptable(KGError):
    """Nothing in ``Accept`` (or ``format=``) can be produced; ``offered`` lists what can."""

    status = 406
    slug = "not-acceptable"
    title = "No acceptable representation"

    def __init__(self, detail: str, offered: tuple[str, ...] = ()) -> None:
        self.offered = tuple(offered)
        super().__init__(detail)


class Forbidden(KGError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class UpdateForbidden(Forbidden):
    slug = "update-forbidden"
    title = "SPARQL Update is not allowed"


class ServiceForbidden(Forbidden):
    slug = "service-forbidden"
    title = "Federated query (SERVICE) to this host is not allowed"


class QueryTimeout(KGError):
    status = 503
    slug = "query-timeout"
    title = "The query took too long"


class QueryOutOfMemory(KGError):
    status = 507
    slug = "query-out-of-memory"
    title = "The query needed more memory than a query may use"


class QueryWorkerFailed(KGError):
    status = 503
    slug = "query-worker-failed"
    title = "The query stopped its worker"


class TooManyQueries(KGError):
    status = 429
    slug = "too-many-queries"
    title = "Too many queries from this client at once"


class NotFound(KGError):
    status = 404
    slug = "not-found"
    title = "Not found"


class MethodNotAllowed(KGError):
    status = 405
    slug = "method-not-allowed"
    title = "Method not allowed"
