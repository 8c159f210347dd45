"""The SPARQL the server runs for its own pages and exports, one ``<name>.rq`` file each.

These are not saved queries (``queries/*.rq``, the public API): they have no metadata and are
not listed. Each file says in leading ``#`` lines what it answers and which variables the caller
binds (``# ?r: …``); callers pass RDF terms as ``store.query(text, substitutions=…)`` and never
splice text. Both backends bind them the project's one way (:func:`server.sparql_text.bind_values`:
a ``VALUES`` block in the outermost ``WHERE`` group), so a file filters on a bound variable at
that level — not inside a ``GRAPH`` or other nested group, where it would be unbound. A test runs
every file on both backends.

The files are package data (``pyproject.toml``), read once per process.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def text(name: str) -> str:
    """The text of ``<name>.rq``; a missing file is a :class:`FileNotFoundError`."""
    return files(__name__).joinpath(f"{name}.rq").read_text(encoding="utf-8")


def names() -> list[str]:
    """Every query file's name, sorted."""
    return sorted(
        entry.name.removesuffix(".rq")
        for entry in files(__name__).iterdir()
        if entry.name.endswith(".rq")
    )
