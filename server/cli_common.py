"""What the ``kigraph`` commands share: exit statuses, common arguments, settings, the store.

Exit status: 0 ok, 1 the content does not validate, 2 usage or content errors (unreadable or
unparsable files, bad arguments, no store, a port that is taken), 70 an internal error (a bug),
130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import UnknownFormat

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE
EXIT_INTERRUPTED = 130  # 128 + SIGINT

#: what ``query`` and ``run`` print
RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml", "ttl", "nt", "jsonld")


def default_root() -> Path:
    """The repository root: the working directory if it has ontology/ and data/, else the
    directory that holds the ``server`` package."""
    cwd = Path.cwd()
    if (cwd / "ontology").is_dir() and (cwd / "data").is_dir():
        return cwd
    return Path(__file__).resolve().parent.parent


def err(message: str) -> None:
    """One line on stderr, ``kigraph: message``."""
    print(f"kigraph: {message}", file=sys.stderr, flush=True)


def check_result_format(fmt: str) -> None:
    if fmt not in RESULT_FORMATS:
        raise UnknownFormat(f"unknown format {fmt!r} (use one of: {', '.join(RESULT_FORMATS)})")


# --- arguments several commands take ---------------------------------------------------------


def root_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        metavar="DIR",
        help="repository root holding ontology/ and data/ "
        "(default: the working directory if it has both, else the installed checkout)",
    )


def store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        metavar="DIR",
        help="the store (default: $KIGRAPH_STORE, else var/store in the checkout)",
    )


def data_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        nargs="+",
        metavar="FILE",
        help=f"{what} these RDF files, not the store",
    )


# --- settings and the store ------------------------------------------------------------------


def settings_for(args: argparse.Namespace, **overrides: object):
    """Settings from KIGRAPH_* variables and the command's arguments."""
    from .settings import load_settings

    values: dict[str, object] = {"store": getattr(args, "store", None), **overrides}
    root = getattr(args, "root", None)
    if root is None and "KIGRAPH_ROOT" not in os.environ:
        root = default_root()
    values["root"] = root
    return load_settings(values)


def open_store(args: argparse.Namespace):
    """The ``--data`` files in memory, else the store of ``--store`` / the settings."""
    from .store import GraphStore

    data = getattr(args, "data", None)
    if data:
        return GraphStore.from_files(data)
    return GraphStore.open(settings_for(args).store)
