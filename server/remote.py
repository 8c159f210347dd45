"""A remote SPARQL 1.1 store as the backend: :class:`RemoteStore` (pure core, no Flask).

It offers what the app uses of :class:`server.store.GraphStore` — ``query`` (same keyword
arguments), ``quads``, ``graphs``, ``has_graph``, ``serialize``, ``update``, ``data_version``,
``modified``, ``path = None`` — over the SPARQL 1.1 Protocol, and pushes graphs with the Graph
Store Protocol (``kigraph load --push``). Results are parsed with pyoxigraph
(``parse_query_results`` for SPARQL JSON, ``parse`` for N-Triples), so callers get real
pyoxigraph terms and ``QuerySolutions``/``QueryBoolean`` objects; graph results are a
:class:`RemoteTriples` (iterable of ``Triple`` with ``serialize``).

The setting ``KIGRAPH_BACKEND`` is read by :mod:`server.remote_endpoints`.

**Union default graph.** KI-Graph's rule is that the default graph is the union of all graphs
unless a query names its dataset. ``union=server`` (default) relies on the store being
configured that way: ``oxigraph serve --union-default-graph``, Fuseki ``tdb2:unionDefaultGraph
true``, Virtuoso and GraphDB do it by default. ``union=graphs`` sends the named graphs of our
dataset as ``default-graph-uri`` and ``named-graph-uri`` with every query (any store).

**Parameters are bound with VALUES**, as on the embedded store: ``substitutions``
(pyoxigraph's SEP-0007 pre-binding) do not exist over the protocol, so
:func:`server.sparql_text.bind_values` writes the validated terms into a ``VALUES`` block (the
rule and its one limit are in that module's docstring); the backend tests run every saved query
on both backends and compare the rows.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, BinaryIO
from urllib.parse import urlencode, urlsplit, urlunsplit

import pyoxigraph as ox

from .errors import KGError, QuerySyntaxError, QueryTimeout, UnknownGraph
from .formats import SERIALIZE_PREFIXES, rdf_format_for
from .namespaces import DATASET, DCTERMS, GRAPH, OWL, VOID
from .remote_endpoints import (
    SCHEME,
    BackendCannot,
    BackendError,
    BackendUnavailable,
    Endpoints,
    parse_backend,
)
from .sparql_text import analyze, bind_values, query_dataset

__all__ = [
    "SCHEME",
    "BackendCannot",
    "BackendError",
    "BackendUnavailable",
    "Endpoints",
    "RemoteStore",
    "parse_backend",
]

DATASET_GRAPH = GRAPH + "dataset"
#: seconds a remote data version is trusted before it is read again (ETags follow it)
VERSION_TTL = 5.0

#: the named graphs our dataset description lists (subsets that are graphs, not linksets)
_SUBSETS = (
    f"SELECT ?g ?n WHERE {{ GRAPH <{DATASET_GRAPH}> {{ <{DATASET}> <{VOID}subset> ?g . "
    f"?g <{VOID}triples> ?n FILTER NOT EXISTS {{ ?g a <{VOID}Linkset> }} }} }}"
)
_JSON = "application/sparql-results+json"
_NT = "application/n-triples"


# --- results --------------------------------------------------------------------------------


class RemoteTriples:
    """A CONSTRUCT/DESCRIBE result: iterate ``ox.Triple``; ``serialize`` like pyoxigraph's."""

    def __init__(self, triples: Iterable[ox.Triple]):
        self._triples = triples

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self._triples)

    def serialize(self, output: Any = None, format: Any = None) -> bytes | None:  # noqa: A002
        return ox.serialize(self._triples, output, format or ox.RdfFormat.N_TRIPLES)


def is_graph_result(result: Any) -> bool:
    """True for CONSTRUCT/DESCRIBE results of either backend."""
    return not isinstance(result, ox.QuerySolutions | ox.QueryBoolean)


# --- the store ------------------------------------------------------------------------------


