"""Read the repository's content directories and turn them into quads.

Pure: no Flask, no on-disk store. Conventions (see docs/development.md, "Layout"):

- ``ontology/kigraph.ttl`` → graph ``…/graph/ontology``; every other ``ontology/X.ttl`` →
  ``…/graph/X`` (so ``ontology/shapes.ttl`` → ``…/graph/shapes``).
- ``data/<name>.ttl`` → graph ``…/graph/<name>``, no provenance.
- ``data/<name>.trig`` → "source-blocked" TriG: the name of each graph block is the passage or
  document that states the triples inside it. Every triple goes into the one graph
  ``…/graph/<name>`` (deduplicated); each distinct triple is reified (RDF 1.1 ``rdf:Statement``)
  into ``…/graph/provenance`` as ``…/id/statement/<name>-<hash>`` with one
  ``prov:wasDerivedFrom <block>`` per block stating it and ``kg:assertedIn <…/graph/<name>>``.
  ``<hash>`` is the first 16 hex digits of the SHA-256 of the triple's N-Triples line
  (``<s> <p> <o> .`` plus a newline, UTF-8). Triples in the file's default graph go into
  ``…/graph/<name>`` without provenance. Blank nodes are an error in ``.trig`` files.
- ``ontology/violations/*.rq``: SPARQL SELECT queries that must return no rows; their leading
  ``#`` comment lines describe them.
- ``releases/releases.ttl`` (written by ``kigraph release``) is not a graph of its own: it goes
  into the dataset description at load time, and its bytes count towards the data version.
- Relative IRIs resolve against ``https://w3id.org/kigraph/``. ``*.md`` files and dotfiles are
  ignored; anything else unexpected is an error.

All problems of all files are collected and raised together as one :class:`ContentError`.
Output is deterministic: quads are sorted and blank nodes of ``.ttl`` files are relabelled in
order of appearance, so loading the same files twice gives the same quads.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pyoxigraph as ox

from .errors import ContentError, Problem
from .namespaces import BASE, GRAPH, KG, PROV, RDF, STATEMENT

ONTOLOGY_DIR = "ontology"
RELEASE_RECORDS = "releases/releases.ttl"
DATA_DIR = "data"
VIOLATIONS_DIR = "violations"
ONTOLOGY_FILE = "kigraph.ttl"

ONTOLOGY_GRAPH = GRAPH + "ontology"
SHAPES_GRAPH = GRAPH + "shapes"
PROVENANCE_GRAPH = GRAPH + "provenance"

#: graph names no data file may take (they are generated or belong to ontology/)
RESERVED_NAMES = frozenset({"provenance"})
IGNORED_SUFFIXES = frozenset({".md"})
GRAPH_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

_RDF_TYPE = ox.NamedNode(RDF + "type")
_RDF_STATEMENT = ox.NamedNode(RDF + "Statement")
_RDF_SUBJECT = ox.NamedNode(RDF + "subject")
_RDF_PREDICATE = ox.NamedNode(RDF + "predicate")
_RDF_OBJECT = ox.NamedNode(RDF + "object")
_PROV_DERIVED = ox.NamedNode(PROV + "wasDerivedFrom")
_KG_ASSERTED_IN = ox.NamedNode(KG + "assertedIn")

_PARSER_PREFIX = re.compile(r"^Parser error (?:at|between) .*?: ")


@dataclass(frozen=True)
class SourceFile:
    """One parsed input file: where it went and what it mentions (to locate problems)."""

    path: str  # relative to the root, POSIX separators
    graph: str  # IRI of the named graph its triples went into
    prefixes: Mapping[str, str]
    lines: tuple[str, ...]
    subjects: frozenset[str]  # IRIs used as subject
    iris: frozenset[str]  # IRIs used anywhere (subject, predicate, object, block name)


@dataclass(frozen=True)
class ViolationQuery:
    """A SPARQL SELECT query that must return no rows."""

    path: str  # relative to the root
    name: str  # file stem
    description: str
    query: str


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True, eq=False)
class Content:
    """Everything the repository's content directories say, as quads."""

    root: Path
    graphs: Mapping[str, tuple[ox.Quad, ...]]  # graph IRI -> sorted quads
    files: tuple[SourceFile, ...]
    violation_queries: tuple[ViolationQuery, ...]
    version: str  # sha256 over the sorted input file paths and bytes
    release_records: bytes | None = None  # releases/releases.ttl, for the dataset description

    def quads(self, graphs: Iterable[str] | None = None) -> Iterator[ox.Quad]:
        """All quads (of the given graphs), graph by graph in sorted order."""
        names = sorted(self.graphs) if graphs is None else list(graphs)
        for name in names:
            yield from self.graphs.get(name, ())

    def triples(self, graphs: Iterable[str] | None = None) -> Iterator[ox.Triple]:
        for quad in self.quads(graphs):
            yield quad.triple

    def __len__(self) -> int:
        return sum(len(quads) for quads in self.graphs.values())

    def locate(self, iri: str) -> Location | None:
        """Where ``iri`` is described (or else mentioned): file and line where found."""
        files = [f for f in self.files if iri in f.subjects] or [
            f for f in self.files if iri in f.iris
        ]
        if not files:
            return None
        source = files[0]
        return Location(source.path, _find_line(source, iri))


