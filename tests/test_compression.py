"""Every large textual answer is compressed for clients that accept it; downloads and small
answers are not; revalidation works on the compressed variant."""

from __future__ import annotations

import gzip

import brotli
import pytest

UNPACK = {"br": brotli.decompress, "gzip": gzip.decompress}


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/yasgui/yasgui.min.js",
        "/ontology",
        "/queries/cooperations",
        "/queries/cooperations.csv",
        "/doc/initiative/dfki",
        "/doc/initiative/dfki.ttl",
        "/openapi.json",
    ],
)
@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_large_answers_are_compressed(client, path, encoding):
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": encoding})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.data) < len(plain.data)
    if "Content-Length" in packed.headers:  # files (static scripts) are compressed as they stream
        assert int(packed.headers["Content-Length"]) == len(packed.data)
    assert UNPACK[encoding](packed.data) == plain.data
    assert packed.headers["Content-Type"] == plain.headers["Content-Type"]
    if "ETag" in plain.headers:  # a different representation, a different strong ETag …
        assert packed.headers["ETag"] != plain.headers["ETag"]
        again = client.get(  # … which still revalidates
            path, headers={"Accept-Encoding": encoding, "If-None-Match": packed.headers["ETag"]}
        )
        assert again.status_code == 304


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/downloads/kigraph.nq", {"Accept-Encoding": "br"}),  # a download: .gz twins exist
        ("/healthz", {"Accept-Encoding": "br"}),  # small
        ("/ontology", {"Accept-Encoding": "br;q=0, gzip;q=0"}),  # refused codings
        ("/ontology", {}),
    ],
)
def test_left_alone(client, path, headers):
    r = client.get(path, headers=headers)
    assert r.status_code == 200
    assert "Content-Encoding" not in r.headers
