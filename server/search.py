"""Finding things by name: an in-memory index of every thing's names, searched accent- and
case-insensitively and ranked. Pure core (no Flask): the JSON search API, the search page and
the reconciliation service (:mod:`server.reconcile`) all search through :class:`Index`.

The index is built from the store by one query (``internal_queries/search-index.rq``) and is
meant to be kept once per data version (the views keep it in the runtime's per-version memo,
so a new load builds a new one). It holds the things of five kinds — initiatives,
organisations, places, technologies and other concepts — with their labels, SKOS labels,
alternative and current names, acronyms and the names a renaming gave them, in German, English
or no language.

Matching compares *folded* text: Unicode NFKD with the combining marks dropped, case-folded
(``ß`` → ``ss``), punctuation turned into spaces — so "Julich" and "jülich" find "Jülich" and
"ki-park" finds "KI Park e.V.". Each name is also folded with German umlauts written out
(``ü`` → ``ue``), so "Juelich" finds it too. A name matches in one of five tiers, best first:
the whole name, a prefix of it, whole words of it, prefixes of its words, any part of it. Within
a tier, labels beat acronyms beat other names, and names in the language asked for beat
unmarked names beat names in the other language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import internal_queries
from .namespaces import ID, KG, ORG, PREFIXES, PROV, SCHEMA, SKOS, STATEMENT
from .query_params import BadParameter

LANGUAGES = ("de", "en")

#: the kinds of thing searched, in the order results are grouped: the class that stands for
#: the kind (a reconciliation type), its names, and the classes whose members belong to it
KINDS: Mapping[str, Mapping[str, Any]] = {
    "initiative": {
        "type": KG + "Initiative",
        "de": "Initiative",
        "en": "Initiative",
        "plural": {"de": "Initiativen", "en": "Initiatives"},
        "roots": (KG + "Initiative",),
    },
    "organisation": {
        "type": ORG + "Organization",
        "de": "Organisation",
        "en": "Organisation",
        "plural": {"de": "Organisationen", "en": "Organisations"},
        # a collective ("die Länder", "Industrie") acts as one body in the data
        "roots": (ORG + "Organization", SCHEMA + "Organization", KG + "Collective"),
    },
    "place": {
        "type": SCHEMA + "Place",
        "de": "Ort",
        "en": "Place",
        "plural": {"de": "Orte", "en": "Places"},
        "roots": (
            SCHEMA + "Place",
            SCHEMA + "City",
            SCHEMA + "Country",
            SCHEMA + "State",
            KG + "FederalState",
        ),
    },
    "technology": {
        "type": KG + "Technology",
        "de": "Technologie",
        "en": "Technology",
        "plural": {"de": "Technologien", "en": "Technologies"},
        "roots": (KG + "Technology",),
    },
    "concept": {
        "type": SKOS + "Concept",
        "de": "Begriff",
        "en": "Concept",
        "plural": {
            "de": "Begriffe (Themen, Ziele, Zielgruppen …)",
            "en": "Concepts (topics, goals, target groups …)",
        },
        "roots": (SKOS + "Concept",),
    },
}
KIND_OF_TYPE = {spec["type"]: kind for kind, spec in KINDS.items()}
#: names of the classes from other vocabularies that our things have (the store has none)
OTHER_CLASS_LABELS = {
    SCHEMA + "City": {"de": "Stadt", "en": "City"},
    SCHEMA + "Country": {"de": "Staat", "en": "Country"},
    PROV + "Agent": {"de": "Akteur", "en": "Agent"},
}
#: classes too general to tell namesakes apart in a description
_UNTELLING = frozenset({PROV + "Agent"})

#: the fields of search-index.rq that are names, with their weight within a tier
NAME_FIELDS = {
    "label": 4,
    "prefLabel": 4,
    "acronym": 3,
    "altLabel": 2,
    "alternateName": 2,
    "currentName": 2,
    "otherName": 1,
}
#: a name in the language asked for, without a language (acronyms), in the other language
_LANG_WEIGHT = {"asked": 3, "none": 2, "other": 0}
_BEST_BONUS = max(NAME_FIELDS.values()) + _LANG_WEIGHT["asked"]

#: the tiers of a match, best first, and their base scores
TIERS = {"exact": 100, "prefix": 90, "word": 80, "word-prefix": 70, "substring": 60}
#: the longest query text looked at; longer ones are cut (no name is this long)
MAX_QUERY = 300

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """``text`` as it is compared: no accents, case-folded, words separated by one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare.casefold()).strip()


def fold_variants(text: str) -> tuple[str, ...]:
    """The folded forms a name is found by: plain, and with German umlauts written out."""
    plain = fold(text)
    spelled = fold(text.translate(_UMLAUTS))
    return (plain,) if spelled == plain else (plain, spelled)


