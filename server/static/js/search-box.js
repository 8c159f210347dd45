/* Suggestions from /api/search under a text field: the WAI-ARIA combobox pattern (a list box
   the arrow keys move through, Enter takes the marked suggestion, Esc closes the list or, when
   it is closed, empties the field). Without JavaScript the field is a plain form field: the
   header's box submits to /search, an IRI picker takes a typed IRI.

   Any field with data-suggest="<url of /api/search>" is enhanced; its texts come from data-*
   attributes the server writes in the page's language. window.KIGraphSuggest.attach lets other
   scripts (iri-picker.js) enhance fields with their own choice action. */
(function () {
  "use strict";
  var DELAY = 200; // ms after the last key press: one request per pause, not per letter
  var LIMIT = 8;
  var counter = 0;

  function attach(input, options) {
    options = options || {};
    if (input.getAttribute("role") === "combobox") return null;
    var texts = {
      none: input.getAttribute("data-none") || "",
      one: input.getAttribute("data-one") || "",
      count: input.getAttribute("data-count") || "",
      failed: input.getAttribute("data-failed") || "",
    };
    var id = input.id || "suggest-" + ++counter;
    input.id = id;
    var wrap = document.createElement("span");
    wrap.className = "suggest";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var label = input.labels && input.labels[0];
    if (label) {
      if (!label.id) label.id = id + "-label";
      list.setAttribute("aria-labelledby", label.id);
    } else if (input.getAttribute("aria-label")) {
      list.setAttribute("aria-label", input.getAttribute("aria-label"));
    }
    wrap.appendChild(list);
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    wrap.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    var hits = [];
    var active = -1;
    var timer = null;
    var pending = null;
    var asked = "";

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(index) {
      var items = list.children;
      for (var i = 0; i < items.length; i++) {
        items[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(results) {
      hits = results;
      list.textContent = "";
      results.forEach(function (hit, i) {
        var item = document.createElement("li");
        item.id = id + "-option-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.setAttribute("data-iri", hit.id);
        var name = document.createElement("span");
        name.className = "suggestion-name";
        name.textContent = hit.name;
        var what = document.createElement("span");
        what.className = "suggestion-kind";
        what.textContent = hit.description || hit.kind_name;
        item.appendChild(name);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(what);
        // mousedown, not click: the field keeps the focus (no blur closing the list first)
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(item);
      });
      active = -1;
      var open = results.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      input.removeAttribute("aria-activedescendant");
      status.textContent = !open
        ? texts.none
        : results.length === 1
          ? texts.one
          : texts.count.replace("{n}", String(results.length));
    }

    function choose(index) {
      var hit = hits[index];
      if (!hit) return;
      close();
      if (options.choose) options.choose(hit, input);
      else window.location.assign(hit.url);
    }

    function ask() {
      var text = input.value.trim();
      if (!text) {
        close();
        status.textContent = "";
        return;
      }
      if (text === asked && !list.hidden) return;
      asked = text;
      if (pending) pending.abort();
      pending = typeof AbortController === "function" ? new AbortController() : null;
      var params = new URLSearchParams({ q: text, limit: String(LIMIT) });
      var lang = input.getAttribute("data-lang");
      if (lang) params.set("lang", lang);
      var type = options.type || input.getAttribute("data-type");
      if (type) params.set("type", type);
      fetch(input.getAttribute("data-suggest") + "?" + params.toString(), {
        headers: { Accept: "application/json" },
        signal: pending ? pending.signal : undefined,
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (doc) {
          if (input.value.trim() !== text) return; // an answer to an older text
          show(doc.results || []);
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") return;
          close();
          status.textContent = texts.failed;
        });
    }

    input.addEventListener("input", function () {
      if (options.typed) options.typed(input);
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) {
          asked = "";
          ask();
          return;
        }
        mark(active + 1 >= hits.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (!open) return;
        event.preventDefault();
        mark(active <= 0 ? hits.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          if (options.typed) options.typed(input);
        }
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () {
      close();
    });
    return { input: input, close: close };
  }

  window.KIGraphSuggest = { attach: attach };
  Array.prototype.forEach.call(
    document.querySelectorAll("input[data-suggest]:not([data-iri-picker])"),
    function (input) {
      attach(input);
    }
  );
})();
