"""Where and when: the map ``/map`` (and ``/map.json``), the timeline ``/timeline`` (and
``/timeline.json``) and the small pin map of a resource page (:func:`pin_map`).

The map is drawn by the server: the Länder outlines are paths that d3-geo projected at build
time (``ui/germany.mjs`` → ``static/vendor/germany/laender.json``), and pins are projected here
with the same Mercator formula and parameters, so every page is plain SVG with links — it works
without JavaScript and makes no request for tiles or geometry. ``static/js/map.js`` only adds a
detail card from ``/map.json``; ``static/js/timeline.js`` only filters the events in place.

Every pin and every event carries its source: the statement's ``prov:wasDerivedFrom`` in the
provenance graph (``map-places.rq``, ``timeline-events.rq``).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, request

from .. import exports, formats, i18n, internal_queries
from ..namespaces import DCTERMS, KG, SCHEMA, XSD, compact
from ..search import bad
from .context import lang as current_lang
from .context import memo, runtime
from .documents import link, page, vocabulary
from .respond import PAGE_VARY, respond, tag

bp = Blueprint("geo", __name__)

OUTLINE = Path(__file__).resolve().parent.parent / "static" / "vendor" / "germany" / "laender.json"
_Q = {name: internal_queries.text(name) for name in ("map-places", "map-names")}
_Q.update({name: internal_queries.text(name) for name in ("timeline-events", "timeline-names")})


# --- the outline and the projection ----------------------------------------------------------


@cache
def outline() -> dict:
    """The Länder outlines as ``ui/germany.mjs`` wrote them (read once per process)."""
    return json.loads(OUTLINE.read_text(encoding="utf-8"))


def project(lon: float, lat: float) -> tuple[float, float]:
    """``(lon, lat)`` in degrees → ``(x, y)`` in the outline's pixels: d3-geo's Mercator
    (``geoMercator``: x = k·λ + tx, y = ty − k·ln tan(π/4 + φ/2)) with the scale and
    translation the build fitted to Germany."""
    p = outline()["projection"]
    k, (tx, ty) = p["scale"], p["translate"]
    lam, phi = math.radians(lon), math.radians(lat)
    return tx + k * lam, ty - k * math.log(math.tan(math.pi / 4 + phi / 2))


def _radius(things: int) -> float:
    """A pin's radius (outline pixels): its area grows with the number of things there."""
    return round(6 + 3.2 * math.sqrt(things), 1)


# --- sources ----------------------------------------------------------------------------------


def _labels(term) -> dict[str, str]:
    return {term.language or "de": term.value} if term is not None else {}


def _source(row) -> dict:
    return {
        "iri": row["source"].value,
        "section": row["section"].value if row["section"] else None,
        "url": row["url"].value if row["url"] else None,
        "label": _labels(row["source_label"]),
    }


def _add_source(sources: list[dict], row) -> None:
    if row["source"] is None:
        return
    entry = next((s for s in sources if s["iri"] == row["source"].value), None)
    if entry is None:
        sources.append(_source(row))
    else:
        entry["label"].update(_labels(row["source_label"]))


def source_link(source: dict, lang: str) -> dict:
    """``{href, text, external}`` for a source: an article passage is our own page
    ("Artikel, Abschnitt 3"); a later source is its web page, named by its label."""
    t = i18n.texts(lang)
    if source.get("section") is not None:
        return {
            "href": link(source["iri"]),
            "text": f"{t['article']}, {t['section']} {source['section']}",
            "external": False,
        }
    label = source["label"]
    text = label.get(lang) or label.get("de") or source["url"] or source["iri"]
    href = source["url"] or link(source["iri"])
    return {"href": href, "text": text, "external": not href.startswith(runtime_root())}


def runtime_root() -> str:
    return runtime().settings.public_root


def _json_source(source: dict) -> dict:
    return {
        "iri": source["iri"],
        "href": source["url"] or link(source["iri"]),
        "label": source["label"]
        or ({"de": f"Artikel, Abschnitt {source['section']}"} if source["section"] else {}),
        **({"section": source["section"]} if source["section"] is not None else {}),
    }


