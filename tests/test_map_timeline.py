"""The map (/map, /map.json), the timeline (/timeline, /timeline.json) and the resource pages'
pin maps (issue 16), on both backends over the real app and data: known places at the
coordinates their sources state, every pin and every event with a source that exists, the
server's pin projection equal to d3-geo's, the JSON shapes, and bad parameters as 400 problems
naming them. The browser side (a click on a pin, no request leaving the origin) is at the end."""

from __future__ import annotations

import json
import re

import pytest
from browser import PHONE, open_page, watched_page
from browser import browser as browser  # noqa: F401 (the fixture)

from server.views import geo

ID = "https://w3id.org/kigraph/id/"
ROOT = "http://localhost/"
HTML = {"Accept": "text/html"}
#: places whose coordinates the landscape graph states, with the page that states them
KNOWN = {
    "place/dortmund": (51.517, 7.467, "http://piglix.com/piglix-tmpl.php?title=Dortmund"),
    "place/goettingen": (51.53389, 9.93556, "https://simple.wikipedia.org/wiki/G%C3%B6ttingen"),
    "place/potsdam": (52.4, 13.067, "https://allglobal.net/info/Potsdam"),
    "place/heilbronn": (49.15, 9.217, "https://nzt.eth.link/wiki/Heilbronn-B%C3%B6ckingen.html"),
}


def _map(client) -> dict:
    response = client.get("/map.json")
    assert response.status_code == 200
    assert response.content_type.startswith("application/json")
    return {p["iri"]: p for p in response.get_json()["places"]}


def _described(client, iri: str) -> bool:
    """The source is described in the data (its page in the sources graph)."""
    query = f"ASK {{ GRAPH <https://w3id.org/kigraph/graph/sources> {{ <{iri}> ?p ?o }} }}"
    response = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    return response.get_json()["boolean"]


# --- the map ---------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(KNOWN))
def test_known_places_have_their_coordinates_and_source(client, slug):
    lat, long, source = KNOWN[slug]
    place = _map(client)[ID + slug]
    assert place["coordinates"] == {"lat": lat, "long": long}
    assert [s["iri"] for s in place["sources"]] == [source]
    assert place["href"] == ROOT + "id/" + slug
    assert place["land"]["iri"].startswith(ID + "place/")
    assert place["label"]["de"] and place["label"]["en"]


def test_the_json_shape_and_every_pin_has_a_described_source(client):
    places = _map(client)
    pinned = [p for p in places.values() if p["coordinates"]]
    assert len(pinned) >= 7
    for place in places.values():
        assert set(place) == {
            "iri",
            "href",
            "label",
            "coordinates",
            "xy",
            "land",
            "sources",
            "things",
        }
        for thing in place["things"]:
            assert set(thing) == {"iri", "href", "label", "kind"}
    for place in pinned:
        assert place["sources"], place["iri"]
        for source in place["sources"]:
            assert _described(client, source["iri"]), source
        x, y = place["xy"]
        assert 0 <= x <= 600 and 0 <= y <= 900
    dortmund = places[ID + "place/dortmund"]
    assert {t["iri"] for t in dortmund["things"]} >= {ID + "org/tu-dortmund", ID + "org/lamarr"}


def test_pins_sit_where_d3_geo_puts_them():
    """The server projects pins itself; the build's calibration points were projected by
    d3-geo, and both must agree to a hundredth of a pixel."""
    for lon, lat, x, y in geo.outline()["calibration"]:
        px, py = geo.project(lon, lat)
        assert abs(px - x) < 0.01 and abs(py - y) < 0.01, (lon, lat)
    assert len(geo.outline()["laender"]) == 16


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_map_page_has_a_pin_and_an_entry_for_every_place(client, lang):
    response = client.get(f"/map?lang={lang}", headers=HTML)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    places = _map(client)
    pins = re.findall(r'<a href="([^"]+)" class="pin"', html)
    assert sorted(pins) == sorted(p["href"] for p in places.values() if p["coordinates"])
    assert html.count('<path d="M') == 16  # the Länder
    assert ("Koordinaten" if lang == "de" else "Coordinates") in html
    assert "piglix" in html  # Dortmund's coordinate source, named
    assert ("Orte ohne Koordinaten" if lang == "de" else "Places without coordinates") in html
    drawing = html.split("<svg")[1].split("</svg>")[0]
    assert re.findall(r'(?:href|src)="([^"]*)"', drawing) == pins  # nothing from elsewhere


def test_a_pin_opens_the_place_page(client):
    response = client.get("/id/place/dortmund", headers=HTML)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/doc/place/dortmund")


