"""Large bodies leave as they are written; small ones are kept whole (cacheable, compressed once).

pyoxigraph's serialisers write to a binary file object in 8 KiB pieces while the query is still
being evaluated. :class:`ResponseSink` is that file object: up to ``limit`` bytes it keeps what
it gets (the common case — an answer with a ``Content-Length``, put in the result cache); past
``limit`` it starts the HTTP response itself through the WSGI ``write()`` callable and from then
on passes every piece on, compressed on the fly if the client asked for it. Memory stays at
``limit`` plus one piece, whatever the size of the result, and the first bytes reach the client
while the rest is still being computed.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable

import brotli

#: WSGI environ key, set once a streamed answer's status and headers are sent
STARTED = "kigraph.streaming"
#: bytes kept in memory before an answer is streamed instead
STREAM_AFTER = 1 << 20
#: streamed pieces are gathered to this size before they are sent (fewer, fuller writes)
SEND_SIZE = 64 << 10
#: below one packet compression does not pay
COMPRESS_MIN = 1400
#: offered encodings, best first; quality settings for answers computed per request
ENCODINGS = ("br", "gzip")
BROTLI_QUALITY = 4
GZIP_LEVEL = 5


def compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY)
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class _Compressor:
    """One encoding's streaming compressor. ``feed`` returns everything compressed so far —
    flushed, so the client gets each piece now rather than when the encoder's window fills
    (brotli's holds megabytes) — and ``finish`` the end of the stream."""

    def __init__(self, encoding: str) -> None:
        if encoding == "br":
            self._brotli = brotli.Compressor(quality=BROTLI_QUALITY)
        else:
            self._zlib = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: gzip framing
        self._encoding = encoding

    def feed(self, data: bytes) -> bytes:
        if self._encoding == "br":
            return self._brotli.process(data) + self._brotli.flush()
        return self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        if self._encoding == "br":
            return self._brotli.finish()
        return self._zlib.flush()


class ResponseSink:
    """A writable binary file for pyoxigraph that turns into a streamed response when full.

    ``start(encoding)`` is called once, when ``limit`` is passed: it must send the status and
    headers (with ``Content-Encoding`` if ``encoding``) and return the WSGI ``write`` callable.
    ``chunked``: frame the body in HTTP/1.1 chunks here, for uWSGI: its workers pass a body on
    as it is, and its router's own framing would end even a body cut short by the deadline
    cleanly; ours leaves the last chunk out, so the client knows the answer is incomplete.
    """

    def __init__(
        self,
        start: Callable[[str | None], Callable[[bytes], object]],
        encoding: str | None,
        limit: int = STREAM_AFTER,
        *,
        chunked: bool = False,
    ) -> None:
        self._start = start
        self._chunked = chunked
        self._encoding = encoding
        self._limit = limit
        self._buffer = bytearray()
        self._send: Callable[[bytes], object] | None = None
        self._compressor: _Compressor | None = None
        self.sent = 0  # bytes written to the client (after compression)

    @property
    def streaming(self) -> bool:
        return self._send is not None

    def write(self, data) -> int:
        self._buffer += data
        if self._send is None:
            if len(self._buffer) > self._limit:
                self._send = self._start(self._encoding)
                if self._encoding:
                    self._compressor = _Compressor(self._encoding)
                self._pass_on()
        elif len(self._buffer) >= SEND_SIZE:
            self._pass_on()
        return len(data)

    def flush(self) -> None:
        pass  # pieces go out at SEND_SIZE; the rest when the serialiser is done (close)

    def body(self) -> bytes:
        """The whole answer, if it stayed under the limit."""
        assert self._send is None
        return bytes(self._buffer)

    def close(self) -> None:
        """After the serialiser returned: send what is left and end the compressed stream."""
        if self._send is None:
            return
        self._pass_on()
        if self._compressor is not None:
            self._emit(self._compressor.finish())
        if self._chunked:
            self._send(b"0\r\n\r\n")  # the last chunk: only a finished answer has it

    def _pass_on(self) -> None:
        data = bytes(self._buffer)
        self._buffer.clear()
        if self._compressor is not None:
            data = self._compressor.feed(data)
        self._emit(data)

    def _emit(self, data: bytes) -> None:
        if data:
            assert self._send is not None
            self._send(b"%x\r\n%b\r\n" % (len(data), data) if self._chunked else data)
            self.sent += len(data)


def end_connection(environ) -> None:
    """Close the client's connection under uWSGI now, after an answer was cut short.

    uWSGI keeps a kept-alive connection open after an application error, waiting for a next
    request, and the client would wait for the last chunk until the socket timeout. gunicorn
    and Werkzeug close the connection on the exception themselves.
    """
    if "uwsgi.version" not in environ:
        return
    import uwsgi  # only importable inside uWSGI

    from .keepalive import shut_down

    shut_down(uwsgi.connection_fd())


__all__ = [
    "COMPRESS_MIN",
    "ENCODINGS",
    "STARTED",
    "STREAM_AFTER",
    "ResponseSink",
    "compress",
    "end_connection",
]
