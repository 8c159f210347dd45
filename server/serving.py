"""Run the KI-Graph web service: uWSGI (``pyuwsgi``) by default, gunicorn as the fallback.

Both run pre-forked worker processes that serve **one request at a time** (uWSGI
``--threads 1``, gunicorn *sync* workers). That is what makes the query timeout exact and safe:
when a query outlives ``query_timeout`` the worker's watchdog thread (``server.sparql.Deadline``)
writes a 503 problem response on that request's connection (``uwsgi.connection_fd()`` /
``gunicorn.socket``) and ends the process — pyoxigraph cannot be interrupted from Python, so
ending the process is the only way to stop the work. No other request is lost, the other
workers keep serving, and the master starts a replacement.

Why uWSGI: on this 2-core machine gunicorn's sync worker answers a trivial WSGI app at ≈ 5 k
requests/s (HTTP parsed in Python, no keep-alive), uWSGI at ≈ 21 k (C parser, access log
written in C) — see bench/README.md, "Endpoint". ``KIGRAPH_USE_GUNICORN=1`` forces gunicorn.

- The store is built if missing (``ensure_store``) in the master before workers start; an
  on-disk store is then closed again and each worker opens it read-only after ``fork`` (RocksDB
  must not cross ``fork``). An in-memory ``--data`` store is loaded once and inherited.
- With SPARQL Update enabled there is one worker (the store's one read-write opener).
- Graceful shutdown: SIGTERM lets running requests finish (uWSGI ``gracefully_kill_them_all``
  with ``worker-reload-mercy``; gunicorn ``graceful_timeout``), then exits.
- Access log: one line per request, ``key=value`` pairs.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import sys

from .settings import Settings

#: gunicorn's access log (the fallback server): one line of key=value pairs
ACCESS_LOG_FORMAT = (
    'time=%(t)s remote=%(h)s method=%(m)s path="%(U)s" status=%(s)s bytes=%(B)s ms=%(M)s '
    'pid=%(p)s ua="%(a)s"'
)


def gunicorn_options(settings: Settings, *, access_log: str | None = "-") -> dict:
    workers = 1 if settings.update_enabled else max(1, settings.workers)
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": workers,
        "worker_class": "sync",
        # the arbiter's own heartbeat must not kill a worker before the query deadline does
        "timeout": int(settings.query_timeout) + 30,
        "graceful_timeout": int(settings.query_timeout) + 5,
        "keepalive": 2,
        "accesslog": access_log,
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "kigraph",
        "backlog": 2048,
        "preload_app": True,
        "forwarded_allow_ips": "127.0.0.1",
        "control_socket_disable": True,  # gunicorn ≥ 25: no shared ~/.gunicorn/gunicorn.ctl
    }


#: the app uWSGI serves (set by :func:`run_server` before uWSGI starts in this interpreter)
application = None

UWSGI_LOG_FORMAT = (
    'time=%(time) remote=%(addr) method=%(method) path="%(uri)" status=%(status) bytes=%(size) '
    'ms=%(msecs) pid=%(pid) ua="%(uagent)"'
)


def uwsgi_options(settings: Settings, *, access_log: bool = True) -> list[str]:
    workers = 1 if settings.update_enabled else settings.workers  # one read-write opener
    args = [
        # HTTP/1.1 with keep-alive (``--http-socket`` answered "Keep-Alive" and then closed)
        "--http11-socket",
        f"{settings.host}:{settings.port}",
        "--master",
        "--processes",
        str(max(1, workers)),
        "--threads",
        "1",
        "--enable-threads",  # the query deadline is a thread
        "--module",
        "server.serving:application",
        "--need-app",
        "--die-on-term",  # SIGTERM stops the server (the hook below makes that graceful)
        "--worker-reload-mercy",
        str(int(settings.query_timeout) + 5),
        # backstop only: our deadline ends the worker first, answering 503
        "--harakiri",
        str(int(settings.query_timeout) + 30),
        "--listen",
        "1024",
        "--buffer-size",
        "65535",
        "--post-buffering",
        "0",
        "--single-interpreter",
        "--no-orphans",
        "--procname-prefix-spaced",
        "kigraph",
        "--hook-master-start",
        "unix_signal:15 gracefully_kill_them_all",
    ]
    if access_log:
        args += ["--log-format", UWSGI_LOG_FORMAT]
    else:
        args += ["--disable-logging"]
    return args


def run_server(settings: Settings, *, access_log: bool = True) -> None:
    """Serve ``create_app(settings)`` on ``settings.host:settings.port`` until stopped.

    uWSGI (``pyuwsgi``) when installed, else gunicorn (slower: no keep-alive, Python HTTP
    parsing). Blocks; returns when the server stops (SIGTERM/SIGINT).
    """
    global application
    from .app import create_app
    from .store import ensure_store

    if settings.backend != "embedded" and not settings.data_files:
        store = None  # a remote store: each worker opens its own HTTP pool
    else:
        store = ensure_store(settings)  # builds the on-disk store if missing; loads --data
    if settings.data_files:
        application = create_app(settings, store=store)  # in memory: inherited by the workers
    else:
        del store
        gc.collect()  # close RocksDB before workers fork; each opens it read-only after fork
        application = create_app(settings)
    # uWSGI imports "server.serving" (not __main__ under ``python -m``): set it there
    importlib.import_module("server.serving").application = _PeerAddress(application)
    try:
        import pyuwsgi
    except ImportError:
        pyuwsgi = None
    if pyuwsgi is not None and not os.environ.get("KIGRAPH_USE_GUNICORN"):
        sys.stdout.flush()
        pyuwsgi.run(*uwsgi_options(settings, access_log=access_log))
        return
    _run_gunicorn(settings, application, access_log="-" if access_log else None)


class _PeerAddress:
    """uWSGI's HTTP/1.1 socket reports ``REMOTE_ADDR=0.0.0.0`` on a kept-alive connection's
    later requests; the rate limit and the logs need the real peer, which the socket knows."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in ("0.0.0.0", "", None):
            try:
                import socket

                import uwsgi  # only importable inside uWSGI

                peer = socket.socket(fileno=os.dup(uwsgi.connection_fd()))
                try:
                    environ["REMOTE_ADDR"] = peer.getpeername()[0]
                finally:
                    peer.close()
            except (ImportError, OSError):
                pass
        return self.app(environ, start_response)


def _run_gunicorn(settings: Settings, app, *, access_log: str | None) -> None:
    from gunicorn.app.base import BaseApplication

    options = gunicorn_options(settings, access_log=access_log)

    class _Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # skip what an older gunicorn does not know
                    self.cfg.set(key, value)

        def load(self):
            return app

    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    _Application().run()


if __name__ == "__main__":  # python -m server.serving: serve with settings from KIGRAPH_*
    from .settings import load_settings

    run_server(load_settings())
