"""What the browser tests share (test_ui_browser, test_ui_layout, test_ui_a11y): Debian's
Chromium driven by Playwright, and pages that run under the Content Security Policy we publish
(set here on each document, so the tests hold whatever middleware is installed), never request
anything outside the server's origin and log no console error.

In CI (``CI=true``) a missing Playwright or Chromium fails the tests; locally they skip.
Test modules import the ``browser`` fixture from here."""

from __future__ import annotations

import os
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)
#: the two widths every page must work at: a phone (iPhone 12–15) and a desktop
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
#: what Chromium logs for a document answered with an error status (our error pages)
STATUS_ERROR = "Failed to load resource: the server responded with a status of"

# --- every page type, for the layout and accessibility tests ---------------------------------

DFKI = "https://w3id.org/kigraph/id/org/dfki"
#: a query that runs past the live server's 2 s limit: a real 503 (query-timeout)
EXPLOSIVE = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
)

#: (name, path, what shows the page is ready, HTTP status)
PAGES = [
    ("home", "/", "ol.cards li", 200),
    ("sparql", "/sparql", "#yasgui[data-state=ready] .yasqe .CodeMirror", 200),
    ("queries", "/queries", "ul.cards li", 200),
    ("query-form", "/queries/organisation-initiatives", "form.params", 200),
    (
        "query-result",
        "/queries/organisation-initiatives?agent=" + urllib.parse.quote(DFKI, safe=""),
        "table.results tbody tr",
        200,
    ),
    ("explore", "/explore", "#network[data-state=ready]", 200),
    ("funding", "/funding", "#funding-chart[data-state=ready]", 200),
    ("map", "/map", "#germany-map[data-state=ready]", 200),
    ("timeline", "/timeline", "#timeline-filter[data-state=ready]", 200),
    ("place-map", "/doc/place/dortmund", "figure.pin-map svg", 200),
    ("browse", "/browse", "ol.browse-list li", 200),
    ("search", "/search?q=KI", "section.search-group li", 200),
    ("downloads", "/downloads", "table.props", 200),
    ("ontology", "/ontology", "section table.props", 200),
    ("resource", "/doc/initiative/dfki", "article table.props", 200),
    ("graph", "/graph/article", "table.props", 200),
    ("dataset", "/dataset", "table.props", 200),
    ("api", "/api", "table.props", 200),
    ("not-found", "/doc/org/no-such-thing", "main h1", 404),
    ("error-400", "/sparql?query=" + urllib.parse.quote("SELEKT * {"), "pre.query", 400),
]


def open_page(page, live_server: str, path: str, ready: str, status: int):
    sep = "&" if "?" in path else "?"
    response = page.goto(f"{live_server}{path}{sep}lang=en")
    assert response.status == status, path
    page.locator(ready).first.wait_for()
    return response


def unavailable(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(f"browser tests skipped: {reason} (install with .ci/run's steps)")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@contextmanager
def watched_page(
    browser,
    live_server: str,
    *,
    viewport: dict | None = None,
    locale: str = "en-GB",
    javascript: bool = True,
    error_status: bool = False,
):
    """A fresh page under our CSP that records requests and console errors and checks them when
    the block ends. ``error_status``: the page under test is an error page, whose own status
    Chromium logs as a console error."""
    context = browser.new_context(
        viewport=viewport or {"width": 1400, "height": 1000},
        locale=locale,
        java_script_enabled=javascript,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def with_csp(route):
        response = route.fetch(max_redirects=0)
        headers = {**response.headers, "content-security-policy": CSP}
        route.fulfill(response=response, headers=headers)

    page.route(
        lambda url: url.startswith(live_server),
        lambda route: (
            with_csp(route) if route.request.resource_type == "document" else route.continue_()
        ),
    )
    try:
        yield page
        outside = [
            u
            for u in requests
            if not u.startswith(live_server) and not u.startswith(("data:", "blob:"))
        ]
        assert outside == [], f"requests outside the server's origin: {outside}"
        if error_status:
            errors = [e for e in errors if not e.startswith(STATUS_ERROR)]
        assert errors == [], f"console errors: {errors}"
    finally:
        context.close()
