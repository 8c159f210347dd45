"""Validate loaded content: SHACL shapes (pyshacl) and violation queries (pyoxigraph).

Pure: no Flask. ``validate(content)`` returns a :class:`Report`; ``validate_root(root)`` also
turns a :class:`ContentError` (files that do not parse) into a report.

- SHACL: the data graph is every graph except the shapes graph (ontology + data + provenance)
  merged into one rdflib graph; the shapes graph is ``…/graph/shapes``. No inference, but SHACL
  class targets follow the ``rdfs:subClassOf`` triples of the ontology, which is in the data
  graph. Results of severity ``sh:Violation`` fail validation; warnings and infos are listed.
- Violation queries: each ``ontology/violations/*.rq`` runs over an in-memory store holding all
  graphs, default graph = union of all graphs; every row is a problem.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF as RDF_NS
from rdflib.namespace import SH as SH_NS

from .content import SHAPES_GRAPH, Content, Location, load_content
from .errors import ContentError, Problem
from .namespaces import BASE, SH, XSD, compact

#: how many levels up we walk from a blank focus node to find a named node to show
_BNODE_DEPTH = 4


@dataclass(frozen=True)
class ShapeResult:
    """One SHACL validation result."""

    focus: str  # rendered focus node
    path: str | None
    value: str | None
    message: str
    severity: str  # "Violation", "Warning" or "Info"
    shape: str | None
    component: str | None
    location: Location | None = None

    def render(self) -> str:
        parts = [self.focus]
        if self.path:
            parts.append(self.path)
        text = " ".join(parts) + f": {self.message}"
        if self.value is not None and self.value not in self.message:
            text += f" (value: {self.value})"
        extra = ", ".join(x for x in (self.shape, self.component) if x)
        if extra:
            text += f" [{extra}]"
        if self.severity != "Violation":
            text = f"{self.severity}: {text}"
        return f"{self.location}: {text}" if self.location else text


@dataclass(frozen=True)
class QueryResult:
    """One row returned by a violation query."""

    query: str  # path of the .rq file
    description: str
    bindings: tuple[tuple[str, str], ...]  # (variable, rendered term)
    location: Location | None = None

    def render(self) -> str:
        text = " ".join(f"?{var}={value}" for var, value in self.bindings) or "(empty row)"
        return f"{self.location}: {text}" if self.location else text


@dataclass(frozen=True)
class Report:
    """The outcome of validation; ``ok`` is False if anything must be fixed."""

    problems: tuple[Problem, ...] = ()  # files that cannot be read or parsed
    shape_results: tuple[ShapeResult, ...] = ()
    query_results: tuple[QueryResult, ...] = ()
    version: str | None = None
    stats: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # things skipped, for the reader

    @property
    def violations(self) -> tuple[ShapeResult, ...]:
        return tuple(r for r in self.shape_results if r.severity == "Violation")

    @property
    def ok(self) -> bool:
        return not (self.problems or self.violations or self.query_results)

    @property
    def count(self) -> int:
        return len(self.problems) + len(self.violations) + len(self.query_results)

    @classmethod
    def from_error(cls, error: ContentError) -> Report:
        return cls(problems=error.problems)

    def render(self) -> str:
        lines: list[str] = []
        if self.problems:
            lines.append(f"Files that cannot be used ({len(self.problems)}):")
            lines += [f"  {p}" for p in self.problems]
        if self.shape_results:
            lines.append(f"SHACL results ({len(self.shape_results)}):")
            lines += [f"  {r.render()}" for r in self.shape_results]
        if self.query_results:
            by_query: dict[tuple[str, str], list[QueryResult]] = {}
            for r in self.query_results:
                by_query.setdefault((r.query, r.description), []).append(r)
            lines.append(f"Violation queries ({_plural(len(self.query_results), 'row')}):")
            for (query, description), rows in by_query.items():
                lines.append(f"  {query}: {description}" if description else f"  {query}")
                lines += [f"    {r.render()}" for r in rows]
        status = "OK" if self.ok else f"FAILED, {_plural(self.count, 'problem')}"
        head = f"kigraph validate: {status}"
        if self.stats:
            head += " (" + ", ".join(_plural(v, k) for k, v in self.stats.items()) + ")"
        if self.version:
            head += f", data version {self.version[:12]}"
        notes = [f"Note: {note}" for note in self.notes]
        return "\n".join([head, *notes, *lines]) + "\n"


def validate_root(root: Path | str) -> Report:
    """Load and validate the content under ``root``; unreadable files become a report."""
    try:
        content = load_content(root)
    except ContentError as error:
        return Report.from_error(error)
    return validate(content)


def validate(content: Content) -> Report:
    shape_results = _shacl(content)
    query_results = _violation_queries(content)
    stats = {
        "file": len(content.files),
        "graph": len(content.graphs),
        "quad": len(content),
        "violation query": len(content.violation_queries),
    }
    notes = []
    if SHAPES_GRAPH not in content.graphs:
        notes.append("no ontology/shapes.ttl, SHACL validation skipped")
    if not content.violation_queries:
        notes.append("no ontology/violations/*.rq, no violation queries run")
    return Report(
        shape_results=shape_results,
        query_results=query_results,
        version=content.version,
        stats=stats,
        notes=tuple(notes),
    )


def _plural(count: int, noun: str) -> str:
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


# --- SHACL -----------------------------------------------------------------------------------


def _rdflib_graph(content: Content, graphs: list[str]) -> rdflib.Graph:
    """The union of ``graphs`` as an rdflib Graph, via one N-Triples serialisation."""
    graph = rdflib.Graph()
    data = ox.serialize(content.triples(graphs), format=ox.RdfFormat.N_TRIPLES)
    if data:
        graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


@contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """Silence library warnings (rdflib logs a traceback for every ill-typed literal, which
    SHACL reports properly anyway)."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _shacl(content: Content) -> tuple[ShapeResult, ...]:
    if SHAPES_GRAPH not in content.graphs:
        return ()
    with _quiet("rdflib", "pyshacl"):
        return _shacl_results(content)


