"""``/dataset`` for browsers: the DCAT-AP catalogue as people read a data portal's dataset page
(data.europa.eu, GovData): what the dataset is, who publishes it under which licence, the
services, every download with its size and checksum, the releases, and the named graphs."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from .. import dumps, i18n
from ..catalogue import SPDX
from ..namespaces import DATASET, DCAT, DCTERMS, FOAF, OWL, SKOS
from .context import root_url, runtime
from .documents import link, page

ADMS = "http://www.w3.org/ns/adms#"


class _Index:
    """subject -> predicate -> objects, over the catalogue's triples."""

    def __init__(self, triples: list[ox.Triple]):
        self._by = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self._by[t.subject.value][t.predicate.value].append(t.object)

    def all(self, s: str, p: str) -> list:
        return self._by.get(s, {}).get(p, [])

    def one(self, s: str, p: str):
        found = self.all(s, p)
        return found[0] if found else None

    def text(self, s: str, p: str, lang: str) -> str:
        """The value in ``lang``, else English, else any."""
        values = [o for o in self.all(s, p) if isinstance(o, ox.Literal)]
        for wanted in (lang, "en", None):
            for v in values:
                if wanted is None or v.language == wanted:
                    return v.value
        return ""


def render(triples: list[ox.Triple], lang: str, alternates: list[dict]) -> str:
    t = i18n.texts(lang)
    ix = _Index(triples)
    catalogue = DATASET + "#catalogue"
    licence = ix.one(catalogue, DCTERMS + "license")
    themes = [
        ix.text(theme.value, SKOS + "prefLabel", lang) or theme.value
        for theme in ix.all(DATASET, DCAT + "theme")
    ]
    services = [
        {
            "title": ix.text(s.value, DCTERMS + "title", lang),
            "description": ix.text(s.value, DCTERMS + "description", lang),
            "url": link(ix.one(s.value, DCAT + "endpointURL").value),
        }
        for s in ix.all(catalogue, DCAT + "service")
    ]
    files = []
    for d in ix.all(DATASET, DCAT + "distribution"):
        url = ix.one(d.value, DCAT + "downloadURL")
        checksum = ix.one(d.value, SPDX + "checksum")
        size = ix.one(d.value, DCAT + "byteSize")
        files.append(
            {
                "name": url.value.rsplit("/", 1)[1],
                "href": link(url.value),
                "title": ix.text(d.value, DCTERMS + "title", lang).split(": ", 1)[-1],
                "size": _number(int(float(size.value)), lang) if size is not None else "",
                "sha256": ix.one(checksum.value, SPDX + "checksumValue").value if checksum else "",
            }
        )
    order = {name: i for i, name in enumerate(dumps.download_names())}
    files.sort(key=lambda f: order.get(f["name"], len(order)))
    services.sort(key=lambda s: s["url"], reverse=True)  # the SPARQL endpoint first
    published = []
    for r in ix.all(DATASET, DCAT + "hasVersion"):
        version = ix.one(r.value, DCAT + "version").value
        published.append(
            {
                "version": version,
                "issued": ix.one(r.value, DCTERMS + "issued").value,
                "notes": ix.text(r.value, ADMS + "versionNotes", lang),
                "href": root_url() + f"downloads/{version}/",
            }
        )
    published.sort(key=lambda r: (r["issued"], r["version"]), reverse=True)
    publisher = ix.one(DATASET, DCTERMS + "publisher")
    return page(
        "catalogue.html",
        lang=lang,
        title=ix.text(DATASET, DCTERMS + "title", lang) or "KI-Graph",
        description=ix.text(DATASET, DCTERMS + "description", lang),
        publisher=ix.text(publisher.value, FOAF + "name", lang) if publisher else "",
        licence=ix.text(licence.value, SKOS + "prefLabel", lang) if licence else "",
        licence_href=ix.one(licence.value, SKOS + "exactMatch").value if licence else "",
        themes=themes,
        keywords=[k.value for k in ix.all(DATASET, DCAT + "keyword") if k.language == lang],
        modified=(ix.one(DATASET, DCTERMS + "modified") or ox.Literal("")).value[:10],
        version=(ix.one(DATASET, OWL + "versionInfo") or ox.Literal("")).value[:12],
        services=services,
        files=files,
        releases=published,
        graphs=[
            {"href": link(g), "name": g, "triples": _number(n, lang)} for g, n in runtime().graphs
        ],
        alternates=alternates,
        heading=t["dataset"],
    )


def _number(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", ".") if lang == "de" else f"{n:,}"
