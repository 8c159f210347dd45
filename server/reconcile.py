"""The W3C Reconciliation Service API, version 0.2 — the protocol OpenRefine 3.x speaks
(https://www.w3.org/community/reports/reconciliation/CG-FINAL-specs-0.2-20230410/). Pure core
(no Flask): the service manifest, reconciliation query batches and their results, and the
suggest services for entities, types and properties, all over :class:`server.search.Index`.

Entities are identified by their full IRIs (identifier space ``https://w3id.org/kigraph/id/``),
types by class IRIs (schema space: the ontology; the five kinds of :data:`server.search.KINDS`
are the default types) and properties by property IRIs. A query's types restrict the
candidates (a subclass counts); its properties — external identifiers (``schema:sameAs``:
Wikidata, ROR, GeoNames), location, acronym — raise or lower their scores, or, in a query
without a ``query`` text, select the candidates. A candidate is a ``match`` when it is the only
one whose name (or identifier) is the query exactly and that agrees with every property given.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import search
from .errors import KGError
from .namespaces import ID, KG, PREFIXES, SCHEMA
from .query_params import BadParameter
from .search import bad

VERSION = "0.2"
#: the most queries one batch may hold (said in the manifest; more is 413)
BATCH_SIZE = 100
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
#: the longest query text or property value taken
MAX_TEXT = 500
#: the iframe OpenRefine shows a preview in
PREVIEW_SIZE = (400, 170)

#: the properties queries can match on, and what they are called
PROPERTIES: Mapping[str, Mapping[str, str]] = {
    SCHEMA + "sameAs": {
        "de": "Externe Kennung (Wikidata, ROR, GeoNames)",
        "en": "External identifier (Wikidata, ROR, GeoNames)",
        "description_de": "z. B. Q896469, wd:Q896469, 01ayc5b57 oder die volle URL",
        "description_en": "e.g. Q896469, wd:Q896469, 01ayc5b57 or the full URL",
    },
    KG + "location": {
        "de": "Ort",
        "en": "Location",
        "description_de": "Name oder IRI des Orts (Stadt, Bundesland)",
        "description_en": "name or IRI of the place (city, federal state)",
    },
    KG + "acronym": {
        "de": "Akronym",
        "en": "Acronym",
        "description_de": "Kurzname, z. B. DFKI",
        "description_en": "short name, e.g. DFKI",
    },
}
#: short names people write for the properties
_PROPERTY_ALIASES = {
    "sameas": SCHEMA + "sameAs",
    "wikidata": SCHEMA + "sameAs",
    "location": KG + "location",
    "acronym": KG + "acronym",
}
_QUERY_KEYS = {"query", "type", "limit", "properties", "type_strict"}


class BatchTooLarge(KGError):
    status = 413
    slug = "reconciliation-batch-too-large"
    title = "The reconciliation batch holds too many queries"


# --- the manifest ----------------------------------------------------------------------------


def manifest(root: str, lang: str, service_version: str) -> dict:
    """The service manifest; ``root`` is the service's public root URL (ending in ``/``)."""
    base = root.rstrip("/")
    return {
        "versions": [VERSION],
        "name": "KI-Graph (öffentlich-private KI-Kooperationen)"
        if lang == "de"
        else "KI-Graph (public–private AI cooperations)",
        "identifierSpace": ID,
        "schemaSpace": KG,
        "serviceVersion": service_version,
        "logo": root + "static/favicon.svg",
        "defaultTypes": [
            {"id": spec["type"], "name": spec[lang]} for spec in search.KINDS.values()
        ],
        "view": {"url": root + "reconcile/view?id={{id}}"},
        "preview": {
            "url": root + "reconcile/preview?id={{id}}&lang=" + lang,
            "width": PREVIEW_SIZE[0],
            "height": PREVIEW_SIZE[1],
        },
        "suggest": {
            kind: {"service_url": base, "service_path": f"/reconcile/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "batchSize": BATCH_SIZE,
    }


# --- reading a batch -------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyValue:
    pid: str  # the property's IRI
    given: str  # as the query named it (the feature's id)
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Query:
    text: str | None
    types: tuple[str, ...]
    limit: int
    properties: tuple[PropertyValue, ...]


def parse_batch(raw: str) -> dict[str, Query]:
    """The reconciliation query batch in ``raw`` (the ``queries`` parameter), checked; a batch
    that is not one names the ``queries`` parameter and what is wrong, where."""
    try:
        batch = json.loads(raw)
    except ValueError as error:
        raise bad(
            "queries",
            f"not valid JSON ({error})",
            f"kein gültiges JSON ({error})",
        ) from None
    if not isinstance(batch, dict):
        raise bad(
            "queries",
            "must be a JSON object mapping query ids to queries",
            "muss ein JSON-Objekt sein, das Abfrage-IDs auf Abfragen abbildet",
        )
    if len(batch) > BATCH_SIZE:
        raise BatchTooLarge(
            f"The batch holds {len(batch)} queries; send at most {BATCH_SIZE} at once.",
            detail_de=f"Der Stapel enthält {len(batch)} Abfragen; höchstens {BATCH_SIZE}.",
        )
    return {key: _parse_query(key, value) for key, value in batch.items()}


def _parse_query(key: str, value: Any) -> Query:
    def wrong(en: str, de: str) -> BadParameter:
        return bad("queries", f"query {key!r}: {en}", f"Abfrage {key!r}: {de}")

    if not isinstance(value, dict):
        raise wrong("must be a JSON object", "muss ein JSON-Objekt sein")
    unknown = sorted(set(value) - _QUERY_KEYS)
    if unknown:
        raise wrong(f"unknown field(s) {unknown}", f"unbekannte(s) Feld(er) {unknown}")
    text = value.get("query")
    if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
        raise wrong(
            f"'query' must be a string of at most {MAX_TEXT} characters",
            f"'query' muss ein Text mit höchstens {MAX_TEXT} Zeichen sein",
        )
    types = value.get("type", [])
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise wrong(
            "'type' must be a type id or a list of them",
            "'type' muss eine Typ-ID oder eine Liste davon sein",
        )
    limit = value.get("limit", DEFAULT_LIMIT)
    if (
        isinstance(limit, bool)
        or not isinstance(limit, int | float)
        or not math.isfinite(limit)
        or limit != int(limit)
        or limit < 1
    ):
        raise wrong("'limit' must be a positive integer", "'limit' muss eine positive Zahl sein")
    properties = _parse_properties(value.get("properties", []), wrong)
    if not (text or "").strip() and not properties:
        raise wrong(
            "give a non-empty 'query' or at least one property",
            "'query' darf nicht leer sein, oder geben Sie mindestens eine Eigenschaft an",
        )
    if value.get("type_strict") not in (None, "any", "should", "all"):
        raise wrong(
            "'type_strict' must be 'any', 'should' or 'all'",
            "'type_strict' muss 'any', 'should' oder 'all' sein",
        )
    return Query(
        text=text.strip() if text and text.strip() else None,
        types=tuple(types),
        limit=min(int(limit), MAX_LIMIT),
        properties=properties,
    )


def _parse_properties(raw: Any, wrong) -> tuple[PropertyValue, ...]:
    if not isinstance(raw, list):
        raise wrong("'properties' must be a list", "'properties' muss eine Liste sein")
    out = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("pid"), str) or "v" not in item:
            raise wrong(
                "each property must be an object with 'pid' and 'v'",
                "jede Eigenschaft muss ein Objekt mit 'pid' und 'v' sein",
            )
        pid = property_iri(item["pid"])
        if pid is None:
            shown = ", ".join(sorted(PROPERTIES))
            raise wrong(
                f"property {item['pid']!r} is not one this service matches on ({shown})",
                f"Eigenschaft {item['pid']!r} wird hier nicht abgeglichen ({shown})",
            )
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        for v in values:
            ok = isinstance(v, str | int | float) or (
                isinstance(v, dict) and isinstance(v.get("id"), str)
            )
            if not ok or (isinstance(v, str) and len(v) > MAX_TEXT):
                raise wrong(
                    f"property {item['pid']!r}: a value must be a string, a number, a "
                    "boolean or an object with 'id'",
                    f"Eigenschaft {item['pid']!r}: ein Wert muss Text, Zahl, Wahrheitswert "
                    "oder ein Objekt mit 'id' sein",
                )
        out.append(PropertyValue(pid, item["pid"], tuple(values)))
    return tuple(out)


def property_iri(name: str) -> str | None:
    """The property ``name`` stands for: its IRI, a prefixed name, or a short name."""
    iri = expand(name)
    if iri in PROPERTIES:
        return iri
    return _PROPERTY_ALIASES.get(name.strip().lower())


def expand(name: str) -> str:
    """``kg:Initiative`` → its IRI (our prefixes); anything else as it is."""
    name = name.strip()
    prefix, colon, local = name.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return name


def type_filter(types: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """``(kinds, class IRIs)`` for a query's types: kind names or class IRIs."""
    kinds = {t for t in types if t in search.KINDS}
    return kinds, {expand(t) for t in types} - kinds


# --- answering -------------------------------------------------------------------------------


def reconcile(index: search.Index, batch: Mapping[str, Query], lang: str) -> dict:
    """The reconciliation result batch for ``batch``."""
    return {key: {"result": candidates(index, query, lang)} for key, query in batch.items()}


def candidates(index: search.Index, query: Query, lang: str) -> list[dict]:
    kinds, types = type_filter(query.types)
    if query.text is not None:
        hits = index.search(query.text, lang, kinds=kinds, types=types, limit=None)
    else:  # properties only: every thing of the types is a candidate, properties select
        wanted = search.matches_filter(kinds, types)
        hits = [
            search.Hit(e, 100.0, "exact", e.names[0]) for e in index.entries.values() if wanted(e)
        ]
    scored = []
    for hit in hits:
        features: list[dict] = []
        if query.text is not None:
            features.append({"id": "name", "value": hit.score})
        penalty = 0
        for prop in query.properties:
            agrees = property_agrees(index, hit.entry, prop)
            features.append({"id": prop.given, "value": agrees is True})
            if agrees is not True:
                # a value that contradicts weighs more than one that is missing
                penalty += 25 if agrees is False else 15
        if query.text is None and penalty:
            continue
        scored.append((max(0.0, hit.score - penalty), hit, penalty, features))
    scored.sort(key=lambda s: -s[0])  # stable: the search's order among equals
    sure = [s for s in scored if s[1].tier == "exact" and s[2] == 0]
    out = []
    for score, hit, _, features in scored[: query.limit]:
        entry = hit.entry
        out.append(
            {
                "id": entry.iri,
                "name": entry.name(lang),
                "description": index.description(entry, lang),
                "type": entity_types(index, entry, lang),
                "score": round(score, 1),
                "match": len(sure) == 1 and sure[0][1] is hit,
                "features": features,
            }
        )
    return out


def entity_types(index: search.Index, entry: search.Entry, lang: str) -> list[dict]:
    """An entity's own classes, then the class of its kind."""
    ids = list(dict.fromkeys([*entry.types, search.KINDS[entry.kind]["type"]]))
    return [{"id": t, "name": index.class_label(t, lang)} for t in ids]


def property_agrees(index: search.Index, entry: search.Entry, prop: PropertyValue) -> bool | None:
    """Whether ``entry`` has one of the values given (None: it has no value to compare)."""
    if prop.pid == SCHEMA + "sameAs":
        have = entry.same_as
        return _any_value(have, prop, lambda v: _same_identifier(str(v), have))
    if prop.pid == KG + "location":
        have = entry.locations
        return _any_value(have, prop, lambda v: _same_place(index, v, have))
    acronyms = entry.acronyms()
    return _any_value(acronyms, prop, lambda v: search.fold(str(v)) in map(search.fold, acronyms))


def _any_value(have, prop: PropertyValue, agrees) -> bool | None:
    if not have:
        return None
    return any(agrees(v["id"] if isinstance(v, dict) else v) for v in prop.values)


_WIKIDATA = re.compile(r"^(?:wd:|https?://(?:www\.)?wikidata\.org/(?:wiki|entity)/)(Q\d+)$", re.I)


def _identifier_key(text: str) -> str:
    """An identifier or URL as compared: no scheme, no ``www.``, no trailing slash, lower."""
    text = text.strip()
    wikidata = _WIKIDATA.match(text)
    if wikidata:
        return "wikidata.org/entity/" + wikidata.group(1).lower()
    text = re.sub(r"^https?://(www\.)?", "", text, flags=re.I)
    return text.rstrip("/").lower()


def _same_identifier(value: str, have: tuple[str, ...]) -> bool:
    key = _identifier_key(value)
    if not key:
        return False
    for iri in have:
        mine = _identifier_key(iri)
        if key == mine or key == mine.rsplit("/", 1)[-1]:
            return True
    return False


def _same_place(index: search.Index, value: Any, have: tuple[str, ...]) -> bool:
    text = str(value)
    place = index.resolve(text)
    if place is not None:
        return place.iri in have
    folded = search.fold(text)
    for iri in have:
        entry = index.get(iri)
        if entry is not None and any(folded in n.variants for n in entry.names):
            return True
    return False


# --- suggest ---------------------------------------------------------------------------------


def suggest_entities(
    index: search.Index, prefix: str, lang: str, cursor: int, limit: int, types: tuple[str, ...]
) -> dict:
    kinds, classes = type_filter(types)
    hits = index.search(
        prefix,
        lang,
        kinds=kinds,
        types=classes,
        limit=limit,
        offset=cursor,
        prefix_only=True,
    )
    return {
        "result": [
            {
                "id": hit.entry.iri,
                "name": hit.entry.name(lang),
                "description": index.description(hit.entry, lang),
                "notable": entity_types(index, hit.entry, lang),
            }
            for hit in hits
        ]
    }


def suggest_types(index: search.Index, prefix: str, lang: str, cursor: int, limit: int) -> dict:
    """Our kinds, then every class a searchable thing has, whose name or IRI fits ``prefix``."""
    ids = [spec["type"] for spec in search.KINDS.values()]
    ids += sorted({t for e in index.entries.values() for t in e.types} - set(ids))
    found = []
    for iri in ids:
        names = [index.class_label(iri, language) for language in search.LANGUAGES]
        if _fits(prefix, iri, names):
            kind = search.KIND_OF_TYPE.get(iri)
            item = {"id": iri, "name": index.class_label(iri, lang)}
            if kind is not None:
                item["description"] = search.KINDS[kind]["plural"][lang]
            found.append(item)
    return {"result": found[cursor : cursor + limit]}


def suggest_properties(prefix: str, lang: str, cursor: int, limit: int) -> dict:
    found = [
        {"id": iri, "name": spec[lang], "description": spec["description_" + lang]}
        for iri, spec in PROPERTIES.items()
        if _fits(prefix, iri, [spec["de"], spec["en"]])
    ]
    return {"result": found[cursor : cursor + limit]}


def _fits(prefix: str, iri: str, names: list[str]) -> bool:
    """An empty prefix fits everything; else a word of a name, the IRI or its local name."""
    folded = search.fold(prefix)
    if not folded or expand(prefix) == iri:
        return True
    local = re.split(r"[#/]", iri)[-1]
    return any(
        search.tier_of(folded, name) in ("exact", "prefix", "word", "word-prefix")
        for text in [*names, local]
        for name in search.fold_variants(text)
    )
