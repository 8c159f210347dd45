"""What every answer passes through, from well-kept libraries — none of it written here:

- **Trusted proxies** (Werkzeug's ``ProxyFix``): ``X-Forwarded-For/-Proto/-Host`` count only
  with ``KIGRAPH_TRUSTED_PROXIES`` > 0, and then only as many hops as configured. Links never
  come from request headers anyway (``Settings.public_root``).
- **Security headers** (``secure``): Content-Security-Policy without inline scripts,
  ``X-Frame-Options: DENY``, ``Referrer-Policy: no-referrer``, ``nosniff``, on every answer
  (errors too). The reconciliation preview alone may be framed (:data:`FRAMEABLE_ENDPOINTS`).
- **Compression** (flask-compress): Brotli, gzip or zstd by ``Accept-Encoding``; ETags get the
  coding as suffix and still revalidate. Downloads are sent as they are (they have ``.gz``
  twins).
- **Rate limits** (flask-limiter, ``KIGRAPH_RATE_LIMIT``): per client address, ``429`` with
  ``Retry-After``.
- **Request size**: bodies over ``3 × KIGRAPH_MAX_QUERY_BYTES + 4096`` are refused by Flask
  (``413``); a request target over 65,534 bytes gets ``414`` (hyper's limit in front of us; here
  for in-process use). The HTTP server refuses request heads over its buffer (``431``).

Template output is hardened against bidi-override characters as well.
"""

from __future__ import annotations

import flask_compress.flask_compress
from flask import Flask, request
from flask_compress import Compress
from flask_limiter import Limiter
from secure import (
    ContentSecurityPolicy,
    ReferrerPolicy,
    Secure,
    XContentTypeOptions,
    XFrameOptions,
)
from werkzeug.middleware.proxy_fix import ProxyFix

from . import formats
from .errors import BadRequest, KGError
from .http_errors import neutralise_bidi
from .settings import Settings

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self' data:",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "object-src": "'none'",
}

#: the header as sent
CSP_HEADER = "; ".join(f"{name} {value}" for name, value in CSP.items())

#: views other sites may show in a frame: the reconciliation preview, which clients show in an
#: iframe on their own origin; every other answer keeps ``frame-ancestors 'none'``
FRAMEABLE_ENDPOINTS = frozenset({"reconcile.preview"})


def _security_headers(*, frameable: bool) -> Secure:
    csp = ContentSecurityPolicy()
    for name, value in CSP.items():
        if name == "frame-ancestors" and frameable:
            value = "*"
        csp.custom_directive(name, *value.split())
    return Secure(
        csp=csp,
        xfo=None if frameable else XFrameOptions().deny(),
        referrer=ReferrerPolicy().no_referrer(),
        xcto=XContentTypeOptions().nosniff(),
    )


# serialised once: ``Secure.set_headers`` would rebuild every value and replace header by
# header on each response (~20 µs of a cached answer's ~150 in-process)
SECURITY_HEADERS = tuple(_security_headers(frameable=False).header_items())
FRAMEABLE_HEADERS = tuple(_security_headers(frameable=True).header_items())

#: downloads are files with ``.gz`` twins, sent as they are (their length and ranges intact)
UNCOMPRESSED_ENDPOINTS = frozenset({"linked_data.download"})

#: textual answers worth compressing
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/ld+json",
    "application/problem+json",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/rdf+xml",
    "application/xml",
    "application/vnd.oai.openapi+json",
    "image/svg+xml",
]


#: the longest request target: hyper's (Granian's HTTP parser) fixed limit, so that the app
#: answers in-process as the server does in front of it
LONGEST_TARGET = 65_534


class URITooLong(KGError):
    status = 414
    slug = "uri-too-long"
    title = "URI too long"


#: content codings offered, best first
CODINGS = ("br", "gzip", "zstd")


def _negotiated_coding(algorithms: tuple[str, ...], accept_encoding: str) -> str | None:
    return formats.negotiate_encoding(accept_encoding, algorithms)


# flask-compress 1.x picks a coding the client refused with q=0 ("gzip;q=0" → gzip); the
# choice is ours (server.formats, where all negotiation lives) until it is fixed upstream
flask_compress.flask_compress._choose_algorithm = _negotiated_coding


class _Compress(Compress):
    def after_request(self, response):
        if request.endpoint in UNCOMPRESSED_ENDPOINTS:
            return response
        return super().after_request(response)


def max_body_bytes(settings: Settings) -> int:
    """The largest request body accepted: a form-encoded query of ``max_query_bytes``."""
    return settings.max_query_bytes * 3 + 4096


def install(app: Flask, settings: Settings) -> None:
    if settings.trusted_proxies > 0:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.after_request
    def security_headers(response):
        framed = request.endpoint in FRAMEABLE_ENDPOINTS
        # no view sets these itself, so adding them cannot duplicate one
        response.headers.extend(FRAMEABLE_HEADERS if framed else SECURITY_HEADERS)
        return response

    app.config.update(
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
        COMPRESS_MIN_SIZE=1400,
        COMPRESS_STREAMS=True,
        COMPRESS_ALGORITHM=list(CODINGS),
        COMPRESS_ALGORITHM_STREAMING=list(CODINGS),
        COMPRESS_BR_LEVEL=4,
    )
    _Compress(app)

    if settings.rate_limit:
        Limiter(
            key_func=lambda: request.remote_addr or "unknown",
            app=app,
            application_limits=[settings.rate_limit],  # one budget per client, all routes
            # load balancers' health checks are not clients
            application_limits_exempt_when=lambda: request.endpoint == "healthz",
            storage_uri="memory://",
            headers_enabled=True,
        )

    longest_target = LONGEST_TARGET

    @app.before_request
    def refuse_oversized_requests():
        environ = request.environ
        target = len(environ.get("PATH_INFO") or "") + len(environ.get("QUERY_STRING") or "")
        if target > longest_target:
            raise URITooLong(
                f"The request target has {target} characters; this server accepts at most "
                f"{longest_target}. Send long queries with POST (up to "
                f"{settings.max_query_bytes} bytes)."
            )
        # Granian hands a body that ended early to the app as if it were complete
        if environ["REQUEST_METHOD"] == "POST" and request.content_length:
            announced = request.content_length
            received = len(request.get_data(cache=True))  # form parsing reads this copy
            if received != announced:
                raise BadRequest(
                    f"The request body has {received} bytes, not the {announced} its "
                    "Content-Length announced."
                )

    def finalize(value):
        from markupsafe import Markup

        if isinstance(value, Markup):
            return Markup(neutralise_bidi(str(value)))
        if isinstance(value, str):
            return neutralise_bidi(value)
        return value

    app.jinja_env.finalize = finalize