def load_content(root: Path | str) -> Content:
    """Parse ``root/ontology`` and ``root/data``; raise :class:`ContentError` on any problem."""
    root = Path(root)
    problems: list[Problem] = []
    ontology_dir = root / ONTOLOGY_DIR
    data_dir = root / DATA_DIR
    if not ontology_dir.is_dir():
        raise ContentError([Problem(str(ontology_dir), None, None, "no such directory")])
    if not (ontology_dir / ONTOLOGY_FILE).is_file():
        problems.append(
            Problem(f"{ONTOLOGY_DIR}/{ONTOLOGY_FILE}", None, None, "the ontology file is missing")
        )

    # (relative path, absolute path, graph name, format)
    plan: list[tuple[str, Path, str, ox.RdfFormat]] = []
    for path in _entries(ontology_dir, problems, root, subdirs={VIOLATIONS_DIR}):
        rel = _rel(path, root)
        if path.suffix == ".ttl":
            name = "ontology" if path.name == ONTOLOGY_FILE else path.stem
            plan.append((rel, path, name, ox.RdfFormat.TURTLE))
        else:
            problems.append(Problem(rel, None, None, "unknown file type in ontology/ (use .ttl)"))
    if data_dir.is_dir():
        for path in _entries(data_dir, problems, root):
            rel = _rel(path, root)
            if path.suffix == ".ttl":
                plan.append((rel, path, path.stem, ox.RdfFormat.TURTLE))
            elif path.suffix == ".trig":
                plan.append((rel, path, path.stem, ox.RdfFormat.TRIG))
            else:
                problems.append(
                    Problem(rel, None, None, "unknown file type in data/ (use .ttl or .trig)")
                )

    owners: dict[str, str] = {}
    for rel, _, name, _ in plan:
        if not GRAPH_NAME.match(name):
            problems.append(Problem(rel, None, None, f"{name!r} is not a usable graph name"))
        elif name in RESERVED_NAMES:
            problems.append(Problem(rel, None, None, f"graph name {name!r} is reserved"))
        elif name in owners:
            problems.append(
                Problem(
                    rel, None, None, f"graph …/graph/{name} is already made from {owners[name]}"
                )
            )
        else:
            owners[name] = rel

    graphs: dict[str, set[ox.Quad]] = {}
    files: list[SourceFile] = []
    hashed: list[tuple[str, bytes]] = []
    for rel, path, name, fmt in plan:
        data = _read(path, rel, problems)
        if data is None:
            continue
        hashed.append((rel, data))
        graph = GRAPH + name
        try:
            parser = ox.parse(data, format=fmt, base_iri=BASE)
            quads = list(parser)
            prefixes = dict(parser.prefixes)
        except SyntaxError as exc:
            problems.append(_syntax_problem(rel, exc))
            continue
        except (ValueError, OSError) as exc:
            problems.append(Problem(rel, None, None, str(exc)))
            continue
        source = _source_file(rel, graph, prefixes, data, quads)
        if fmt == ox.RdfFormat.TRIG:
            produced = _source_blocked(source, name, quads, problems)
        else:
            produced = _relabelled(rel, graph, quads)
        for quad in produced:
            graphs.setdefault(quad.graph_name.value, set()).add(quad)
        files.append(source)

    violations = load_violation_queries(root, problems, hashed)
    if problems:
        raise ContentError(problems)
    # the release records are part of what a load describes (server/releases.py)
    releases = root / RELEASE_RECORDS
    release_records = releases.read_bytes() if releases.is_file() else None
    if release_records is not None:
        hashed.append((RELEASE_RECORDS, release_records))

    digest = hashlib.sha256()
    for rel, data in sorted(hashed):
        encoded = rel.encode()
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
        digest.update(len(data).to_bytes(8, "big") + data)

    return Content(
        root=root,
        graphs=MappingProxyType(
            {g: tuple(sorted(quads, key=str)) for g, quads in sorted(graphs.items())}
        ),
        files=tuple(sorted(files, key=lambda f: f.path)),
        violation_queries=violations,
        version=digest.hexdigest(),
        release_records=release_records,
    )


