"""The search box in every page's header, the IRI pickers of saved-query forms and a resource
page's neighbourhood, in Chromium (issue 16): suggestions come from /api/search as the visitor
types, the keyboard moves through them (arrows, Enter, Esc), a picker fills in the IRI and shows
the name, the neighbourhood is drawn with "and N more", nothing is requested outside the
server's origin (``watched_page`` checks that) — and without JavaScript the box still searches."""

from __future__ import annotations

import os
import re

from browser import PHONE, REPO, watched_page
from browser import browser as browser  # noqa: F401 (the fixture)

NVIDIA = "https://w3id.org/kigraph/id/org/nvidia"


def test_header_box_suggests_and_enter_opens(browser, live_server):
    with watched_page(browser, live_server) as page:
        page.goto(live_server + "/ontology?lang=en")
        box = page.locator("#site-q")
        assert box.get_attribute("role") == "combobox"
        box.press_sequentially("Julich", delay=30)
        first = page.locator("#site-q-list [role=option]").first
        first.wait_for()
        assert "Jülich" in first.inner_text()
        assert box.get_attribute("aria-expanded") == "true"
        assert "suggestion" in page.locator(".suggest [role=status]").first.inner_text()
        page.keyboard.press("ArrowDown")
        assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
        assert first.get_attribute("aria-selected") == "true"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Jülich" in page.locator("h1").inner_text()


def test_escape_closes_then_clears(browser, live_server):
    with watched_page(browser, live_server, viewport=PHONE, locale="de-DE") as page:
        page.goto(live_server + "/?lang=de")
        box = page.locator("#site-q")
        box.press_sequentially("dfki", delay=30)
        page.locator("#site-q-list [role=option]").first.wait_for()
        assert "Vorschl" in page.locator(".suggest [role=status]").first.inner_text()
        page.keyboard.press("Escape")
        assert page.locator("#site-q-list").is_hidden()
        assert box.get_attribute("aria-expanded") == "false"
        page.keyboard.press("ArrowDown")  # opens the list again: the picture of it
        page.locator("#site-q-list [role=option]").first.wait_for()
        page.screenshot(path=str(REPO / "docs" / "img" / "pages" / "search-suggest-390.png"))
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        assert box.input_value() == ""


def test_header_box_without_javascript_goes_to_the_search_page(browser, live_server):
    with watched_page(browser, live_server, javascript=False) as page:
        page.goto(live_server + "/funding?lang=en")
        page.fill("#site-q", "Julich")
        with page.expect_navigation():
            page.press("#site-q", "Enter")
        assert "/search?" in page.url
        assert page.locator("section.search-group a.hit", has_text="Jülich").count() >= 1


def test_iri_picker_fills_the_iri_and_the_form_runs(browser, live_server):
    with watched_page(browser, live_server) as page:
        page.goto(live_server + "/queries/organisation-initiatives?lang=en")
        field = page.locator("#p-agent")
        assert page.locator("#p-agent-hint").is_visible()
        field.press_sequentially("NVIDIA", delay=30)
        option = page.locator(f'#p-agent-list [role=option][data-iri="{NVIDIA}"]')
        option.wait_for()
        option.click()
        assert field.input_value() == NVIDIA
        assert "NVIDIA" in page.locator("#p-agent-chosen").inner_text()
        with page.expect_navigation():
            page.click("form.params button[type=submit]")
        assert page.locator("table.results tbody tr").count() > 0
        # the form after the run names the IRI it holds
        page.locator("#p-agent-chosen", has_text="NVIDIA").wait_for()


def test_neighbourhood_is_drawn_with_and_n_more(browser, live_server):
    with watched_page(browser, live_server, viewport=PHONE) as page:
        page.goto(live_server + "/doc/initiative/dfki?lang=en")
        page.locator("#neighbours-graph[data-state=ready] canvas").first.wait_for()
        listed = page.locator("#neighbours-list li").count()
        assert 1 <= listed <= 12
        more = page.locator(".neighbours-more").inner_text()
        assert re.match(r"and \d+ more", more)
        box = page.locator("#neighbours-graph").bounding_box()
        assert box["width"] <= PHONE["width"] and box["height"] > 100
        if os.environ.get("KIGRAPH_PICTURE"):  # a look at the drawing while working on it
            page.locator("section.neighbours").screenshot(path=os.environ["KIGRAPH_PICTURE"])


def test_neighbourhood_without_javascript_is_the_list(browser, live_server):
    with watched_page(browser, live_server, javascript=False, locale="de-DE") as page:
        page.goto(live_server + "/doc/initiative/dfki?lang=de")
        assert page.locator("#neighbours-graph").is_hidden()
        assert page.locator("#neighbours-list li a").count() >= 1
        assert re.match(r"und \d+ weitere", page.locator(".neighbours-more").inner_text())
        assert "Zitieren" in page.locator("#h-cite").inner_text()
