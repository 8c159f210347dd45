"""The outermost WSGI layer: security headers, request size limits, rate limiting per client.

It wraps everything — Flask *and* the :class:`~server.views.sparql.QueryOperation` fast path —
so every answer (pages, SPARQL results, dumps, errors) carries the same headers, and a request
is measured before any of our code reads it:

- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and
  ``X-Frame-Options: DENY`` on every response; the Content-Security-Policy :data:`CSP` on HTML
  (no inline scripts, no framing, no plugins; inline styles allowed).
- Request header block over ``max_header_bytes`` → ``431``; request line over what a GET query
  of ``max_query_bytes`` may need → ``414``; a declared body over
  ``3 × max_query_bytes + 4096`` → ``413`` (before it is read).
- ``rate_limit`` requests/second per client address (token bucket, ``rate_burst`` deep) →
  ``429`` with ``Retry-After``. The buckets live in one shared memory table (an anonymous file
  mapped before the server forks), so the limit holds across all worker processes; it is locked
  with ``fcntl`` record locks, which the kernel releases if a worker dies holding one. Loopback
  clients are exempt unless ``rate_limit_loopback``.

Errors are rendered by :mod:`server.http_errors`, as everywhere.
"""

from __future__ import annotations

import fcntl
import hashlib
import math
import mmap
import secrets
import struct
import tempfile
import threading
import time

from .errors import BadRequest, KGError, PayloadTooLarge
from .http_errors import neutralise_bidi, render
from .settings import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
]
HTML_TYPES = ("text/html", "application/xhtml+xml")


class TooManyRequests(KGError):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests"


class HeadersTooLarge(KGError):
    status = 431
    slug = "request-header-fields-too-large"
    title = "Request header fields too large"


class URITooLong(KGError):
    status = 414
    slug = "uri-too-long"
    title = "URI too long"


def max_body_bytes(settings: Settings) -> int:
    """The largest request body accepted: a form-encoded query of ``max_query_bytes``."""
    return settings.max_query_bytes * 3 + 4096


class RateLimiter:
    """Token buckets per client address in a fixed table shared by forked processes.

    Addresses are hashed with a random key into ``slots`` slots; a slot remembers the hash it
    belongs to, so two addresses meeting in one slot reset it (the newcomer starts with a full
    bucket) instead of sharing it. Clock: ``time.monotonic`` (system-wide ``CLOCK_MONOTONIC``).
    """

    _SLOT = struct.Struct("<Qdd")  # address hash, tokens, last refill

    def __init__(self, rate: float, burst: int, slots: int = 8192) -> None:
        self.rate = float(rate)
        self.burst = float(burst if burst > 0 else max(1, math.ceil(2 * rate)))
        self.slots = slots
        self._key = secrets.token_bytes(16)
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 — lives as long as the limiter
        self._file.truncate(slots * self._SLOT.size)
        self._map = mmap.mmap(self._file.fileno(), slots * self._SLOT.size)
        self._thread_lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """Take one token for ``client``: 0.0 if allowed, else seconds until one is there."""
        now = time.monotonic() if now is None else now
        digest = hashlib.blake2b(client.encode(), key=self._key, digest_size=8).digest()
        key = int.from_bytes(digest, "little") or 1
        offset = (key % self.slots) * self._SLOT.size
        fd = self._file.fileno()
        with self._thread_lock:
            fcntl.lockf(fd, fcntl.LOCK_EX, self._SLOT.size, offset)
            try:
                owner, tokens, last = self._SLOT.unpack_from(self._map, offset)
                if owner != key:
                    tokens, last = self.burst, now
                tokens = min(self.burst, tokens + max(0.0, now - last) * self.rate)
                wait = 0.0
                if tokens >= 1.0:
                    tokens -= 1.0
                else:
                    wait = (1.0 - tokens) / self.rate
                self._SLOT.pack_into(self._map, offset, key, tokens, now)
            finally:
                fcntl.lockf(fd, fcntl.LOCK_UN, self._SLOT.size, offset)
        return wait


