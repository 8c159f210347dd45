# VoID statistics of every graph but the description's own, added to the dataset description
# after the data is loaded.
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX kg:      <https://w3id.org/kigraph/ontology#>
PREFIX prov:    <http://www.w3.org/ns/prov#>
PREFIX rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX schema:  <http://schema.org/>
PREFIX void:    <http://rdfs.org/ns/void#>

# each named graph is a subset, with its triple count
INSERT { GRAPH <https://w3id.org/kigraph/graph/dataset> {
    <https://w3id.org/kigraph/dataset> void:subset ?g . ?g a void:Dataset ; void:triples ?n } }
WHERE { SELECT ?g (COUNT(*) AS ?n) WHERE {
    GRAPH ?g { ?s ?p ?o } FILTER(?g != <https://w3id.org/kigraph/graph/dataset>) } GROUP BY ?g } ;

# totals
INSERT { GRAPH <https://w3id.org/kigraph/graph/dataset> {
    <https://w3id.org/kigraph/dataset> void:triples ?n ; void:classes ?c ; void:properties ?p ;
        void:distinctSubjects ?ds } }
WHERE { SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?class) AS ?c) (COUNT(DISTINCT ?pred) AS ?p)
               (COUNT(DISTINCT ?s) AS ?ds)
    WHERE { GRAPH ?g { ?s ?pred ?o } FILTER(?g != <https://w3id.org/kigraph/graph/dataset>)
            OPTIONAL { FILTER(?pred = rdf:type) BIND(?o AS ?class) } } } ;

# class partitions
INSERT { GRAPH <https://w3id.org/kigraph/graph/dataset> {
    <https://w3id.org/kigraph/dataset> void:classPartition ?part .
    ?part void:class ?class ; void:entities ?n } }
WHERE {
    { SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
        GRAPH ?g { ?s a ?class } FILTER(?g != <https://w3id.org/kigraph/graph/dataset>) }
      GROUP BY ?class }
    BIND(IRI(CONCAT("https://w3id.org/kigraph/dataset/class/", SUBSTR(SHA256(STR(?class)), 1, 16)))
         AS ?part) } ;

# property partitions
INSERT { GRAPH <https://w3id.org/kigraph/graph/dataset> {
    <https://w3id.org/kigraph/dataset> void:propertyPartition ?part .
    ?part void:property ?pred ; void:triples ?n } }
WHERE {
    { SELECT ?pred (COUNT(*) AS ?n) WHERE {
        GRAPH ?g { ?s ?pred ?o } FILTER(?g != <https://w3id.org/kigraph/graph/dataset>) }
      GROUP BY ?pred }
    BIND(IRI(CONCAT("https://w3id.org/kigraph/dataset/property/", SUBSTR(SHA256(STR(?pred)), 1, 16)))
         AS ?part) } ;

# the source documents (prov:wasDerivedFrom: DCAT-AP keeps dcterms:source for datasets)
INSERT { GRAPH <https://w3id.org/kigraph/graph/dataset> {
    <https://w3id.org/kigraph/dataset> prov:wasDerivedFrom ?doc } }
WHERE { GRAPH ?g { ?doc a kg:SourceDocument } FILTER(?g != <https://w3id.org/kigraph/graph/dataset>) } ;

# the number of links of each link set the description declares (0 where there are none)
INSERT { GRAPH <https://w3id.org/kigraph/graph/dataset> { ?ls void:triples ?n } }
WHERE {
    GRAPH <https://w3id.org/kigraph/graph/dataset> {
        ?ls a void:Linkset ; void:objectsTarget/void:uriSpace ?ns }
    OPTIONAL { SELECT ?ns (COUNT(*) AS ?links) WHERE {
        GRAPH <https://w3id.org/kigraph/graph/dataset> { ?any void:objectsTarget/void:uriSpace ?ns }
        GRAPH ?g { ?s schema:sameAs ?o } FILTER(?g != <https://w3id.org/kigraph/graph/dataset>)
        FILTER(STRSTARTS(STR(?o), ?ns)) } GROUP BY ?ns }
    BIND(COALESCE(?links, 0) AS ?n) }
 ;

# the catalogue changes with the dataset; both were first issued with the first release
INSERT { GRAPH <https://w3id.org/kigraph/graph/dataset> {
    <https://w3id.org/kigraph/dataset#catalogue> dcterms:modified ?m } }
WHERE { GRAPH <https://w3id.org/kigraph/graph/dataset> {
    <https://w3id.org/kigraph/dataset#catalogue> a ?catalogue .
    <https://w3id.org/kigraph/dataset> dcterms:modified ?m } } ;

INSERT { GRAPH <https://w3id.org/kigraph/graph/dataset> {
    <https://w3id.org/kigraph/dataset#catalogue> dcterms:issued ?first .
    <https://w3id.org/kigraph/dataset> dcterms:issued ?first } }
WHERE { { SELECT (MIN(?issued) AS ?first) WHERE { GRAPH <https://w3id.org/kigraph/graph/dataset> {
    <https://w3id.org/kigraph/dataset> <http://www.w3.org/ns/dcat#hasVersion> ?release .
    ?release dcterms:issued ?issued } } }
    FILTER(BOUND(?first)) }
