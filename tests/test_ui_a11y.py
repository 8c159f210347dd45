"""Accessibility of every page type (issue 16), in Chromium: axe-core (vendored from npm under
``static/vendor/axe/``, injected by the test — no page of ours loads it) finds no critical or
serious violation at 390 px and 1400 px; the query editor and the network view work from the
keyboard; /funding and /explore say everything without JavaScript, in German and English."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from browser import DESKTOP, EXPLOSIVE, PAGES, PHONE, open_page, watched_page
from browser import browser as browser  # noqa: F401 (the fixture)

SIZES = [PHONE, DESKTOP]


def axe_violations(page, live_server: str) -> list[dict]:
    page.add_script_tag(url=live_server + "/static/vendor/axe/axe.min.js")
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})) }"
    )
    return [v for v in result if v["impact"] in ("critical", "serious")]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: str(s["width"]))
@pytest.mark.parametrize(("name", "path", "ready", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_no_serious_axe_violations(browser, live_server, size, name, path, ready, status):
    with watched_page(browser, live_server, viewport=size, error_status=status >= 400) as page:
        open_page(page, live_server, path, ready, status)
        if name == "sparql":  # the results too: tables, view buttons
            page.click(".yasqe_queryButton")
            page.locator(".yasr .dataTable tbody tr").first.wait_for()
        violations = axe_violations(page, live_server)
        assert violations == [], json.dumps(violations, indent=1, ensure_ascii=False)


def test_the_503_page_has_no_serious_axe_violations(browser, live_server):
    with watched_page(browser, live_server, viewport=PHONE, error_status=True) as page:
        query = urllib.parse.quote(EXPLOSIVE)
        assert page.goto(f"{live_server}/sparql?lang=de&query={query}").status == 503
        assert axe_violations(page, live_server) == []


# --- the keyboard ------------------------------------------------------------------------------


def _focus_inside(page, selector: str) -> bool:
    return page.evaluate(f"() => !!document.activeElement.closest({json.dumps(selector)})")


@pytest.mark.parametrize(("lang", "words"), [("de", "Esc, dann Tab"), ("en", "Esc, then Tab")])
def test_esc_then_tab_leaves_the_editor(browser, live_server, lang, words):
    with watched_page(browser, live_server) as page:
        page.goto(f"{live_server}/sparql?lang={lang}")
        page.wait_for_selector("#yasgui[data-state=ready] .yasqe .CodeMirror")
        hint = page.locator("#editor-hint")
        assert hint.is_visible() and words in hint.inner_text()
        editor_input = page.locator(".tabPanel.active .CodeMirror textarea")
        assert editor_input.get_attribute("aria-describedby") == "editor-hint"
        assert editor_input.get_attribute("aria-label")
        page.click(".tabPanel.active .CodeMirror-lines")
        assert _focus_inside(page, ".CodeMirror")
        page.keyboard.press("Tab")  # indents: the editor keeps the focus
        assert _focus_inside(page, ".CodeMirror")
        page.keyboard.press("Escape")
        page.keyboard.press("Tab")
        assert not _focus_inside(page, ".CodeMirror")
        # and the next stop is the Run/Share bar under the text, not somewhere far away
        assert _focus_inside(page, ".yasqe_buttons")


def test_network_from_the_keyboard(browser, live_server):
    with urllib.request.urlopen(live_server + "/explore/network.json") as response:
        nodes = len(json.load(response)["elements"]["nodes"])
    with watched_page(browser, live_server, viewport=PHONE) as page:
        page.goto(live_server + "/explore?lang=en")
        page.wait_for_selector("#network[data-state=ready]")
        items = page.locator("#network-list li[data-iri]")
        assert items.count() == nodes
        # filter with the keyboard: Space on a kind's checkbox hides its nodes from the list
        page.focus("input[name=kind][value=organisation]")
        page.keyboard.press("Space")
        assert not page.is_checked("input[name=kind][value=organisation]")
        page.wait_for_function(
            "() => document.querySelectorAll('#network-list li[data-kind=organisation]:not([hidden])').length === 0"
        )
        assert page.locator("#network-list li[data-kind=initiative]:visible").count() > 0
        page.keyboard.press("Space")
        # Tab onwards reaches the list; the focused node is marked in the drawing
        for _ in range(60):
            page.keyboard.press("Tab")
            if _focus_inside(page, "#network-list"):
                break
        else:
            pytest.fail("Tab never reached the list of nodes")
        iri = page.evaluate("document.activeElement.closest('li').dataset.iri")
        assert page.evaluate(f"window.cy.getElementById('{iri}').hasClass('focused')")
        page.keyboard.press("Enter")
        page.wait_for_url("**/doc/**")
        assert iri.rsplit("/", 1)[-1] in page.url


# --- without JavaScript ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "heading", "unstated"),
    [("de", "Betrag", "Betrag nicht genannt"), ("en", "Amount", "amount not stated")],
)
def test_funding_without_javascript(browser, live_server, lang, heading, unstated):
    with watched_page(browser, live_server, viewport=PHONE, javascript=False) as page:
        page.goto(f"{live_server}/funding?lang={lang}")
        assert page.locator("#funding-chart-box").is_hidden()
        assert heading in page.locator("#funding-table thead").inner_text()
        assert page.locator("#funding-table tbody tr").count() >= 4
        assert page.locator("#funding-table td.unstated").first.inner_text() == unstated
        assert page.locator("noscript").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize(
    ("lang", "heading"), [("de", "Alle Knoten als Liste"), ("en", "All nodes as a list")]
)
def test_explore_without_javascript(browser, live_server, lang, heading):
    with urllib.request.urlopen(live_server + "/explore/network.json") as response:
        nodes = json.load(response)["elements"]["nodes"]
    with watched_page(browser, live_server, viewport=PHONE, javascript=False) as page:
        page.goto(f"{live_server}/explore?lang={lang}")
        assert page.locator("#network-view").is_hidden()  # no drawing, no dead filters
        assert page.locator("#network-list h2").inner_text() == heading
        links = page.locator("#network-list li a")
        assert links.count() == len(nodes)
        labels = set(links.all_inner_texts())
        assert {n["data"][f"label_{lang}"] for n in nodes} == labels
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        links.first.click()
        page.wait_for_url("**/doc/**")
