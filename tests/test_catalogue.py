"""The DCAT-AP catalogue at /dataset and the releases (issue 18).

The catalogue is validated with the official shapes, vendored under tests/schemas/ (see the
README there for where each file comes from): SEMIC's DCAT-AP 3.0.0 shapes (mandatory and
cardinality, class ranges, controlled vocabularies, recommended) and the German additions of
DCAT-AP.de 3.0. The distributions are checked against the files a user downloads: every byte
size and SHA-256 in the catalogue must be what the download gives.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import run_kigraph
from pyshacl import validate
from rdflib.namespace import SH

from server import releases

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "tests" / "schemas"
SHAPES = {
    "DCAT-AP 3.0.0": [
        SCHEMAS / "dcat-ap-3.0.0" / name
        for name in (
            "shapes.ttl",
            "range.ttl",
            "mdr-vocabularies.shape.ttl",
            "shapes_recommended.ttl",
        )
    ],
    "DCAT-AP.de 3.0 additions": [
        SCHEMAS / "dcat-ap-de-3.0" / "dcat-ap-spec-german-additions.ttl",
    ],
}
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
DATASET = "https://w3id.org/kigraph/dataset"


@pytest.fixture(scope="module")
def catalogue_ttl(embedded_app) -> bytes:
    response = embedded_app.test_client().get("/dataset.ttl")
    assert response.status_code == 200, response.data[:500]
    return response.data


def _violations(data: bytes, shape_files: list[Path]) -> list[str]:
    shapes = rdflib.Graph()
    for path in shape_files:
        shapes.parse(path, format="turtle")
    graph = rdflib.Graph().parse(data=data, format="turtle")
    _, report, _ = validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True)
    found = []
    for result in report.objects(None, SH.result):
        if report.value(result, SH.resultSeverity) == SH.Violation:
            found.append(
                f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)}: "
                f"{report.value(result, SH.resultMessage)}"
            )
    return found


@pytest.mark.parametrize("profile", sorted(SHAPES))
def test_catalogue_conforms_to_the_official_shapes(catalogue_ttl: bytes, profile: str) -> None:
    assert _violations(catalogue_ttl, SHAPES[profile]) == []


def test_the_validation_can_fail(catalogue_ttl: bytes) -> None:
    """The same shapes find a catalogue without publisher and titles (the check is live)."""
    graph = rdflib.Graph().parse(data=catalogue_ttl, format="turtle")
    catalogue = rdflib.URIRef(DATASET + "#catalogue")
    graph.remove((catalogue, rdflib.DCTERMS.publisher, None))
    graph.remove((rdflib.URIRef(DATASET), rdflib.DCTERMS.title, None))
    found = _violations(graph.serialize(format="turtle").encode(), SHAPES["DCAT-AP 3.0.0"])
    assert any("publisher" in v for v in found) and any("title" in v for v in found)


def test_catalogue_names_publisher_contact_themes_services(catalogue_ttl: bytes) -> None:
    g = rdflib.Graph().parse(data=catalogue_ttl, format="turtle")
    dataset = rdflib.URIRef(DATASET)
    assert g.value(dataset, rdflib.DCTERMS.publisher) is not None
    assert g.value(dataset, rdflib.URIRef(DCAT + "contactPoint")) is not None
    themes = {str(t) for t in g.objects(dataset, rdflib.URIRef(DCAT + "theme"))}
    assert "http://publications.europa.eu/resource/authority/data-theme/TECH" in themes
    services = {str(s) for s in g.subjects(rdflib.URIRef(DCAT + "servesDataset"), dataset)}
    endpoints = {
        str(g.value(rdflib.URIRef(s), rdflib.URIRef(DCAT + "endpointURL"))) for s in services
    }
    assert endpoints == {"https://w3id.org/kigraph/sparql", "https://w3id.org/kigraph/api"}
    licences = {str(o) for o in g.objects(None, rdflib.DCTERMS.license)}
    assert "http://dcat-ap.de/def/licenses/cc-by/4.0" in licences


def test_every_download_is_a_distribution_with_its_true_size_and_checksum(
    embedded_app, catalogue_ttl: bytes
) -> None:
    client = embedded_app.test_client()
    listing = json.loads(client.get("/downloads", headers={"Accept": "application/json"}).data)
    g = rdflib.Graph().parse(data=catalogue_ttl, format="turtle")
    by_url = {str(o): d for d, o in g.subject_objects(rdflib.URIRef(DCAT + "downloadURL"))}
    checked = 0
    for entry in listing["files"]:
        if entry["name"] == "kigraph-catalogue.ttl":
            continue  # the catalogue is metadata about the distributions, not one of them
        url = "https://w3id.org/kigraph/downloads/" + entry["name"]
        assert url in by_url, f"{entry['name']} has no dcat:Distribution"
        distribution = by_url[url]
        body = client.get("/downloads/" + entry["name"]).data
        assert int(g.value(distribution, rdflib.URIRef(DCAT + "byteSize"))) == len(body)
        checksum = g.value(distribution, rdflib.URIRef(SPDX + "checksum"))
        value = str(g.value(checksum, rdflib.URIRef(SPDX + "checksumValue")))
        assert value == hashlib.sha256(body).hexdigest(), entry["name"]
        assert str(g.value(distribution, rdflib.URIRef(DCAT + "mediaType"))).startswith(
            "https://www.iana.org/assignments/media-types/"
        )
        checked += 1
    assert checked == 19  # 7 RDF dumps and their gzip twins, 5 network files


def test_the_catalogue_is_a_download_too(embedded_app) -> None:
    client = embedded_app.test_client()
    body = client.get("/downloads/kigraph-catalogue.ttl").data
    g = rdflib.Graph().parse(data=body, format="turtle")
    assert (rdflib.URIRef(DATASET + "#catalogue"), rdflib.RDF.type, rdflib.URIRef(DCAT + "Catalog")) in g  # fmt: skip
    sizes = list(g.objects(None, rdflib.URIRef(DCAT + "byteSize")))
    assert len(sizes) == 19 + len(releases.recorded(REPO))  # and each release archive


def test_merged_jsonld_is_read_by_a_plain_rdflib_graph(embedded_app) -> None:
    """kigraph.jsonld keeps named graphs (a plain Graph reads none of them); the merged file
    gives the same triples as the N-Triples dump."""
    client = embedded_app.test_client()
    merged = rdflib.Graph().parse(data=client.get("/downloads/kigraph-merged.jsonld").data, format="json-ld")  # fmt: skip
    plain = rdflib.Graph().parse(data=client.get("/downloads/kigraph.jsonld").data, format="json-ld")  # fmt: skip
    nt = rdflib.Graph().parse(data=client.get("/downloads/kigraph.nt").data, format="nt")
    assert len(plain) == 0
    assert len(merged) == len(nt) > 10_000


# --- releases -------------------------------------------------------------------------------


def test_releases_are_listed_and_downloadable(embedded_app, catalogue_ttl: bytes) -> None:
    client = embedded_app.test_client()
    recorded = releases.recorded(REPO)
    assert recorded, "releases/releases.ttl records no release"
    listing = json.loads(client.get("/downloads", headers={"Accept": "application/json"}).data)
    assert [r["version"] for r in listing["releases"]] == [r.version for r in recorded]
    g = rdflib.Graph().parse(data=catalogue_ttl, format="turtle")
    for release in recorded:
        iri = rdflib.URIRef(f"{DATASET}/release/{release.version}")
        assert (rdflib.URIRef(DATASET), rdflib.URIRef(DCAT + "hasVersion"), iri) in g
        assert str(g.value(iri, rdflib.URIRef(DCAT + "version"))) == release.version
        assert str(g.value(iri, rdflib.DCTERMS.issued)) == release.issued.isoformat()
        page = client.get(f"/downloads/{release.version}/", headers={"Accept": "application/json"})
        files = json.loads(page.data)["files"]
        assert [f["name"] for f in files] == ["kigraph.nq.gz"]
        body = client.get(f"/downloads/{release.version}/kigraph.nq.gz").data
        distribution = g.value(iri, rdflib.URIRef(DCAT + "distribution"))
        checksum = g.value(distribution, rdflib.URIRef(SPDX + "checksum"))
        assert str(g.value(checksum, rdflib.URIRef(SPDX + "checksumValue"))) == hashlib.sha256(body).hexdigest()  # fmt: skip
        quads = list(ox.parse(gzip.decompress(body), format=ox.RdfFormat.N_QUADS))
        assert int(g.value(iri, rdflib.URIRef("https://w3id.org/kigraph/ontology#triplesAdded"))) <= len(quads)  # fmt: skip


def test_release_pages_in_both_languages(embedded_app) -> None:
    client = embedded_app.test_client()
    version = releases.recorded(REPO)[0].version
    de = client.get(f"/downloads/{version}/?lang=de", headers={"Accept": "text/html"}).data.decode()
    en = client.get(f"/downloads/{version}/?lang=en", headers={"Accept": "text/html"}).data.decode()
    assert "Veröffentlichung" in de and "Release" in en and "kigraph.nq.gz" in en


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/downloads/9.9.9/", 404),
        ("/downloads/9.9.9/kigraph.nq.gz", 404),
        ("/dataset/release/9.9.9", 404),
    ],
)
def test_unknown_release_is_404_naming_the_known_ones(embedded_app, path: str, status: int) -> None:
    response = embedded_app.test_client().get(path, headers={"Accept": "application/json"})
    assert response.status_code == status
    detail = response.get_json()["detail"]
    assert "9.9.9" in detail and releases.recorded(REPO)[0].version in detail


def test_release_iri_and_bare_version_redirect(embedded_app) -> None:
    client = embedded_app.test_client()
    version = releases.recorded(REPO)[0].version
    assert (
        client.get(f"/downloads/{version}").headers["Location"].endswith(f"/downloads/{version}/")
    )
    assert client.get(f"/dataset/release/{version}").headers["Location"].endswith("/dataset")


def test_changelog_and_citation_match_the_recorded_releases() -> None:
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    recorded = releases.recorded(REPO)
    records = ox.Store()
    records.load(path=REPO / "releases" / "releases.ttl", format=ox.RdfFormat.TURTLE)
    for release in recorded:
        heading = f"## [{release.version}] – {release.issued.isoformat()}"
        assert heading in changelog
        added = next(iter(records.query(
            f'SELECT ?n WHERE {{ ?r <{DCAT}version> "{release.version}" ; '
            f"<https://w3id.org/kigraph/ontology#triplesAdded> ?n }}"
        )))["n"].value  # fmt: skip
        section = changelog.split(heading, 1)[1].split("\n## [", 1)[0]
        assert f"- Triples: +{int(added):,} /" in section
    citation = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    latest = recorded[-1]
    assert re.search(rf"^version: \"?{re.escape(latest.version)}\"?$", citation, re.M)
    assert re.search(rf"^date-released: \"?{latest.issued.isoformat()}\"?$", citation, re.M)


def test_compare_counts_triples_and_resources() -> None:
    def line(s: str, o: str, g: str = "article") -> str:
        return (
            f'<https://w3id.org/kigraph/id/org/{s}> <http://schema.org/name> "{o}" '
            f"<https://w3id.org/kigraph/graph/{g}> ."
        )

    old = [line("a", "A"), line("b", "B"), line("c", "C")]
    new = [line("a", "A"), line("b", "B2"), line("d", "D", "landscape")]
    changes = releases.compare(old, new)
    assert (changes.triples_added, changes.triples_removed) == (2, 2)
    assert (changes.resources_added, changes.resources_removed, changes.resources_changed) == (1, 1, 1)  # fmt: skip
    assert changes.per_graph == {"article": (1, 2), "landscape": (1, 0)}


# --- kigraph release, on a copy of the repository's content ----------------------------------


@pytest.fixture
def scratch_repo(tmp_path: Path) -> Path:
    """A small repository (tests/fixtures/clean) with an empty changelog."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "tests" / "fixtures" / "clean", root)
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n\n", encoding="utf-8")
    return root