def _name(labels: dict[str, str], lang: str, iri: str) -> str:
    return labels.get(lang) or labels.get("de") or next(iter(labels.values()), compact(iri))


# --- the map's data ---------------------------------------------------------------------------


def places() -> dict[str, dict]:
    """Every place something is located at or that has coordinates, by IRI (once per data
    version): labels, coordinates (or None), the sources stating them, its Land, its things."""
    return memo("geo-places", _places)


def _places() -> dict[str, dict]:
    db = runtime().store
    found: dict[str, dict] = {}
    pairs: dict[str, dict[tuple[float, float], list[dict]]] = defaultdict(dict)
    for row in db.query(_Q["map-places"]):
        iri = row["place"].value
        found.setdefault(
            iri, {"iri": iri, "label": {}, "coordinates": None, "sources": [], "land": None}
        )
        found[iri]["things"] = {}
        if row["lat"] is not None:
            pair = (float(row["lat"].value), float(row["long"].value))
            _add_source(pairs[iri].setdefault(pair, []), row)
    for iri, candidates in pairs.items():
        # pages that disagree each keep their statement; the map shows the position a source
        # states (the first by source, so the choice is the same on every backend)
        (lat, long), sources = min(
            candidates.items(),
            key=lambda item: (not item[1], sorted(s["iri"] for s in item[1]), item[0]),
        )
        found[iri]["coordinates"] = {"lat": lat, "long": long}
        found[iri]["sources"] = sorted(sources, key=lambda s: s["iri"])
    lands: dict[str, dict] = {}
    types: dict[str, set[str]] = defaultdict(set)
    for row in db.query(_Q["map-names"]):
        place = found.get(row["place"].value)
        if place is None:
            continue
        if row["label"] is not None:
            place["label"].update(_labels(row["label"]))
        elif row["land"] is not None:
            land = lands.setdefault(row["land"].value, {"iri": row["land"].value, "label": {}})
            land["label"].update(_labels(row["land_label"]))
            place["land"] = land
        elif row["thing"] is not None:
            thing = place["things"].setdefault(
                row["thing"].value, {"iri": row["thing"].value, "label": {}}
            )
            if row["type"] is not None:
                types[thing["iri"]].add(compact(row["type"].value))
            else:
                thing["label"].update(_labels(row["thing_label"]))
    for place in found.values():
        things = sorted(
            place["things"].values(), key=lambda t: _name(t["label"], "de", t["iri"]).lower()
        )
        for thing in things:
            thing["kind"] = exports.kind_of(sorted(types[thing["iri"]]))
        place["things"] = things
    return dict(sorted(found.items(), key=lambda kv: _name(kv[1]["label"], "de", kv[0]).lower()))


def located_at() -> dict[str, list[str]]:
    """Thing IRI → the places it is located at."""

    def make() -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for place in places().values():
            for thing in place["things"]:
                out[thing["iri"]].append(place["iri"])
        return dict(out)

    return memo("geo-located-at", make)


def _pin(place: dict, lang: str) -> dict:
    x, y = project(place["coordinates"]["long"], place["coordinates"]["lat"])
    t = i18n.texts(lang)
    name = _name(place["label"], lang, place["iri"])
    sources = [source_link(s, lang) for s in place["sources"]]
    n = len(place["things"])
    land = _name(place["land"]["label"], lang, place["land"]["iri"]) if place["land"] else None
    title = name + (f" ({land})" if land else "") + f": {_entries(n, lang)}"
    if sources:
        title += f" · {t['map_coordinates']}: " + "; ".join(s["text"] for s in sources)
    return {
        "iri": place["iri"],
        "href": link(place["iri"]),
        "name": name,
        "x": round(x, 1),
        "y": round(y, 1),
        "r": _radius(n),
        "n": n,
        "title": title,
        "slug": place["iri"].rstrip("/").rsplit("/", 1)[-1],
    }


#: a label's box in outline pixels (the map's text is 14 px): width per character, a little
#: generous for DejaVu Sans, Chromium's default on Debian, and height above/below the baseline
LABEL_CHAR_WIDTH = 8.4
LABEL_ASCENT, LABEL_DESCENT = 13.5, 4.5
#: a name further than this from its pin's edge gets a leader line
LEADER_AFTER = 6.0
#: how far a name keeps from other pins
PIN_CLEARANCE = 5.0


