"""The ``kigraph`` command line.

One ``_cmd_<name>(args) -> int`` function per command, registered in ``_COMMANDS`` with the
function that adds its arguments. The CLI calls the core (``server.content``,
``server.validation``, later ``server.store``), never HTTP.

Exit status: 0 ok, 1 the content does not validate, 2 usage or content errors (unreadable or
unparsable files, bad arguments), 70 an internal error (a bug). Errors are printed as messages,
never as tracebacks.

Planned commands (issue 3 and later) plug in the same way: load, serve, query, export, info,
run, queries.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .errors import KGError

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


# --- registry --------------------------------------------------------------------------------

Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]

_COMMANDS: list[Command] = [
    ("validate", _args_validate, _cmd_validate),
    # ("load", _args_load, _cmd_load), ("serve", …), ("query", …), ("export", …),
    # ("info", …), ("run", …), ("queries", …) — to come.
]

_HELP = {
    "validate": "parse ontology/ and data/, check the SHACL shapes and the violation queries",
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
    except KeyboardInterrupt:
        print("kigraph: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of ours: say so in one line, not a traceback
        print(f"kigraph: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