def load_violation_queries(
    root: Path | str,
    problems: list[Problem] | None = None,
    hashed: list[tuple[str, bytes]] | None = None,
) -> tuple[ViolationQuery, ...]:
    """Read ``ontology/violations/*.rq``; check each is a SPARQL SELECT query that parses.

    Problems are appended to ``problems`` if given, else raised as :class:`ContentError`.
    """
    root = Path(root)
    own = problems is None
    problems = [] if problems is None else problems
    directory = root / ONTOLOGY_DIR / VIOLATIONS_DIR
    queries: list[ViolationQuery] = []
    if directory.is_dir():
        probe = ox.Store()
        for path in _entries(directory, problems, root):
            rel = _rel(path, root)
            if path.suffix != ".rq":
                problems.append(Problem(rel, None, None, "unknown file type (use .rq)"))
                continue
            data = _read(path, rel, problems)
            if data is None:
                continue
            if hashed is not None:
                hashed.append((rel, data))
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(Problem(rel, None, None, f"not UTF-8: {exc}"))
                continue
            try:
                result = probe.query(text)
            except SyntaxError as exc:
                match = re.match(r"^error at (\d+):(\d+): ?(.*)$", str(exc.msg or exc), re.S)
                if match:
                    problems.append(
                        Problem(rel, int(match.group(1)), int(match.group(2)), match.group(3))
                    )
                else:
                    problems.append(Problem(rel, None, None, str(exc)))
                continue
            if not isinstance(result, ox.QuerySolutions):
                problems.append(Problem(rel, None, None, "not a SELECT query"))
                continue
            queries.append(ViolationQuery(rel, path.stem, _description(text), text))
    if own and problems:
        raise ContentError(problems)
    return tuple(queries)


def statement_iri(name: str, triple: ox.Triple) -> str:
    """``…/id/statement/<name>-<16 hex of sha256(N-Triples line)>``."""
    line = f"{triple} .\n".encode()
    return f"{STATEMENT}{name}-{hashlib.sha256(line).hexdigest()[:16]}"


# --- helpers ---------------------------------------------------------------------------------


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _entries(
    directory: Path, problems: list[Problem], root: Path, subdirs: Collection[str] = ()
) -> list[Path]:
    """Regular files of ``directory`` (sorted); unexpected subdirectories are problems."""
    try:
        children = sorted(directory.iterdir())
    except OSError as exc:
        problems.append(Problem(_rel(directory, root), None, None, f"cannot list: {exc}"))
        return []
    result = []
    for child in children:
        if child.name.startswith(".") or child.suffix in IGNORED_SUFFIXES:
            continue
        if child.is_dir():
            if child.name not in subdirs:
                problems.append(Problem(_rel(child, root), None, None, "unexpected directory"))
            continue
        result.append(child)
    return result


def _read(path: Path, rel: str, problems: list[Problem]) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        problems.append(Problem(rel, None, None, f"cannot read: {exc.strerror or exc}"))
        return None


def _syntax_problem(rel: str, exc: SyntaxError) -> Problem:
    message = _PARSER_PREFIX.sub("", str(exc.msg or exc))
    return Problem(rel, exc.lineno, exc.offset, message)


def _relabelled(rel: str, graph: str, quads: list[ox.Quad]) -> list[ox.Quad]:
    """Quads of a Turtle file into ``graph``; blank nodes renamed by order of appearance."""
    prefix = re.sub(r"[^A-Za-z0-9]", "_", rel.rsplit(".", 1)[0]) + "_b"
    labels: dict[str, ox.BlankNode] = {}

    def term(t):
        if isinstance(t, ox.BlankNode):
            if t.value not in labels:
                labels[t.value] = ox.BlankNode(f"{prefix}{len(labels) + 1}")
            return labels[t.value]
        return t

    g = ox.NamedNode(graph)
    return [ox.Quad(term(q.subject), q.predicate, term(q.object), g) for q in quads]


