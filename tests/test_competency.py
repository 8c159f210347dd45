"""Competency questions: what analysts, journalists and SMEs ask, with the article's exact answer.

Each case is a SPARQL query over the curated content (ontology + data + provenance, as the loader
produces it, without load-time materialisation) and the exact set of rows it must return, asked
of pyoxigraph (``[embedded]``) and of an ``oxigraph serve`` holding the same content (``[remote]``).
IRIs of our namespace are written short: ``org/dfki`` for ``https://w3id.org/kigraph/id/org/dfki``,
``kg:partner`` for ontology terms; literals as their lexical value.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from server.content import load_content
from server.namespaces import ID, KG, sparql_prologue

REPO = Path(__file__).resolve().parent.parent
ARTICLE = "<https://w3id.org/kigraph/graph/article>"
CORRECTIONS = "<https://w3id.org/kigraph/graph/corrections>"
IMPLIED = "<https://w3id.org/kigraph/graph/implied>"
PROVENANCE = "<https://w3id.org/kigraph/graph/provenance>"

PROLOGUE = sparql_prologue() + "".join(
    f"PREFIX {p}: <{ID}{k}/>\n"
    for p, k in [
        ("init", "initiative"),
        ("ag", "org"),
        ("place", "place"),
        ("tech", "technology"),
        ("topic", "topic"),
        ("goal", "goal"),
        ("grp", "target-group"),
        ("grant", "grant"),
        ("qty", "quantity"),
        ("corr", "correction"),
        ("art", "source/article"),
        ("src", "source"),
    ]
)


@pytest.fixture(scope="module")
def content() -> ox.Store:
    store = ox.Store()
    store.extend(load_content(REPO).quads())
    return store


class _RemoteGraph:
    """The part of ``ox.Store`` the checks use, over a :class:`server.remote.RemoteStore`."""

    def __init__(self, store) -> None:
        self.store = store

    def query(self, text: str, *, use_default_graph_as_union: bool = False):
        return self.store.query(text, union_default_graph=use_default_graph_as_union)


@pytest.fixture(scope="module")
def remote_content(content: ox.Store, oxigraph_servers) -> _RemoteGraph:
    """The same content (no materialisation) pushed into an ``oxigraph serve`` of its own."""
    from server.remote import RemoteStore
    from server.store import GraphStore

    store = RemoteStore(oxigraph_servers.start(), timeout=30)
    store.push(GraphStore(content, None, data_version="content"))
    return _RemoteGraph(store)


@pytest.fixture
def graph(backend: str, content: ox.Store, request: pytest.FixtureRequest):
    """The content in pyoxigraph (``embedded``) or behind the SPARQL protocol (``remote``)."""
    return content if backend == "embedded" else request.getfixturevalue("remote_content")


WISSENSSTADT_TELEKOM = "https://www.wissensstadt.hn/backstage/telekom-dockt-in-heilbronn-an-der-europaeische-ki-traum-bekommt-magenta-anstrich/"
DEUTSCHLAND_DE_IPAI = "https://www.deutschland.de/de/topic/wirtschaft/in-heilbronn-entsteht-eines-der-bedeutendsten-ki-okosysteme-europas"


def short(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        iri = term.value
        for namespace, prefix in ((ID, ""), (KG, "kg:")):
            if iri.startswith(namespace):
                return prefix + iri[len(namespace) :]
        return iri
    return term.value  # literals: lexical form


def rows(graph: ox.Store, query: str) -> set[tuple[str | None, ...]]:
    solutions = graph.query(PROLOGUE + query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return {tuple(short(solution[name]) for name in names) for solution in solutions}


CASES: dict[str, tuple[str, set[tuple[str | None, ...]]]] = {
    "the ten cooperations in the article's order": (
        f"SELECT ?rank ?c WHERE {{ GRAPH {ARTICLE} {{ ?c a kg:Cooperation ; kg:articleRank ?rank }} }}",
        {
            ("1", "initiative/dfki"),
            ("2", "initiative/ki-campus"),
            ("3", "initiative/industrial-ai-cloud"),
            ("4", "initiative/ki-park"),
            ("5", "initiative/telekom-ipai"),
            ("6", "initiative/ki-kompetenzzentren"),
            ("7", "initiative/ki-fabriken"),
            ("8", "initiative/deutschland-stack"),
            ("9", "initiative/stifterverband-ki-strategien"),
            ("10", "initiative/ki-innovationswettbewerb"),
        },
    ),
    "lead organisations of the cooperations, as the article says": (
        f"SELECT ?c ?lead WHERE {{ GRAPH {ARTICLE} {{ ?c a kg:Cooperation ; kg:leadOrganisation ?lead }} }}",
        {
            ("initiative/dfki", "org/dfki"),
            ("initiative/ki-park", "org/ki-park-ev"),
            ("initiative/telekom-ipai", "org/ipai"),
            ("initiative/ki-kompetenzzentren", "org/bmbf"),
            ("initiative/deutschland-stack", "org/ki-bundesverband"),
            ("initiative/stifterverband-ki-strategien", "org/stifterverband"),
            ("initiative/ki-innovationswettbewerb", "org/bmwi"),
        },
    ),
    "in which roles does NVIDIA take part": (
        f"""SELECT ?initiative ?role WHERE {{
              GRAPH {ARTICLE} {{ ?initiative ?role ag:nvidia }}
              ?role rdfs:subPropertyOf+ kg:involves }}""",
        {
            ("initiative/industrial-ai-cloud", "kg:partner"),
            ("initiative/industrial-ai-cloud", "kg:strategicPartner"),
            ("initiative/industrial-ai-cloud", "kg:operator"),
        },
    ),
    "the strategic partnership the article names (section 3), and what it aims at": (
        f"""SELECT ?initiative ?partner ?goal ?passage WHERE {{
              GRAPH {ARTICLE} {{ ?initiative kg:strategicPartner ?partner ; kg:goal ?goal }}
              GRAPH {PROVENANCE} {{ ?st rdf:subject ?initiative ;
                  rdf:predicate kg:strategicPartner ; prov:wasDerivedFrom ?passage }} }}""",
        {
            (
                "initiative/industrial-ai-cloud",
                "org/nvidia",
                "goal/europaeische-ki-infrastruktur",
                "source/article/s3-text",
            )
        },
    ),
    "which cooperations involve NVIDIA, directly or through its technology": (
        f"""SELECT DISTINCT ?cooperation WHERE {{
              GRAPH {ARTICLE} {{
                {{ ?x ?role ag:nvidia . FILTER(?role != kg:collaboratesWith) }}
                UNION {{ ?x ?uses ?tech . ?tech schema:manufacturer ag:nvidia }}
                UNION {{ ?x kg:exampleOf ?y . ?x ?role2 ag:nvidia }}
              }}
              {{ ?x a kg:Cooperation . BIND(?x AS ?cooperation) }}
              UNION {{ ?x kg:partOf+ ?cooperation . ?cooperation a kg:Cooperation }}
              UNION {{ ?x kg:exampleOf ?cooperation . ?cooperation a kg:Cooperation }}
            }}""",
        {("initiative/industrial-ai-cloud",), ("initiative/ki-fabriken",)},
    ),
    "DFKI: annual public money, from whom, in what shares": (
        f"""SELECT ?amount ?currency ?period ?funder ?fraction WHERE {{ GRAPH {ARTICLE} {{
              ?grant kg:fundedInitiative init:dfki ; schema:amount ?a ; kg:period ?period ;
                     kg:share ?share .
              ?a schema:value ?amount ; schema:currency ?currency .
              ?share kg:shareFunder ?funder ; kg:fraction ?fraction }} }}""",
        {
            ("22000000", "EUR", "P1Y", "org/bund", "0.5"),
            ("22000000", "EUR", "P1Y", "org/laender", "0.5"),
        },
    ),
    "how many Länder take part in the DFKI, and which does the article name": (
        f"""SELECT ?n ?comparator ?named WHERE {{ GRAPH {ARTICLE} {{
              init:dfki kg:quantity ?q . ?q kg:countOf ag:laender ; schema:value ?n ;
                                             kg:comparator ?comparator .
              init:dfki kg:partner ?named . ?named kg:memberOf ag:laender }} }}""",
        {("7", "kg:exactly", "place/saarland")},
    ),
    "technologies of the Industrial AI Cloud": (
        f"""SELECT ?tech WHERE {{ GRAPH {ARTICLE} {{
              init:industrial-ai-cloud ?p ?tech }}
              ?p rdfs:subPropertyOf* kg:usesTechnology }}""",
        {("technology/gpu",), ("technology/nvidia-dgx-b200",), ("technology/nvidia-omniverse",)},
    ),
    "which competence centres are named, and where are they": (
        f"""SELECT ?centre ?place WHERE {{ GRAPH {ARTICLE} {{
              init:ki-kompetenzzentren kg:memberOrganisation ?centre .
              OPTIONAL {{ ?centre kg:location ?place }} }} }}""",
        {
            ("org/bifold", "place/berlin"),
            ("org/tue-ai", "place/tuebingen"),
            ("org/mcml", None),
            ("org/scads-ai", None),
        },
    ),
    "how many competence centres does the article say there are": (
        f"""SELECT ?n WHERE {{ GRAPH {ARTICLE} {{ init:ki-kompetenzzentren kg:quantity ?q .
              ?q kg:countOf kg:CompetenceCentre ; schema:value ?n }} }}""",
        {("5",)},
    ),
    "which initiatives target the Mittelstand": (
        f"SELECT ?i WHERE {{ GRAPH {ARTICLE} {{ ?i kg:targetGroup grp:mittelstand }} }}",
        {("initiative/industrial-ai-cloud",), ("initiative/ki-fabriken",)},
    ),
    "which initiatives address the Mittelstand: target group, or a goal or measure about it": (
        f"""SELECT DISTINCT ?i WHERE {{
              GRAPH {ARTICLE} {{ ?i ?p ?concept }}
              {{ VALUES ?p {{ kg:targetGroup }} }} UNION {{ ?p rdfs:subPropertyOf+ kg:topic }}
              {{ BIND(grp:mittelstand AS ?concept) }}
              UNION {{ ?concept skos:related grp:mittelstand }} }}""",
        {
            ("initiative/industrial-ai-cloud",),
            ("initiative/ki-fabriken",),
            ("initiative/stifterverband-ki-strategien",),
        },
    ),
    "which concepts of the Stifterverband are about the Mittelstand, and in which column": (
        f"""SELECT ?p ?concept WHERE {{
              GRAPH {ARTICLE} {{ init:stifterverband-ki-strategien ?p ?concept }}
              ?concept skos:related grp:mittelstand }}""",
        {
            ("kg:measure", "topic/vernetzung-von-hochschulen-und-kmu"),
            ("kg:goal", "goal/staerkung-der-mittelstandsfoerderung"),
        },
    ),
    "which initiatives address Industrie 4.0, directly or through a goal about it": (
        f"""SELECT ?i ?p ?concept WHERE {{
              GRAPH {ARTICLE} {{ ?i ?p ?concept }} ?p rdfs:subPropertyOf+ kg:topic .
              {{ BIND(topic:industrie-4-0 AS ?concept) }}
              UNION {{ ?concept skos:related topic:industrie-4-0 }} }}""",
        {
            ("initiative/dfki", "kg:applicationArea", "topic/industrie-4-0"),
            ("initiative/telekom-ipai", "kg:goal", "goal/ki-loesungen-fuer-industrie-4-0"),
        },
    ),
    "which initiatives have a goal about the Mittelstand (not a target group)": (
        f"""SELECT ?i ?goal WHERE {{ GRAPH {ARTICLE} {{ ?i kg:goal ?goal .
              ?goal rdfs:label ?l FILTER(CONTAINS(?l, "Mittelstand")) }} }}""",
        {("initiative/stifterverband-ki-strategien", "goal/staerkung-der-mittelstandsfoerderung")},
    ),
    "total of quantified annual funding in the article": (
        f"""SELECT (SUM(?v) AS ?total) WHERE {{ GRAPH {ARTICLE} {{
              ?g a schema:MonetaryGrant ; kg:period "P1Y"^^xsd:duration ; schema:amount ?a .
              ?a schema:value ?v }} }}""",
        {("72000000",)},
    ),
    "which grants have no quantified amount": (
        f"""SELECT ?initiative ?note WHERE {{ GRAPH {ARTICLE} {{
              ?g kg:amountStated false ; kg:fundedInitiative ?initiative ; kg:budgetNote ?note
              FILTER(LANG(?note) = "de") }} }}""",
        {("initiative/ki-innovationswettbewerb", "Teil des BMWi-Programms")},
    ),
    "which tables of the article cite a source": (
        """SELECT ?section WHERE { ?cell kg:columnHeader "Quelle" ; kg:cellEmpty false ;
              kg:section ?section }""",
        set(),
    ),
    "how many Quelle cells does the article have, and are they empty": (
        """SELECT (COUNT(?cell) AS ?n) ?empty WHERE { ?cell kg:columnHeader "Quelle" ;
              kg:cellEmpty ?empty } GROUP BY ?empty""",
        {("10", "true")},
    ),
    "what metadata the article lacks": (
        "SELECT ?missing WHERE { src:article kg:missingMetadata ?missing }",
        {
            ("http://purl.org/dc/terms/creator",),
            ("http://purl.org/dc/terms/issued",),
            ("http://schema.org/url",),
        },
    ),
    "statements later sources contradict, and the sources": (
        f"""SELECT ?correction ?source WHERE {{ GRAPH {CORRECTIONS} {{
              ?correction kg:correctionKind kg:contradicts ; prov:wasDerivedFrom ?source }} }}""",
        {
            (
                "correction/blue-lion-betreiber",
                "https://www.lrz.de/news/detail/warmlaufen-fuer-blue-lion",
            ),
            (
                "correction/blue-lion-hardware",
                "https://www.lrz.de/news/detail/warmlaufen-fuer-blue-lion",
            ),
            (
                "correction/ki-kompetenzzentren-foerderung",
                "https://www.ki-strategie-deutschland.de/tile-1-1-forschung-staerken-alexander-von-humboldt-professur.html",
            ),
            (
                "correction/industrial-ai-cloud-betreiber",
                "https://www.rcrwireless.com/20260206/carriers/deutsche-telekom-ai-3",
            ),
        },
    ),
    "statements later sources could not confirm, and the pages checked": (
        f"""SELECT ?correction ?source WHERE {{ GRAPH {CORRECTIONS} {{
              ?correction kg:correctionKind kg:unconfirmed ; prov:wasDerivedFrom ?source }}
              FILTER(STRSTARTS(STR(?correction), STR(corr:deutschland-stack))
                     || STRSTARTS(STR(?correction), STR(corr:ipai))) }}""",
        {
            (
                "correction/deutschland-stack-traeger",
                "https://www.rcrwireless.com/20260206/carriers/deutsche-telekom-ai-3",
            ),
            (
                "correction/deutschland-stack-traeger",
                "https://t3n.de/news/deutsches-forschungskonsortium-stellt-soofi-vor-was-die-open-source-ki-fuer-die-eu-leisten-soll-1717372/",
            ),
            ("correction/ipai-bosch", DEUTSCHLAND_DE_IPAI),
            ("correction/ipai-bosch", WISSENSSTADT_TELEKOM),
            ("correction/ipai-festo", DEUTSCHLAND_DE_IPAI),
            ("correction/ipai-festo", WISSENSSTADT_TELEKOM),
        },
    ),
    "what later sources add about the Deutschland-Stack and Telekom's role at IPAI": (
        f"""SELECT ?correction ?kind ?value ?source WHERE {{ GRAPH {CORRECTIONS} {{
              ?correction kg:correctionKind ?kind ; kg:correctedValue ?value ;
                          prov:wasDerivedFrom ?source
              VALUES ?correction {{ corr:deutschland-stack-entwickler corr:ipai-telekom }} }} }}""",
        {
            (
                "correction/deutschland-stack-entwickler",
                "kg:refines",
                "org/deutsche-telekom",
                "https://www.rcrwireless.com/20260206/carriers/deutsche-telekom-ai-3",
            ),
            (
                "correction/deutschland-stack-entwickler",
                "kg:refines",
                "org/sap",
                "https://www.rcrwireless.com/20260206/carriers/deutsche-telekom-ai-3",
            ),
            ("correction/ipai-telekom", "kg:refines", "org/deutsche-telekom", WISSENSSTADT_TELEKOM),
        },
    ),
    "corrections resting on no described public page (must be none, unless unconfirmed)": (
        f"""SELECT ?correction ?source WHERE {{ GRAPH {CORRECTIONS} {{
              ?correction a kg:Correction ; prov:wasDerivedFrom ?source }}
              FILTER NOT EXISTS {{ ?correction kg:correctionKind kg:unconfirmed }}
              FILTER(?source = src:modelling-notes || NOT EXISTS {{ ?source schema:url ?url }}) }}""",
        set(),
    ),
    "statements that are outdated rather than wrong": (
        f"""SELECT ?resource ?articleValue ?correctedValue WHERE {{ GRAPH {CORRECTIONS} {{
              ?c kg:correctionKind kg:updates ; kg:aboutResource ?resource ;
                 kg:articleValue ?articleValue ; kg:correctedValue ?correctedValue }} }}""",
        {
            ("org/bmwi", "BMWi", "BMWE"),
            ("org/bmbf", "BMBF", "BMFTR"),
            ("quantity/industrial-ai-cloud-gpus", "kg:planned", "kg:operational"),
        },
    ),
    "what the article only implies about Blue Lion's operator, and what the LRZ says": (
        f"""SELECT ?article ?later WHERE {{
              GRAPH {IMPLIED} {{ init:blue-lion kg:operator ?article }}
              GRAPH {CORRECTIONS} {{ init:blue-lion kg:operator ?later }} }}""",
        {("org/jsc", "org/lrz")},
    ),
    "which passages state the DFKI's 22 Mio €": (
        f"""SELECT ?passage WHERE {{ GRAPH {PROVENANCE} {{
              ?st rdf:subject grant:dfki-jaehrlich-betrag ; rdf:predicate schema:value ;
                  prov:wasDerivedFrom ?passage }} }}""",
        {("source/article/s1-text",), ("source/article/s1-schluesseldaten",)},
    ),
    "which section and column name the KI-Campus initiators": (
        f"""SELECT ?section ?column WHERE {{ GRAPH {PROVENANCE} {{
              ?st rdf:subject init:ki-campus ; rdf:predicate kg:initiator ;
                  prov:wasDerivedFrom ?passage }}
              ?passage kg:section ?s ; kg:columnHeader ?column . ?s kg:sectionNumber ?section }}""",
        {("2", "Initiatoren")},
    ),
    "initiators versus partners of KI-Campus": (
        f"""SELECT ?role ?who WHERE {{ GRAPH {ARTICLE} {{ init:ki-campus ?role ?who }}
              VALUES ?role {{ kg:initiator kg:partner }} }}""",
        {
            ("kg:initiator", "org/bmbf"),
            ("kg:initiator", "org/fraunhofer"),
            ("kg:initiator", "org/industrie"),
        },
    ),
    "counts the article gives as lower bounds": (
        f"""SELECT ?q ?comparator ?bound WHERE {{ GRAPH {ARTICLE} {{
              ?q kg:comparator ?comparator ; schema:minValue ?bound }} }}""",
        {
            ("quantity/ki-campus-kurse", "kg:atLeast", "40"),
            ("quantity/ki-campus-partner", "kg:moreThan", "40"),
            ("quantity/ki-park-mitglieder", "kg:moreThan", "300"),
        },
    ),
    "counts the article gives as exact": (
        f"""SELECT ?q ?n WHERE {{ GRAPH {ARTICLE} {{ ?q kg:comparator kg:exactly ;
              schema:value ?n }} }}""",
        {
            ("quantity/dfki-laender", "7"),
            ("quantity/industrial-ai-cloud-gpus", "10000"),
            ("quantity/ki-kompetenzzentren-anzahl", "5"),
            ("quantity/jupiter-chips", "24000"),
        },
    ),
    "what is planned in the Industrial AI Cloud, and where": (
        f"""SELECT ?thing ?place WHERE {{ GRAPH {ARTICLE} {{ ?thing kg:status kg:planned .
              OPTIONAL {{ ?thing kg:location ?place }} }} }}""",
        {
            ("quantity/industrial-ai-cloud-gpus", None),
            ("initiative/nvidia-technology-center-muenchen", "place/muenchen"),
        },
    ),
    "what the article's status says about the Industrial AI Cloud as a whole": (
        f"SELECT ?status WHERE {{ GRAPH {ARTICLE} {{ init:industrial-ai-cloud kg:status ?status }} }}",
        set(),
    ),
    "Deutschland-Stack: goals, components and benefits kept apart": (
        f"""SELECT ?p ?o WHERE {{ GRAPH {ARTICLE} {{ init:deutschland-stack ?p ?o }}
              VALUES ?p {{ kg:goal kg:component kg:benefit kg:focusArea }} }}""",
        {
            ("kg:goal", "goal/datenhoheit"),
            ("kg:goal", "goal/eu-konformitaet"),
            ("kg:component", "technology/heimische-ki-modelle"),
            ("kg:component", "technology/sichere-clouds"),
            ("kg:component", "technology/eigenstaendige-llms"),
            ("kg:component", "technology/open-standards"),
            ("kg:benefit", "topic/reduzierte-abhaengigkeit-von-us-anbietern"),
        },
    ),
    "Telekom & IPAI: who, in which role, where": (
        f"""SELECT ?role ?who WHERE {{ GRAPH {ARTICLE} {{ init:telekom-ipai ?role ?who }}
              VALUES ?role {{ kg:partner kg:supporter kg:leadOrganisation kg:location }} }}""",
        {
            ("kg:partner", "org/bosch"),
            ("kg:partner", "org/festo"),
            ("kg:partner", "org/fraunhofer"),
            ("kg:supporter", "org/deutsche-telekom"),
            ("kg:leadOrganisation", "org/ipai"),
        },
    ),
    "organisations (not collectives) the article names in the sections of several cooperations": (
        f"""SELECT ?who (COUNT(DISTINCT ?c) AS ?n) WHERE {{
              GRAPH {PROVENANCE} {{ ?st rdf:predicate ?role ; rdf:object ?who ;
                                    kg:assertedIn {ARTICLE} ; prov:wasDerivedFrom ?passage }}
              ?role rdfs:subPropertyOf+ kg:involves .
              ?passage kg:section/schema:about ?c . ?c a kg:Cooperation .
              FILTER NOT EXISTS {{ ?who a kg:Collective }} }}
            GROUP BY ?who HAVING (COUNT(DISTINCT ?c) > 1)""",
        {
            ("org/bmbf", "2"),
            ("org/bund", "2"),
            ("org/fraunhofer", "2"),
            ("org/nvidia", "2"),
        },
    ),
    "which initiatives use Omniverse, in which relation": (
        f"""SELECT ?initiative ?relation WHERE {{
              GRAPH {ARTICLE} {{ ?initiative ?relation tech:nvidia-omniverse }}
              ?relation rdfs:subPropertyOf* kg:usesTechnology }}""",
        {("initiative/industrial-ai-cloud", "kg:usesTechnology")},
    ),
    "application areas of the AI factories": (
        f"SELECT ?a WHERE {{ GRAPH {ARTICLE} {{ init:ki-fabriken kg:applicationArea ?a }} }}",
        {("topic/klimamodelle",), ("topic/medikamentenentwicklung",)},
    ),
    "Stifterverband: recommendations, measure and goals": (
        f"""SELECT ?p ?o WHERE {{ GRAPH {ARTICLE} {{ init:stifterverband-ki-strategien ?p ?o }}
              VALUES ?p {{ kg:recommendation kg:measure kg:goal }} }}""",
        {
            ("kg:recommendation", "topic/staerkere-abstimmung-der-bundeslaender"),
            ("kg:recommendation", "topic/regionale-kompetenzzentren"),
            ("kg:measure", "topic/vernetzung-von-hochschulen-und-kmu"),
            ("kg:goal", "goal/wettbewerbsfaehige-oekosysteme"),
            ("kg:goal", "goal/staerkung-der-mittelstandsfoerderung"),
        },
    ),
    "what the article only implies about operators": (
        f"""SELECT ?s ?o WHERE {{ GRAPH {PROVENANCE} {{
              ?st rdf:subject ?s ; rdf:predicate kg:operator ; rdf:object ?o ;
                  prov:wasDerivedFrom ?passage }}
              ?passage kg:passageKind kg:implication }}""",
        {("initiative/jupiter", "org/jsc"), ("initiative/blue-lion", "org/jsc")},
    ),
    "external identifiers of the DFKI": (
        "SELECT ?id WHERE { ag:dfki schema:sameAs ?id }",
        {("https://ror.org/01ayc5b57",), ("http://www.wikidata.org/entity/Q896469",)},
    ),
    "where is what located according to the article (stated only)": (
        f"SELECT ?place ?what WHERE {{ GRAPH {ARTICLE} {{ ?what kg:location ?place }} }}",
        {
            ("place/muenchen", "initiative/nvidia-technology-center-muenchen"),
            ("place/heilbronn", "org/ipai"),
            ("place/berlin", "org/bifold"),
            ("place/tuebingen", "org/tue-ai"),
        },
    ),
    "which locations the article only implies, and which passage suggests them": (
        f"""SELECT ?place ?what ?passage WHERE {{ GRAPH {IMPLIED} {{ ?what kg:location ?place }}
              GRAPH {PROVENANCE} {{ ?st rdf:subject ?what ; rdf:predicate kg:location ;
                                    rdf:object ?place ; prov:wasDerivedFrom ?passage }} }}""",
        {
            ("place/heilbronn", "initiative/telekom-ipai", "source/article/s5-implied"),
            ("place/juelich", "org/jsc", "source/article/s7-implied"),
        },
    ),
    "statements of the article's stated graph that come from an implication (must be none)": (
        f"""SELECT ?s ?p ?o WHERE {{ GRAPH {PROVENANCE} {{
              ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:assertedIn {ARTICLE} ;
                  prov:wasDerivedFrom ?passage }}
              ?passage kg:passageKind kg:implication }}""",
        set(),
    ),
    "what the BMBF is called today, and since when": (
        f"""SELECT ?acronym ?date WHERE {{ GRAPH {CORRECTIONS} {{
              ?e kg:renamedOrganisation ag:bmbf ; kg:newAcronym ?acronym ; dcterms:date ?date }} }}""",
        {("BMFTR", "2025-05-06")},
    ),
    "the seven Länder that fund the DFKI, by the later source": (
        f"SELECT ?land WHERE {{ GRAPH {CORRECTIONS} {{ init:dfki kg:funder ?land }} }}",
        {
            ("place/berlin",),
            ("place/bremen",),
            ("place/hessen",),
            ("place/niedersachsen",),
            ("place/rheinland-pfalz",),
            ("place/saarland",),
            ("place/schleswig-holstein",),
        },
    ),
    "what the article says Germany is": (
        f"""SELECT ?role WHERE {{ GRAPH {ARTICLE} {{ place:deutschland kg:statedRole ?role
              FILTER(LANG(?role) = "de") }} }}""",
        {
            ("zentrale Kraft im europäischen KI-Ökosystem",),
            ("europäischer Vorreiter",),
            ("KI-Innovationsmotor",),
        },
    ),
}


@pytest.mark.parametrize("question", list(CASES))
def test_competency_question(graph: ox.Store, question: str) -> None:
    query, expected = CASES[question]
    assert rows(graph, query) == expected


def test_there_are_at_least_thirty_questions() -> None:
    assert len(CASES) >= 30


def test_every_article_triple_has_provenance(graph: ox.Store) -> None:
    missing = rows(
        graph,
        f"""SELECT ?s ?p ?o WHERE {{ GRAPH {ARTICLE} {{ ?s ?p ?o }}
              FILTER NOT EXISTS {{ GRAPH {PROVENANCE} {{
                ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
                    kg:assertedIn {ARTICLE} ; prov:wasDerivedFrom ?passage }} }} }}""",
    )
    assert missing == set()


def test_every_correction_triple_names_a_described_public_page(graph: ox.Store) -> None:
    sources = rows(
        graph,
        f"""SELECT DISTINCT ?source ?url WHERE {{ GRAPH {PROVENANCE} {{
              ?st kg:assertedIn {CORRECTIONS} ; prov:wasDerivedFrom ?source }}
              OPTIONAL {{ ?source schema:url ?url }} }}""",
    )
    assert sources
    for source, url in sources:
        assert url == source, source


def test_no_external_identifier_for_unconfirmed_organisations(graph: ox.Store) -> None:
    linked = rows(graph, "SELECT DISTINCT ?org WHERE { ?org schema:sameAs ?id }")
    for unconfirmed in (
        "org/ipai",
        "org/ki-park-ev",
        "org/ki-bundesverband",
        "org/deutsche-telekom",
    ):
        assert ((unconfirmed,) in linked) == (unconfirmed == "org/deutsche-telekom")