def _kigraph(*args: str) -> subprocess.CompletedProcess:
    return run_kigraph(*args, cwd=REPO)


def test_kigraph_release_archives_records_and_counts(scratch_repo: Path) -> None:
    first = _kigraph("release", "1.0.0", "--date", "2026-01-02", "--root", str(scratch_repo))
    assert first.returncode == 0, first.stderr
    archive = scratch_repo / "releases" / "1.0.0" / "kigraph.nq.gz"
    lines = gzip.decompress(archive.read_bytes()).decode().splitlines()
    assert lines == sorted(lines) and len(lines) > 10
    # a fact added to the content shows up as one added triple in the next release
    data = next((scratch_repo / "data").glob("*.ttl"))
    with open(data, "a", encoding="utf-8") as f:
        f.write(
            '\n<https://w3id.org/kigraph/id/org/release-test> <http://www.w3.org/2000/01/rdf-schema#comment> "x" .\n'
        )
    second = _kigraph("release", "1.1.0", "--date", "2026-02-03", "--root", str(scratch_repo))
    assert second.returncode == 0, second.stderr
    assert [r.version for r in releases.recorded(scratch_repo)] == ["1.0.0", "1.1.0"]
    assert "Since 1.0.0: 1 triples added, 0 removed; resources: 1 added" in second.stdout
    changelog = (scratch_repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index("## [1.1.0] – 2026-02-03") < changelog.index("## [1.0.0] – 2026-01-02")
    assert changelog.index("## [Unreleased]") < changelog.index("## [1.1.0]")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("release", "1.0"), "is not MAJOR.MINOR.PATCH"),
        (("release", "1.0.0", "--date", "2026-13-01"), "invalid fromisoformat value"),
    ],
)
def test_kigraph_release_refuses_bad_input(scratch_repo: Path, args, message: str) -> None:
    result = _kigraph(*args, "--root", str(scratch_repo))
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (scratch_repo / "releases" / "releases.ttl").exists()