def _place_labels(pins: list[dict], width: float, height: float) -> None:
    """Put each pin's name where it covers no other name and no other pin: beside, above, below
    or diagonally off its pin, then a line further out (with a leader line), biggest pins
    first; then, for a few rounds, a name that still clashes moves to the spot with the fewest
    clashes given all the others. Sets ``label_x``, ``label_y`` (the baseline),
    ``label_anchor``, ``label_shown`` and ``leader`` on each pin."""
    # other pins count with a margin: a name right beside a pin reads as that pin's name
    circles = [
        (p["x"] - p["r"] - PIN_CLEARANCE, p["y"] - p["r"] - PIN_CLEARANCE)
        + (2 * (p["r"] + PIN_CLEARANCE),) * 2
        for p in pins
    ]
    boxes: list[tuple | None] = [None] * len(pins)
    line = LABEL_ASCENT + LABEL_DESCENT

    def spots(pin: dict):
        """``(x, y, anchor, box)`` of each place to try for the name, nearest first."""
        x, y, r = pin["x"], pin["y"], pin["r"]
        w = len(pin["name"]) * LABEL_CHAR_WIDTH

        def at(lx: float, ly: float, anchor: str):
            left = {"start": lx, "end": lx - w, "middle": lx - w / 2}[anchor]
            return lx, ly, anchor, (left, ly - LABEL_ASCENT, w, line)

        for far in (0, line):  # next to the pin first, then a line further out
            for dy in (0, -line / 2 - 2, line / 2 + 2, -line - 2, line + 2):
                yield at(x + r + 3 + far, y + 4 + dy, "start")
                yield at(x - r - 3 - far, y + 4 + dy, "end")
            for dx in (0, -w / 3, w / 3):
                yield at(x + dx, y - r - 4 - LABEL_DESCENT - far, "middle")
                yield at(x + dx, y + r + 3 + LABEL_ASCENT + far, "middle")

    def clashes(index: int, box: tuple) -> int:
        inside = box[0] >= 0 and box[1] >= 0 and box[0] + box[2] <= width
        inside = inside and box[1] + box[3] <= height
        return (
            sum(_overlap(box, b) for j, b in enumerate(boxes) if j != index and b is not None)
            + sum(_overlap(box, c) for j, c in enumerate(circles) if j != index)
            + (0 if inside else 1)
        )

    for _ in range(4):
        moved = False
        for index, pin in enumerate(pins):
            now = None if boxes[index] is None else clashes(index, boxes[index])
            if now == 0:
                continue
            best = None
            for lx, ly, anchor, box in spots(pin):
                score = clashes(index, box)
                if best is None or score < best[0]:
                    best = (score, lx, ly, anchor, box)
                if score == 0:
                    break
            if now is None or best[0] < now:
                _, lx, ly, pin["label_anchor"], boxes[index] = best
                pin["label_x"], pin["label_y"] = round(lx, 1), round(ly, 1)
                moved = True
        if not moved:
            break
    for index, (pin, box) in enumerate(zip(pins, boxes, strict=True)):
        # a name that fits nowhere is left out of the drawing; the pin still names the place
        # (its title, the detail beside the map, the list)
        pin["label_shown"] = clashes(index, box) == 0
        pin["leader"] = _leader(pin, box) if pin["label_shown"] else None


def _leader(pin: dict, box: tuple) -> tuple[float, float, float, float] | None:
    """A line from the pin's edge to its name, when the name had to move away from the pin
    (so that it cannot be read as the name of a pin it now stands beside); else None."""
    x, y, r = pin["x"], pin["y"], pin["r"]
    nx = min(max(x, box[0]), box[0] + box[2])
    ny = min(max(y, box[1]), box[1] + box[3])
    distance = math.hypot(nx - x, ny - y)
    if distance - r <= LEADER_AFTER:
        return None
    ux, uy = (nx - x) / distance, (ny - y) / distance
    return (round(x + ux * r, 1), round(y + uy * r, 1), round(nx, 1), round(ny, 1))


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _entries(n: int, lang: str) -> str:
    t = i18n.texts(lang)
    return f"{n} {t['map_thing'] if n == 1 else t['map_things']}"


