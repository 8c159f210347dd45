"""The dataset's own description (DCAT + VoID), written into ``…/graph/dataset`` at load time.

What is said about the dataset is Turtle in ``server/dataset_description/``: ``kigraph.ttl`` for
the curated graph (title, licence, endpoint, link sets to Wikidata, ROR and GeoNames) and
``user-data.ttl`` for files served with ``kigraph serve --data``, which are the user's and get no
licence of ours. ``statistics.ru`` then counts what was loaded (per-graph triples, class and
property partitions, sources, links per link set). Only the data version, the date and, for
user files, their names are added here, and for the curated graph its DCAT-AP distributions (one
per download file, :mod:`server.catalogue`) and its releases (``releases/releases.ttl``, written by
``kigraph release``, :mod:`server.releases`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from . import dumps
from .catalogue import distributions
from .namespaces import DATASET, DCTERMS, GRAPH, OWL, XSD

DATASET_GRAPH = GRAPH + "dataset"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"

_TEMPLATES = resources.files(__package__) / "dataset_description"


def describe(
    store: ox.Store,
    version: str,
    modified: datetime,
    *,
    curated: bool,
    files: Sequence[Path] = (),
    releases: bytes | None = None,
) -> None:
    """Write the DCAT + VoID description of everything in ``store`` into ``…/graph/dataset``."""
    graph = ox.NamedNode(DATASET_GRAPH)
    template = "kigraph.ttl" if curated else "user-data.ttl"
    store.load((_TEMPLATES / template).read_bytes(), format=ox.RdfFormat.TURTLE, to_graph=graph)
    dataset = ox.NamedNode(DATASET)
    added = [
        ox.Quad(dataset, ox.NamedNode(OWL + "versionInfo"), ox.Literal(version), graph),
        ox.Quad(
            dataset,
            ox.NamedNode(DCTERMS + "modified"),
            ox.Literal(_iso(modified), datatype=ox.NamedNode(XSD + "dateTime")),
            graph,
        ),
    ]
    if curated:
        added.extend(distributions(dumps.download_names(), DATASET_GRAPH))
        if releases:
            store.load(releases, format=ox.RdfFormat.TURTLE, to_graph=graph)
    else:
        names = ", ".join(path.name for path in files)
        added.append(ox.Quad(dataset, ox.NamedNode(DCTERMS + "title"), ox.Literal(names), graph))
    store.extend(added)
    store.update((_TEMPLATES / "statistics.ru").read_text(encoding="utf-8"))


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
