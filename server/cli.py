"""The ``kigraph`` command line.

One ``_cmd_<name>(args) -> int`` function per command, registered in ``_COMMANDS`` with the
function that adds its arguments. The CLI calls the core (``server.content``,
``server.validation``, later ``server.store``), never HTTP.

Exit status: 0 ok, 1 the content does not validate, 2 usage or content errors (unreadable or
unparsable files, bad arguments), 70 an internal error (a bug). Errors are printed as messages,
never as tracebacks.

Commands: validate, load, info, query, export, serve (later: run, queries).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .errors import KGError, QuerySyntaxError, UnknownFormat, ValidationFailed

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE


def default_root() -> Path:
    """The repository root: the working directory if it has ontology/ and data/, else the
    directory that holds the ``server`` package."""
    cwd = Path.cwd()
    if (cwd / "ontology").is_dir() and (cwd / "data").is_dir():
        return cwd
    return Path(__file__).resolve().parent.parent


def _root_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        metavar="DIR",
        help="repository root holding ontology/ and data/ "
        "(default: the working directory if it has both, else the installed checkout)",
    )


# --- validate --------------------------------------------------------------------------------


def _args_validate(parser: argparse.ArgumentParser) -> None:
    _root_argument(parser)


def _cmd_validate(args: argparse.Namespace) -> int:
    from .validation import validate_root

    root = args.root or default_root()
    report = validate_root(root)
    sys.stdout.write(report.render())
    if report.problems:
        return EXIT_USAGE
    return EXIT_OK if report.ok else EXIT_INVALID


# --- shared ----------------------------------------------------------------------------------


def _store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        metavar="DIR",
        help="the store (default: $KIGRAPH_STORE, else var/store in the checkout)",
    )


def _settings(args: argparse.Namespace, **overrides: object):
    """Settings from KIGRAPH_* variables and the command's arguments."""
    import os

    from .settings import load_settings

    values: dict[str, object] = {"store": getattr(args, "store", None), **overrides}
    root = getattr(args, "root", None)
    if root is None and "KIGRAPH_ROOT" not in os.environ:
        root = default_root()
    values["root"] = root
    return load_settings(values)


def _open_store(args: argparse.Namespace):
    from .store import GraphStore

    data = getattr(args, "data", None)
    if data:
        return GraphStore.from_files(data)
    return GraphStore.open(_settings(args).store)


def _err(message: str) -> None:
    print(f"kigraph: {message}", file=sys.stderr)


# --- load ------------------------------------------------------------------------------------


def _args_load(parser: argparse.ArgumentParser) -> None:
    _root_argument(parser)
    _store_argument(parser)
    parser.add_argument(
        "--add",
        type=Path,
        nargs="+",
        default=[],
        metavar="FILE",
        help="also stream these RDF files (.nt .nq .ttl …, optionally .gz) into the store, "
        "each into the graph …/graph/added/<file stem>",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar for --add files"
    )
    parser.add_argument(
        "--push",
        nargs="?",
        const="",
        default=None,
        metavar="BACKEND",
        help="then PUT every named graph into a remote store (Graph Store Protocol): "
        "sparql+http://host:port/query[#store=…] (default: $KIGRAPH_BACKEND)",
    )


def _cmd_load(args: argparse.Namespace) -> int:
    from .build import build

    settings = _settings(args)
    progress = bool(args.add) and not args.no_progress
    try:
        result = build(
            settings.root,
            settings.store,
            add=args.add,
            progress=progress,
            log=lambda message: print(f"kigraph load: {message}", file=sys.stderr),
        )
    except ValidationFailed as error:
        sys.stdout.write(error.report.render())
        _err(f"refused to load: the graph does not validate; {settings.store} is unchanged")
        return EXIT_INVALID
    store = result.store
    graphs = store.graphs()
    print(
        f"kigraph load: {sum(n for _, n in graphs):,} triples in {len(graphs)} graphs "
        f"→ {store.path} ({store.location.name}), data version {store.data_version[:12]}, "
        f"{result.seconds:.1f} s"
    )
    for added in result.added:
        print(
            f"  {added.path}: {added.triples:,} triples → <{added.graph}> in "
            f"{added.seconds:.1f} s, {added.rate:,.0f} triples/s"
        )
    if args.push is not None:
        from .remote import RemoteStore

        target = args.push or settings.backend
        if target == "embedded":
            _err("--push needs a remote store: --push sparql+http://… or KIGRAPH_BACKEND")
            return EXIT_USAGE
        remote = RemoteStore(target, timeout=settings.query_timeout)
        remote.push(store, log=lambda message: print(f"kigraph load: {message}", file=sys.stderr))
        print(f"kigraph load: pushed {len(graphs)} graphs to {remote.endpoints.store}")
    # the downloads are made here, once per data version, not per request
    from .dumps import directory_for, ensure_dumps, ensure_graph_exports

    directory = directory_for(store, settings)
    # the network exports come from the saved query cooperation-network, if the root has it
    if (Path(settings.root) / "queries" / "cooperation-network.rq").exists():
        written = ensure_graph_exports(store, directory, settings.root)
    else:
        written = ensure_dumps(store, directory)
    print(f"kigraph load: {len(written)} download files in {directory}")
    return EXIT_OK


