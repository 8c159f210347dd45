"""Run the KI-Graph web service: Granian (Rust, hyper) serving the Flask app.

Granian holds every connection in its event loop — slow clients, idle keep-alive, chunked
bodies, pipelining, ``Connection: close``, request heads too large for its buffer (``431``) —
and hands complete requests to a pool of web threads in one web process. No code of ours reads
a socket. Queries do not run in the web process at all: they go to the query workers
(:mod:`server.query_pool`), which the web process starts per store generation.

Before Granian starts, the store is built if missing (in a child process, so that RocksDB never
runs in this one), or ``--data`` files are loaded into a store of their own beside it. The
settings reach the web process as ``KIGRAPH_*`` variables, the one way settings are read.

Shutdown: Granian stops on SIGTERM or SIGINT, to its main process or to the whole process
group; requests in flight get ``workers_kill_timeout`` seconds, then the web process is killed,
and the query workers die with it (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import fields, replace
from pathlib import Path

from .errors import KGError, StoreError
from .settings import Settings

#: Granian's access log: one line of key=value pairs per request
ACCESS_LOG_FORMAT = (
    'time=%(time)s remote=%(addr)s method=%(method)s path="%(path)s" status=%(status)d '
    "ms=%(dt_ms).1f"
)
#: open connections Granian serves at once (beyond: they wait in the accept queue)
BACKPRESSURE = 4096
#: seconds a request in flight may still take after SIGTERM
SHUTDOWN_GRACE = 10


def environment(settings: Settings) -> dict[str, str]:
    """``settings`` as the ``KIGRAPH_*`` variables :func:`~server.settings.load_settings` reads."""
    out = {}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if isinstance(value, tuple):
            value = os.pathsep.join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "1" if value else "0"
        out["KIGRAPH_" + f.name.upper()] = str(value)
    return out


def granian_server(settings: Settings, *, verbose: bool = False):
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    return Granian(
        "server.app:create_app_from_environment",
        factory=True,
        interface=Interfaces.WSGI,
        http=HTTPModes.http1,  # no cleartext HTTP/2: TLS and h2 are a proxy's job
        address=settings.host,
        port=settings.port,
        workers=1,  # one web process: its query workers are the parallelism
        blocking_threads=settings.web_threads,
        # Granian counts every open connection (idle keep-alive ones too) against this; the
        # web threads, not this, bound how much Python runs at once
        backpressure=BACKPRESSURE,
        http1_settings=HTTP1Settings(
            header_read_timeout=10_000,
            keep_alive=True,
            # a GET query's URL (hyper caps it at 64 KiB) plus the headers
            max_buffer_size=settings.max_header_bytes + 65_536,
        ),
        log_enabled=True,
        log_level="info" if verbose else "error",
        log_access=settings.access_log,
        log_access_format=ACCESS_LOG_FORMAT,
        respawn_failed_workers=True,
        respawn_interval=0.5,
        workers_kill_timeout=SHUTDOWN_GRACE,
    )


def run_server(settings: Settings, *, verbose: bool = False) -> None:
    """Serve ``settings.host:settings.port`` until SIGTERM/SIGINT. Blocks.

    On stderr, a line per phase of getting ready (each phase of building the store, if it has
    to be built), then the URL it listens on; Granian's own lines only if ``verbose``."""
    if settings.data_files:
        settings = _with_data_store(settings)
    elif settings.backend == "embedded":
        _say(_in_child(lambda: _describe(_ensure_store(settings))))
    settings = _check_address(settings)
    os.environ.update(environment(settings))
    server = granian_server(settings, verbose=verbose)
    _say(f"listening on {listening_url(settings)}")
    server.serve()


def listening_url(settings: Settings) -> str:
    """The URL of the address served (and, if ``public_url`` differs, where links point)."""
    url = replace(settings, public_url="").public_root
    if settings.public_root != url:
        return f"{url} (links point to {settings.public_root})"
    return url


def _say(message: str) -> None:
    print(f"kigraph serve: {message}", file=sys.stderr, flush=True)


def _check_address(settings: Settings) -> Settings:
    """Refuse an address we cannot listen on with one line (Granian would panic); port 0 (any
    free port) becomes the port the system picked, so that the URL printed is true."""
    try:
        infos = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(infos[0][4])
            port = probe.getsockname()[1]
    except OSError as error:
        raise KGError(
            f"cannot listen on {settings.host}:{settings.port}: {error.strerror or error}",
            status=500,
        ) from None
    return replace(settings, port=port)


def _with_data_store(settings: Settings) -> Settings:
    """``--data`` files, loaded into a store of their own (``var/data-store``), served instead."""
    from .build import build_from_files

    link = Path(settings.store).absolute().parent / "data-store"
    files = list(settings.data_files)
    _say(_in_child(lambda: _describe(build_from_files(files, link, log=_say))))
    return replace(settings, store=link, data_files=())


def _ensure_store(settings: Settings):
    """The on-disk store, built first (saying so, phase by phase) if it is missing."""
    from .build import ensure_store

    return ensure_store(settings, log=_say)


def _describe(store) -> str:
    where = f" ({store.location.name})" if store.location else ""
    return f"serving the store {store.path}{where}, data version {store.data_version[:12]}"


def _in_child(work):
    """``work()`` in a forked child, its result or its error handed back: RocksDB must never
    start in this process (its threads would not survive the fork of the web process)."""
    from multiprocessing import get_context

    context = get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def run(conn) -> None:
        try:
            conn.send(("ok", work()))
        except Exception as error:  # noqa: BLE001 — handed to the parent, which raises it
            conn.send(("error", error))
        finally:
            conn.close()

    child = context.Process(target=run, args=(sender,), name="kigraph-store")
    child.start()
    sender.close()
    try:
        kind, payload = receiver.recv()
    except EOFError:
        kind, payload = "error", StoreError(f"building the store ended (exit {child.exitcode})")
    child.join()
    if kind == "error":
        raise payload
    return payload


if __name__ == "__main__":  # python -m server.serving: serve with settings from KIGRAPH_*
    from .settings import load_settings

    run_server(load_settings())