class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint (plus Graph Store Protocol) used like a GraphStore."""

    path = None
    location = None

    def __init__(self, endpoints: Endpoints | str, *, timeout: float = 30.0, pool: int = 4):
        self.endpoints = parse_backend(endpoints) if isinstance(endpoints, str) else endpoints
        self.timeout = float(timeout)
        self.pool = pool
        self._http: Any = None
        self._pid = 0
        self._lock = threading.Lock()
        self._version: tuple[float, str] | None = None
        self._graph_list: tuple[float, list[str]] | None = None

    def __repr__(self) -> str:
        return f"<RemoteStore {self.endpoints.query}>"

    # -- HTTP

    def _pool(self) -> Any:
        if self._pid != os.getpid():  # a pool must not cross fork
            with self._lock:
                if self._pid != os.getpid():
                    import urllib3

                    self._http = urllib3.PoolManager(
                        maxsize=self.pool,
                        block=False,
                        retries=urllib3.Retry(total=2, connect=2, read=0, status=0, redirect=2),
                    )
                    self._pid = os.getpid()
        return self._http

    def _headers(self, **extra: str) -> dict[str, str]:
        headers = {"User-Agent": "kigraph", **extra}
        if self.endpoints.user is not None:
            import base64

            token = f"{self.endpoints.user}:{self.endpoints.password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(token).decode()
        return headers

    def _request(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        read_timeout: float | None = None,
        query: str | None = None,
    ) -> Any:
        import urllib3
        from urllib3.exceptions import (
            HTTPError,
            MaxRetryError,
            NewConnectionError,
            ProtocolError,
            ReadTimeoutError,
        )

        timeout = urllib3.Timeout(connect=5.0, read=read_timeout or self.timeout)
        try:
            response = self._pool().request(
                method,
                url,
                body=body,
                headers=self._headers(**(headers or {})),
                timeout=timeout,
                preload_content=not stream,
            )
        except ReadTimeoutError:
            raise QueryTimeout(
                f"The SPARQL backend did not answer within {read_timeout or self.timeout:g} s "
                "(KIGRAPH_QUERY_TIMEOUT). Narrow the query down or add a LIMIT."
            ) from None
        except (MaxRetryError, NewConnectionError, ProtocolError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            if isinstance(reason, ReadTimeoutError):
                raise QueryTimeout(
                    f"The SPARQL backend did not answer within {self.timeout:g} s."
                ) from None
            raise BackendUnavailable(
                f"cannot reach the SPARQL backend at {_origin(url)}: {_short(reason)}"
            ) from None
        except HTTPError as exc:
            raise BackendError(f"SPARQL backend {_origin(url)}: {_short(exc)}") from None
        if response.status >= 400:
            data = response.data if not stream else response.read()
            if stream:
                response.release_conn()
            raise self._error(response.status, data, query)
        return response

    def _error(self, status: int, data: bytes, query: str | None) -> KGError:
        message = data.decode("utf-8", "replace").strip()[:500] or f"HTTP {status}"
        if "timeout" in message.lower() or "timed out" in message.lower() or status == 504:
            return QueryTimeout(f"The SPARQL backend stopped the query: {message}")
        if status == 400 and query is not None:  # query() and update() say where, if they can
            return QuerySyntaxError(f"the SPARQL backend refused it: {message}", query=query)
        if status in (401, 403):
            return BackendError(f"the SPARQL backend refused access (HTTP {status}): {message}")
        if status == 404 and query is None:
            return BackendCannot(f"the backend has no such service (HTTP 404): {message}")
        return BackendError(f"the SPARQL backend answered HTTP {status}: {message}")

    # -- reading

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
    ) -> ox.QuerySolutions | ox.QueryBoolean | RemoteTriples:
        """Run a query remotely (see GraphStore.query); parameters bound by VALUES."""
        bound = bind_values(sparql, substitutions)
        head = ""
        if base_iri is not None:
            head += f"BASE <{ox.NamedNode(base_iri).value}> "
        for prefix, iri in (prefixes or {}).items():
            if re.fullmatch(r"[A-Za-z][\w.-]*|", prefix):
                head += f"PREFIX {prefix}: <{ox.NamedNode(iri).value}> "
        text = head + bound
        form = analyze(sparql).form
        fields: list[tuple[str, str]] = [("query", text)]
        if default_graph is None and named_graphs is None and not union_default_graph:
            # the query's FROM / FROM NAMED, restated as the protocol's dataset: a store that
            # serves the union as default graph may ignore FROM (oxigraph serve does)
            default_graph, named_graphs = query_dataset(text)
            if not default_graph and not named_graphs:
                default_graph = named_graphs = None
        if default_graph is not None or named_graphs is not None:
            fields += [("default-graph-uri", g) for g in default_graph or ()]
            fields += [("named-graph-uri", g) for g in named_graphs or ()]
        elif union_default_graph and self.endpoints.union == "graphs":
            names = self._named_graphs()
            fields += [("default-graph-uri", g) for g in names]
            fields += [("named-graph-uri", g) for g in names]
        accept = _NT if form in ("CONSTRUCT", "DESCRIBE") else _JSON
        try:
            response = self._request(
                "POST",
                self.endpoints.query,
                body=urlencode(fields),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": accept,
                },
                query=text,
            )
        except QuerySyntaxError as error:  # where in the caller's text (not after the head)
            local = _local_syntax_error(bound, base_iri=base_iri, prefixes=prefixes)
            raise (local or error) from None
        return _parse_result(response.data, response.headers.get("Content-Type", accept))

    def _select(self, text: str) -> ox.QuerySolutions:
        result = self.query(text, union_default_graph=False)
        assert isinstance(result, ox.QuerySolutions)
        return result

    def _named_graphs(self) -> list[str]:
        now = time.monotonic()
        if self._graph_list is None or now - self._graph_list[0] > VERSION_TTL:
            rows = self._select(_SUBSETS)
            names = sorted({row["g"].value for row in rows} | {DATASET_GRAPH})
            self._graph_list = (now, names)
        return self._graph_list[1]

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """All quads of the named graphs, or those of one graph."""
        names = [graph] if graph is not None else [g for g, _ in self.graphs()]
        for name in names:
            node = ox.NamedNode(name)
            for t in self._graph_triples(name):
                yield ox.Quad(t.subject, t.predicate, t.object, node)

    def _graph_triples(self, graph: str) -> RemoteTriples:
        result = self.query(
            "CONSTRUCT { ?s ?p ?o } WHERE "
            f"{{ GRAPH <{ox.NamedNode(graph).value}> {{ ?s ?p ?o }} }}",
            union_default_graph=False,
        )
        assert isinstance(result, RemoteTriples)
        return result

    def graphs(self) -> list[tuple[str, int]]:
        """Named graphs and their triple counts, sorted by IRI: those our dataset description
        lists (cheap, and blind to a store's own system graphs), else all named graphs."""
        rows = list(self._select(_SUBSETS))
        if rows:
            out = {row["g"].value: int(row["n"].value) for row in rows}
            count = self._select(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DATASET_GRAPH}> {{ ?s ?p ?o }} }}"
            )
            out[DATASET_GRAPH] = int(next(iter(count))["n"].value)
            return sorted(out.items())
        rows = list(
            self._select(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
            )
        )
        return [(row["g"].value, int(row["n"].value)) for row in rows]

    def has_graph(self, graph: str) -> bool:
        try:
            node = ox.NamedNode(graph)
        except ValueError:  # not an IRI: no such graph (as GraphStore.has_graph)
            return False
        return bool(
            self.query(f"ASK {{ GRAPH <{node.value}> {{ ?s ?p ?o }} }}", union_default_graph=False)
        )

    def __len__(self) -> int:
        return sum(n for _, n in self.graphs())

    @property
    def data_version(self) -> str:
        """``owl:versionInfo`` of the dataset description (re-read every VERSION_TTL s)."""
        now = time.monotonic()
        if self._version is None or now - self._version[0] > VERSION_TTL:
            self._version = (now, self._recorded("versionInfo", OWL) or "unknown")
        return self._version[1]

    @property
    def modified(self) -> str | None:
        return self._recorded("modified", DCTERMS)

    @property
    def licence(self) -> str | None:
        """``dcterms:license`` of the dataset description; None for data that is not ours."""
        return self._recorded("license", DCTERMS)

    def _recorded(self, local: str, namespace: str) -> str | None:
        rows = list(
            self._select(
                f"SELECT ?v WHERE {{ GRAPH <{DATASET_GRAPH}> "
                f"{{ <{DATASET}> <{namespace}{local}> ?v }} }} LIMIT 1"
            )
        )
        return rows[0]["v"].value if rows else None

    def serialize(
        self, fmt: str, graph: str | None = None, out: BinaryIO | None = None
    ) -> bytes | None:
        """As GraphStore.serialize: the named graphs (or one) as ``fmt``."""
        rdf_format = rdf_format_for(fmt)
        kwargs: dict[str, Any] = {}
        if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
            kwargs["prefixes"] = SERIALIZE_PREFIXES
        if graph is not None and not self.has_graph(graph):
            raise UnknownGraph(f"no graph <{graph}> in the store")
        if rdf_format.supports_datasets:
            return ox.serialize(self.quads(graph), out, rdf_format, **kwargs)
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in self.quads(graph))
        return ox.serialize(triples, out, rdf_format, **kwargs)

    # -- writing

    def update(self, text: str) -> None:
        if self.endpoints.update is None:
            raise BackendCannot(
                "this backend has no update URL (add '#update=…' to KIGRAPH_BACKEND)"
            )
        try:
            self._request(
                "POST",
                self.endpoints.update,
                body=urlencode({"update": text}),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                query=text,
            )
        except QuerySyntaxError as error:
            raise (_local_syntax_error(text, update=True) or error) from None
        self._version = None

    def put_graph(self, graph: str, data: bytes | IO[bytes], size: int | None = None) -> None:
        """Replace one named graph with N-Triples ``data`` (Graph Store Protocol PUT)."""
        if self.endpoints.store is None:
            raise BackendCannot(
                "this backend has no Graph Store Protocol URL (add '#store=…' to KIGRAPH_BACKEND)"
            )
        headers = {"Content-Type": _NT}
        if size is not None:
            headers["Content-Length"] = str(size)
        url = _with_query(self.endpoints.store, graph=ox.NamedNode(graph).value)
        self._request("PUT", url, body=data, headers=headers, read_timeout=max(self.timeout, 600))

    def drop_graph(self, graph: str) -> None:
        if self.endpoints.store is None:
            raise BackendCannot("this backend has no Graph Store Protocol URL")
        url = _with_query(self.endpoints.store, graph=ox.NamedNode(graph).value)
        try:
            self._request("DELETE", url)
        except BackendCannot:
            pass  # 404: not there

    def push(self, source: Any, log: Any = None) -> list[tuple[str, int]]:
        """Make the remote named graphs equal to ``source``'s (a GraphStore): PUT each graph
        (the dataset description last, so the data version flips when the data is there),
        then delete graphs of the previous description that are gone. Not atomic across
        graphs: readers may see a mix for the seconds it takes."""
        import tempfile

        say = log or (lambda _m: None)
        try:
            before = {g for g, _ in self.graphs()}
        except KGError:
            before = set()
        graphs = source.graphs()
        ordered = [g for g in graphs if g[0] != DATASET_GRAPH] + [
            g for g in graphs if g[0] == DATASET_GRAPH
        ]
        for name, count in ordered:
            started = time.perf_counter()
            with tempfile.TemporaryFile() as handle:
                triples = (ox.Triple(q.subject, q.predicate, q.object) for q in source.quads(name))
                ox.serialize(triples, handle, ox.RdfFormat.N_TRIPLES)
                size = handle.tell()
                handle.seek(0)
                self.put_graph(name, handle, size)
            say(f"pushed <{name}>: {count:,} triples in {time.perf_counter() - started:.1f} s")
        for name in sorted(before - {g for g, _ in graphs}):
            self.drop_graph(name)
            say(f"dropped <{name}> (no longer in the dataset)")
        self._version = None
        self._graph_list = None
        return graphs


