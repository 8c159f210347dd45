"""Run work under the query deadline: the same guard for /sparql and for saved queries."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable
from typing import Any

from ..errors import QueryTimeout
from ..http_errors import PROBLEM_JSON, problem_bytes, problem_of
from ..streaming import STARTED

log = logging.getLogger("kigraph.sparql")


def run_guarded(rt: Any, environ: dict, timeout: float, work: Callable[[], Any]) -> Any:
    """``work()`` with the per-process deadline armed (under gunicorn/uWSGI the worker answers
    503 and ends at the deadline — the only way to stop pyoxigraph; elsewhere it just runs)."""
    kill = _killer(environ, timeout)
    if kill is None:
        return work()
    rt.deadline.arm(timeout, kill)
    try:
        return work()
    finally:
        if not rt.deadline.disarm():
            _retire_worker(environ)


def _retire_worker(environ) -> None:
    """Ask the server to replace this worker once the current response is sent (its thread is
    stuck at a lowered priority): uWSGI and gunicorn both treat the signal as a graceful stop."""
    log.warning("worker %d keeps a lowered priority; it retires after this request", os.getpid())
    os.kill(os.getpid(), signal.SIGHUP if "uwsgi.version" in environ else signal.SIGTERM)


def _killer(environ, timeout: float):
    """The deadline action for this request, if the server lets us end the worker process:
    uWSGI (``uwsgi.connection_fd()``) or gunicorn (``gunicorn.socket``)."""
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        return lambda: _expire(sock.sendall, timeout, environ)
    if "uwsgi.version" in environ:
        import uwsgi  # only importable inside uWSGI

        fd = uwsgi.connection_fd()
        return lambda: _expire(lambda data: os.write(fd, data), timeout, environ)
    return None


def _expire(send, timeout: float, environ) -> None:
    """Deadline passed: answer 503 on the client socket and end this worker process (the only
    way to stop pyoxigraph's work); gunicorn's arbiter starts a fresh worker. If a streamed
    answer is under way, its head is sent already: ending the process cuts it short, which the
    client sees as an incomplete response."""
    if environ.get(STARTED):
        log.error("query timeout after %gs mid-stream: worker %d ends", timeout, os.getpid())
        os._exit(75)
    error = QueryTimeout(
        f"The query was stopped after {timeout:g} s (the server's limit, "
        "KIGRAPH_QUERY_TIMEOUT). Narrow it down, add a LIMIT, or run it on a local copy."
    )
    body = problem_bytes(problem_of(error))
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        f"Content-Type: {PROBLEM_JSON}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\nRetry-After: 5\r\nCache-Control: no-store\r\n"
        "Access-Control-Allow-Origin: *\r\nVary: Accept\r\n\r\n"
    )
    try:
        send(head.encode() + body)
    except OSError:
        pass
    log.error("query timeout after %gs: worker %d ends to stop it", timeout, os.getpid())
    os._exit(75)  # not 3/4, which gunicorn's arbiter treats as boot errors
