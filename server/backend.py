"""What the service needs of a store, whichever it is: the typed interface that the embedded
store (:class:`server.store.GraphStore`), the embedded store seen through the query workers
(:class:`server.runtime.PooledStore`) and a remote SPARQL store
(:class:`server.remote.RemoteStore`) all implement."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

import pyoxigraph as ox


@runtime_checkable
class Backend(Protocol):
    #: where it was opened from (None: in memory or remote)
    path: Path | None
    #: the directory really opened (None: in memory or remote)
    location: Path | None
    #: the version of the data, as recorded in its dataset description
    data_version: str

    @property
    def modified(self) -> str | None: ...

    @property
    def licence(self) -> str | None: ...

    def query(
        self,
        sparql: str,
        *,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
        union_default_graph: bool = True,
        substitutions: Mapping[Any, Any] | None = None,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple]: ...

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]: ...

    def graphs(self) -> list[tuple[str, int]]: ...

    def has_graph(self, graph: str) -> bool: ...

    def serialize(
        self, fmt: str, graph: str | None = None, out: BinaryIO | None = None
    ) -> bytes | None: ...
