"""Service settings: one frozen dataclass, read from arguments and ``KIGRAPH_*`` variables here.

Every field is documented in docs/settings.md; a test checks that each ``KIGRAPH_*`` variable
named here appears there. Precedence: explicit argument > environment variable > default.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .errors import KGError
from .namespaces import BASE


class SettingsError(KGError):
    status = 500
    slug = "bad-setting"
    title = "A setting has an invalid value"


def _repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    #: repository root holding ontology/, data/, queries/
    root: Path = field(default_factory=_repo_root)
    #: on-disk Oxigraph store directory (built by ``kigraph load``)
    store: Path = field(default_factory=lambda: _repo_root() / "var" / "store")
    #: ``embedded`` (the on-disk store above) or a remote SPARQL 1.1 store,
    #: ``sparql+http://host:port/query[#update=…&store=…&union=server|graphs]`` (server.remote)
    backend: str = "embedded"
    #: serve these RDF files instead of the curated graph (``kigraph serve --data``)
    data_files: tuple[Path, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8000
    #: query worker processes (each runs one query at a time, in its own sandbox)
    query_workers: int = field(default_factory=lambda: max(2, 2 * (os.cpu_count() or 1)))
    #: web threads: requests served at once (a request waiting for its query holds one)
    web_threads: int = 32
    #: address space of a query worker in MiB; a query that needs more gets 507
    query_memory_mb: int = 2048
    #: queries one client may have running at once (0 = no limit); more wait 1 s, then 429
    client_queries: int = 2
    #: proxies in front of the service whose X-Forwarded-For/-Proto/-Host are trusted (0 = none)
    trusted_proxies: int = 0
    #: seconds before a query is stopped and answered with 503
    query_timeout: float = 30.0
    #: largest accepted query (bytes of the query text or request body); larger → 413
    max_query_bytes: int = 100_000
    #: stop SELECT results after this many rows and flag the truncation; 0 = no cap
    row_cap: int = 0
    #: SPARQL Update is refused unless enabled *and* the request carries this bearer token
    update_token: str = ""
    #: the IRI base of the data, mapped to the server's own URL in links
    base_iri: str = BASE
    #: the public URL the service is reached at (for links); empty = http://HOST:PORT/
    public_url: str = ""
    #: ``Cache-Control: max-age`` (seconds) of SPARQL results (ETag/304 work regardless)
    cache_max_age: int = 60
    #: bytes of serialised results each server worker keeps for repeated queries; 0 = off
    result_cache_bytes: int = 32_000_000
    #: largest request head (request line and headers) in bytes; larger → 431 or 414
    max_header_bytes: int = 16_384
    #: requests each client address may send, in flask-limiter's notation
    #: (``20/second;600/minute``); empty = no rate limit
    rate_limit: str = ""
    #: one line per request on stdout; off when a reverse proxy in front logs requests already
    #: (Granian formats each line in Python: about a third of a cached answer's cost)
    access_log: bool = True

    @property
    def update_enabled(self) -> bool:
        return bool(self.update_token)

    @property
    def public_root(self) -> str:
        """Where links point, ending in ``/``: ``public_url``, else the address served.
        Never the request's ``Host``: a page cached for one visitor is right for all."""
        if self.public_url:
            return self.public_url.rstrip("/") + "/"
        host = self.host if self.host not in ("", "0.0.0.0", "::") else socket.getfqdn()
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}/"


_ENV_PREFIX = "KIGRAPH_"


def _convert(name: str, raw: str, kind: type) -> object:
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind is Path:
            return Path(raw)
        if kind is bool:
            if raw.strip().lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
                raise ValueError("expected 1/0, true/false, yes/no or on/off")
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if name in ("data_files",):
            return tuple(Path(p) for p in raw.split(os.pathsep) if p)
        return raw
    except ValueError as error:
        raise SettingsError(f"{_ENV_PREFIX}{name.upper()}={raw!r}: {error}") from None


def load_settings(
    overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from ``KIGRAPH_<FIELD>`` variables, then ``overrides`` (None values ignored)."""
    environ = os.environ if environ is None else environ
    defaults = Settings()
    values: dict[str, object] = {}
    types = {
        "root": Path,
        "store": Path,
        "port": int,
        "query_workers": int,
        "web_threads": int,
        "query_memory_mb": int,
        "client_queries": int,
        "trusted_proxies": int,
        "query_timeout": float,
        "max_query_bytes": int,
        "row_cap": int,
        "cache_max_age": int,
        "result_cache_bytes": int,
        "max_header_bytes": int,
        "access_log": bool,
    }
    for f in fields(Settings):
        raw = environ.get(_ENV_PREFIX + f.name.upper())
        if raw is not None:
            values[f.name] = _convert(f.name, raw, types.get(f.name, str))
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    return replace(defaults, **values)


def environment_variables() -> list[str]:
    """The names of all ``KIGRAPH_*`` variables (for the docs check)."""
    return [_ENV_PREFIX + f.name.upper() for f in fields(Settings)]
