"""Brotli/gzip for every answer kept whole: SPARQL results, pages, saved-query results, RDF
documents, static files.

This WSGI middleware compresses answers that carry a ``Content-Length`` (so the size is known
and bounded) of a textual media type; answers ``/sparql`` streams compress themselves
(:mod:`server.streaming`). Answers that are already encoded, downloads
(``Content-Disposition: attachment``), streamed answers and anything but ``200`` pass through.
Compressed bodies are kept per worker (the last 256, by content), so the same static file or page
is compressed once per encoding, not per request.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from .formats import negotiate_encoding
from .streaming import COMPRESS_MIN, ENCODINGS, compress

#: larger bodies are left as they are (they would be held in memory to be compressed)
COMPRESS_MAX = 16 << 20
TEXTUAL = (
    "text/",
    "application/json",
    "application/ld+json",
    "application/problem+json",
    "application/javascript",
    "application/xml",
    "application/rdf+xml",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/schema+json",
    "application/vnd.oai.openapi+json",
    "image/svg+xml",
)
CACHE_ENTRIES = 256


class Compression:
    """WSGI middleware; see the module docstring."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app
        self._cache: OrderedDict[tuple[bytes, str], bytes] = OrderedDict()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "HEAD":
            return self.wsgi_app(environ, start_response)
        encoding = negotiate_encoding(environ.get("HTTP_ACCEPT_ENCODING"), ENCODINGS)
        if encoding is None:
            return self.wsgi_app(environ, start_response)
        suffix = "-" + encoding
        inm = environ.get("HTTP_IF_NONE_MATCH")
        if inm and suffix in inm:  # the app knows its ETags without our suffix
            environ["HTTP_IF_NONE_MATCH"] = inm.replace(suffix + '"', '"')
        held: list = []

        def hold(status: str, headers: list, exc_info=None):
            if exc_info is None and _compressible(status, headers):
                held[:] = [status, headers]
                return _no_write
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, hold)
        if not held:
            return body
        status, headers = held
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        etag = _header(headers, "etag")
        packed = self._compressed(encoding, data)
        dropped = ("content-length", "etag", "vary", "accept-ranges")  # ranges: of the original
        out = [(k, v) for k, v in headers if k.lower() not in dropped]
        vary = _header(headers, "vary")
        out += [
            ("Content-Encoding", encoding),
            ("Content-Length", str(len(packed))),
            ("Vary", _vary_on_encoding(vary)),
        ]
        if etag:
            out.append(("ETag", etag[:-1] + suffix + '"' if etag.endswith('"') else etag + suffix))
        start_response(status, out)
        return [packed]

    def _compressed(self, encoding: str, data: bytes) -> bytes:
        # keyed by content, not by ETag: a page's ETag need not tell its languages apart
        key = (hashlib.blake2b(data, digest_size=16).digest(), encoding)
        packed = self._cache.get(key)
        if packed is None:
            packed = compress(data, encoding)
            self._cache[key] = packed
            if len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return packed


def _header(headers: list, name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _vary_on_encoding(vary: str | None) -> str:
    if not vary:
        return "Accept-Encoding"
    return vary if "accept-encoding" in vary.lower() else f"{vary}, Accept-Encoding"


def _compressible(status: str, headers: list) -> bool:
    if not status.startswith("200"):
        return False
    length = _header(headers, "content-length")
    if length is None or not length.isdigit() or not COMPRESS_MIN <= int(length) <= COMPRESS_MAX:
        return False
    if _header(headers, "content-encoding"):
        return False
    if (_header(headers, "content-disposition") or "").lower().startswith("attachment"):
        return False  # a download: the .gz twins are there for that
    media_type = (_header(headers, "content-type") or "").split(";", 1)[0].strip().lower()
    return media_type.startswith(TEXTUAL)


def _no_write(data: bytes) -> None:
    raise RuntimeError("a compressed answer cannot be written through write()")


__all__ = ["Compression"]
