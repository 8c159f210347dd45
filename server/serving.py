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

Connections (``KIGRAPH_CONNECTIONS``): by default every worker accepts HTTP/1.1 connections
itself and keeps them alive, and :mod:`server.keepalive` makes it give a connection back when
other clients wait — two process switches per request. With ``router``, uWSGI's HTTP router
(an event loop in C) holds all connections and passes each request to a free worker over a
private Unix socket: four switches per request, but a worker never sees a slow client.

- The store is built if missing (``ensure_store``) in a forked child before the workers start,
  so RocksDB never runs in the master; each worker opens the store read-only after ``fork``
  (RocksDB must not cross ``fork``). An in-memory ``--data`` store is loaded once and inherited.
- With SPARQL Update enabled there is one worker (the store's one read-write opener).
- Graceful shutdown: SIGTERM lets running requests finish (uWSGI ``gracefully_kill_them_all``
  with ``worker-reload-mercy``; gunicorn ``graceful_timeout``), then exits.
- Access log: one line per request, ``key=value`` pairs.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import tempfile

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

#: ``{remote}``: uWSGI's ``%(addr)`` behind its router; with connections held by the workers,
#: ``%(client)``, set by server.keepalive (uWSGI's own is 0.0.0.0 on a kept-alive connection)
UWSGI_LOG_FORMAT = (
    'time=%(time) remote={remote} method=%(method) path="%(uri)" status=%(status) bytes=%(size) '
    'ms=%(msecs) pid=%(pid) ua="%(uagent)"'
)


def uwsgi_options(
    settings: Settings, worker_socket: str | None = None, *, access_log: bool = True
) -> list[str]:
    """uWSGI's command line. ``worker_socket`` is the private Unix socket between the router and
    the workers (``KIGRAPH_CONNECTIONS=router`` only)."""
    workers = 1 if settings.update_enabled else settings.workers  # one read-write opener
    if settings.connections == "router":
        args = [
            # uWSGI's HTTP router, an event loop in C, holds every connection and hands single
            # requests to whichever worker is free, over a private Unix socket
            "--shared-socket",
            f"{settings.host}:{settings.port}",
            "--http",
            "=0",
            "--http-keepalive",
            # the router must outwait a query that runs to its deadline (the worker answers 503)
            "--http-timeout",
            str(int(settings.query_timeout) + 30),
            "--socket",
            worker_socket or "",
        ]
    else:
        args = [
            # each worker accepts connections and keeps them alive itself (two process switches
            # per request, not four); server.keepalive gives them back when others wait
            "--http11-socket",
            f"{settings.host}:{settings.port}",
            "--import",
            "server.uwsgi_hooks",
            # a kept-alive connection nobody else needs may idle this long; a client may stall
            # reading a streamed answer this long
            "--socket-timeout",
            "30",
        ]
    args += [
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
        remote = "%(addr)" if settings.connections == "router" else "%(client)"
        args += ["--log-format", UWSGI_LOG_FORMAT.format(remote=remote)]
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

    if settings.data_files:  # in memory: loaded once here, inherited by the workers
        store = ensure_store(settings)
        print(f"kigraph serve: {store!r}", file=sys.stderr)
        application = create_app(settings, store=store)
    else:
        if settings.backend == "embedded":
            print(f"kigraph serve: {_ensure_store_elsewhere(settings)}", file=sys.stderr)
        # each worker opens the store (read-only) or its HTTP pool to a remote one after fork
        application = create_app(settings)
    # uWSGI imports "server.serving" (not __main__ under ``python -m``): set it there
    try:
        import pyuwsgi
    except ImportError:
        pyuwsgi = None
    if pyuwsgi is not None and not os.environ.get("KIGRAPH_USE_GUNICORN"):
        serving = importlib.import_module("server.serving")
        sys.stdout.flush()
        if settings.connections == "router":
            serving.application = _NoDelay(application, settings.port)
            # the router reaches the workers over a private Unix socket (no port, no Nagle)
            with tempfile.TemporaryDirectory(prefix="kigraph-") as private:
                pyuwsgi.run(
                    *uwsgi_options(settings, f"{private}/workers.sock", access_log=access_log)
                )
        else:
            from .keepalive import ShareConnections

            serving.application = ShareConnections(application, settings.port)
            pyuwsgi.run(*uwsgi_options(settings, access_log=access_log))
        return
    _run_gunicorn(settings, application, access_log="-" if access_log else None)


def _ensure_store_elsewhere(settings: Settings) -> str:
    """Build the on-disk store if missing, and describe it — in a forked child, so that RocksDB
    never starts in this process. Its background threads would not exist in the forked
    workers, yet their handles would: a worker ending gracefully joined them and crashed."""
    from multiprocessing import get_context

    from .errors import StoreError, ValidationFailed
    from .store import ensure_store

    def check(conn) -> None:
        try:
            conn.send(("ok", repr(ensure_store(settings))))
        except ValidationFailed as error:
            conn.send(("invalid", error.report))
        except Exception as error:  # noqa: BLE001 — handed to the parent, which raises it
            conn.send(("error", f"{type(error).__name__}: {error}"))
        finally:
            conn.close()

    context = get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=check, args=(sender,), name="kigraph-store-check")
    child.start()
    sender.close()
    try:
        kind, payload = receiver.recv()
    except EOFError:
        kind, payload = "error", f"the store check ended unexpectedly (exit {child.exitcode})"
    child.join()
    if kind == "invalid":
        raise ValidationFailed(payload)
    if kind == "error":
        raise StoreError(payload.removeprefix("StoreError: "))
    return payload


class _NoDelay:
    """Sets ``TCP_NODELAY`` on the router's listening socket, once per worker process.

    uWSGI's router does not disable Nagle's algorithm itself (why it matters:
    :func:`server.keepalive.nodelay_listener`). The workers hold the listening socket too, so
    the first request of any worker fixes it for all.
    """

    def __init__(self, app, port: int) -> None:
        self.app = app
        self.port = port
        self._pid = 0

    def __call__(self, environ, start_response):
        if self._pid != os.getpid():
            self._pid = os.getpid()
            _set_nodelay_on_listener(self.port)
        return self.app(environ, start_response)


def _set_nodelay_on_listener(port: int) -> None:
    from .keepalive import nodelay_listener

    listener = nodelay_listener(port)  # None if not Linux: slower kept-alive answers, not wrong
    if listener is not None:
        listener.close()  # our duplicate; the workers' own descriptor stays open


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
