"""What we say about one resource: its RDF description and the data of its HTML page.

The RDF description is a *symmetric concise bounded description*: every triple with the
resource as subject (any graph), every triple with it as object — except the reification
statements of the provenance graph (``rdf:subject``/``rdf:object``), which would bury a page under
its own bookkeeping and are one saved query away (``statement-sources``) — plus the
``rdfs:label`` of every resource it links to or is linked from. Pure: works on any store object
with ``query(text, substitutions=…)``. The queries are files (:mod:`server.internal_queries`,
``describe.rq`` and ``resource-*.rq``); the resource is bound as ``?r``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from . import humanize, internal_queries
from .namespaces import GRAPH, RDF, RDFS, SCHEMA, SKOS, compact

PROVENANCE = GRAPH + "provenance"
ARTICLE = GRAPH + "article"
CORRECTIONS = GRAPH + "corrections"
_R = ox.Variable("r")

DESCRIBE = internal_queries.text("describe")
_EXISTS = internal_queries.text("resource-exists")
_OUT = internal_queries.text("resource-outgoing")
_IN = internal_queries.text("resource-incoming")
_SOURCES = internal_queries.text("resource-sources")
_CORRECTIONS = internal_queries.text("resource-corrections")
_GRANTS = internal_queries.text("resource-grants")
_COUNTS = internal_queries.text("resource-counts")
_TERM_LABELS = internal_queries.text("term-labels")
_AXIOMS = internal_queries.text("property-axioms")

#: labels of the few foreign terms a page shows, where the ontology has none
_FOREIGN = {
    RDF + "type": {"de": "Typ", "en": "type"},
    RDFS + "label": {"de": "Bezeichnung", "en": "label"},
    RDFS + "comment": {"de": "Erläuterung", "en": "comment"},
    SCHEMA + "sameAs": {"de": "dasselbe wie", "en": "same as"},
    SCHEMA + "funder": {"de": "Geldgeber", "en": "funder"},
    SCHEMA + "amount": {"de": "Betrag", "en": "amount"},
    SCHEMA + "value": {"de": "Wert", "en": "value"},
    SCHEMA + "minValue": {"de": "Mindestwert", "en": "minimum"},
    SCHEMA + "maxValue": {"de": "Höchstwert", "en": "maximum"},
    SCHEMA + "currency": {"de": "Währung", "en": "currency"},
    SCHEMA + "manufacturer": {"de": "Hersteller", "en": "manufacturer"},
    SCHEMA + "alternateName": {"de": "anderer Name", "en": "alternate name"},
    SCHEMA + "url": {"de": "URL", "en": "URL"},
    SKOS + "altLabel": {"de": "andere Bezeichnung", "en": "alternative label"},
    SKOS + "inScheme": {"de": "im Schema", "en": "in scheme"},
    SKOS + "related": {"de": "verwandt", "en": "related"},
    SKOS + "broader": {"de": "Oberbegriff", "en": "broader"},
    "http://www.w3.org/ns/prov#wasDerivedFrom": {"de": "abgeleitet aus", "en": "derived from"},
    "http://purl.org/dc/terms/date": {"de": "Datum", "en": "date"},
}


def exists(store: Any, iri: str) -> bool:
    try:
        node = ox.NamedNode(iri)
    except ValueError:  # a path with characters no IRI may hold describes nothing
        return False
    return bool(store.query(_EXISTS, substitutions={_R: node}))


def description(store: Any, iri: str) -> list[ox.Triple]:
    """The symmetric concise bounded description of ``iri`` (see the module docstring)."""
    return list(store.query(DESCRIBE, substitutions={_R: ox.NamedNode(iri)}))


@dataclass
class Value:
    term: Any  # ox.NamedNode | ox.Literal | ox.BlankNode
    labels: dict[str, str] = field(default_factory=dict)
    graphs: set[str] = field(default_factory=set)
    sources: list[dict] = field(default_factory=list)

    @property
    def is_iri(self) -> bool:
        return isinstance(self.term, ox.NamedNode)

    def label(self, lang: str) -> str:
        if self.labels:
            return (
                self.labels.get(lang) or self.labels.get("de") or next(iter(self.labels.values()))
            )
        if isinstance(self.term, ox.NamedNode):
            return compact(self.term.value)
        return self.term.value


@dataclass
class View:
    iri: str
    labels: dict[str, str]
    types: list[Value]
    properties: list[tuple[str, list[Value]]]  # property IRI, values
    inverse: list[tuple[str, list[Value]]]  # property IRI, subjects
    corrections: list[dict]
    figures: list[dict]  # {"graph", "text": {de, en}}
    same_as: list[str]


@dataclass(frozen=True)
class Vocabulary:
    """What a page needs to know about terms: labels, and which triples are materialised
    (super-properties, inverses) so that a page shows each fact once."""

    labels: dict[str, dict[str, str]]
    supers: dict[str, frozenset[str]]  # property -> all its super-properties
    inverses: dict[str, str]

    def label(self, iri: str, lang: str) -> str:
        labels = self.labels.get(iri)
        if labels:
            return labels.get(lang) or labels.get("de") or next(iter(labels.values()))
        return compact(iri)


def vocabulary(store: Any) -> Vocabulary:
    """Read once per data version (the app caches it)."""
    labels: dict[str, dict[str, str]] = {k: dict(v) for k, v in _FOREIGN.items()}
    for row in store.query(_TERM_LABELS):
        label = row["label"]
        labels.setdefault(row["term"].value, {})[label.language or "de"] = label.value
    supers: dict[str, set[str]] = defaultdict(set)
    inverses: dict[str, str] = {}
    for row in store.query(_AXIOMS):
        if row["super"] is not None:
            supers[row["p"].value].add(row["super"].value)
        if row["inverse"] is not None:
            inverses[row["p"].value] = row["inverse"].value
    return Vocabulary(labels, {k: frozenset(v) for k, v in supers.items()}, inverses)


def _drop_materialised(
    outgoing: dict[str, dict[str, Value]], incoming: dict[str, dict[str, Value]], vocab: Vocabulary
) -> None:
    """Show each fact once: the load step materialised super-properties and inverses.

    1. an incoming link hides when the same fact is shown outgoing (through the inverse or one
       of its sub-properties); 2. an outgoing link through a property with an inverse hides when
       the fact is still shown incoming; 3. a super-property's value hides when a sub-property
       shows it. Facts authored both ways (kg:partOf and kg:hasPart) keep the outgoing one.
    """
    subs: dict[str, set[str]] = defaultdict(set)
    for prop, supers in vocab.supers.items():
        for sup in supers:
            subs[sup].add(prop)

    def shown(table: dict[str, dict[str, Value]], prop: str, key: str) -> bool:
        return any(key in table.get(q, {}) for q in (prop, *subs.get(prop, ())))

    for this, other in ((incoming, outgoing), (outgoing, incoming)):
        for prop, values in this.items():
            inverse = vocab.inverses.get(prop)
            if inverse is not None:
                for key in [k for k in values if shown(other, inverse, k)]:
                    values.pop(key)
    for table in (outgoing, incoming):
        for prop, values in list(table.items()):
            for sup in vocab.supers.get(prop, ()):
                for key in values:
                    table.get(sup, {}).pop(key, None)
        for prop in [p for p, values in table.items() if not values]:
            del table[prop]


def view(store: Any, iri: str, vocab: Vocabulary) -> View:
    """Everything the resource page shows, gathered in a handful of queries."""
    subs = {_R: ox.NamedNode(iri)}
    own: dict[str, str] = {}
    outgoing: dict[str, dict[str, Value]] = defaultdict(dict)
    same_as: list[str] = []
    types: dict[str, Value] = {}
    for row in store.query(_OUT, substitutions=subs):
        p, o, g, label = row["p"].value, row["o"], row["g"].value, row["label"]
        if p == RDFS + "label" and isinstance(o, ox.Literal):
            own[o.language or "de"] = o.value
            continue
        if g == PROVENANCE:
            continue
        key = str(o)
        target = types if p == RDF + "type" else outgoing[p]
        value = target.setdefault(key, Value(o))
        value.graphs.add(g)
        if label is not None:
            value.labels[label.language or "de"] = label.value
        elif isinstance(o, ox.NamedNode) and o.value in vocab.labels:
            value.labels.update(vocab.labels[o.value])
        if p == SCHEMA + "sameAs" and o.value not in same_as:
            same_as.append(o.value)
    for row in store.query(_SOURCES, substitutions=subs):
        value = outgoing.get(row["p"].value, {}).get(str(row["o"]))
        if value is None:
            continue
        source = row["source"].value
        entry = next((e for e in value.sources if e["source"] == source), None)
        if entry is None:
            entry = {
                "source": source,
                "section": row["section"].value if row["section"] else None,
                "column": row["column"].value if row["column"] else None,
                "kind": row["kind"].value.rsplit("#", 1)[-1] if row["kind"] else None,
                "url": row["url"].value if row["url"] else None,
                "label": {},
            }
            value.sources.append(entry)
        entry["label"].update(_lang_value(row["source_label"]))
    incoming: dict[str, dict[str, Value]] = defaultdict(dict)
    for row in store.query(_IN, substitutions=subs):
        if row["g"].value == PROVENANCE:
            continue
        value = incoming[row["p"].value].setdefault(str(row["s"]), Value(row["s"]))
        value.graphs.add(row["g"].value)
        if row["label"] is not None:
            value.labels[row["label"].language or "de"] = row["label"].value
    corrections: dict[str, dict] = {}
    for row in store.query(_CORRECTIONS, substitutions=subs):
        entry = corrections.setdefault(
            row["c"].value,
            {
                "iri": row["c"].value,
                "kind": row["kind"].value.rsplit("#", 1)[-1],
                "property": row["property"].value,
                "label": {},
                "comment": {},
                "sources": [],
            },
        )
        entry["label"][row["label"].language or "de"] = row["label"].value
        entry["comment"][row["comment"].language or "de"] = row["comment"].value
        source = row["url"].value if row["url"] else row["source"].value
        if source not in entry["sources"]:
            entry["sources"].append(source)
    _drop_materialised(outgoing, incoming, vocab)
    return View(
        iri=iri,
        labels=own,
        types=list(types.values()),
        properties=[(p, list(values.values())) for p, values in sorted(outgoing.items())],
        inverse=[(p, list(values.values())) for p, values in sorted(incoming.items())],
        corrections=list(corrections.values()),
        figures=_grants(store, subs, vocab) + _counts(store, subs),
        same_as=same_as,
    )


def _lang_value(literal: Any) -> dict[str, str]:
    return {literal.language or "de": literal.value} if literal is not None else {}


def _grants(store: Any, subs: dict, vocab: Vocabulary) -> list[dict]:
    grants: dict[tuple[str, str], dict] = {}
    for row in store.query(_GRANTS, substitutions=subs):
        key = (row["grant"].value, row["g"].value)
        entry = grants.setdefault(
            key,
            {
                "graph": row["g"].value,
                "value": row["value"].value if row["value"] else None,
                "max": row["max"].value if row["max"] else None,
                "currency": row["currency"].value,
                "period": row["period"].value if row["period"] else None,
                "shares": {},
            },
        )
        if row["funder"] is not None:
            entry["shares"][row["funder"].value] = row["fraction"].value
    figures = []
    for entry in grants.values():
        text = {}
        for lang in ("de", "en"):
            amount = entry["value"] or entry["max"]
            comparator = "exactly" if entry["value"] else "atMost"
            line = humanize.money(
                amount, entry["currency"], lang, comparator=comparator, period=entry["period"]
            )
            if entry["shares"]:
                fractions = set(entry["shares"].values())
                names = "/".join(vocab.label(f, lang) for f in sorted(entry["shares"]))
                if len(fractions) == 1:
                    line += f", {humanize.share(fractions.pop(), lang)} {names}"
                else:
                    parts = [
                        f"{humanize.share(fr, lang)} {vocab.label(f, lang)}"
                        for f, fr in sorted(entry["shares"].items())
                    ]
                    line += ", " + ", ".join(parts)
            text[lang] = line
        figures.append({"graph": entry["graph"], "text": text})
    return figures


def _counts(store: Any, subs: dict) -> list[dict]:
    counts: dict[tuple[str, str], dict] = {}
    for row in store.query(_COUNTS, substitutions=subs):
        number = row["value"] or row["min"] or row["max"]
        if number is None:
            continue
        comparator = row["comparator"].value.rsplit("#", 1)[-1]
        entry = counts.setdefault(
            (row["q"].value, row["g"].value),
            {
                "graph": row["g"].value,
                "quantity": row["q"].value,
                "text": {
                    lang: humanize.count(number.value, comparator, lang) for lang in ("de", "en")
                },
                "label": {},
            },
        )
        if row["label"] is not None:
            entry["label"][row["label"].language or "de"] = row["label"].value
    return list(counts.values())
