"""What every view needs from the current request: the runtime, the public root URL, the
language, and a memo that lives as long as the data version."""

from __future__ import annotations

from flask import current_app, request

from .. import i18n


def runtime():
    return current_app.extensions["kigraph"]


def root_url() -> str:
    """The service's public root, ending in / (``Settings.public_root``)."""
    return runtime().settings.public_root


def lang() -> str:
    return i18n.choose(request.args.get("lang"), request.headers.get("Accept-Language"))


def memo(key: str, make):
    """``make()``, computed once per worker and data version."""
    rt = runtime()
    full = (key, rt.version)
    if full not in rt.memo:
        rt.memo[full] = make()
    return rt.memo[full]