# --- info ------------------------------------------------------------------------------------


def _data_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        nargs="+",
        metavar="FILE",
        help=f"{what} these RDF files, not the store",
    )


def _args_info(parser: argparse.ArgumentParser) -> None:
    _store_argument(parser)
    _data_argument(parser, "describe")


def _cmd_info(args: argparse.Namespace) -> int:
    store = _open_store(args)
    graphs = store.graphs()
    print(f"store:        {store.path}" + (f" → {store.location}" if store.location else ""))
    print(f"data version: {store.data_version}")
    if store.modified:
        print(f"modified:     {store.modified}")
    total = sum(n for _, n in graphs)
    print(f"graphs:       {len(graphs)}, {total:,} triples")
    width = max((len(g) for g, _ in graphs), default=0)
    for graph, count in graphs:
        print(f"  {graph:<{width}}  {count:>10,}")
    return EXIT_OK


# --- query -----------------------------------------------------------------------------------

_RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml", "ttl", "nt", "jsonld")


def _args_query(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", nargs="?", metavar="SPARQL", help="the query text")
    parser.add_argument("--file", "-f", type=Path, metavar="FILE", help="read the query from FILE")
    parser.add_argument(
        "--format",
        default="table",
        metavar="FORMAT",
        help=f"output format: {', '.join(_RESULT_FORMATS)} (default: table; for CONSTRUCT and "
        "DESCRIBE, table means Turtle)",
    )
    _store_argument(parser)
    _data_argument(parser, "query")


def _cmd_query(args: argparse.Namespace) -> int:
    from .namespaces import PREFIXES

    if (args.query is None) == (args.file is None):
        _err("give the query as an argument or with --file, not both")
        return EXIT_USAGE
    if args.format not in _RESULT_FORMATS:
        raise UnknownFormat(
            f"unknown format {args.format!r} (use one of: {', '.join(_RESULT_FORMATS)})"
        )
    if args.file is not None:
        try:
            text = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _err(f"{args.file}: cannot read: {getattr(exc, 'strerror', None) or exc}")
            return EXIT_USAGE
    else:
        text = args.query
    store = _open_store(args)
    try:
        result = store.query(text, prefixes=PREFIXES)
    except QuerySyntaxError as error:
        _err(str(error))  # the whole message: it names the cause (server/syntax_hints.py)
        sys.stderr.write(_mark(text, error.line, error.column))
        return EXIT_USAGE
    return _write_result(result, args.format)


def _write_result(result, fmt: str) -> int:
    """Print a query result in ``fmt`` (table, csv, tsv, json, xml, ttl, nt, jsonld)."""
    import pyoxigraph as ox

    from .namespaces import PREFIXES

    out = sys.stdout.buffer
    if not isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
        rdf = {
            "table": ox.RdfFormat.TURTLE,
            "ttl": ox.RdfFormat.TURTLE,
            "nt": ox.RdfFormat.N_TRIPLES,
            "jsonld": ox.RdfFormat.JSON_LD,
        }
        if fmt not in rdf:
            raise UnknownFormat(
                f"--format {fmt} is for SELECT/ASK; a graph result takes table, ttl, nt or jsonld"
            )
        prefixes = dict(PREFIXES) if rdf[fmt] == ox.RdfFormat.TURTLE else None
        out.write(ox.serialize(result, None, rdf[fmt], prefixes=prefixes))
        return EXIT_OK
    if fmt in ("ttl", "nt", "jsonld"):
        raise UnknownFormat(
            f"--format {fmt} is for CONSTRUCT/DESCRIBE; use table, csv, tsv, json or xml"
        )
    if fmt == "table":
        if isinstance(result, ox.QueryBoolean):
            print("true" if bool(result) else "false")
        else:
            sys.stdout.write(_table(result))
        return EXIT_OK
    formats = {
        "csv": ox.QueryResultsFormat.CSV,
        "tsv": ox.QueryResultsFormat.TSV,
        "json": ox.QueryResultsFormat.JSON,
        "xml": ox.QueryResultsFormat.XML,
    }
    out.write(result.serialize(format=formats[fmt]))
    if fmt in ("json", "xml"):
        out.write(b"\n")
    return EXIT_OK


def _mark(text: str, line: int | None, column: int | None) -> str:
    """The query with line numbers, and a caret under ``line``:``column`` (1-based); a position
    past the last line (the query ends too early) at the end of the last line."""
    from .syntax_hints import mark

    return mark(text, line, column)


def _cell(term) -> str:
    import pyoxigraph as ox

    from .namespaces import ID, XSD, compact

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        shown = compact(term.value)
        if shown.startswith("<") and term.value.startswith(ID):
            return "id:" + term.value[len(ID) :]
        return shown
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        value = term.value.replace("\n", "\\n")
        if len(value) > 80:
            value = value[:79] + "…"
        if term.language:
            return f'"{value}"@{term.language}'
        datatype = term.datatype.value
        if datatype == XSD + "string":
            return f'"{value}"'
        if datatype in {XSD + "integer", XSD + "decimal", XSD + "double", XSD + "boolean"}:
            return value
        return f'"{value}"^^{compact(datatype)}'
    return str(term)


def _table(solutions) -> str:
    """Aligned columns, compact IRIs, a row count."""
    variables = [v.value for v in solutions.variables]
    rows = [[_cell(solution[v]) for v in variables] for solution in solutions]
    widths = [max([len(v) + 1, *(len(r[i]) for r in rows)]) for i, v in enumerate(variables)]
    lines = [
        "  ".join(f"?{v}".ljust(w) for v, w in zip(variables, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


# --- saved queries ---------------------------------------------------------------------------


def _args_queries(parser: argparse.ArgumentParser) -> None:
    _root_argument(parser)
    parser.add_argument("--lang", choices=("de", "en"), default="en", help="language of titles")


def _cmd_queries(args: argparse.Namespace) -> int:
    from .queries import load_queries

    queries = load_queries(args.root or default_root())
    width = max((len(name) for name in queries), default=0)
    for name, query in sorted(queries.items()):
        params = " ".join(f"{p.name}={p.type}{'' if p.required else '?'}" for p in query.params)
        print(f"{name:<{width}}  {query.kind:<9} {query.title[args.lang]}")
        if params:
            print(f"{'':<{width}}  {'':<9} params: {params}")
    return EXIT_OK


def _args_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the saved query (file name in queries/ without .rq)")
    parser.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter value (repeatable)",
    )
    parser.add_argument("--page", default=None, help="page number (SELECT queries)")
    parser.add_argument("--per-page", default=None, help="rows per page")
    parser.add_argument(
        "--format",
        default="table",
        help=f"output format: {', '.join(_RESULT_FORMATS)} (default: table)",
    )
    _root_argument(parser)
    _store_argument(parser)
    _data_argument(parser, "run the query over")


def _cmd_run(args: argparse.Namespace) -> int:
    from .queries import load_queries, prepare

    if args.format not in _RESULT_FORMATS:
        raise UnknownFormat(
            f"unknown format {args.format!r} (use one of: {', '.join(_RESULT_FORMATS)})"
        )
    values: dict[str, list[str]] = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name:
            _err(f"--param {item!r}: expected NAME=VALUE")
            return EXIT_USAGE
        values.setdefault(name, []).append(value)
    for name, given in (("page", args.page), ("per_page", args.per_page)):
        if given is not None:
            values[name] = [given]
    queries = load_queries(args.root or default_root())
    store = _open_store(args)

    def enum_values(source) -> list[str]:
        return [row["value"].value for row in store.query(source.text)]

    prepared = prepare(queries, args.name, values, enum_values)
    result = store.query(prepared.text, substitutions=prepared.substitutions)
    status = _write_result(result, args.format)
    if prepared.query.paginated:
        _say_if_more(store, queries, args.name, values, enum_values, prepared)
    return status


def _say_if_more(store, queries, name, values, enum_values, prepared) -> None:
    """On stderr: this is one page, and how to get the next (if there is one)."""
    from .queries import prepare

    following = prepare(queries, name, {**values, "page": [str(prepared.page + 1)]}, enum_values)
    rows = store.query(following.text, substitutions=following.substitutions)
    if next(iter(rows), None) is not None:
        _err(
            f"page {prepared.page} ({prepared.per_page} rows per page); more rows follow: "
            f"add --page {prepared.page + 1}, or --per-page N for larger pages"
        )


# --- export ----------------------------------------------------------------------------------


def _args_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        default="trig",
        metavar="FORMAT",
        help="trig (default), nq, ttl, nt, jsonld, rdf; or, for graph tools, the cooperation "
        "network as graphml, gexf (1.3), cytoscape (Cytoscape.js JSON) or csv (Neo4j "
        "admin-import nodes + relationships: -o DIR, or -o NAME for NAME-nodes.csv and "
        "NAME-relationships.csv)",
    )
    parser.add_argument(
        "--graph",
        metavar="IRI",
        help="only this named graph (a full IRI, or a name such as 'article' for …/graph/article)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE, not stdout"
    )
    _store_argument(parser)
    _data_argument(parser, "export")


def _cmd_export(args: argparse.Namespace) -> int:
    from . import exports
    from .formats import rdf_format_for
    from .namespaces import GRAPH

    if args.format in exports.FORMATS:
        return _export_network(args)
    rdf_format_for(args.format)  # unknown format: fail before opening anything
    graph = args.graph
    if graph is not None and ":" not in graph:
        graph = GRAPH + graph
    store = _open_store(args)
    if args.output is None:
        store.serialize(args.format, graph, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return EXIT_OK
    tmp = args.output.with_name(f".{args.output.name}.tmp")
    try:
        with open(tmp, "wb") as handle:
            store.serialize(args.format, graph, handle)
        tmp.replace(args.output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _err(f"{args.output}: cannot write: {exc.strerror or exc}")
        return EXIT_USAGE
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return EXIT_OK


def _export_network(args: argparse.Namespace) -> int:
    """``kigraph export --format graphml|gexf|cytoscape|csv``: the cooperation network."""
    from . import exports

    if args.graph is not None:
        _err("--graph does not apply to the network formats (they export cooperation-network)")
        return EXIT_USAGE
    if args.format == "csv" and args.output is None:
        _err("--format csv writes two files: give -o DIR or -o NAME")
        return EXIT_USAGE
    store = _open_store(args)
    files = exports.render(exports.network(store, _settings(args).root), args.format)
    if args.output is None:
        (body,) = files.values()
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return EXIT_OK
    if args.format == "csv":
        nodes, rels = exports.csv_paths(args.output)
        targets = {"-nodes.csv": nodes, "-relationships.csv": rels}
    else:
        targets = {suffix: args.output for suffix in files}
    for suffix, body in files.items():
        target = targets[suffix]
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            tmp.write_bytes(body)
            tmp.replace(target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            _err(f"{target}: cannot write: {exc.strerror or exc}")
            return EXIT_USAGE
    return EXIT_OK


# --- serve -----------------------------------------------------------------------------------


def _args_serve(parser: argparse.ArgumentParser) -> None:
    _root_argument(parser)
    _store_argument(parser)
    parser.add_argument("--host", metavar="HOST", help="interface (default: 127.0.0.1)")
    parser.add_argument("--port", type=_port, metavar="PORT", help="port (default: 8000)")
    parser.add_argument(
        "--verbose", action="store_true", help="the HTTP server's own log lines too"
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="query worker processes (default: twice the CPU cores)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="serve these RDF files (Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD, by "
        "extension) instead of the curated graph",
    )


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:  # 0: any free port
        raise argparse.ArgumentTypeError(f"{port} is not a port (0-65535)")
    return port


def _cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(
        args,
        host=args.host,
        port=args.port,
        query_workers=args.workers,
        data_files=tuple(args.data) if args.data else None,
    )
    from .serving import run_server

    try:
        result = run_server(settings, verbose=args.verbose)  # builds the store first if missing
    except ValidationFailed as error:
        sys.stdout.write(error.report.render())
        _err("cannot serve: the graph does not validate")
        return EXIT_INVALID
    return int(result or 0)


# --- registry --------------------------------------------------------------------------------

Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]

_COMMANDS: list[Command] = [
    ("validate", _args_validate, _cmd_validate),
    ("load", _args_load, _cmd_load),
    ("info", _args_info, _cmd_info),
    ("query", _args_query, _cmd_query),
    ("export", _args_export, _cmd_export),
    ("serve", _args_serve, _cmd_serve),
    ("queries", _args_queries, _cmd_queries),
    ("run", _args_run, _cmd_run),
]

_HELP = {
    "queries": "list the saved queries in queries/ with their parameters",
    "run": "run a saved query with typed parameters (--param name=value)",
    "validate": "parse ontology/ and data/, check the SHACL shapes and the violation queries",
    "load": "validate, then build the store in a fresh directory and swap it in atomically",
    "info": "the store's graphs, triple counts, data version and path",
    "query": "run a SPARQL query against the store",
    "export": "write the whole dataset or one graph as RDF",
    "serve": "serve the store (building it first if there is none) or --data files",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kigraph",
        description="KI-Graph: a linked-open-data knowledge graph of AI cooperations.",
    )
    parser.add_argument("--version", action="version", version=f"kigraph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, add_arguments, run in _COMMANDS:
        help_text = _HELP.get(name)
        command = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(command)
        command.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on usage errors
    try:
        return args.run(args)
    except KGError as error:
        print(f"kigraph: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader went away (`kigraph … | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("kigraph: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of ours: say so in one line, not a traceback
        print(f"kigraph: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