@dataclass(frozen=True)
class Name:
    text: str
    lang: str  # "" for a plain literal
    field: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """One searchable thing."""

    iri: str
    kind: str
    #: its own classes (rdf:type), sorted
    types: tuple[str, ...]
    #: its classes and all their superclasses, and the class of its kind
    classes: frozenset[str]
    names: tuple[Name, ...]
    labels: Mapping[str, str]
    same_as: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        """Its label in ``lang``, else in the other language, else its first name."""
        other = "en" if lang == "de" else "de"
        return self.labels.get(lang) or self.labels.get(other) or self.names[0].text

    def acronyms(self) -> list[str]:
        return sorted({n.text for n in self.names if n.field == "acronym"})


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float
    tier: str
    name: Name


@dataclass
class Index:
    entries: dict[str, Entry]
    #: class IRI -> {lang: label}
    class_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    #: class IRI -> its direct superclasses
    superclasses: dict[str, set[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, iri: str) -> Entry | None:
        return self.entries.get(iri)

    def class_label(self, iri: str, lang: str) -> str:
        """A class's label in ``lang`` (our kinds' own names first), else its local name."""
        kind = KIND_OF_TYPE.get(iri)
        if kind is not None:
            return KINDS[kind][lang]
        labels = self.class_labels.get(iri) or OTHER_CLASS_LABELS.get(iri, {})
        other = "en" if lang == "de" else "de"
        return labels.get(lang) or labels.get(other) or re.split(r"[#/]", iri)[-1]

    def description(self, entry: Entry, lang: str) -> str:
        """A short text that tells namesakes apart: its classes, and its acronyms."""
        telling = [t for t in entry.types if t not in _UNTELLING]
        parts = [self.class_label(t, lang) for t in telling] or [KINDS[entry.kind][lang]]
        text = ", ".join(dict.fromkeys(parts))
        acronyms = [a for a in entry.acronyms() if fold(a) != fold(entry.name(lang))]
        return f"{text} · {', '.join(acronyms)}" if acronyms else text

    def resolve(self, text: str) -> Entry | None:
        """The thing ``text`` names by identifier: its IRI, ``id:org/dfki`` or ``org/dfki``."""
        text = text.strip()
        for candidate in (text, ID + text.removeprefix("id:").lstrip("/")):
            entry = self.entries.get(candidate)
            if entry is not None:
                return entry
        return None

    def search(
        self,
        query: str,
        lang: str = "de",
        *,
        kinds: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
        limit: int | None = 10,
        offset: int = 0,
        prefix_only: bool = False,
    ) -> list[Hit]:
        """The things whose names match ``query``, best first.

        ``kinds`` (names of :data:`KINDS`) and ``types`` (class IRIs: a thing of a subclass
        counts) restrict the things; a thing passes if it is of any kind or any type given.
        ``prefix_only`` leaves out what matches only inside words (autocompletion)."""
        wanted = matches_filter(kinds, types)
        hits = []
        exact = self.resolve(query)
        if exact is not None and wanted(exact):
            hits.append(Hit(exact, 100.0, "exact", exact.names[0]))
        folded = fold(query[:MAX_QUERY])
        if folded:
            for entry in self.entries.values():
                if exact is entry or not wanted(entry):
                    continue
                hit = _best_hit(entry, folded, lang, prefix_only)
                if hit is not None:
                    hits.append(hit)
        hits.sort(key=lambda h: _order(h, lang))
        end = None if limit is None else offset + limit
        return hits[offset:end]


def bad(parameter: str, en: str, de: str) -> BadParameter:
    """A 400 naming ``parameter``, in English and German."""
    error = BadParameter(parameter, en)
    error.detail_de = f"Parameter {parameter!r}: {de}"
    return error


def parse_types(values: Iterable[str]) -> tuple[set[str], set[str]]:
    """``type`` parameters (each a kind or a class IRI or prefixed name, or several of them
    separated by commas) as ``(kinds, class IRIs)``; an unknown kind names the parameter."""
    kinds: set[str] = set()
    classes: set[str] = set()
    for value in values:
        for item in filter(None, (v.strip() for v in value.split(","))):
            if item in KINDS:
                kinds.add(item)
            elif ":" in item:
                prefix, _, local = item.partition(":")
                classes.add(PREFIXES[prefix] + local if prefix in PREFIXES else item)
            else:
                shown = ", ".join(KINDS)
                raise bad(
                    "type",
                    f"{item[:50]!r} is not one of: {shown} (or a class IRI)",
                    f"{item[:50]!r} ist keins von: {shown} (oder eine Klassen-IRI)",
                )
    return kinds, classes


def hit_json(index: Index, hit: Hit, lang: str) -> dict:
    """A hit as the JSON search API gives it (the caller adds where its page is)."""
    entry = hit.entry
    return {
        "id": entry.iri,
        "name": entry.name(lang),
        "description": index.description(entry, lang),
        "kind": entry.kind,
        "kind_name": KINDS[entry.kind][lang],
        "types": [{"id": t, "name": index.class_label(t, lang)} for t in entry.types],
        "matched": {"text": hit.name.text, "lang": hit.name.lang, "field": hit.name.field},
        "tier": hit.tier,
        "score": hit.score,
    }


def matches_filter(kinds: Iterable[str] | None, types: Iterable[str] | None):
    kinds = set(kinds or ())
    types = set(types or ())
    if not kinds and not types:
        return lambda entry: True
    return lambda entry: entry.kind in kinds or bool(types & entry.classes)


def _order(hit: Hit, lang: str) -> tuple:
    return (
        -hit.score,
        list(KINDS).index(hit.entry.kind),
        len(hit.entry.name(lang)),
        fold(hit.entry.name(lang)),
        hit.entry.iri,
    )


def tier_of(query: str, name: str) -> str | None:
    """How the folded ``query`` matches the folded ``name``: a key of :data:`TIERS`, or None."""
    if name == query:
        return "exact"
    if name.startswith(query):
        return "prefix"
    words = name.split()
    wanted = query.split()
    if all(w in words for w in wanted):
        return "word"
    if all(any(word.startswith(w) for word in words) for w in wanted):
        return "word-prefix"
    if len(query) >= 2 and query in name:
        return "substring"
    return None


def _best_hit(entry: Entry, query: str, lang: str, prefix_only: bool) -> Hit | None:
    best: Hit | None = None
    for name in entry.names:
        tier = None
        for variant in name.variants:
            found = tier_of(query, variant)
            if found is not None and (tier is None or TIERS[found] > TIERS[tier]):
                tier = found
        if tier is None or (prefix_only and tier == "substring"):
            continue
        language = "none" if not name.lang else ("asked" if name.lang == lang else "other")
        bonus = NAME_FIELDS[name.field] + _LANG_WEIGHT[language]
        score = float(TIERS[tier] + bonus - _BEST_BONUS)
        if best is None or score > best.score:
            best = Hit(entry, score, tier, name)
    return best


# --- building the index ----------------------------------------------------------------------


def build_index(store: Any) -> Index:
    """The index of the things in ``store`` (any :class:`server.backend.Backend`)."""
    rows = store.query(internal_queries.text("search-index"))
    return index_from_rows((r["thing"].value, r["field"].value, r["value"]) for r in rows)


def index_from_rows(rows: Iterable[tuple[str, str, Any]]) -> Index:
    """The index from ``(thing IRI, field, value term)`` rows as search-index.rq gives them."""
    types: dict[str, set[str]] = {}
    names: dict[str, list[Name]] = {}
    labels: dict[str, dict[str, str]] = {}
    same_as: dict[str, set[str]] = {}
    locations: dict[str, set[str]] = {}
    class_labels: dict[str, dict[str, str]] = {}
    supers: dict[str, set[str]] = {}
    for thing, kind_of_row, value in rows:
        text = value.value
        lang = getattr(value, "language", None) or ""
        if kind_of_row == "type":
            types.setdefault(thing, set()).add(text)
        elif kind_of_row in NAME_FIELDS:
            names.setdefault(thing, []).append(Name(text, lang, kind_of_row, fold_variants(text)))
            if kind_of_row == "label" and lang in LANGUAGES:
                labels.setdefault(thing, {}).setdefault(lang, text)
        elif kind_of_row == "sameAs":
            same_as.setdefault(thing, set()).add(text)
        elif kind_of_row == "location":
            locations.setdefault(thing, set()).add(text)
        elif kind_of_row == "classLabel":
            if lang in LANGUAGES:
                class_labels.setdefault(thing, {}).setdefault(lang, text)
        elif kind_of_row == "superClass":
            supers.setdefault(thing, set()).add(text)
    entries = {}
    for thing, own in types.items():
        if thing.startswith(STATEMENT) or not names.get(thing):
            continue
        closure = _closure(own, supers)
        kind = next((k for k, spec in KINDS.items() if closure & set(spec["roots"])), None)
        if kind is None:
            continue  # passages, grants, corrections …: not things people look up by name
        entries[thing] = Entry(
            iri=thing,
            kind=kind,
            types=tuple(sorted(own)),
            classes=frozenset(closure | {KINDS[kind]["type"]}),
            names=tuple(sorted(names[thing], key=_name_order)),
            labels=labels.get(thing, {}),
            same_as=tuple(sorted(same_as.get(thing, ()))),
            locations=tuple(sorted(locations.get(thing, ()))),
        )
    return Index(entries, class_labels, supers)


def _name_order(name: Name) -> tuple:
    return (-NAME_FIELDS[name.field], name.lang not in LANGUAGES, name.lang, name.text)


def _closure(classes: set[str], supers: Mapping[str, set[str]]) -> set[str]:
    seen = set(classes)
    todo = list(classes)
    while todo:
        for parent in supers.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen
