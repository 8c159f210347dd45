/* IRI parameters of a saved query's form: type a name, choose a suggestion (search-box.js), and
   the field holds the thing's IRI — what the query needs — while its name is shown beside it.
   Suggestions keep to the class the query expects (data-type) when it states one. A typed IRI
   still works, and is named too; without JavaScript the field is a plain text field. */
(function () {
  "use strict";
  if (!window.KIGraphSuggest) return;

  function shown(input) {
    return document.getElementById(input.id + "-chosen");
  }

  function say(input, hit) {
    var out = shown(input);
    if (!out) return;
    out.textContent = hit ? out.getAttribute("data-text") + " " + hit.name + " (" + (hit.description || hit.kind_name) + ")" : "";
  }

  // the name of an IRI already in the field (a form opened from a link, or after a run)
  function nameOf(input) {
    var value = input.value.trim();
    if (!/^https?:\/\//.test(value)) return;
    var params = new URLSearchParams({ q: value, limit: "1" });
    var lang = input.getAttribute("data-lang");
    if (lang) params.set("lang", lang);
    fetch(input.getAttribute("data-suggest") + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (doc) {
        var hit = (doc.results || [])[0];
        if (hit && hit.id === input.value.trim()) say(input, hit);
      })
      .catch(function () {});
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-iri-picker]"), function (input) {
    var hint = document.getElementById(input.id + "-hint");
    if (hint) hint.hidden = false;
    window.KIGraphSuggest.attach(input, {
      type: input.getAttribute("data-type") || "",
      choose: function (hit) {
        input.value = hit.id;
        say(input, hit);
      },
      typed: function () {
        say(input, null);
      },
    });
    nameOf(input);
  });
})();
