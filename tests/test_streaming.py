"""Large answers leave the query worker as a file and are sent from it, complete, with their
length; small ones go through the pipe and the result cache."""

from __future__ import annotations

import http.client
import json
import urllib.parse

from server.query_pool import SPOOL_AFTER

ALL = "SELECT * WHERE { ?s ?p ?o }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_large_answer_is_complete_in_process(client):
    count = int(
        client.get("/sparql", query_string={"query": COUNT}).json["results"]["bindings"][0]["n"][
            "value"
        ]
    )
    r = client.get("/sparql", query_string={"query": ALL})
    assert r.status_code == 200
    assert len(r.data) > SPOOL_AFTER
    assert len(r.json["results"]["bindings"]) == count


def _get(base: str, path: str, headers: dict):
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    connection.request("GET", path, headers=headers)
    return connection, connection.getresponse()


def test_live_large_answer_arrives_whole_with_its_length(live_server):
    headers = {"Accept": "application/sparql-results+json"}
    connection, response = _get(
        live_server, "/sparql?" + urllib.parse.urlencode({"query": COUNT}), headers
    )
    count = int(json.loads(response.read())["results"]["bindings"][0]["n"]["value"])
    connection.close()
    connection, response = _get(
        live_server, "/sparql?" + urllib.parse.urlencode({"query": ALL}), headers
    )
    assert response.status == 200
    length = int(response.getheader("Content-Length"))
    body = response.read()
    connection.close()
    assert len(body) == length > SPOOL_AFTER
    assert len(json.loads(body)["results"]["bindings"]) == count


def test_live_graph_store_sends_the_whole_dataset(live_server, embedded_store):
    """GET /store?default (Graph Store Protocol) of more than 1 MiB: complete — every triple
    of every graph."""
    import pyoxigraph as ox

    connection, response = _get(live_server, "/store?default", {"Accept": "application/n-triples"})
    assert response.status == 200
    body = response.read()
    connection.close()
    assert len(body) > SPOOL_AFTER
    got = {
        ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, ox.RdfFormat.N_TRIPLES)
    }
    expected = {ox.Triple(q.subject, q.predicate, q.object) for q in embedded_store.quads()}
    assert got == expected