def _shacl_results(content: Content) -> tuple[ShapeResult, ...]:
    shapes = _rdflib_graph(content, [SHAPES_GRAPH])
    data = _rdflib_graph(content, [g for g in content.graphs if g != SHAPES_GRAPH])
    _conforms, results, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
        meta_shacl=False,
        advanced=False,
        js=False,
        debug=False,
    )
    extra: dict[str, str] = {}
    for source in content.files:
        if source.graph == SHAPES_GRAPH:
            extra.update(source.prefixes)
    out = []
    for result in results.subjects(RDF_NS.type, SH_NS.ValidationResult):
        focus = results.value(result, SH_NS.focusNode)
        path = results.value(result, SH_NS.resultPath)
        value = results.value(result, SH_NS.value)
        messages = sorted(str(m) for m in results.objects(result, SH_NS.resultMessage))
        severity = results.value(result, SH_NS.resultSeverity)
        shape = results.value(result, SH_NS.sourceShape)
        component = results.value(result, SH_NS.sourceConstraintComponent)
        out.append(
            ShapeResult(
                focus=_node(focus, data),
                path=_path(path, results, shapes) if path is not None else None,
                value=_node(value, data) if value is not None else None,
                message="; ".join(messages) or "does not conform",
                severity=_local(severity, SH) if severity is not None else "Violation",
                shape=_shape(shape, shapes, extra) if shape is not None else None,
                component=_term(component) if component is not None else None,
                location=_locate(focus, data, content),
            )
        )
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    return tuple(sorted(out, key=lambda r: (order.get(r.severity, 3), *_where(r), r.render())))


def _where(result: ShapeResult | QueryResult) -> tuple[str, int]:
    if result.location is None:
        return ("~", 0)  # unknown locations last
    return (result.location.file, result.location.line or 0)


def _local(term: rdflib.term.Node, namespace: str) -> str:
    text = str(term)
    return text[len(namespace) :] if text.startswith(namespace) else text


def _term(term: rdflib.term.Node, extra: Mapping[str, str] | None = None) -> str:
    if isinstance(term, rdflib.URIRef):
        return compact(str(term), extra)
    if isinstance(term, rdflib.Literal):
        lexical = _quote(str(term))
        if term.language:
            return f"{lexical}@{term.language}"
        if term.datatype is not None and str(term.datatype) != XSD + "string":
            return f"{lexical}^^{compact(str(term.datatype))}"
        return lexical
    return "[]"


def _quote(text: str) -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n").replace("\r", "\\r") + '"'


def _node(term: rdflib.term.Node, data: rdflib.Graph, depth: int = 0) -> str:
    """A node for people: our IRIs in full, others compact, blank nodes via who points at them."""
    if isinstance(term, rdflib.BNode):
        if depth < _BNODE_DEPTH:
            for subject, predicate in sorted(data.subject_predicates(term)):
                return f"[] (the {_term(predicate)} of {_node(subject, data, depth + 1)})"
        return "[]"
    if isinstance(term, rdflib.URIRef) and str(term).startswith(BASE + "id/"):
        return f"<{term}>"
    return _term(term)


def _path(path: rdflib.term.Node, *graphs: rdflib.Graph) -> str:
    """A SHACL property path in SPARQL-like syntax."""
    if not isinstance(path, rdflib.BNode):
        return _term(path)
    for graph in graphs:
        if (path, None, None) not in graph:
            continue
        if (path, RDF_NS.first, None) in graph:
            return "/".join(_path(p, *graphs) for p in Collection(graph, path))
        for predicate, template in (
            (SH_NS.inversePath, "^{}"),
            (SH_NS.zeroOrMorePath, "{}*"),
            (SH_NS.oneOrMorePath, "{}+"),
            (SH_NS.zeroOrOnePath, "{}?"),
        ):
            inner = graph.value(path, predicate)
            if inner is not None:
                return template.format(_path(inner, *graphs))
        alternatives = graph.value(path, SH_NS.alternativePath)
        if alternatives is not None:
            items = Collection(graph, alternatives)
            return "(" + "|".join(_path(p, *graphs) for p in items) + ")"
    return "[]"


def _shape(shape: rdflib.term.Node, shapes: rdflib.Graph, extra: Mapping[str, str]) -> str:
    if isinstance(shape, rdflib.BNode):
        parent = shapes.value(predicate=SH_NS.property, object=shape)
        if parent is not None:
            return f"shape {_term(parent, extra)}"
        return "shape []"
    return f"shape {_term(shape, extra)}"


def _locate(term: rdflib.term.Node, data: rdflib.Graph, content: Content) -> Location | None:
    for _ in range(_BNODE_DEPTH):
        if not isinstance(term, rdflib.BNode):
            break
        parents = sorted(data.subjects(None, term))
        if not parents:
            return None
        term = parents[0]
    if isinstance(term, rdflib.URIRef):
        return content.locate(str(term))
    return None


# --- violation queries -----------------------------------------------------------------------


def _violation_queries(content: Content) -> tuple[QueryResult, ...]:
    if not content.violation_queries:
        return ()
    store = ox.Store()
    store.extend(content.quads())
    out: list[QueryResult] = []
    for vq in content.violation_queries:
        solutions = store.query(vq.query, use_default_graph_as_union=True)
        variables = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            bindings = []
            location = None
            for var in variables:
                term = solution[var]
                if term is None:
                    continue
                bindings.append((var, _ox_term(term)))
                if location is None and isinstance(term, ox.NamedNode):
                    if term.value.startswith(BASE):
                        location = content.locate(term.value)
            rows.append(QueryResult(vq.path, vq.description, tuple(bindings), location))
        out += sorted(rows, key=lambda r: r.bindings)
    return tuple(out)


def _ox_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        if term.value.startswith(BASE + "id/"):
            return f"<{term.value}>"
        return compact(term.value)
    return str(term)
