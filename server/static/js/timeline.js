// /timeline: the kind filter without a round trip. The server renders every event and hides the
// ones not asked for (the form works without JavaScript); this shows and hides them as the boxes
// change, keeps the address in step so the view can be shared, and hides years left empty.
(function () {
  "use strict";
  const form = document.getElementById("timeline-filter");
  const count = document.querySelector("#timeline-count span");
  const boxes = Array.from(form.querySelectorAll("input[name=kind]"));

  function apply() {
    const chosen = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    const all = chosen.size === 0;
    let shown = 0;
    document.querySelectorAll(".tl-year").forEach((year) => {
      let any = false;
      year.querySelectorAll(".tl-event").forEach((event) => {
        const on = all || chosen.has(event.dataset.kind);
        event.hidden = !on;
        if (on) { any = true; shown += 1; }
      });
      year.hidden = !any;
    });
    count.textContent = String(shown);
    const url = new URL(window.location.href);
    url.searchParams.delete("kind");
    if (!all && chosen.size < boxes.length) chosen.forEach((k) => url.searchParams.append("kind", k));
    window.history.replaceState(null, "", url);
  }

  boxes.forEach((b) => b.addEventListener("change", apply));
  form.querySelector("button[type=submit]").hidden = true;
  form.dataset.state = "ready";
})();
