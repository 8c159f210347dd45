"""The ontology is OWL 2 DL and a DL reasoner takes it (issue 18): the OWL API's OWL 2 DL profile
checker finds no violation, and HermiT loads it (no datatype outside the OWL 2 datatype map),
finds it consistent and classifies it with no unsatisfiable class. Both run on
``ontology/kigraph.ttl`` and on the ontology as the server serves it (Turtle and RDF/XML).

- Profile check: ``tests/owl/ProfileCheck.java`` on the OWL API 5 of Debian's
  ``libowlapi-java`` (``/usr/share/java``).
- Reasoner: ``tests/owl/Classify.java`` on the ``HermiT.jar`` that PyPI's ``owlready2`` ships
  (a test dependency), with the OWL API 3 inside that jar.

Both are Java 17 single-file programs (``java File.java``: no build step). In CI (``CI=true``)
a missing Java, OWL API or HermiT fails the tests; locally they skip."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ONTOLOGY = REPO / "ontology" / "kigraph.ttl"
OWL_TESTS = Path(__file__).resolve().parent / "owl"
DEBIAN_JARS = Path("/usr/share/java")
#: the OWL API 5 modules and what they need, as Debian's libowlapi-java installs them
OWLAPI_JARS = [
    "owlapi-api",
    "owlapi-impl",
    "owlapi-parsers",
    "owlapi-apibinding",
    "owlapi-rio",
    "owlapi-tools",
    "guava",
    "caffeine",
    "jsr305",
    "atinject-jsr330-api",
    "slf4j-api",
    "slf4j-nop",
    "commons-io",
    "commons-codec",
    "commons-rdf-api",
    "hppcrt",
    "xz",
    "jackson-core",
    "jackson-databind",
    "jackson-annotations",
]
JAVA_OPTIONS = ["-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"the OWL profile and reasoner tests must run in CI: {reason}")
    pytest.skip(f"OWL profile/reasoner tests skipped: {reason} (install with .ci/run's steps)")


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        _unavailable("java is missing (apt-get install default-jre-headless)")
    return java


def _owlapi_classpath() -> str:
    jars = [DEBIAN_JARS / f"{name}.jar" for name in OWLAPI_JARS]
    jars += sorted(DEBIAN_JARS.glob("rdf4j-*.jar"))
    missing = [j.name for j in jars if not j.exists()]
    if missing or not any(j.name.startswith("rdf4j-") for j in jars):
        _unavailable(f"the OWL API is missing: {missing} (apt-get install libowlapi-java)")
    return os.pathsep.join(str(j) for j in jars)


def _hermit_jar() -> Path:
    spec = importlib.util.find_spec("owlready2")  # not imported: only its HermiT.jar is used
    if spec is None or not spec.submodule_search_locations:
        _unavailable("owlready2 is not installed (pip install -e '.[test]')")
    jar = Path(next(iter(spec.submodule_search_locations))) / "hermit" / "HermiT.jar"
    if not jar.exists():
        _unavailable(f"{jar} is missing")
    return jar


def _run(classpath: str, program: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_java(), *JAVA_OPTIONS, "-cp", classpath, str(OWL_TESTS / program), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def profile_check(files: list[Path]) -> subprocess.CompletedProcess[str]:
    """The OWL API's OWL 2 DL profile check of ``files`` (see tests/owl/ProfileCheck.java)."""
    return _run(_owlapi_classpath(), "ProfileCheck.java", files)


def classify(files: list[Path]) -> subprocess.CompletedProcess[str]:
    """HermiT's consistency check and classification of ``files`` (tests/owl/Classify.java)."""
    return _run(str(_hermit_jar()), "Classify.java", files)


def _report(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stdout + result.stderr).splitlines()
    shown = "\n".join(lines[:80])
    return f"exit {result.returncode}:\n{shown}" + ("\n…" if len(lines) > 80 else "")


@pytest.fixture(scope="module")
def ontology_files(embedded_app, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """``ontology/kigraph.ttl`` and the ontology as served at /ontology.ttl and /ontology.rdf."""
    folder = tmp_path_factory.mktemp("served-ontology")
    client = embedded_app.test_client()
    files = [ONTOLOGY]
    for suffix, media_type in (("ttl", "text/turtle"), ("rdf", "application/rdf+xml")):
        response = client.get(f"/ontology.{suffix}")
        assert response.status_code == 200
        assert response.mimetype == media_type
        path = folder / f"ontology.{suffix}"
        path.write_bytes(response.get_data())
        files.append(path)
    return files


def test_ontology_is_in_the_owl2_dl_profile(ontology_files: list[Path]) -> None:
    result = profile_check(ontology_files)
    assert result.returncode == 0, _report(result)
    for path in ontology_files:
        assert re.search(
            rf"^{re.escape(str(path))}: 0 violations, 0 unparsed triples, [1-9]\d* axioms$",
            result.stdout,
            re.MULTILINE,
        ), _report(result)


def test_hermit_finds_the_ontology_consistent_and_classifies_it(
    ontology_files: list[Path],
) -> None:
    result = classify(ontology_files)
    assert result.returncode == 0, _report(result)
    for path in ontology_files:
        assert re.search(
            rf"^{re.escape(str(path))}: consistent, [1-9]\d* classes, 0 unsatisfiable \(HermiT 1\.",
            result.stdout,
            re.MULTILINE,
        ), _report(result)


def test_the_checkers_reject_what_issue_18_found(tmp_path: Path) -> None:
    """A copy with an xsd:date range and an undeclared external class: the profile check names
    the undeclared class and the datatype, and HermiT refuses the datatype."""
    text = ONTOLOGY.read_text(encoding="utf-8")
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        text
        + "\nkg:brokenDate a owl:DatatypeProperty ;\n"
        + "    rdfs:domain <http://schema.org/Event> ; rdfs:range xsd:date .\n",
        encoding="utf-8",
    )
    profile = profile_check([broken])
    assert profile.returncode == 1, _report(profile)
    assert "UseOfUndeclaredClass: Use of undeclared class: <http://schema.org/Event>" in (
        profile.stdout
    )
    assert "UseOfUndeclaredDatatype: Use of undeclared datatype: xsd:date" in profile.stdout
    assert f"{broken}: 2 violations" in profile.stdout, _report(profile)

    hermit = classify([broken])
    assert hermit.returncode == 2, _report(hermit)
    assert "UnsupportedDatatypeException" in hermit.stdout
    assert "XMLSchema#date" in hermit.stdout


@pytest.mark.slow  # validates a whole copy of the repository
def test_shacl_checks_the_datatype_the_ontology_leaves_off(tmp_path: Path, kigraph) -> None:
    """kg:fundedSince has no OWL range (xsd:date is no OWL 2 datatype): SHACL checks it on
    every subject, here a grant, which no class-targeted shape covers."""
    root = tmp_path / "repo"
    for folder in ("ontology", "data"):
        shutil.copytree(REPO / folder, root / folder)
    path = root / "data" / "corrections.trig"
    text = path.read_text(encoding="utf-8")
    old = 'kg:period "P1Y"^^xsd:duration .\n    grant:ki-kompetenzzentren-bund-betrag'
    new = (
        'kg:period "P1Y"^^xsd:duration ;\n        kg:fundedSince "2022-07" .\n'
        "    grant:ki-kompetenzzentren-bund-betrag"
    )
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")

    result = kigraph("validate", "--root", str(root))

    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    for needle in ("id/grant/ki-kompetenzzentren-bund", "kg:fundedSince", "xsd:date"):
        assert needle in result.stdout, result.stdout