# --- the pin map on resource pages -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("/doc/place/dortmund", "piglix"),  # a place with coordinates
        ("/doc/org/tu-dortmund", "piglix"),  # a thing located there
        ("/doc/initiative/lamarr", "piglix"),  # at three places
    ],
)
def test_resource_pages_show_their_pin_and_its_source(client, path, source):
    html = client.get(path + "?lang=de", headers=HTML).get_data(as_text=True)
    figure = html.split('<figure class="pin-map">')[1].split("</figure>")[0]
    iri = ID + path.removeprefix("/doc/")
    pinned = [
        p
        for p in _map(client).values()
        if p["coordinates"] and (p["iri"] == iri or iri in {t["iri"] for t in p["things"]})
    ]
    assert figure.count("<circle") == len(pinned) >= 1
    assert figure.count("<path") == 16
    assert "Koordinaten:" in figure and source in figure
    assert 'class="on"' in figure  # the Land is marked


def test_no_pin_map_without_coordinates(client):
    places = _map(client).values()
    bare = [p for p in places if not p["coordinates"]]
    if not bare:
        pytest.skip("every place has coordinates")
    for place in bare[:3]:
        html = client.get(place["href"], headers=HTML, follow_redirects=True).get_data(as_text=True)
        assert 'class="pin-map"' not in html, place["iri"]
    html = client.get("/doc/technology/synthetische-daten", headers=HTML).get_data(as_text=True)
    assert 'class="pin-map"' not in html


# --- the timeline ----------------------------------------------------------------------------


def test_every_event_has_a_date_a_thing_and_a_source_that_exists(client):
    response = client.get("/timeline.json")
    assert response.status_code == 200
    body = response.get_json()
    events = body["events"]
    assert len(events) > 40
    assert body["kinds"] == list(geo.KINDS)
    assert [e["date"] for e in events] == sorted(e["date"] for e in events)
    kinds = {e["kind"] for e in events}
    assert {
        "founding",
        "funding-start",
        "funding-end",
        "inauguration",
        "announcement",
        "renaming",
    } <= kinds
    for event in events:
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", event["date"]), event
        assert event["precision"] in ("day", "month", "year")
        assert event["thing"]["href"].startswith(ROOT)
        assert event["sources"], event
    sources = {s["iri"] for e in events for s in e["sources"]}
    for iri in sorted(sources):
        assert _described(client, iri), iri
    things = {e["thing"]["href"] for e in events}
    for href in sorted(things)[:10]:
        assert client.get(href, headers=HTML).status_code == 303


def test_known_events(client):
    events = client.get("/timeline.json").get_json()["events"]
    lamarr = [e for e in events if e["thing"]["iri"] == ID + "initiative/lamarr"]
    opened = [e for e in lamarr if e["kind"] == "inauguration"]
    assert [e["date"] for e in opened] == ["2022-09-29"]
    assert opened[0]["sources"][0]["iri"].startswith("https://www.ki.nrw/")
    renamings = {e["date"] for e in events if e["kind"] == "renaming"}
    assert {"2021-12-08", "2025-05-06"} <= renamings


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_timeline_page_groups_by_year_and_links_sources(client, lang):
    html = client.get(f"/timeline?lang={lang}", headers=HTML).get_data(as_text=True)
    years = re.findall(r'<h2 id="y-(\d{4})">', html)
    assert years == sorted(years) and "2022" in years
    events = client.get("/timeline.json").get_json()["events"]
    assert html.count('class="tl-event') == len(events)
    assert html.count('class="src tl-source">') == len(events)
    assert ("29. September 2022" if lang == "de" else "29 September 2022") in html
    assert ("Umbenennung" if lang == "de" else "Renaming") in html


def test_the_kind_filter(client):
    only = client.get("/timeline.json?kind=renaming").get_json()["events"]
    assert only and {e["kind"] for e in only} == {"renaming"}
    both = client.get("/timeline.json?kind=renaming&kind=founding").get_json()["events"]
    assert {e["kind"] for e in both} == {"renaming", "founding"}
    html = client.get("/timeline?kind=renaming&lang=en", headers=HTML).get_data(as_text=True)
    shown = re.findall(r'<li class="tl-event tl-(\S+)" data-kind="\S+">', html)
    assert set(shown) == {"renaming"}  # the others are there, hidden, for timeline.js


@pytest.mark.parametrize("path", ["/timeline.json?kind=nope", "/timeline?kind=founding,nope"])
def test_a_bad_kind_is_a_400_naming_it(client, path):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 400
    problem = response.get_json()
    assert response.content_type.startswith("application/problem+json")
    assert "kind" in problem["detail"]


