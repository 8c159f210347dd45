"""The visitor's language (German or English) and the few fixed texts of our pages."""

from __future__ import annotations

LANGUAGES = ("de", "en")


def choose(lang_param: str | None, accept_language: str | None) -> str:
    """``?lang=`` wins; else the first of de/en in ``Accept-Language`` by q; else German."""
    if lang_param in LANGUAGES:
        return lang_param
    best, best_q = "de", -1.0
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > best_q or (q == best_q and position == 0):
            best, best_q = primary, q
    return best


TEXT = {
    "home": {"de": "Start", "en": "Home"},
    "sparql": {"de": "SPARQL-Abfrage", "en": "SPARQL query"},
    "queries": {"de": "Gespeicherte Abfragen", "en": "Saved queries"},
    "explore": {"de": "Netzwerk", "en": "Network"},
    "funding": {"de": "Förderung", "en": "Funding"},
    "ontology": {"de": "Ontologie", "en": "Ontology"},
    "downloads": {"de": "Downloads", "en": "Downloads"},
    "dataset": {"de": "Datensatz (VoID/DCAT)", "en": "Dataset (VoID/DCAT)"},
    "api": {"de": "API", "en": "API"},
    "types": {"de": "Typ", "en": "Type"},
    "properties": {"de": "Eigenschaften", "en": "Properties"},
    "referenced_by": {"de": "Verwiesen von", "en": "Referenced by"},
    "figures": {"de": "Zahlen", "en": "Figures"},
    "corrections": {"de": "Spätere Quellen", "en": "Later sources"},
    "external": {"de": "Externe Kennungen", "en": "External identifiers"},
    "formats": {"de": "Diese Beschreibung als", "en": "This description as"},
    "source": {"de": "Quelle", "en": "Source"},
    "article": {"de": "Artikel", "en": "article"},
    "section": {"de": "Abschnitt", "en": "section"},
    "column": {"de": "Spalte", "en": "column"},
    "implied": {"de": "nur nahegelegt", "en": "only implied"},
    "heading": {"de": "Überschrift", "en": "heading"},
    "text": {"de": "Text", "en": "text"},
    "later_source": {"de": "spätere Quelle", "en": "later source"},
    "in_article": {"de": "laut Artikel", "en": "according to the article"},
    "in_corrections": {"de": "laut späterer Quelle", "en": "according to a later source"},
    "not_found": {"de": "Nicht gefunden", "en": "Not found"},
    "not_found_text": {
        "de": "Zu dieser IRI gibt es im KI-Graph keine Beschreibung.",
        "en": "KI-Graph has no description of this IRI.",
    },
    "did_you_mean": {"de": "Meinten Sie", "en": "Did you mean"},
    "licence": {
        "de": "Daten und Ontologie: CC BY 4.0 · Code: MIT",
        "en": "Data and ontology: CC BY 4.0 · Code: MIT",
    },
    "classes": {"de": "Klassen", "en": "Classes"},
    "object_properties": {"de": "Eigenschaften", "en": "Properties"},
    "domain": {"de": "Domäne", "en": "Domain"},
    "range": {"de": "Wertebereich", "en": "Range"},
    "super": {"de": "Oberbegriff", "en": "Subclass/subproperty of"},
    "used": {"de": "Verwendungen", "en": "Uses"},
    "definition": {"de": "Definition", "en": "Definition"},
    "file": {"de": "Datei", "en": "File"},
    "size": {"de": "Größe", "en": "Size"},
    "media_type": {"de": "Medientyp", "en": "Media type"},
    "graphs": {"de": "Benannte Graphen", "en": "Named graphs"},
    "queries_intro": {
        "de": "Fertige Abfragen für wiederkehrende Fragen — als Tabelle, CSV oder JSON, mit "
        "typisierten Parametern. Jede ist auch eine stabile URL der",
        "en": "Ready-made queries for recurring questions — as a table, CSV or JSON, with typed "
        "parameters. Each is also a stable URL of the",
    },
    "api_intro": {
        "de": "Alle gespeicherten Abfragen als typisierte Web-API; Parameter werden als RDF-Terme "
        "gebunden, nie in den Abfragetext eingefügt. Maschinenlesbar:",
        "en": "All saved queries as a typed web API; parameters are bound as RDF terms, never "
        "spliced into the query text. Machine-readable:",
    },
    "parameters": {"de": "Parameter", "en": "Parameters"},
    "search": {"de": "Suche nach Namen", "en": "Search by name"},
    "search_button": {"de": "Suchen", "en": "Search"},
    "cooperations": {"de": "Die zehn Kooperationen", "en": "The ten cooperations"},
    "more": {"de": "Abfragen und Daten", "en": "Query and download"},
    "required": {"de": "Pflicht", "en": "required"},
    "run": {"de": "Ausführen", "en": "Run"},
    "page": {"de": "Seite", "en": "Page"},
    "pages": {"de": "Seiten", "en": "Pages"},
    "rows": {"de": "Zeilen", "en": "rows"},
    "previous": {"de": "vorherige", "en": "previous"},
    "next": {"de": "nächste", "en": "next"},
    "truncated": {"de": "gekürzt", "en": "truncated"},
    "triples": {"de": "Tripel", "en": "triples"},
}


def texts(lang: str) -> dict[str, str]:
    return {key: value[lang] for key, value in TEXT.items()}
