"""What an IRI parameter of a saved query expects, for the form's picker (``iri-picker.js``).

A query declares the class of an IRI parameter by a type pattern on its variable:
``?org a org:Organization``, ``?org rdf:type kg:Initiative`` or
``?land rdf:type/rdfs:subClassOf* kg:FederalState``. The picker then suggests only things of that
class (the search API's ``type``, where a subclass counts). A parameter without one suggests
anything. Pure: reads the query's text, no store.
"""

from __future__ import annotations

import re

from .namespaces import PREFIXES
from .queries import SavedQuery
from .sparql_text import without_comments

_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_TYPE_PATH = r"(?:a|rdf:type|<http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type>)"
_SUBCLASS = r"(?:\s*/\s*(?:rdfs:subClassOf|<http://www\.w3\.org/2000/01/rdf-schema#subClassOf>)\*)?"
_CLASS = r"(<[^>\s]+>|[A-Za-z][\w.-]*:[\w.-]+)"


def expected_class(query: SavedQuery, name: str) -> str | None:
    """The class IRI the query states ``?name`` has, or None."""
    text = without_comments(query.text)
    pattern = re.compile(rf"\?{re.escape(name)}\s+{_TYPE_PATH}{_SUBCLASS}\s+{_CLASS}")
    match = pattern.search(text)
    if match is None:
        return None
    cls = match.group(1)
    if cls.startswith("<"):
        return cls[1:-1]
    prefixes = {**PREFIXES, **{p or "": ns for p, ns in _PREFIX_DECL.findall(text)}}
    prefix, _, local = cls.partition(":")
    return prefixes[prefix] + local if prefix in prefixes else None


def pickers(query: SavedQuery) -> dict[str, str]:
    """Each IRI parameter's name -> the class its picker suggests ("" for any thing)."""
    return {p.name: expected_class(query, p.name) or "" for p in query.params if p.type == "iri"}
