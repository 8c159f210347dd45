"""The ``kigraph`` commands that build, write out or serve the store: load, export, serve.

``load`` says what it does while it does it: a line on stderr as each phase ends (parsed,
validated, stored, inferred, each ``--add`` file, described, swapped in, pushed, downloads
written), and at the end, on stdout, what is where and the time of the whole command.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .cli_common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    data_argument,
    err,
    open_store,
    root_argument,
    settings_for,
    store_argument,
)
from .errors import ValidationFailed

# --- load ------------------------------------------------------------------------------------


def args_load(parser: argparse.ArgumentParser) -> None:
    root_argument(parser)
    store_argument(parser)
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


def _say_load(message: str) -> None:
    print(f"kigraph load: {message}", file=sys.stderr, flush=True)


def cmd_load(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    from .build import build

    settings = settings_for(args)
    if args.push is not None and (args.push or settings.backend) == "embedded":
        err("--push needs a remote store: --push sparql+http://… or KIGRAPH_BACKEND")
        return EXIT_USAGE
    progress = bool(args.add) and not args.no_progress
    try:
        result = build(
            settings.root, settings.store, add=args.add, progress=progress, log=_say_load
        )
    except ValidationFailed as error:
        sys.stdout.write(error.report.render())
        err(f"refused to load: the graph does not validate; {settings.store} is unchanged")
        return EXIT_INVALID
    store = result.store
    graphs = store.graphs()
    if args.push is not None:
        from .remote import RemoteStore

        phase = time.perf_counter()
        remote = RemoteStore(args.push or settings.backend, timeout=settings.query_timeout)
        remote.push(store, log=_say_load)
        _say_load(
            f"pushed {len(graphs)} graphs to {remote.endpoints.store} "
            f"({time.perf_counter() - phase:.1f} s)"
        )
    downloads = _write_downloads(store, settings)
    print(
        f"kigraph load: {sum(n for _, n in graphs):,} triples in {len(graphs)} graphs "
        f"→ {store.path} ({store.location.name}), data version {store.data_version[:12]}"
    )
    for added in result.added:
        print(
            f"  {added.path}: {added.triples:,} triples → <{added.graph}> in "
            f"{added.seconds:.1f} s, {added.rate:,.0f} triples/s"
        )
    if args.push is not None:
        print(f"kigraph load: pushed {len(graphs)} graphs to {remote.endpoints.store}")
    if downloads:
        print(f"kigraph load: {len(downloads)} download files in {downloads[0].path.parent}:")
    for dump in downloads:
        print(f"  {dump.name} ({_size(dump.size)})")
    print(f"kigraph load: done, {time.perf_counter() - started:.1f} s in all")
    return EXIT_OK


def _write_downloads(store, settings) -> list:
    """The downloads of this data version (made here, once per version, not per request)."""
    from .dumps import (
        CATALOGUE,
        directory_for,
        ensure_catalogue,
        ensure_dumps,
        ensure_graph_exports,
    )

    directory = directory_for(store, settings)
    before = {p.name for p in directory.iterdir()} if directory.is_dir() else set()
    phase = time.perf_counter()
    dumps = ensure_dumps(store, directory)
    _report_written("dumps of the whole dataset", dumps, before, directory, phase)
    # the network exports come from the saved query cooperation-network, if the root has it
    if (Path(settings.root) / "queries" / "cooperation-network.rq").exists():
        phase = time.perf_counter()
        every = ensure_graph_exports(store, directory, settings.root)
        exports = [d for d in every if d.name not in {dump.name for dump in dumps}]
        _report_written("cooperation-network exports", exports, before, directory, phase)
        phase = time.perf_counter()
        described = ensure_catalogue(store, directory, settings.root)
        catalogue = [d for d in described if d.name == CATALOGUE]
        _report_written("DCAT catalogue (sizes and checksums)", catalogue, before, directory, phase)
        return described
    return dumps


def _report_written(what: str, files: list, before: set[str], directory: Path, phase: float):
    written = [f for f in files if f.name not in before]
    seconds = time.perf_counter() - phase
    if written:
        _say_load(f"wrote {len(written)} {what} to {directory} ({seconds:.1f} s)")
    elif files:
        _say_load(f"the {what} of this data version were already in {directory}")


def _size(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


# --- export ----------------------------------------------------------------------------------


def args_export(parser: argparse.ArgumentParser) -> None:
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
    store_argument(parser)
    data_argument(parser, "export")


def cmd_export(args: argparse.Namespace) -> int:
    from . import exports
    from .formats import rdf_format_for
    from .namespaces import GRAPH

    if args.format in exports.FORMATS:
        return _export_network(args)
    rdf_format_for(args.format)  # unknown format: fail before opening anything
    graph = args.graph
    if graph is not None and ":" not in graph:
        graph = GRAPH + graph
    store = open_store(args)
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
        err(f"{args.output}: cannot write: {exc.strerror or exc}")
        return EXIT_USAGE
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return EXIT_OK


def _export_network(args: argparse.Namespace) -> int:
    """``kigraph export --format graphml|gexf|cytoscape|csv``: the cooperation network."""
    from . import exports

    if args.graph is not None:
        err("--graph does not apply to the network formats (they export cooperation-network)")
        return EXIT_USAGE
    if args.format == "csv" and args.output is None:
        err("--format csv writes two files: give -o DIR or -o NAME")
        return EXIT_USAGE
    store = open_store(args)
    files = exports.render(exports.network(store, settings_for(args).root), args.format)
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
            err(f"{target}: cannot write: {exc.strerror or exc}")
            return EXIT_USAGE
    return EXIT_OK


# --- serve -----------------------------------------------------------------------------------


def args_serve(parser: argparse.ArgumentParser) -> None:
    root_argument(parser)
    store_argument(parser)
    parser.add_argument("--host", metavar="HOST", help="interface (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, metavar="PORT", help="port (default: 8000; 0: any free port)"
    )
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


def cmd_serve(args: argparse.Namespace) -> int:
    settings = settings_for(
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
        err("cannot serve: the graph does not validate")
        return EXIT_INVALID
    return int(result or 0)
