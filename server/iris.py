"""IRI ⇄ URL: our IRIs live under ``https://w3id.org/kigraph/``; the server answers for them at
the same paths under wherever it runs. The one place that knows the mapping."""

from __future__ import annotations

from urllib.parse import quote

from .namespaces import BASE

#: path prefixes (under the base) whose IRIs name things, not documents
THING_PREFIX = "id/"
DOC_PREFIX = "doc/"


def is_ours(iri: str, base: str = BASE) -> bool:
    return iri.startswith(base)


def local_path(iri: str, base: str = BASE) -> str | None:
    """``https://w3id.org/kigraph/id/org/dfki`` → ``id/org/dfki``; None for other IRIs."""
    if not iri.startswith(base):
        return None
    return iri[len(base) :]


def iri_for(path: str, base: str = BASE) -> str:
    """``id/org/dfki`` → ``https://w3id.org/kigraph/id/org/dfki``."""
    return base + path.lstrip("/")


def url_for_iri(iri: str, root: str, base: str = BASE) -> str:
    """The link a page should use for ``iri``: our own IRIs point at this server (``root`` is
    the server's URL root, ending in ``/``); hash IRIs of the ontology keep their fragment."""
    path = local_path(iri, base)
    if path is None:
        return iri
    return root + quote(path, safe="/#:@!$&'()*+,;=-._~")


def doc_path(thing_path: str) -> str:
    """``id/org/dfki`` → ``doc/org/dfki`` (the document describing the thing)."""
    return DOC_PREFIX + thing_path[len(THING_PREFIX) :]


def thing_path(document_path: str) -> str:
    """``doc/org/dfki`` → ``id/org/dfki``."""
    return THING_PREFIX + document_path[len(DOC_PREFIX) :]