def test_kigraph_release_refuses_a_version_twice(scratch_repo: Path) -> None:
    assert _kigraph("release", "1.0.0", "--root", str(scratch_repo)).returncode == 0
    again = _kigraph("release", "1.0.0", "--date", date.today().isoformat(), "--root", str(scratch_repo))  # fmt: skip
    assert again.returncode == 2 and "exists already" in again.stderr


@pytest.mark.parametrize(("lang", "heading", "kind"), [("de", "Zitieren", "Datensatz"), ("en", "How to cite", "dataset")])  # fmt: skip
def test_home_page_says_how_to_cite_the_latest_release(embedded_app, lang, heading, kind) -> None:
    latest = releases.recorded(REPO)[-1]
    html = embedded_app.test_client().get(f"/?lang={lang}", headers={"Accept": "text/html"}).get_data(as_text=True)  # fmt: skip
    section = html.split('<section class="cite"', 1)[1].split("</section>", 1)[0]
    assert f">{heading}</h2>" in section
    assert f"{latest.version} [{kind}], {latest.issued.isoformat()}" in section
    assert f"https://w3id.org/kigraph/dataset/release/{latest.version}" in section
    assert f"version   = {{{latest.version}}}" in section  # the BibTeX entry


def test_readme_cites_the_latest_release() -> None:
    latest = releases.recorded(REPO)[-1]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    cited = " ".join(readme.split("## How to cite", 1)[1].split("##", 1)[0].replace(">", "").split())  # fmt: skip
    assert f"release {latest.version} [dataset], {latest.issued.isoformat()}" in cited
    assert f"https://w3id.org/kigraph/dataset/release/{latest.version}" in cited


