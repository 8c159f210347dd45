// /map: the server draws the map and its pins (links that work without this file); this adds a
// card beside the map for the pin under the pointer or the keyboard's focus — the place, its
// Land, what is there and where its coordinates come from — from /map.json, and marks the
// place in the list.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const svg = document.getElementById("germany-map");
  const card = document.getElementById("map-detail");
  const t = config.texts;
  const name = (labels) => labels[config.lang] || labels.de || Object.values(labels)[0] || "";
  let places = new Map();

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function show(iri) {
    const place = places.get(iri);
    document.querySelectorAll(".geo-places li.current").forEach((li) => li.classList.remove("current"));
    if (!place) return;
    const item = document.querySelector(`.geo-places li[data-iri="${CSS.escape(iri)}"]`);
    if (item) item.classList.add("current");
    card.replaceChildren();
    const h = el("h2");
    h.append(el("a", { href: place.href }, name(place.label)));
    card.append(h);
    if (place.land) card.append(el("p", { class: "src" }, `${t.map_land}: ${name(place.land.label)}`));
    const src = el("p", { class: "src" }, `${t.map_coordinates}: `);
    place.sources.forEach((s, i) => {
      if (i) src.append("; ");
      src.append(el("a", { href: s.href, rel: "nofollow noopener" }, name(s.label) || s.href));
    });
    card.append(src);
    const list = el("ul");
    place.things.forEach((th) => {
      const li = el("li");
      li.append(el("a", { href: th.href }, name(th.label)));
      list.append(li);
    });
    card.append(el("p", {}, `${place.things.length} ${t.map_things}`), list);
    card.hidden = false;
  }

  fetch(config.data)
    .then((r) => r.json())
    .then((data) => {
      places = new Map(data.places.map((p) => [p.iri, p]));
      svg.querySelectorAll("a.pin").forEach((pin) => {
        const iri = pin.dataset.iri;
        pin.addEventListener("mouseenter", () => show(iri));
        pin.addEventListener("focus", () => show(iri));
      });
      svg.dataset.state = "ready";
    })
    .catch(() => {
      svg.dataset.state = "ready"; // the pins and the list still work: they are plain links
    });
})();
