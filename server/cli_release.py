"""``kigraph release VERSION``: archive the curated graph as a numbered, dated release.

It builds the graph from the repository into a scratch store (validating it, as ``load``
does), archives and records it (:mod:`server.releases`) and puts the release's section into
CHANGELOG.md. The next ``kigraph load`` lists the release in the catalogue.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date
from pathlib import Path

from .cli_common import EXIT_INVALID, EXIT_OK, default_root, err, root_argument
from .errors import ValidationFailed

CHANGELOG = "CHANGELOG.md"


def args_release(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("version", metavar="VERSION", help="MAJOR.MINOR.PATCH, e.g. 1.1.0")
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the release date (default: today)",
    )
    root_argument(parser)


def cmd_release(args: argparse.Namespace) -> int:
    from . import releases
    from .build import build

    root = (args.root or default_root()).resolve()
    issued = args.date or date.today()
    earlier = releases.recorded(root)
    with tempfile.TemporaryDirectory(prefix="kigraph-release-") as scratch:
        try:
            store = build(root, Path(scratch) / "store").store
        except ValidationFailed as error:
            print(error.report.render(), end="")
            err("refused to release: the graph does not validate")
            return EXIT_INVALID
        changes = releases.cut(root, args.version, issued, store.quads())
        del store
    previous = earlier[-1].version if earlier else None
    entry = releases.changelog_entry(args.version, issued, changes, previous)
    _insert_into_changelog(root / CHANGELOG, entry)
    print(entry, end="")
    print(
        f"kigraph release: {root / releases.DIRECTORY / args.version / releases.ARCHIVE} "
        f"and {releases.DIRECTORY}/{releases.RECORDS} written, {CHANGELOG} updated; "
        "run `kigraph load` to publish it"
    )
    return EXIT_OK


def _insert_into_changelog(path: Path, entry: str) -> None:
    """Put the entry above the newest release's section (below the introduction and any
    "Unreleased" notes)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Changelog\n\n"
    lines = text.splitlines(keepends=True)
    at = next(
        (
            i
            for i, line in enumerate(lines)
            if line.startswith("## [") and not line.startswith("## [Unreleased]")
        ),
        len(lines),
    )
    if at == len(lines) and lines and not lines[-1].endswith("\n\n"):
        lines.append("\n")
    lines[at:at] = [entry, "\n"]
    path.write_text("".join(lines), encoding="utf-8")
