"""A crawler follows every link from the home page, in German and in English, on the in-process
app: every page, resource page, saved query and download it reaches answers without a client or
server error. A page that a refactor breaks, or a link to nowhere, fails here."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

ROOT = "http://localhost/"
#: links the crawler does not fetch: the query editor's own protocol endpoint needs a query
SKIP_PATHS = ("/sparql?", "/update")

pytestmark = pytest.mark.slow  # fetches every page of the site (about two thousand)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        for name, value in attrs:
            if value and name in ("href", "src") and tag in ("a", "link", "script", "img"):
                self.links.append(value)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_link_from_home_answers(client, backend: str, lang: str) -> None:
    if backend == "remote" and lang == "en":
        # a page's language does not depend on the backend: German on the remote backend
        # covers its pages (about a minute of CI saved)
        pytest.skip("the remote backend is crawled in German")
    start = f"{ROOT}?lang={lang}"
    seen, queue, broken = {start}, [(start, "(start)")], []
    while queue:
        url, referrer = queue.pop()
        response = client.get(url, headers={"Accept": "text/html", "Accept-Language": lang})
        hops = 0
        while response.status_code in (301, 302, 303, 307, 308) and hops < 5:
            url = urljoin(url, response.headers["Location"])
            response = client.get(url, headers={"Accept": "text/html"})
            hops += 1
        if response.status_code >= 400:
            broken.append((url, response.status_code, referrer))
            continue
        if not response.content_type.startswith("text/html"):
            continue
        parser = _Links()
        parser.feed(response.get_data(as_text=True))
        for link in parser.links:
            target = urldefrag(urljoin(url, link))[0]
            if not target.startswith(ROOT) or target in seen:
                continue
            if (
                any(
                    urlsplit(target).path.startswith(p.rstrip("?"))
                    and p.endswith("?")
                    and urlsplit(target).query
                    for p in SKIP_PATHS
                )
                or urlsplit(target).path in SKIP_PATHS
            ):
                continue
            seen.add(target)
            queue.append((target, url))
    assert broken == [], "\n".join(map(str, broken))
    paths = {urlsplit(u).path for u in seen}
    for expected in ("/sparql", "/queries", "/explore", "/funding", "/downloads", "/ontology"):
        assert expected in paths, expected
    assert sum(p.startswith("/id/") or p.startswith("/doc/") for p in paths) > 100
