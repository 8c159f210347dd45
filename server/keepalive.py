"""Kept-alive connections straight to the workers, given back whenever other clients wait.

With ``KIGRAPH_CONNECTIONS=direct`` (the default) every uWSGI worker accepts HTTP/1.1
connections itself (``--http11-socket``) and keeps them alive: a request costs two process
switches instead of the four through uWSGI's HTTP router (bench/README.md, "Endpoint"). But a
worker serves one connection at a time, and uWSGI keeps reading the next request from the
same client for as long as it sends them — two busy clients would hold two workers while
everybody else waited. :class:`ShareConnections` keeps that fair, from inside each worker:

- **busy connections**: an answer carries ``Connection: close`` when clients are waiting to be
  accepted (the listening socket's accept queue, read with ``TCP_INFO``) and this connection
  has had its turn (``turn`` seconds of consecutive service). The client closes, the worker
  accepts the next one in line. The turn is 2 ms: with 16 clients on 4 workers, 5 ms doubled
  the 99th-percentile latency and 0 ms (a reconnection per request) cost a third of the
  throughput;
- **idle or slow connections** (a browser's kept-alive connection after a page, a client that
  sends its headers slowly): a watchdog thread notices that clients wait while this worker
  holds a connection outside any request, for two looks in a row (``poll`` apart, 20 ms), and
  shuts that connection down. One that has had an answer waits ``idle`` seconds (250 ms)
  first: with 20–40 ms, ``requests.Session`` clients pausing 15–60 ms between requests hit a
  closed connection in about 1 % of their requests. This is the idle timeout every keep-alive
  server has, applied only when somebody needs the worker; a client about to reuse the
  connection sees it closed and opens a new one. The watchdog starts with the worker (uWSGI's
  post-fork hook): a worker whose first connection stalls has run no request.

Connections are told apart by descriptor and socket inode, so a descriptor number reused by a
newly accepted connection is never mistaken for the old one.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time

#: struct tcp_info up to tcpi_unacked: 8 bytes, then 32-bit fields; for a listening socket
#: Linux reports the accept queue's length in tcpi_unacked (field 5 of the 32-bit ones)
_TCP_INFO = struct.Struct("8B5I")


def accept_queue_length(listener: socket.socket) -> int:
    """Connections established but not yet accepted on ``listener`` (Linux); 0 if unknown."""
    try:
        info = listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO.size)
    except (OSError, AttributeError):
        return 0
    return _TCP_INFO.unpack_from(info)[-1]


def find_listener(port: int) -> socket.socket | None:
    """This process's listening TCP socket on ``port`` (inherited from the uWSGI master), as a
    socket object on a duplicate of its descriptor."""
    for fd, _, listening in _sockets_on(port):
        if listening:
            return _socket_of(fd)
    return None


def nodelay_listener(port: int) -> socket.socket | None:
    """:func:`find_listener`, with ``TCP_NODELAY`` set: accepted sockets inherit it, and
    without it a kept-alive answer written as head and body waits for the client's delayed
    ACK — 40 ms per request."""
    listener = find_listener(port)
    if listener is not None:
        try:
            listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
    return listener


def _sockets_on(port: int):
    """``(descriptor, inode, listening)`` of this process's TCP sockets bound to ``port``:
    the listener and the client connections accepted from it (not, say, the connections of
    a remote backend's pool)."""
    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # not Linux
        return
    for fd in descriptors:
        try:
            if not os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                continue
        except OSError:
            continue
        sock = _socket_of(fd)
        if sock is None:
            continue
        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.getsockname()[1] == port:
                listening = bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
                yield fd, os.fstat(sock.fileno()).st_ino, listening
        except OSError:
            pass
        finally:
            sock.close()


def shut_down(fd: int) -> None:
    """Shut the connection on ``fd`` down in both directions (through a duplicate: the owner
    of ``fd`` closes it when it reads the end of file)."""
    sock = _socket_of(fd)
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


def _socket_of(fd: int) -> socket.socket | None:
    """A socket object on a duplicate of ``fd``, or None if ``fd`` is not a socket."""
    try:
        return socket.socket(fileno=os.dup(fd))
    except OSError:
        return None


def _inode(fd: int) -> int:
    try:
        return os.fstat(fd).st_ino
    except OSError:
        return -1


class ShareConnections:
    """WSGI middleware for uWSGI's ``--http11-socket`` workers (see the module docstring); it
    also sets ``TCP_NODELAY`` on the listening socket (:func:`nodelay_listener`)."""

    def __init__(
        self,
        app,
        port: int,
        *,
        turn: float = 0.002,
        idle: float = 0.25,
        poll: float = 0.02,
        connection_fd=None,
    ) -> None:
        self.app = app
        self.port = port
        self.turn = turn
        self.idle = idle
        self.poll = poll
        self._connection_fd = connection_fd  # uwsgi.connection_fd (a parameter for tests)
        self._pid = 0
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._in_request = False
        self._idle_since = 0.0  # when the last answer was sent
        self._requests = 0  # requests begun in this worker: tells the watchdog's looks apart
        self._connection = (-1, -1)  # (descriptor, inode) of the connection served last
        self._peer: tuple[str, str] | None = None  # its client's address and port
        self._since = 0.0  # when this worker began serving it
        global _active
        _active = self

    # --- per request ---------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        if self._pid != os.getpid():
            self._start()
        fd = self._current_fd()
        connection = (fd, _inode(fd))
        with self._lock:
            self._in_request = True
            self._requests += 1
        if connection != self._connection:
            self._connection = connection
            self._since = time.monotonic()
            self._peer = _peer_of(fd)
        if self._peer is not None:
            # uWSGI fills in the client's address on accept only: a kept-alive connection's
            # later requests would say 0.0.0.0 (to the rate limit, to the access log)
            environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = self._peer
            self._set_logvar("client", self._peer[0])

        def start(status, headers, exc_info=None):
            if self._others_wait() and time.monotonic() - self._since >= self.turn:
                if not any(name.lower() == "connection" for name, _ in headers):
                    headers.append(("Connection", "close"))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)

    def _current_fd(self) -> int:
        if self._connection_fd is None:
            import uwsgi  # only importable inside uWSGI

            self._connection_fd = uwsgi.connection_fd
            self._set_logvar = uwsgi.set_logvar
        return self._connection_fd()

    def _set_logvar(self, name: str, value: str) -> None:
        """``uwsgi.set_logvar`` under uWSGI (the access log's ``%(client)``)."""

    def _others_wait(self) -> bool:
        return self._listener is not None and accept_queue_length(self._listener) > 0

    # --- per worker process --------------------------------------------------------------------

    def _start(self) -> None:
        """Once per worker (threads and descriptors are per process after fork)."""
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._listener = nodelay_listener(self.port)
        if self._listener is None:
            return
        threading.Thread(target=self._watch, name="kigraph-keepalive", daemon=True).start()

    def _watch(self) -> None:
        suspect = None
        while True:
            time.sleep(self.poll)
            if self._in_request or not self._others_wait():
                suspect = None
                continue
            held = self._held_connection()
            if held == self._connection and time.monotonic() - self._idle_since < self.idle:
                suspect = None  # a client between two requests: give it time to send the next
                continue
            # a connection that ran a request between the two looks is busy, not idle
            sighting = None if held is None else (*held, self._requests)
            if sighting is None or sighting != suspect:
                suspect = sighting  # first sighting: it gets one more look
                continue
            with self._lock:
                if not self._in_request and self._requests == sighting[2]:
                    _give_back(*held)
            suspect = None

    def _held_connection(self) -> tuple[int, int] | None:
        """``(descriptor, inode)`` of the client connection this worker holds, if any."""
        for fd, inode, listening in _sockets_on(self.port):
            if not listening:
                return fd, inode
        return None


def _give_back(fd: int, inode: int) -> None:
    """End the connection ``(fd, inode)`` that uWSGI waits on between requests: uWSGI's wait
    wakes up, reads the end of file and closes it, and the client sees the FIN at once (and
    opens a new connection rather than reuse this one). Bytes of a next request still queued
    in the kernel mean the client is not idle: the connection is left alone.
    """
    sock = _socket_of(fd)  # a duplicate first, then its inode: uWSGI may reuse the number
    if sock is None:
        return
    try:
        if os.fstat(sock.fileno()).st_ino != inode:
            return
        try:
            if sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT):
                return
        except BlockingIOError:
            pass  # nothing pending: idle, or half a request read by uWSGI already
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()  # our duplicate only


def _peer_of(fd: int) -> tuple[str, str] | None:
    sock = _socket_of(fd)
    if sock is None:
        return None
    try:
        host, port = sock.getpeername()[:2]
        return host, str(port)
    except OSError:
        return None
    finally:
        sock.close()


def worker_started() -> None:
    """uWSGI's post-fork hook (set by ``server.uwsgi_hooks``): start this worker's watchdog
    now — a worker whose first connection is a stalled one never gets to run a request."""
    if _active is not None and _active._pid != os.getpid():
        _active._start()


def after_request() -> None:
    """uWSGI's after-request hook (set by ``server.uwsgi_hooks``): the answer is sent, this
    worker now holds its connection outside any request."""
    if _active is not None:
        _active._idle_since = time.monotonic()
        _active._in_request = False


#: the middleware of this process (one per uWSGI worker)
_active: ShareConnections | None = None


__all__ = [
    "ShareConnections",
    "accept_queue_length",
    "after_request",
    "find_listener",
    "nodelay_listener",
    "shut_down",
    "worker_started",
]