# --- helpers --------------------------------------------------------------------------------


def _parse_result(data: bytes, content_type: str) -> Any:
    media = content_type.split(";")[0].strip().lower()
    if media in (_JSON, "application/json"):
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    if media == "application/sparql-results+xml":
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.XML)
    if media in (_NT, "text/plain"):
        return RemoteTriples(list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES)))
    if media in ("text/turtle", "application/x-turtle"):
        return RemoteTriples(list(ox.parse(data, format=ox.RdfFormat.TURTLE)))
    if media in ("application/rdf+xml",):
        return RemoteTriples(list(ox.parse(data, format=ox.RdfFormat.RDF_XML)))
    raise BackendError(f"the SPARQL backend answered in an unexpected format {media!r}")


def _local_syntax_error(query: str, update: bool = False, **head: Any) -> QuerySyntaxError | None:
    """Our engine's error for ``query`` (an update if ``update``; with the ``base_iri`` and
    ``prefixes`` of its head), if it does not parse; None if it does (the backend refused it for
    its own reasons). Runs it on an empty in-memory store, never when it calls SERVICE or LOAD."""
    info = analyze(query)
    if info.services or info.loads:
        return None
    try:
        if update:
            ox.Store().update(query)
        else:
            ox.Store().query(
                query, **{k: dict(v) if k == "prefixes" else v for k, v in head.items() if v}
            )
    except SyntaxError as exc:
        return QuerySyntaxError.from_exception(exc, query, update=update)
    except Exception:  # noqa: BLE001 - only the syntax matters here
        return None
    return None


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = (parts.query + "&" if parts.query else "") + urlencode(params)
    return urlunsplit(parts._replace(query=query))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _short(exc: Any) -> str:
    text = str(exc)
    text = re.sub(r"<urllib3[^>]*>:?\s*", "", text)
    return text[:200]


def open_backend(settings: Any) -> RemoteStore:
    """The RemoteStore of ``settings.backend`` (timeout just under the query deadline, so the
    request ends with a clean 503 before the worker's watchdog would have to)."""
    timeout = max(1.0, settings.query_timeout - 0.5)
    return RemoteStore(parse_backend(settings.backend), timeout=timeout)


__all__ = [
    "BackendCannot",
    "BackendError",
    "BackendUnavailable",
    "Endpoints",
    "RemoteStore",
    "RemoteTriples",
    "is_graph_result",
    "open_backend",
    "parse_backend",
]