def _loopback(address: str) -> bool:
    return address.startswith("127.") or address in ("::1", "::ffff:127.0.0.1", "localhost")


class Security:
    """WSGI middleware; see the module docstring."""

    def __init__(self, wsgi_app, settings: Settings) -> None:
        self.wsgi_app = wsgi_app
        self.settings = settings
        self.max_headers = settings.max_header_bytes
        self.max_uri = settings.max_query_bytes * 3 + 8192
        self.max_body = max_body_bytes(settings)
        self.limiter = (
            RateLimiter(settings.rate_limit, settings.rate_burst)
            if settings.rate_limit > 0
            else None
        )
        self.limit_loopback = settings.rate_limit_loopback

    def __call__(self, environ, start_response):
        def secured(status, headers, exc_info=None):
            names = {name.lower() for name, _ in headers}
            extra = [h for h in HEADERS if h[0].lower() not in names]
            if "content-security-policy" not in names:
                ctype = next((v for n, v in headers if n.lower() == "content-type"), "")
                if ctype.split(";", 1)[0].strip().lower() in HTML_TYPES:
                    extra.append(("Content-Security-Policy", CSP))
            return start_response(status, list(headers) + extra, exc_info)

        try:
            self._check(environ)
        except KGError as error:
            response = render(error, environ.get("HTTP_ACCEPT", ""))
            if isinstance(error, TooManyRequests):
                response.headers["Retry-After"] = str(error.retry_after)
            if error.status in (413, 431, 414):
                response.headers["Connection"] = "close"  # the rest of the request is unread
            return response(environ, secured)
        return self.wsgi_app(environ, secured)

    def _check(self, environ) -> None:
        if self.limiter is not None:
            client = environ.get("REMOTE_ADDR") or "unknown"
            if self.limit_loopback or not _loopback(client):
                wait = self.limiter.take(client)
                if wait > 0:
                    error = TooManyRequests(
                        f"More than {self.settings.rate_limit:g} requests per second from "
                        f"{client} (KIGRAPH_RATE_LIMIT); retry in {math.ceil(wait)} s."
                    )
                    error.retry_after = max(1, math.ceil(wait))
                    raise error
        if self.max_headers > 0:
            size = sum(
                len(k) - 5 + len(v) + 4
                for k, v in environ.items()
                if k.startswith("HTTP_") and isinstance(v, str)
            )
            size += len(environ.get("CONTENT_TYPE") or "") + len(
                environ.get("CONTENT_LENGTH") or ""
            )
            if size > self.max_headers:
                raise HeadersTooLarge(
                    f"The request headers have about {size} bytes; this server accepts at most "
                    f"{self.max_headers} (KIGRAPH_MAX_HEADER_BYTES)."
                )
        uri = len(environ.get("PATH_INFO") or "") + len(environ.get("QUERY_STRING") or "")
        if uri > self.max_uri:
            raise URITooLong(
                f"The request target has {uri} characters; this server accepts at most "
                f"{self.max_uri}. Send long queries with POST."
            )
        length = environ.get("CONTENT_LENGTH")
        if length:
            try:
                n = int(length)
            except ValueError:
                raise BadRequest("Content-Length is not a number.") from None
            if n < 0:
                raise BadRequest("Content-Length is negative.")
            if n > self.max_body:
                raise PayloadTooLarge(
                    f"The request body has {n} bytes; this server accepts at most "
                    f"{self.max_body} (3 × KIGRAPH_MAX_QUERY_BYTES + 4096)."
                )


def harden_templates(app) -> None:
    """Every ``{{ value }}`` of our Jinja templates shows bidi controls as visible text."""
    from markupsafe import Markup

    def finalize(value):
        if isinstance(value, Markup):
            return Markup(neutralise_bidi(str(value)))
        if isinstance(value, str):
            return neutralise_bidi(value)
        return value

    app.jinja_env.finalize = finalize
