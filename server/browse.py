"""Faceted browsing of the organisations and initiatives (``/browse``). Pure core (no Flask).

The items and their facet values are read once per data version by two queries
(``internal_queries/browse-items.rq`` and ``browse-facets.rq``) into a :class:`Catalogue`;
filtering and counting then happen here, in memory — there are a few hundred items, and one
pass over them answers any combination of filters on either backend alike.

Filters are values of five facets: ``kind`` (the item's class), ``land``, ``technology``,
``target`` (target group) and ``funder``. Values of one facet are alternatives (OR), facets
narrow each other (AND). A value's count is the number of items that would be listed were it
chosen: the other facets' filters applied, its own facet's not — so choosing a value never
hides the alternatives beside it (the usual rule of faceted search).

A facet value is named in URLs by a short, stable token: a class by its prefixed name
(``kg:Company``), anything else by its IRI's path under ``…/id/`` (``place/bayern``,
``org/bmbf``). Full IRIs are accepted too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import internal_queries
from .namespaces import ID, KG, ORG, PREFIXES, SCHEMA, compact
from .search import bad, fold

#: the facets in the order pages show them, with their names
FACETS: Mapping[str, Mapping[str, str]] = {
    "kind": {"de": "Art", "en": "Kind"},
    "land": {"de": "Land", "en": "Land (federal state)"},
    "technology": {"de": "Technologiefeld", "en": "Technology field"},
    "target": {"de": "Zielgruppe", "en": "Target group"},
    "funder": {"de": "Förderer", "en": "Funder"},
}
#: the kind of item by the root its class is below (browse-items.rq's ?root)
ROOT_KINDS = {
    KG + "Initiative": "initiative",
    ORG + "Organization": "organisation",
    SCHEMA + "Organization": "organisation",
    KG + "Collective": "organisation",
}
PER_PAGE = 50
#: a token or IRI longer than this is no facet value (and is not echoed in full)
MAX_VALUE = 300


@dataclass(frozen=True)
class Item:
    iri: str
    kind: str  # "initiative" or "organisation"
    labels: Mapping[str, str]

    def name(self, lang: str) -> str:
        return _label(self.labels, lang) or self.iri.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Value:
    token: str
    iri: str
    labels: Mapping[str, str]

    def name(self, lang: str) -> str:
        return _label(self.labels, lang) or self.token


@dataclass
class Catalogue:
    items: dict[str, Item]
    #: facet -> token -> value
    values: dict[str, dict[str, Value]]
    #: item IRI -> facet -> tokens
    item_values: dict[str, dict[str, set[str]]]
    #: IRI -> token, for reading full IRIs in requests
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def parse(self, args: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
        """The filters of a request (facet -> tokens, in the catalogue's order); a value that
        is no value of its facet is a 400 naming the parameter and the value."""
        chosen: dict[str, list[str]] = {}
        for facet in FACETS:
            tokens = []
            for raw in args.get(facet, ()):
                for item in filter(None, (v.strip() for v in raw.split(","))):
                    token = self.token(facet, item)
                    if token is None:
                        shown = item[:60]
                        raise bad(
                            facet,
                            f"{shown!r} is not a value of this facet (GET /browse.json lists them)",
                            f"{shown!r} ist kein Wert dieser Facette (GET /browse.json nennt sie)",
                        )
                    if token not in tokens:
                        tokens.append(token)
            if tokens:
                order = list(self.values[facet])
                chosen[facet] = sorted(tokens, key=order.index)
        return chosen

    def token(self, facet: str, text: str) -> str | None:
        """The token of ``text`` (a token or an IRI) in ``facet``, or None."""
        if len(text) > MAX_VALUE:
            return None
        if text in self.values[facet]:
            return text
        return self.tokens[facet].get(text)

    def matches(self, item: str, chosen: Mapping[str, Iterable[str]], skip: str = "") -> bool:
        has = self.item_values[item]
        return all(
            has.get(facet, set()) & set(tokens)
            for facet, tokens in chosen.items()
            if facet != skip and tokens
        )

    def select(self, chosen: Mapping[str, Iterable[str]], lang: str) -> list[Item]:
        """The items every filter lets through, by name."""
        found = [self.items[i] for i in self.items if self.matches(i, chosen)]
        return sorted(found, key=lambda it: (fold(it.name(lang)), it.iri))

    def counts(self, chosen: Mapping[str, Iterable[str]]) -> dict[str, dict[str, int]]:
        """facet -> token -> how many items the filters of the *other* facets let through
        that have the value."""
        out: dict[str, dict[str, int]] = {f: dict.fromkeys(self.values[f], 0) for f in FACETS}
        for facet in FACETS:
            tally = out[facet]
            for iri in self.items:
                if self.matches(iri, chosen, skip=facet):
                    for token in self.item_values[iri].get(facet, ()):
                        tally[token] += 1
        return out


def _label(labels: Mapping[str, str], lang: str) -> str | None:
    other = "en" if lang == "de" else "de"
    return labels.get(lang) or labels.get(other) or labels.get("")


def token_of(iri: str) -> str:
    """A value's token: ``org/bmbf`` for ``…/id/org/bmbf``; ``kg:Company`` for a class."""
    if iri.startswith(ID):
        return iri[len(ID) :]
    short = compact(iri)
    return iri if short.startswith("<") else short


def build(store: Any, class_label) -> Catalogue:
    """The catalogue of ``store`` (any backend); ``class_label(iri)`` gives a class's labels
    (``{"de": …, "en": …}``)."""
    items: dict[str, dict] = {}
    for row in store.query(internal_queries.text("browse-items")):
        iri = row["item"].value
        entry = items.setdefault(iri, {"classes": set(), "kinds": set(), "labels": {}})
        entry["classes"].add(row["class"].value)
        entry["kinds"].add(ROOT_KINDS[row["root"].value])
        _add_label(entry["labels"], row["label"])
    facet_rows = [
        (r["item"].value, r["facet"].value, r["value"].value, r["label"])
        for r in store.query(internal_queries.text("browse-facets"))
    ]
    return assemble(items, facet_rows, class_label)


def assemble(items: Mapping[str, Mapping], facet_rows: Iterable[tuple], class_label) -> Catalogue:
    values: dict[str, dict[str, Value]] = {f: {} for f in FACETS}
    value_labels: dict[tuple[str, str], dict[str, str]] = {}
    item_values: dict[str, dict[str, set[str]]] = {iri: {} for iri in items}
    for iri, entry in items.items():
        for cls in entry["classes"]:
            token = token_of(cls)
            value_labels.setdefault(("kind", cls), dict(class_label(cls)))
            item_values[iri].setdefault("kind", set()).add(token)
    for iri, facet, value, label in facet_rows:
        if iri not in items:
            continue
        _add_label(value_labels.setdefault((facet, value), {}), label)
        item_values[iri].setdefault(facet, set()).add(token_of(value))
    for (facet, value), labels in value_labels.items():
        values[facet][token_of(value)] = Value(token_of(value), value, labels)
    for facet in FACETS:  # by German name, so both languages list values in one stable order
        values[facet] = dict(
            sorted(values[facet].items(), key=lambda kv: (fold(kv[1].name("de")), kv[0]))
        )
    tokens = {f: {v.iri: t for t, v in values[f].items()} for f in FACETS}
    for facet in FACETS:  # prefixed names people may write for classes: "org:Organization"
        for token in values[facet]:
            prefix, _, local = token.partition(":")
            if prefix in PREFIXES and local:
                tokens[facet].setdefault(PREFIXES[prefix] + local, token)
    catalogue_items = {
        iri: Item(
            iri,
            "initiative" if "initiative" in entry["kinds"] else "organisation",
            entry["labels"],
        )
        for iri, entry in items.items()
    }
    return Catalogue(catalogue_items, values, item_values, tokens)


def _add_label(labels: dict[str, str], term: Any) -> None:
    if term is None:
        return
    lang = getattr(term, "language", None) or ""
    labels.setdefault(lang, term.value)
