"""How to cite the dataset: one text per language and a BibTeX entry, for the latest release.

A citation names a release (its version, date and IRI), not the live data, so that what was
cited can be downloaded again (``/downloads/<version>/``). Pure: no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue import release_iri

AUTHOR = {"de": "KI-Graph-Projekt", "en": "KI-Graph project"}
TITLE = "KI-Graph: public–private AI cooperations in Germany as linked open data"


@dataclass(frozen=True)
class Citation:
    text: str
    bibtex: str
    iri: str


def cite(version: str, issued: str, lang: str) -> Citation:
    """The citation of release ``version`` (issued ``YYYY-MM-DD``) in ``lang`` (de/en)."""
    iri = release_iri(version)
    year = issued[:4]
    kind, licence = (
        ("Datensatz", "Lizenz: CC BY 4.0") if lang == "de" else ("dataset", "Licence: CC BY 4.0")
    )
    release = "Veröffentlichung" if lang == "de" else "release"
    text = (
        f"{AUTHOR[lang]} ({year}): {TITLE}, {release} {version} [{kind}], {issued}. "
        f"{iri}. {licence}."
    )
    bibtex = (
        f"@misc{{kigraph_{version.replace('.', '_')},\n"
        f"  author    = {{{{{AUTHOR['en']}}}}},\n"
        f"  title     = {{{{{TITLE}}}}},\n"
        f"  year      = {{{year}}},\n"
        f"  version   = {{{version}}},\n"
        f"  date      = {{{issued}}},\n"
        f"  url       = {{{iri}}},\n"
        f"  note      = {{Dataset, CC BY 4.0}}\n"
        f"}}"
    )
    return Citation(text, bibtex, iri)


@dataclass(frozen=True)
class ResourceCitation:
    text: str
    label: str
    iri: str
    #: the release the resource is cited in: its version, date and IRI
    version: str
    issued: str
    release_iri: str


def cite_resource(label: str, iri: str, version: str, issued: str, lang: str) -> ResourceCitation:
    """The citation of one thing (``label``, its IRI) as described in release ``version``
    (issued ``YYYY-MM-DD``), in ``lang`` (de/en): the thing by its IRI, which stays the same
    across releases, inside the dataset's citation, which says which data was read."""
    dataset = cite(version, issued, lang)
    opening, closing = ("„", "“") if lang == "de" else ("“", "”")
    text = f"{opening}{label}{closing}. {iri}. In: {dataset.text}"
    return ResourceCitation(text, label, iri, version, issued, dataset.iri)
