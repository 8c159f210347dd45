"""Service settings: one frozen dataclass, read from arguments and ``KIGRAPH_*`` variables here.

Every field is documented in README ("Settings"); a test checks that each ``KIGRAPH_*`` variable
named here appears there. Precedence: explicit argument > environment variable > default.
"""

from __future__ import annotations

import os
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
    #: worker processes; more than cores, so that a query running into its deadline (one
    #: worker, one core) leaves the others enough of both (bench/reliability.md)
    workers: int = field(default_factory=lambda: max(2, 2 * (os.cpu_count() or 1)))
    #: how clients reach the workers: ``direct`` (each worker accepts and keeps connections
    #: alive, giving them back when others wait: server.keepalive) or ``router`` (uWSGI's HTTP
    #: router holds all connections in an event loop: slower, sturdier against slow clients)
    connections: str = "direct"
    #: seconds before a query is stopped and answered with 503
    query_timeout: float = 30.0
    #: largest accepted query (bytes of the query text or request body); larger → 413
    max_query_bytes: int = 100_000
    #: stop SELECT results after this many rows and flag the truncation; 0 = no cap
    row_cap: int = 0
    #: SPARQL Update is refused unless enabled *and* the request carries this bearer token
    update_token: str = ""
    #: hosts that SERVICE may call; empty = federated queries refused
    service_allowlist: tuple[str, ...] = ()
    #: the IRI base of the data, mapped to the server's own URL in links
    base_iri: str = BASE
    #: the public URL the service is reached at (for links); empty = from the request
    public_url: str = ""
    #: ``Cache-Control: max-age`` (seconds) of SPARQL results (ETag/304 work regardless)
    cache_max_age: int = 60
    #: bytes of serialised results each server worker keeps for repeated queries; 0 = off
    result_cache_bytes: int = 32_000_000
    #: largest request header block (bytes of all header names and values); larger → 431
    max_header_bytes: int = 16_384
    #: requests per second each client address may send (token bucket); 0 = no rate limit
    rate_limit: float = 0.0
    #: requests a client may send at once before the rate applies; 0 = twice the rate (≥ 1)
    rate_burst: int = 0
    #: also rate-limit loopback clients (127.0.0.0/8, ::1), which are exempt by default
    rate_limit_loopback: bool = False

    @property
    def update_enabled(self) -> bool:
        return bool(self.update_token)


_ENV_PREFIX = "KIGRAPH_"
CONNECTION_MODES = ("direct", "router")


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
        if name == "connections" and raw not in CONNECTION_MODES:
            raise ValueError("expected " + " or ".join(CONNECTION_MODES))
        if name in ("service_allowlist",):
            return tuple(h.strip() for h in raw.split(",") if h.strip())
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
        "workers": int,
        "query_timeout": float,
        "max_query_bytes": int,
        "row_cap": int,
        "cache_max_age": int,
        "result_cache_bytes": int,
        "max_header_bytes": int,
        "rate_limit": float,
        "rate_burst": int,
        "rate_limit_loopback": bool,
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
    """The names of all ``KIGRAPH_*`` variables (for the README check)."""
    return [_ENV_PREFIX + f.name.upper() for f in fields(Settings)]