def _degrees(value: float, positive: str, negative: str, lang: str) -> str:
    text = f"{abs(value):.5f}".rstrip("0").rstrip(".") + "°"
    text = text.replace(".", ",") if lang == "de" else text
    return f"{text} {positive if value >= 0 else negative}"


def _place_entry(place: dict, lang: str) -> dict:
    kinds = exports.KINDS
    coords = place["coordinates"]
    return {
        "iri": place["iri"],
        "href": link(place["iri"]),
        "name": _name(place["label"], lang, place["iri"]),
        "slug": place["iri"].rstrip("/").rsplit("/", 1)[-1],
        "land": {
            "href": link(place["land"]["iri"]),
            "name": _name(place["land"]["label"], lang, place["land"]["iri"]),
        }
        if place["land"]
        else None,
        "position": (
            _degrees(coords["lat"], "N", "S", lang)
            + ", "
            + _degrees(coords["long"], "O" if lang == "de" else "E", "W", lang)
        )
        if coords
        else None,
        "sources": [source_link(s, lang) for s in place["sources"]],
        "things": [
            {
                "href": link(th["iri"]),
                "name": _name(th["label"], lang, th["iri"]),
                "kind": th["kind"],
                "kind_label": kinds.get(th["kind"], kinds["other"])[lang],
            }
            for th in place["things"]
        ],
        "count": _entries(len(place["things"]), lang),
    }


def _lands_on(iris: set[str]) -> set[str]:
    """The outline keys of the Länder named like the data's Länder ``iris`` (by German label:
    the outline carries the official German names)."""
    names = {
        _name(p["land"]["label"], "de", p["land"]["iri"])
        for p in places().values()
        if p["land"] and p["land"]["iri"] in iris
    }
    return {land["key"] for land in outline()["laender"] if land["name"] in names}


# --- /map --------------------------------------------------------------------------------------


@bp.get("/map")
def map_page() -> Response:
    lang = current_lang()
    return respond(
        lambda: memo(f"map-page-{lang}", lambda: _map_page(lang)),
        formats.HTML,
        etag=tag("map", lang),
        vary=PAGE_VARY,
    )


def _map_page(lang: str) -> str:
    drawn = outline()
    located = [p for p in places().values() if p["coordinates"]]
    pins = sorted((_pin(p, lang) for p in located), key=lambda pin: -pin["r"])
    _place_labels(pins, drawn["width"], drawn["height"])
    return page(
        "map.html",
        lang=lang,
        outline=drawn,
        pins=pins,
        with_coordinates=[_place_entry(p, lang) for p in located],
        without_coordinates=[
            _place_entry(p, lang) for p in places().values() if not p["coordinates"]
        ],
        config={"data": runtime_root() + "map.json", "lang": lang, "texts": _map_texts(lang)},
    )


def _map_texts(lang: str) -> dict[str, str]:
    t = i18n.texts(lang)
    return {k: t[k] for k in ("map_coordinates", "map_things", "map_land", "map_open")}


@bp.get("/map.json")
def map_json() -> Response:
    def make() -> str:
        out = []
        for place in places().values():
            coords = place["coordinates"]
            xy = project(coords["long"], coords["lat"]) if coords else None
            out.append(
                {
                    "iri": place["iri"],
                    "href": link(place["iri"]),
                    "label": place["label"],
                    "coordinates": coords,
                    "xy": [round(xy[0], 2), round(xy[1], 2)] if xy else None,
                    "land": place["land"],
                    "sources": [_json_source(s) for s in place["sources"]],
                    "things": [
                        {
                            "iri": th["iri"],
                            "href": link(th["iri"]),
                            "label": th["label"],
                            "kind": th["kind"],
                        }
                        for th in place["things"]
                    ],
                }
            )
        drawn = outline()
        body = {
            "places": out,
            "outline": {
                "width": drawn["width"],
                "height": drawn["height"],
                "projection": drawn["projection"],
                "source": drawn["source"],
            },
        }
        return json.dumps(body, ensure_ascii=False)

    body = memo("map.json:" + runtime_root(), make)
    return respond(body, "application/json", etag=tag("map.json"), vary=None)


