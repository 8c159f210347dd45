"""Content negotiation and the formats we serve — pure (no Flask), the one place for both.

Negotiation rules (design.md, "Content negotiation"): an explicit ``format=`` (short name such as
``json``/``ttl`` or a media type) beats ``Accept``; ``Accept`` is read with q-values, ``*/*`` and
``type/*`` wildcards and ``q=0`` exclusions, comparing ``type/subtype`` only (parameters such as
``charset`` are ignored on both sides); an empty or absent ``Accept`` gives the default. When
nothing offered is acceptable :class:`NotAcceptable` (406) lists what is offered.

Ties: among media ranges with the same q the more specific one wins for a format (RFC 9110
§12.5.1); among formats with the same q, the client's order in the header wins, then our order
(the first format of a kind is its default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from .errors import NotAcceptable, UnknownFormat
from .namespaces import ID, PREFIXES

__all__ = ["Format", "NotAcceptable", "choose", "negotiate", "parse_accept", "prefers_html"]


@dataclass(frozen=True, slots=True)
class Format:
    """One representation: short name, canonical media type, aliases, pyoxigraph format."""

    name: str
    media_type: str  # canonical, what we put in Content-Type (with charset where textual)
    aliases: tuple[str, ...]  # further type/subtype strings that select this format
    extension: str
    ox: object = None  # pyoxigraph QueryResultsFormat / RdfFormat, or None (HTML)

    @property
    def essence(self) -> str:
        return self.media_type.split(";", 1)[0].strip()


def _f(name, media_type, aliases, ext, ox_format=None) -> Format:
    return Format(name, media_type, tuple(aliases), ext, ox_format)


QRF, RF = ox.QueryResultsFormat, ox.RdfFormat

SPARQL_JSON = _f(
    "json", "application/sparql-results+json", ["application/json", "text/json"], "srj", QRF.JSON
)
SPARQL_XML = _f(
    "xml", "application/sparql-results+xml", ["application/xml", "text/xml"], "srx", QRF.XML
)
SPARQL_CSV = _f("csv", "text/csv; charset=utf-8", [], "csv", QRF.CSV)
SPARQL_TSV = _f("tsv", "text/tab-separated-values; charset=utf-8", [], "tsv", QRF.TSV)

# Turtle is valid N3: clients asking for N3 (SPARQLWrapper's N3) get Turtle, labelled as such
TURTLE = _f(
    "ttl",
    "text/turtle; charset=utf-8",
    ["application/x-turtle", "text/n3", "text/rdf+n3"],
    "ttl",
    RF.TURTLE,
)
NTRIPLES = _f("nt", "application/n-triples", ["text/plain"], "nt", RF.N_TRIPLES)
JSONLD = _f("jsonld", "application/ld+json", ["application/json"], "jsonld", RF.JSON_LD)
RDFXML = _f("rdf", "application/rdf+xml", ["application/xml", "text/xml"], "rdf", RF.RDF_XML)
TRIG = _f("trig", "application/trig", [], "trig", RF.TRIG)
NQUADS = _f("nq", "application/n-quads", [], "nq", RF.N_QUADS)

HTML = _f("html", "text/html; charset=utf-8", ["application/xhtml+xml"], "html")
PROBLEM_JSON = _f("problem", "application/problem+json", ["application/json"], "json")

#: what a SELECT or ASK can be answered in (first = default)
RESULTS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV)
#: what a CONSTRUCT or DESCRIBE can be answered in (first = default)
GRAPHS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS)
#: the service description (an RDF graph, offered in the three the issue asks for)
DESCRIPTION: tuple[Format, ...] = (TURTLE, JSONLD, RDFXML)
#: error bodies
PROBLEMS: tuple[Format, ...] = (PROBLEM_JSON, HTML)

# short names accepted by ``format=``, beyond each format's name and extension
_SHORT = {
    "sparql-json": SPARQL_JSON,
    "sparql-xml": SPARQL_XML,
    "turtle": TURTLE,
    "n3": TURTLE,
    "n-triples": NTRIPLES,
    "ntriples": NTRIPLES,
    "json-ld": JSONLD,
    "rdfxml": RDFXML,
    "rdf-xml": RDFXML,
    "xml": None,  # resolved per offer (results or RDF/XML)
    "json": None,  # resolved per offer (results or JSON-LD)
    "n-quads": NQUADS,
    "nquads": NQUADS,
}


def _essence(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


@lru_cache(maxsize=512)
def parse_accept(header: str) -> tuple[tuple[str, str, float, int], ...]:
    """``Accept`` → ``((type, subtype, q, position), …)``; malformed entries are skipped."""
    out = []
    for position, item in enumerate(header.split(",")):
        parts = item.split(";")
        media = parts[0].strip().lower()
        if not media:
            continue
        if media == "*":  # seen in the wild (Java's URLConnection): treat as */*
            media = "*/*"
        if "/" not in media:
            continue
        main, _, sub = media.partition("/")
        q = 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0 if value.strip() == "0" else 1.0
        out.append((main.strip(), sub.strip(), q, position))
    return tuple(out)


def _quality(fmt: Format, ranges) -> tuple[float, int]:
    """The q the client gives ``fmt`` (most specific matching range wins) and its position."""
    best_spec, best_q, best_pos = -1, 0.0, 1 << 30
    for candidate in (fmt.essence, *fmt.aliases):
        main, _, sub = candidate.partition("/")
        for r_main, r_sub, q, pos in ranges:
            if r_main == main and r_sub == sub:
                spec = 3 if candidate == fmt.essence else 2
            elif r_main == main and r_sub == "*" and candidate == fmt.essence:
                spec = 1  # wildcards match the real type only, not aliases (text/json)
            elif r_main == "*" and r_sub == "*":
                spec = 0
            else:
                continue
            if spec > best_spec or (spec == best_spec and q > best_q):
                best_spec, best_q, best_pos = spec, q, pos
    return best_q, best_pos


def _by_parameter(value: str, offered: tuple[Format, ...]) -> Format:
    """``format=`` values; several (comma-separated, as SPARQLWrapper sends them): the first
    one we offer wins."""
    for part in value.split(","):
        found = _one_parameter(part, offered) if part.strip() else None
        if found is not None:
            return found
    raise NotAcceptable(
        f"format={value!r} is not offered here; use one of: " + _offer_list(offered),
        tuple(f.essence for f in offered),
    )


def _one_parameter(value: str, offered: tuple[Format, ...]) -> Format | None:
    key = value.strip().lower()
    if "/" in key:
        key = _essence(key)
        for fmt in offered:
            if key == fmt.essence or key in fmt.aliases:
                return fmt
    else:
        for fmt in offered:
            if key in (fmt.name, fmt.extension):
                return fmt
        fixed = _SHORT.get(key)
        if fixed is not None and fixed in offered:
            return fixed
        if key in _SHORT and fixed is None:  # json / xml: the first offered of that family
            for fmt in offered:
                if key in fmt.essence:
                    return fmt
    return None


def _offer_list(offered: tuple[Format, ...]) -> str:
    return ", ".join(f"{f.essence} ({f.name})" for f in offered)


@lru_cache(maxsize=2048)
def negotiate(
    accept: str | None, offered: tuple[Format, ...], format_param: str | None = None
) -> Format:
    """The format to answer in, or :class:`NotAcceptable`. Pure and cached."""
    if format_param:
        return _by_parameter(format_param, offered)
    if not accept or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best, best_key = None, None
    for rank, fmt in enumerate(offered):
        q, pos = _quality(fmt, ranges)
        if q <= 0.0:
            continue
        key = (-q, pos, rank)
        if best_key is None or key < best_key:
            best, best_key = fmt, key
    if best is None:
        raise NotAcceptable(
            f"None of the media types in 'Accept: {accept}' can be produced here. "
            f"Offered: {_offer_list(offered)}.",
            tuple(f.essence for f in offered),
        )
    return best


@lru_cache(maxsize=256)
def negotiate_encoding(accept_encoding: str | None, offered: tuple[str, ...]) -> str | None:
    """The content coding of ``offered`` (best first) that ``Accept-Encoding`` rates highest, or
    None for the identity coding (RFC 9110 §12.5.3: q-values, ``*``, ``q=0`` refusals)."""
    if not accept_encoding:
        return None
    rated: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = max(0.0, min(1.0, float(value)))
            except ValueError:
                quality = 0.0
        coding = coding.strip().lower()
        if coding:
            rated[coding] = quality
    best, best_quality = None, 0.0
    for coding in offered:
        quality = rated.get(coding, rated.get("*", 0.0))
        if quality > best_quality:
            best, best_quality = coding, quality
    return best


def prefers_html(accept: str | None) -> bool:
    """True when a browser is asking: ``text/html`` is explicitly accepted and ranks at least
    as high as any RDF or results type (a bare ``*/*`` is not a browser)."""
    if not accept or "html" not in accept:
        return False
    try:
        return negotiate(accept, (HTML, *DESCRIPTION, SPARQL_JSON)) is HTML
    except NotAcceptable:
        return False


# Clients send a handful of distinct Accept headers, and negotiating one is ~10 µs of Python on
# every answer; bounded, so that varied headers from one client only evict
@lru_cache(maxsize=1024)
def choose(
    accept: str | None,
    offered: tuple[Format, ...],
    format_param: str | None = None,
    default: str | None = None,
) -> Format:
    """The format of an answer that may be a page: :data:`HTML` (when offered) for browsers
    (:func:`prefers_html`) or ``format=html``; otherwise :func:`negotiate` among the other
    formats offered. ``default`` (a ``format=`` value) stands in for an ``Accept`` that is
    absent, empty or ``*/*`` — a saved query's preferred format."""
    if HTML in offered:
        if format_param and format_param.strip().lower() == "html":
            return HTML
        if not format_param and prefers_html(accept):
            return HTML
    data = tuple(f for f in offered if f is not HTML)
    if not format_param and default and (not accept or accept.strip() in ("", "*/*")):
        format_param = default
    return negotiate(accept, data, format_param)


def wants_problem_html(accept: str | None) -> bool:
    """Error bodies: HTML for browsers, problem+json for everyone else."""
    return prefers_html(accept)


# --- RDF files: formats by short name and by extension ---------------------------------------

#: short format names (``--format``) for RDF serialisations
RDF_FORMATS: Mapping[str, ox.RdfFormat] = {
    "trig": ox.RdfFormat.TRIG,
    "nq": ox.RdfFormat.N_QUADS,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
}

#: file extensions we read (``serve --data``, ``load --add``); ``.gz`` may follow any of them
EXTENSIONS: Mapping[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "rdf": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "n3": ox.RdfFormat.N3,
}

#: prefixes written into Turtle, TriG and RDF/XML documents
SERIALIZE_PREFIXES = {**PREFIXES, "id": ID}


def rdf_format_for(fmt: str) -> ox.RdfFormat:
    try:
        return RDF_FORMATS[fmt]
    except KeyError:
        known = ", ".join(RDF_FORMATS)
        raise UnknownFormat(f"unknown RDF format {fmt!r} (use one of: {known})") from None


def format_for_path(path: Path) -> ox.RdfFormat:
    """The RDF format of ``path`` by its extension (``.gz`` looked through)."""
    suffixes = [s.lower().lstrip(".") for s in path.suffixes]
    if suffixes and suffixes[-1] == "gz":
        suffixes.pop()
    ext = suffixes[-1] if suffixes else ""
    try:
        return EXTENSIONS[ext]
    except KeyError:
        known = ", ".join(f".{e}" for e in EXTENSIONS)
        raise UnknownFormat(
            f"{path}: unknown RDF file extension {('.' + ext) if ext else '(none)'} "
            f"(use one of: {known}, optionally followed by .gz)"
        ) from None
