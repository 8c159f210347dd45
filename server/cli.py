"""The ``kigraph`` command line: its arguments, and which function runs each command.

One ``_cmd_<name>(args) -> int`` function per command, registered in ``_COMMANDS`` with the
function that adds its arguments. Here: the commands that read (validate, info, query, queries,
run); :mod:`server.cli_store` has those that build, write out or serve the store (load, export,
serve); :mod:`server.cli_output` prints results; :mod:`server.cli_common` holds what they
share. The CLI calls the core, never HTTP.

Exit status (:mod:`server.cli_common`): 0 ok, 1 the content does not validate, 2 usage or
content errors (unreadable or unparsable files, bad arguments), 70 an internal error (a bug),
130 interrupted. Errors are printed as messages, never as tracebacks.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .cli_common import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    RESULT_FORMATS,
    check_result_format,
    data_argument,
    default_root,
    open_store,
    root_argument,
    store_argument,
)
from .cli_common import err as _err
from .cli_output import iri_argument, say_if_cut_by_limit, say_if_more_pages, write_result
from .cli_release import args_release, cmd_release
from .cli_store import args_export, args_load, args_serve, cmd_export, cmd_load, cmd_serve
from .errors import KGError, QuerySyntaxError

# --- validate --------------------------------------------------------------------------------


def _args_validate(parser: argparse.ArgumentParser) -> None:
    root_argument(parser)


def _cmd_validate(args: argparse.Namespace) -> int:
    from .validation import validate_root

    root = args.root or default_root()
    report = validate_root(root)
    sys.stdout.write(report.render())
    if report.problems:
        return EXIT_USAGE
    return EXIT_OK if report.ok else EXIT_INVALID


# --- info ------------------------------------------------------------------------------------


def _args_info(parser: argparse.ArgumentParser) -> None:
    store_argument(parser)
    data_argument(parser, "describe")


def _cmd_info(args: argparse.Namespace) -> int:
    store = open_store(args)
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


def _args_query(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", nargs="?", metavar="SPARQL", help="the query text")
    parser.add_argument("--file", "-f", type=Path, metavar="FILE", help="read the query from FILE")
    parser.add_argument(
        "--format",
        default="table",
        metavar="FORMAT",
        help=f"output format: {', '.join(RESULT_FORMATS)} (default: table; for CONSTRUCT and "
        "DESCRIBE, table means Turtle)",
    )
    store_argument(parser)
    data_argument(parser, "query")


def _cmd_query(args: argparse.Namespace) -> int:
    from .namespaces import PREFIXES

    if (args.query is None) == (args.file is None):
        _err("give the query as an argument or with --file, not both")
        return EXIT_USAGE
    check_result_format(args.format)
    if args.file is not None:
        try:
            text = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _err(f"{args.file}: cannot read: {getattr(exc, 'strerror', None) or exc}")
            return EXIT_USAGE
    else:
        text = args.query
    store = open_store(args)
    try:
        result = store.query(text, prefixes=PREFIXES)
    except QuerySyntaxError as error:
        _err(str(error))  # the whole message: it names the cause (server/syntax_hints.py)
        sys.stderr.write(_mark(text, error.line, error.column))
        return EXIT_USAGE
    status = write_result(result, args.format)
    say_if_cut_by_limit(text, lambda following: store.query(following, prefixes=PREFIXES))
    return status


def _mark(text: str, line: int | None, column: int | None) -> str:
    """The query with line numbers, and a caret under ``line``:``column`` (1-based); a position
    past the last line (the query ends too early) at the end of the last line."""
    from .syntax_hints import mark

    return mark(text, line, column)


# --- saved queries ---------------------------------------------------------------------------


def _args_queries(parser: argparse.ArgumentParser) -> None:
    root_argument(parser)
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
        help=f"output format: {', '.join(RESULT_FORMATS)} (default: table)",
    )
    root_argument(parser)
    store_argument(parser)
    data_argument(parser, "run the query over")


def _cmd_run(args: argparse.Namespace) -> int:
    from .queries import load_queries, prepare

    check_result_format(args.format)
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
    saved = queries.get(args.name)
    for param in saved.params if saved else ():
        if param.type in ("iri", "enum") and param.name in values:  # as the table prints them
            values[param.name] = [iri_argument(value) for value in values[param.name]]
    store = open_store(args)

    def enum_values(source) -> list[str]:
        return [row["value"].value for row in store.query(source.text)]

    prepared = prepare(queries, args.name, values, enum_values)
    result = store.query(prepared.text, substitutions=prepared.substitutions)
    status = write_result(result, args.format)
    if prepared.query.paginated:
        say_if_more_pages(store, queries, args.name, values, enum_values, prepared)
    return status


# --- registry --------------------------------------------------------------------------------

Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]

_COMMANDS: list[Command] = [
    ("validate", _args_validate, _cmd_validate),
    ("load", args_load, cmd_load),
    ("info", _args_info, _cmd_info),
    ("query", _args_query, _cmd_query),
    ("export", args_export, cmd_export),
    ("serve", args_serve, cmd_serve),
    ("queries", _args_queries, _cmd_queries),
    ("run", _args_run, _cmd_run),
    ("release", args_release, cmd_release),
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
    "release": "archive the curated graph as a numbered, dated release (releases/, CHANGELOG.md)",
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
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug of ours: say so in one line, not a traceback
        print(f"kigraph: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
