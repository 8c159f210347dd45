"""Typed parameters of saved queries: what a value must look like, and the RDF term a raw
request value becomes. A value that is not of its type is a :class:`BadParameter` naming the
parameter; what comes out is a pyoxigraph term, which the query is then bound to (the binding
rule is in :mod:`server.sparql_text`), never the request's text."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from .errors import KGError
from .namespaces import ID, PREFIXES, XSD

TYPES = ("iri", "string", "lang-string", "integer", "decimal", "date", "boolean", "enum")
MAX_STRING = 1000
_LANG_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
#: prefixes people write for our IRIs (``id:`` was the CLI's old short form)
_PREFIXED = {**PREFIXES, "id": ID}
_DECIMAL = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")


class BadParameter(KGError):
    status = 400
    slug = "bad-parameter"
    title = "A query parameter is missing or invalid"

    def __init__(self, parameter: str, detail: str) -> None:
        self.parameter = parameter
        super().__init__(f"parameter {parameter!r}: {detail}")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    required: bool = False
    default: Any = None
    example: Any = None
    values: tuple[str, ...] = ()
    values_query: str | None = None
    description: Mapping[str, str] = field(default_factory=dict)

    @property
    def expected(self) -> str:
        """What a value must look like, for error messages and the API docs."""
        return {
            "iri": "an absolute IRI, e.g. https://w3id.org/kigraph/id/org/dfki",
            "string": f"a text of at most {MAX_STRING} characters",
            "lang-string": "a text with a language tag, e.g. Mittelstand@de",
            "integer": "an integer, e.g. 42",
            "decimal": "a decimal number, e.g. 0.5",
            "date": "a date YYYY-MM-DD",
            "boolean": "true or false",
            "enum": "one of the listed values",
        }[self.type]


# --- a raw value as an RDF term ------------------------------------------------------------


def term(
    param: Parameter, raw: str, *, enum_values: Iterable[str] | None = None
) -> ox.NamedNode | ox.Literal:
    """The RDF term for one raw value, or :class:`BadParameter` saying what is expected."""
    kind = param.type

    def bad() -> BadParameter:
        return BadParameter(param.name, f"{raw!r} is not {param.expected}")

    if kind == "iri":
        return iri_term(raw, bad)
    if kind == "string":
        if len(raw) > MAX_STRING or "\x00" in raw:
            raise bad()
        return ox.Literal(raw)
    if kind == "lang-string":
        text, sep, lang = raw.rpartition("@")
        if not sep or not _LANG_TAG.match(lang) or len(text) > MAX_STRING or "\x00" in text:
            raise bad()
        try:
            return ox.Literal(text, language=lang.lower())
        except ValueError:  # a tag of the right shape that is still not BCP 47
            raise bad() from None
    if kind == "integer":
        if not _INTEGER.match(raw) or len(raw) > 30:
            raise bad()
        return ox.Literal(str(int(raw)), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "decimal":
        if not _DECIMAL.match(raw) or len(raw) > 40:
            raise bad()
        try:
            Decimal(raw)
        except InvalidOperation:
            raise bad() from None
        return ox.Literal(raw, datatype=ox.NamedNode(XSD + "decimal"))
    if kind == "date":
        try:
            parsed = datetime.date.fromisoformat(raw)
        except ValueError:
            raise bad() from None
        if len(raw) != 10:
            raise bad()
        return ox.Literal(parsed.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if kind == "boolean":
        lowered = raw.lower()
        if lowered not in ("true", "false", "1", "0"):
            raise bad()
        return ox.Literal(
            "true" if lowered in ("true", "1") else "false", datatype=ox.NamedNode(XSD + "boolean")
        )
    # enum
    allowed = list(enum_values if enum_values is not None else param.values)
    if raw not in allowed:
        shown = ", ".join(allowed[:20]) + (" …" if len(allowed) > 20 else "")
        raise BadParameter(param.name, f"{raw!r} is not one of: {shown}")
    return iri_term(raw, bad) if _looks_like_iri(raw) else ox.Literal(raw)


def iri_term(raw: str, bad: Callable[[], BadParameter]) -> ox.NamedNode:
    prefix, _, local = raw.partition(":")
    if prefix in _PREFIXED and not local.startswith("//"):
        # `id:org/dfki` parses as an IRI of the scheme "id" and would match nothing
        full = _PREFIXED[prefix] + local
        raise BadParameter(bad().parameter, f"{raw!r} is a prefixed name, not an IRI: give {full}")
    if not _looks_like_iri(raw) or any(c in raw for c in ' <>"{}|^`\\\n\r\t\x00'):
        raise bad()
    try:
        return ox.NamedNode(raw)
    except ValueError:
        raise bad() from None


def _looks_like_iri(raw: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$", raw))


def yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
