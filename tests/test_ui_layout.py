"""Every page type at a phone's width (390 px) and a desktop's (1400 px), in Chromium (issue 16):
nothing scrolls sideways, the query editor's buttons stay off the text and are big enough to hit,
``/sparql#saved=NAME`` opens the saved query, print hides the navigation, and the 5xx page is the
site's own. Each page is photographed (the viewport, to keep the files small) into
``docs/img/pages/<page>-<width>.png``, the pictures the documentation shows."""

from __future__ import annotations

import urllib.parse

import pytest
from browser import DESKTOP, EXPLOSIVE, PAGES, PHONE, REPO, open_page, watched_page
from browser import browser as browser  # noqa: F401 (the fixture)

PICTURES = REPO / "docs" / "img" / "pages"
SIZES = [PHONE, DESKTOP]


def assert_fits(page, width: int, what: str) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:  # name the culprits
        wide = page.evaluate(
            """(w) => Array.from(document.querySelectorAll('body *'))
                .filter(e => e.getBoundingClientRect().right > w + 0.5)
                .slice(0, 6).map(e => e.tagName + '.' + e.className + '#' + e.id)""",
            width,
        )
        pytest.fail(f"{what}: page is {scroll} px wide at {width} px; wider elements: {wide}")


def picture(page, name: str, width: int) -> None:
    PICTURES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(PICTURES / f"{name}-{width}.png"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: str(s["width"]))
@pytest.mark.parametrize(("name", "path", "ready", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_page_fits_the_screen(browser, live_server, size, name, path, ready, status):
    with watched_page(browser, live_server, viewport=size, error_status=status >= 400) as page:
        open_page(page, live_server, path, ready, status)
        assert_fits(page, size["width"], name)
        if name == "sparql":  # the editor's text and the result buttons at this width too
            page.click(".yasqe_queryButton")
            page.locator(".yasr .dataTable tbody tr").first.wait_for()
            assert_fits(page, size["width"], "sparql with results")
        picture(page, name, size["width"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: str(s["width"]))
def test_editor_buttons_clear_the_text_and_are_big_enough(browser, live_server, size):
    with watched_page(browser, live_server, viewport=size) as page:
        open_page(page, live_server, "/sparql", "#yasgui[data-state=ready] .yasqe", 200)
        editor = page.locator(".tabPanel.active .CodeMirror").bounding_box()
        for button in (".yasqe_queryButton", ".yasqe_share"):
            box = page.locator(f".tabPanel.active {button}").bounding_box()
            assert box["width"] >= 24 and box["height"] >= 24, button
            apart = (
                box["y"] >= editor["y"] + editor["height"]
                or box["y"] + box["height"] <= editor["y"]
                or box["x"] >= editor["x"] + editor["width"]
                or box["x"] + box["width"] <= editor["x"]
            )
            assert apart, f"{button} {box} overlaps the editor {editor}"
        page.click(".tabPanel.active .yasqe_queryButton")
        page.locator(".yasr .dataTable tbody tr").first.wait_for()
        views = page.locator(".tabPanel.active .yasr .yasr_btnGroup .yasr_btn:visible")
        assert views.count() >= 3  # table, response, chart (the default query has ?rank)
        for i in range(views.count()):
            box = views.nth(i).bounding_box()
            label = views.nth(i).get_attribute("title")
            assert box["width"] >= 24 and box["height"] >= 24, (label, box)


def test_saved_query_opens_from_the_fragment(browser, live_server):
    with watched_page(browser, live_server, viewport=PHONE) as page:
        page.goto(live_server + "/sparql?lang=en#saved=organisations")
        page.wait_for_selector("#yasgui[data-state=ready]")
        page.wait_for_function(
            "() => { const r = window.yasgui.getTab().getYasr().results;"
            " return r && (r.getBindings() || []).length > 0 }"
        )
        text = page.evaluate("window.yasgui.getTab().getYasqe().getValue()")
        assert "kg:Organisation" in text or "Organisation" in text
        assert page.locator(".tabPanel.active .yasr .dataTable tbody tr").count() > 0
        # a link to another saved query on the same page (only the fragment changes)
        tabs = page.evaluate("Object.keys(window.yasgui._tabs).length")
        page.evaluate("window.location.hash = '#saved=technologies'")
        page.wait_for_function(f"() => Object.keys(window.yasgui._tabs).length > {tabs}")


@pytest.mark.parametrize(("path", "ready"), [("/doc/initiative/dfki", "article"), ("/", "main")])
def test_print_hides_navigation_and_shows_link_addresses(browser, live_server, path, ready):
    with watched_page(browser, live_server) as page:
        page.goto(live_server + path + "?lang=de")
        page.locator(ready).first.wait_for()
        assert page.locator("header.site nav").is_visible()
        page.emulate_media(media="print")
        assert page.locator("header.site nav").is_hidden()
        assert page.locator("footer.site").is_hidden()
        colour = page.evaluate("getComputedStyle(document.body).color")
        assert colour == "rgb(0, 0, 0)"
        if path.startswith("/doc/"):
            after = page.evaluate(
                "getComputedStyle(document.querySelector('main article table a'), '::after')"
                ".content"
            )
            assert "attr(href)" in after or "http" in after, after
        else:
            buttons = page.locator("form[role=search] button").all()  # the header's, the page's
            assert buttons and all(button.is_hidden() for button in buttons)


@pytest.mark.parametrize(
    ("lang", "title"),
    [("de", "Die Abfrage hat zu lange gedauert"), ("en", "The query took too long")],
)
def test_a_5xx_page_is_the_sites_own_and_fits_a_phone(browser, live_server, lang, title):
    """A real 503: a query that runs past the live server's limit (2 s) is stopped."""
    with watched_page(browser, live_server, viewport=PHONE, error_status=True) as page:
        url = f"{live_server}/sparql?lang={lang}&query=" + urllib.parse.quote(EXPLOSIVE)
        response = page.goto(url)
        assert response.status == 503
        assert page.locator("html").get_attribute("lang") == lang
        assert title in page.locator("main h1").inner_text()
        assert page.locator("header.site nav").is_visible()  # the site's header and styles
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
        assert "query-timeout" in page.locator("main").inner_text()
        assert_fits(page, PHONE["width"], "503 page")
        picture(page, f"error-503-{lang}", PHONE["width"])