# --- the pin map of a resource page ----------------------------------------------------------


def pin_map(iri: str, lang: str) -> dict | None:
    """The small map for the page of ``iri``: its own pin if it is a place with coordinates, or
    the pins of the places it is located at; None when there is nothing to pin."""
    known = places()
    if iri in known and known[iri]["coordinates"]:
        shown = [known[iri]]
    else:
        shown = [known[p] for p in located_at().get(iri, []) if known[p]["coordinates"]]
    if not shown:
        return None
    t = i18n.texts(lang)
    pins = [_pin(p, lang) for p in shown]
    sources = []
    for p in shown:
        for s in p["sources"]:
            entry = source_link(s, lang)
            if entry not in sources:
                sources.append(entry)
    on = _lands_on({p["land"]["iri"] for p in shown if p["land"]})
    drawn = outline()
    names = ", ".join(pin["name"] for pin in pins)
    return {
        "width": drawn["width"],
        "height": drawn["height"],
        "laender": [{"d": land["small"], "on": land["key"] in on} for land in drawn["laender"]],
        "pins": pins,
        "label": f"{t['map_pin_label']}: {names}",
        "sources": sources,
    }


# --- the timeline ------------------------------------------------------------------------------

#: event kinds in the order the filter lists them
KINDS = (
    "founding",
    "start",
    "participation",
    "funding-start",
    "funding-end",
    "inauguration",
    "announcement",
    "renaming",
    "planned",
    "end",
    "other",
)
_KIND_OF_PROPERTY = {
    SCHEMA + "foundingDate": "founding",
    SCHEMA + "startDate": "start",
    SCHEMA + "endDate": "end",
    KG + "fundingStart": "funding-start",
    KG + "fundedSince": "funding-start",
    KG + "fundingEnd": "funding-end",
    KG + "inaugurationDate": "inauguration",
    KG + "announcedIn": "announcement",
    KG + "plannedYear": "planned",
}
_PRECISION = {
    XSD + "date": "day",
    XSD + "dateTime": "day",
    XSD + "gYearMonth": "month",
    XSD + "gYear": "year",
}


def _event_kind(prop: str, types: set[str]) -> str:
    if prop == DCTERMS + "date" and "kg:NameChange" in types:
        return "renaming"
    if prop == SCHEMA + "startDate" and "kg:Participation" in types:
        return "participation"
    return _KIND_OF_PROPERTY.get(prop, "other")


def events() -> list[dict]:
    """Every dated statement as an event, in date order (once per data version)."""
    return memo("timeline-events", _events)


def _events() -> list[dict]:
    db = runtime().store
    things: dict[str, dict] = {}
    for row in db.query(_Q["timeline-names"]):
        thing = things.setdefault(
            row["thing"].value,
            {"iri": row["thing"].value, "label": {}, "types": set(), "about": {}},
        )
        if row["type"] is not None:
            thing["types"].add(compact(row["type"].value))
        elif row["label"] is not None:
            thing["label"].update(_labels(row["label"]))
        elif row["about"] is not None:
            about = thing["about"].setdefault(
                row["about"].value, {"iri": row["about"].value, "label": {}}
            )
            about["label"].update(_labels(row["about_label"]))
    found: dict[tuple, dict] = {}
    for row in db.query(_Q["timeline-events"]):
        iri, prop, date = row["thing"].value, row["p"].value, row["date"]
        key = (iri, prop, date.value, row["graph"].value)
        thing = things.get(iri, {"iri": iri, "label": {}, "types": set(), "about": {}})
        event = found.get(key)
        if event is None:
            event = found[key] = {
                "date": date.value[:10],
                "precision": _PRECISION.get(date.datatype.value, "day"),
                "year": int(date.value[:4]),
                "kind": _event_kind(prop, thing["types"]),
                "property": prop,
                "graph": row["graph"].value,
                "thing": {
                    "iri": iri,
                    "label": thing["label"],
                    "kind": exports.kind_of(sorted(thing["types"])),
                },
                "about": sorted(thing["about"].values(), key=lambda a: a["iri"]),
                "sources": [],
            }
        _add_source(event["sources"], row)
    out = sorted(
        found.values(),
        key=lambda e: (
            e["date"],
            KINDS.index(e["kind"]),
            _name(e["thing"]["label"], "de", e["thing"]["iri"]).lower(),
        ),
    )
    for event in out:
        event["sources"].sort(key=lambda s: s["iri"])
    return out