def test_sitemap_and_navigation_name_the_views(client):
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"<loc>{ROOT}map</loc>" in sitemap and f"<loc>{ROOT}timeline</loc>" in sitemap
    home = client.get("/?lang=de", headers=HTML).get_data(as_text=True)
    assert home.count(f'href="{ROOT}map"') >= 2  # the navigation and the home page's list
    assert home.count(f'href="{ROOT}timeline"') >= 2


def test_the_json_is_valid_json_with_cors(client):
    for path in ("/map.json", "/timeline.json"):
        response = client.get(path)
        json.loads(response.get_data(as_text=True))
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["ETag"]


# --- in a browser ----------------------------------------------------------------------------


def test_a_click_on_a_pin_lands_on_the_place_page(browser, live_server):
    """Under our CSP, with no request leaving the origin (watched_page checks both)."""
    with watched_page(browser, live_server, viewport=PHONE) as page:
        open_page(page, live_server, "/map", "#germany-map[data-state=ready]", 200)
        pin = page.locator('a.pin[data-iri="https://w3id.org/kigraph/id/place/dortmund"]')
        pin.hover()
        assert "Dortmund" in page.locator("#map-detail").inner_text()
        pin.click()
        page.wait_for_url("**/doc/place/dortmund**")
        assert page.locator("main h1").inner_text() == "Dortmund"
        assert page.locator("figure.pin-map circle").count() == 1


@pytest.mark.parametrize("lang", ["de", "en"])
def test_map_labels_do_not_cover_each_other_or_other_pins(browser, live_server, lang):
    """Each name drawn is readable where Chromium draws it: no two names overlap, and no name
    lies over another place's pin (Bonn and Sankt Augustin are 10 km apart). A name that fits
    nowhere is left out of the drawing, and the pin still names the place."""
    with watched_page(browser, live_server) as page:
        open_page(page, live_server, f"/map?lang={lang}", "#germany-map[data-state=ready]", 200)
        pins = page.locator("#germany-map a.pin").evaluate_all(
            """es => es.map(a => { const c = a.querySelector('circle'), t = a.querySelector('text');
                 const b = t && t.getBBox();
                 return {name: a.getAttribute('aria-label'),
                         circle: [c.cx.baseVal.value, c.cy.baseVal.value, c.r.baseVal.value],
                         label: t && [t.textContent, b.x, b.y, b.width, b.height]}; })"""
        )
    labels = [(i, p["label"]) for i, p in enumerate(pins) if p["label"]]
    assert len(pins) >= 20 and len(labels) >= len(pins) - 3, [p["name"] for p in pins]
    assert all(p["name"] for p in pins)

    def overlap(a, b) -> bool:
        return (
            a[1] < b[1] + b[3] and b[1] < a[1] + a[3] and a[2] < b[2] + b[4] and b[2] < a[2] + a[4]
        )

    clashes = [
        (a[0], b[0]) for n, (_, a) in enumerate(labels) for _, b in labels[n + 1 :] if overlap(a, b)
    ]
    assert clashes == []

    def square(circle):
        x, y, r = circle
        return (None, x - r, y - r, 2 * r, 2 * r)

    covered = [
        (label[0], pin["name"])
        for i, label in labels
        for j, pin in enumerate(pins)
        if i != j and overlap(label, square(pin["circle"]))
    ]
    assert covered == []


def test_enter_on_a_focused_pin_opens_the_place(browser, live_server):
    with watched_page(browser, live_server) as page:
        open_page(page, live_server, "/map", "#germany-map[data-state=ready]", 200)
        pin = page.locator('a.pin[data-iri="https://w3id.org/kigraph/id/place/potsdam"]')
        pin.focus()
        assert "Potsdam" in page.locator("#map-detail").inner_text()
        page.keyboard.press("Enter")
        page.wait_for_url("**/doc/place/potsdam**")


def test_the_timeline_filters_in_place(browser, live_server):
    with watched_page(browser, live_server) as page:
        open_page(page, live_server, "/timeline", "#timeline-filter[data-state=ready]", 200)
        total = page.locator(".tl-event:visible").count()
        for box in page.locator("#timeline-filter input[name=kind]").all():
            if box.get_attribute("value") != "renaming":
                box.uncheck()
        shown = page.locator(".tl-event:visible")
        assert 0 < shown.count() < total
        assert all(k == "renaming" for k in shown.evaluate_all("es => es.map(e => e.dataset.kind)"))
        assert "kind=renaming" in page.url
