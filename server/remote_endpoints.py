"""Where a remote SPARQL backend is: the ``KIGRAPH_BACKEND`` setting parsed into
:class:`Endpoints`, and the errors that name a backend's failures (pure core, no Flask).

The setting (``KIGRAPH_BACKEND``)::

    sparql+http://host:7878/query                       oxigraph serve: /update and /store beside
    sparql+https://host/ds/query#store=/ds/data          Fuseki (GSP at /ds/data)
    sparql+http://host:8890/sparql#update=/sparql&store=/sparql-graph-crud-auth&union=graphs

The part before ``#`` is the query URL (``sparql+`` removed). Options after ``#``: ``update=``
and ``store=`` (URLs or paths; default: ``update``/``store`` beside a query URL ending in
``/query``, else none), ``union=server|graphs`` (see :mod:`server.remote`),
``user=``/``password=`` (HTTP basic auth, e.g. Virtuoso's ``dba`` for the GSP).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

from .errors import KGError, StoreError

SCHEME = "sparql+"


class BackendUnavailable(StoreError):
    """The remote store cannot be reached (connection refused, DNS, reset)."""

    status = 502
    slug = "backend-unavailable"
    title = "The SPARQL backend cannot be reached"


class BackendError(StoreError):
    """The remote store answered with an error we cannot attribute to the request."""

    status = 502
    slug = "backend-error"
    title = "The SPARQL backend failed"


class BackendCannot(KGError):
    """Something this backend is not configured to do (e.g. updates without an update URL)."""

    status = 501
    slug = "backend-cannot"
    title = "The configured backend cannot do this"


# --- the setting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str | None = None
    store: str | None = None
    union: str = "server"  # or "graphs"
    user: str | None = None
    password: str | None = None


def parse_backend(value: str) -> Endpoints:
    """``sparql+http://host/query#update=…&store=…&union=…`` → :class:`Endpoints`."""
    from .settings import SettingsError

    if not value.startswith(SCHEME):
        raise SettingsError(
            f"KIGRAPH_BACKEND={value!r}: use 'embedded' or 'sparql+http(s)://host:port/path'"
        )
    url, _, fragment = value[len(SCHEME) :].partition("#")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"KIGRAPH_BACKEND={value!r}: not an http(s) URL after 'sparql+'")
    options = dict(parse_qsl(fragment, keep_blank_values=True))
    unknown = set(options) - {"update", "store", "union", "user", "password"}
    if unknown:
        raise SettingsError(f"KIGRAPH_BACKEND: unknown option(s) {', '.join(sorted(unknown))}")
    union = options.get("union", "server")
    if union not in ("server", "graphs"):
        raise SettingsError("KIGRAPH_BACKEND: union= must be 'server' or 'graphs'")
    sibling = url.endswith("/query")

    def resolve(key: str) -> str | None:
        if key in options:
            return urljoin(url, options[key]) if options[key] else None
        return url[: -len("query")] + key if sibling else None

    return Endpoints(
        url,
        resolve("update"),
        resolve("store"),
        union,
        options.get("user"),
        options.get("password"),
    )
