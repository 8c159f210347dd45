"""Every view's answer is made here: a view says *what* it answers (a negotiated format, a body,
a status, an ETag, its alternates) and :func:`respond` says *how*, the same way everywhere:

- ``Content-Type`` from the negotiated :class:`~server.formats.Format` (or a media type);
- ``ETag``, and ``304 Not Modified`` when ``If-None-Match`` names it (weak comparison, or
  ``*``); a 304 carries the headers its 200 would have;
- ``Vary`` (``Accept`` unless the view says more, such as ``Accept-Language`` for pages);
- ``Link: rel="alternate"`` to the other formats of a document, and any further links;
- ``Cache-Control``: the service's ``max-age`` for an answer that succeeded, ``no-store`` for a
  client error, as the error renderer (:mod:`server.http_errors`) sends;
- CORS: ``Access-Control-Allow-Origin: *`` (a view may send more, as ``/sparql`` does).

Negotiation is :mod:`server.formats` (:func:`~server.formats.choose`); :func:`negotiated` only
reads the request for it. Errors are raised as KGErrors and rendered by
:mod:`server.http_errors`, not here. Downloads are the one exception: they are files with
ranges, sent by Werkzeug's ``send_file`` (:mod:`.downloads`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from typing import BinaryIO

from flask import Response, render_template, request
from werkzeug.wsgi import wrap_file

from .. import formats, i18n
from .context import lang as current_lang
from .context import root_url, runtime

CORS: Mapping[str, str] = {"Access-Control-Allow-Origin": "*"}
#: pages differ by language too (``?lang=`` or ``Accept-Language``)
PAGE_VARY = "Accept, Accept-Language"

Body = str | bytes | BinaryIO


def negotiated(
    offered: tuple[formats.Format, ...],
    *,
    format_param: str | None = None,
    default: str | None = None,
) -> formats.Format:
    """The format to answer in, from the request's ``Accept`` and ``format=`` (or the
    ``format_param`` given), by :func:`server.formats.choose`."""
    if format_param is None:
        format_param = request.args.get("format")
    return formats.choose(request.headers.get("Accept"), offered, format_param, default)


def tag(*parts: str) -> str:
    """An ETag (unquoted) for what ``parts`` name in the current data version."""
    digest = hashlib.sha256("\x1f".join((runtime().version, *parts)).encode()).hexdigest()
    return digest[:32]


def fresh(etag: str) -> bool:
    """True when the client's ``If-None-Match`` names ``etag`` (or ``*``): answer 304."""
    return bool(request.if_none_match) and request.if_none_match.contains_weak(etag)


def respond(
    body: Body | Callable[[], Body] | None,
    fmt: formats.Format | str | None,
    *,
    status: int = 200,
    etag: str | None = None,
    vary: str | None = "Accept",
    alternates: Iterable[Mapping[str, str]] = (),
    links: Iterable[str] = (),
    cors: Mapping[str, str] | None = CORS,
    cache: bool = True,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The response for ``body`` in ``fmt`` (see the module docstring).

    ``body`` may be text, bytes, an open binary file (streamed, then closed), a function that
    makes the body (called only when no 304 is due), or None for a body-less answer (a 303, a
    204, or a 304 the view found due with :func:`fresh` before doing any work). ``alternates``
    are ``{"href", "type"}`` mappings; ``links`` are further ``Link`` values. ``cache=False``
    leaves ``Cache-Control`` out (answers to requests that change something).
    """
    fixed: dict[str, str] = dict(cors or {})
    if vary:
        fixed["Vary"] = vary
    if cache:
        fixed["Cache-Control"] = runtime().cache_control if status < 400 else "no-store"
    every_link = [f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in alternates]
    every_link += [link for link in links if link]
    if every_link:
        fixed["Link"] = ", ".join(every_link)
    fixed.update(headers or {})
    if etag is not None and status == 200 and fresh(etag):
        response = Response(status=304, headers=fixed)
        response.set_etag(etag)
        return response
    if callable(body):
        body = body()
    content_type = fmt.media_type if isinstance(fmt, formats.Format) else fmt
    if hasattr(body, "read"):  # a file: streamed as it is, with its length
        size = os.fstat(body.fileno()).st_size
        response = Response(
            wrap_file(request.environ, body),
            status,
            fixed,
            content_type=content_type,
            direct_passthrough=True,
        )
        response.content_length = size
    else:
        response = Response(body, status, fixed, content_type=content_type)
    if etag is not None and status == 200:
        response.set_etag(etag)
    return response


def see_other(location: str) -> Response:
    """``303 See Other`` to ``location``, which the client chose by ``Accept``."""
    return respond(None, None, status=303, headers={"Location": location})


def render(template: str, lang: str | None = None, **context) -> str:
    """A page: ``template`` with the language, its texts (``t``) and the public root."""
    lang = lang or current_lang()
    return render_template(template, lang=lang, t=i18n.texts(lang), root=root_url(), **context)