def _chosen_kinds() -> set[str]:
    """The ``kind`` parameters (each one of :data:`KINDS`); none means every kind."""
    chosen = set()
    for value in request.args.getlist("kind"):
        for item in filter(None, (v.strip() for v in value.split(","))):
            if item not in KINDS:
                raise bad(
                    "kind",
                    f"{item[:40]!r} is not one of {', '.join(KINDS)}",
                    f"{item[:40]!r} ist keine der Arten {', '.join(KINDS)}",
                )
            chosen.add(item)
    return chosen or set(KINDS)


def format_date(date: str, precision: str, lang: str) -> str:
    months = i18n.texts(lang)["months"].split()
    year = date[:4]
    if precision == "year":
        return year
    month = months[int(date[5:7]) - 1]
    if precision == "month":
        return f"{month} {year}"
    day = int(date[8:10])
    return f"{day}. {month} {year}" if lang == "de" else f"{day} {month} {year}"


@bp.get("/timeline")
def timeline_page() -> Response:
    lang = current_lang()
    chosen = _chosen_kinds()
    key = ",".join(k for k in KINDS if k in chosen)
    return respond(
        lambda: _timeline_page(lang, chosen),
        formats.HTML,
        etag=tag("timeline", lang, key),
        vary=PAGE_VARY,
    )


def _timeline_page(lang: str, chosen: set[str]) -> str:
    t = i18n.texts(lang)
    vocab = vocabulary()
    years: dict[int, list[dict]] = defaultdict(list)
    for event in events():
        thing = event["thing"]
        years[event["year"]].append(
            {
                "kind": event["kind"],
                "kind_label": t[f"timeline_kind_{event['kind']}"],
                "shown": event["kind"] in chosen,
                "date": event["date"],
                "when": format_date(event["date"], event["precision"], lang),
                "property": vocab.label(event["property"], lang),
                "property_href": link(event["property"]),
                "thing": {
                    "href": link(thing["iri"]),
                    "name": _name(thing["label"], lang, thing["iri"]),
                },
                "about": [
                    {"href": link(a["iri"]), "name": _name(a["label"], lang, a["iri"])}
                    for a in event["about"]
                ],
                "later": not event["graph"].endswith("/article"),
                "sources": [source_link(s, lang) for s in event["sources"]],
            }
        )
    groups = [
        {"year": year, "events": items, "shown": any(e["shown"] for e in items)}
        for year, items in sorted(years.items())
    ]
    counts = defaultdict(int)
    for event in events():
        counts[event["kind"]] += 1
    kinds = [
        {
            "kind": k,
            "label": t[f"timeline_kind_{k}"],
            "checked": k in chosen,
            "count": counts[k],
        }
        for k in KINDS
        if counts[k]
    ]
    return page(
        "timeline.html",
        lang=lang,
        groups=groups,
        kinds=kinds,
        total=sum(1 for e in events() if e["kind"] in chosen),
    )


@bp.get("/timeline.json")
def timeline_json() -> Response:
    chosen = _chosen_kinds()
    key = ",".join(k for k in KINDS if k in chosen)

    def make() -> str:
        out = []
        for event in events():
            if event["kind"] not in chosen:
                continue
            thing = event["thing"]
            out.append(
                {
                    "date": event["date"],
                    "precision": event["precision"],
                    "year": event["year"],
                    "kind": event["kind"],
                    "property": event["property"],
                    "graph": event["graph"],
                    "thing": {**thing, "href": link(thing["iri"])},
                    "about": [{**a, "href": link(a["iri"])} for a in event["about"]],
                    "sources": [_json_source(s) for s in event["sources"]],
                }
            )
        return json.dumps({"kinds": list(KINDS), "events": out}, ensure_ascii=False)

    body = memo(f"timeline.json:{runtime_root()}:{key}", make)
    return respond(body, "application/json", etag=tag("timeline.json", key), vary=None)