@pytest.mark.parametrize(("lang", "words"), [("de", ["Herausgeber", "Lizenz", "Dienste", "Veröffentlichungen"]), ("en", ["Publisher", "Licence", "Services", "Releases"])])  # fmt: skip
def test_catalogue_page_shows_each_file_with_its_checksum(embedded_app, catalogue_ttl, lang, words) -> None:  # fmt: skip
    client = embedded_app.test_client()
    html = client.get(f"/dataset?lang={lang}", headers={"Accept": "text/html"}).get_data(as_text=True)  # fmt: skip
    assert all(f">{w}</" in html for w in words)
    g = rdflib.Graph().parse(data=catalogue_ttl, format="turtle")
    shown = 0
    for distribution in g.objects(rdflib.URIRef(DATASET), rdflib.URIRef(DCAT + "distribution")):
        name = str(g.value(distribution, rdflib.URIRef(DCAT + "downloadURL"))).rsplit("/", 1)[1]
        checksum = g.value(distribution, rdflib.URIRef(SPDX + "checksum"))
        digest = str(g.value(checksum, rdflib.URIRef(SPDX + "checksumValue")))
        row = html.split(f">{name}</a></td>", 1)[1].split("</tr>", 1)[0]
        assert f'<code class="hash">{digest}</code>' in row
        shown += 1
    assert shown == 19
    for release in releases.recorded(REPO):
        assert f'/downloads/{release.version}/">{release.version}</a> ({release.issued})' in html


def test_compare_ignores_blank_node_labels() -> None:
    """A rebuild may label blank nodes anew (a SHACL property shape, say): same content, no
    change; a changed blank node is one triple removed and one added."""
    shape = "<https://w3id.org/kigraph/ontology#S> <http://www.w3.org/ns/shacl#property> _:{b} <https://w3id.org/kigraph/graph/shapes> ."  # fmt: skip
    path = '_:{b} <http://www.w3.org/ns/shacl#minCount> "{n}"^^<http://www.w3.org/2001/XMLSchema#integer> <https://w3id.org/kigraph/graph/shapes> .'  # fmt: skip
    old = [shape.format(b="a1"), path.format(b="a1", n=1)]
    relabelled = [shape.format(b="zz"), path.format(b="zz", n=1)]
    changed = [shape.format(b="zz"), path.format(b="zz", n=2)]
    assert releases.compare(old, relabelled).triples_added == 0
    # the property shape's content changed, so the link to it changed too
    assert (releases.compare(old, changed).triples_added, releases.compare(old, changed).triples_removed) == (2, 2)  # fmt: skip