def _source_blocked(
    source: SourceFile, name: str, quads: list[ox.Quad], problems: list[Problem]
) -> list[ox.Quad]:
    """The data graph and provenance quads of one source-blocked TriG file."""
    graph = ox.NamedNode(GRAPH + name)
    provenance = ox.NamedNode(PROVENANCE_GRAPH)
    blocks: dict[ox.Triple, set[ox.NamedNode]] = {}
    blank: list[ox.Quad] = []
    out: list[ox.Quad] = []
    for quad in quads:
        if any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object, quad.graph_name)):
            blank.append(quad)
            continue
        triple = quad.triple
        out.append(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
        if isinstance(quad.graph_name, ox.NamedNode):
            blocks.setdefault(triple, set()).add(quad.graph_name)
    if blank:
        # show (and find the line of) a named node that leads to a blank node, if any
        first = next((q for q in blank if isinstance(q.subject, ox.NamedNode)), blank[0])
        line = None
        if isinstance(first.subject, ox.NamedNode):
            line = _find_line(source, first.subject.value)
        shown = " ".join(
            "[]" if isinstance(t, ox.BlankNode) else str(t)
            for t in (first.subject, first.predicate, first.object)
        )
        problems.append(
            Problem(
                source.path,
                line,
                None,
                f"{len(blank)} triple(s) with blank nodes, e.g. {shown}: source-blocked TriG "
                f"needs IRIs (blank nodes cannot be reified deterministically)",
            )
        )
        return []
    seen: dict[str, ox.Triple] = {}
    for triple, sources in blocks.items():
        iri = statement_iri(name, triple)
        if iri in seen and seen[iri] != triple:  # pragma: no cover - 64-bit collision
            problems.append(Problem(source.path, None, None, f"statement hash collision: {iri}"))
            continue
        seen[iri] = triple
        st = ox.NamedNode(iri)
        out += [
            ox.Quad(st, _RDF_TYPE, _RDF_STATEMENT, provenance),
            ox.Quad(st, _RDF_SUBJECT, triple.subject, provenance),
            ox.Quad(st, _RDF_PREDICATE, triple.predicate, provenance),
            ox.Quad(st, _RDF_OBJECT, triple.object, provenance),
            ox.Quad(st, _KG_ASSERTED_IN, graph, provenance),
        ]
        out += [ox.Quad(st, _PROV_DERIVED, source, provenance) for source in sources]
    return out


def _source_file(
    rel: str, graph: str, prefixes: dict[str, str], data: bytes, quads: list[ox.Quad]
) -> SourceFile:
    subjects = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
    iris = set(subjects)
    for q in quads:
        for t in (q.predicate, q.object, q.graph_name):
            if isinstance(t, ox.NamedNode):
                iris.add(t.value)
    return SourceFile(
        path=rel,
        graph=graph,
        prefixes=MappingProxyType(prefixes),
        lines=tuple(data.decode("utf-8", errors="replace").splitlines()),
        subjects=frozenset(subjects),
        iris=frozenset(iris),
    )


def _find_line(source: SourceFile, iri: str) -> int | None:
    """First line where ``iri`` starts a statement (else: appears at all), 1-based."""
    forms = [re.escape(f"<{iri}>")]
    if iri.startswith(BASE):
        forms.append(re.escape(f"<{iri[len(BASE) :]}>"))
    for prefix, namespace in source.prefixes.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            local = re.escape(iri[len(namespace) :])
            forms.append(rf"(?<![\w:.-]){re.escape(prefix)}:{local}(?![\w:-]|\.\w)")
    token = "(?:" + "|".join(forms) + ")"
    starts = re.compile(rf"^\s*(?:GRAPH\s+)?{token}")
    anywhere = re.compile(token)
    for pattern in (starts, anywhere):
        for number, line in enumerate(source.lines, 1):
            if pattern.search(line):
                return number
    return None


def _description(text: str) -> str:
    """The leading ``#`` comment lines of a query, joined."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped and not lines:
            continue
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#").strip())
    return " ".join(part for part in lines if part)
