/* KI-Graph query editor: YASGUI pointed at our endpoint, our prefixes instead of prefix.cc,
   no LOV look-ups (the page makes no request outside our origin), every saved query as an
   example, and two extra result views: a chart (Chart.js) for numeric columns and a graph
   (Cytoscape.js) for CONSTRUCT/DESCRIBE results. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var T = config.texts;
  var Yasgui = window.Yasgui;
  var root = document.getElementById("yasgui");
  if (!Yasgui) {
    root.textContent = "YASGUI did not load.";
    root.setAttribute("data-state", "error");
    return;
  }
  var Yasqe = Yasgui.Yasqe;
  var Yasr = Yasgui.Yasr;
  // YASGUI reads share links from the fragment and clears it while it starts, so
  // /sparql#saved=NAME must be read before the editor exists
  var SAVED_HASH = /^#saved=([\w-]+)$/;
  var savedAtStart = SAVED_HASH.exec(window.location.hash);

  // --- autocompletion: our prefixes (a local list), variables; nothing fetched from elsewhere
  var prefixList = Object.keys(config.prefixes).map(function (p) {
    return p + ": <" + config.prefixes[p] + ">";
  });
  Yasqe.forkAutocompleter(
    "prefixes",
    {
      name: "kigraphPrefixes",
      persistenceId: "kigraphPrefixes",
      get: function () {
        return Promise.resolve(prefixList.slice().sort());
      },
    },
    false
  );
  // Yasgui.defaults.yasqe is the very object Yasqe.defaults: change it in place
  Yasqe.defaults.autocompleters.splice(0, Yasqe.defaults.autocompleters.length, "kigraphPrefixes", "variables");
  Yasqe.defaults.value = config.defaultQuery;

  // --- helpers
  var XSD_NUMBER = /^http:\/\/www\.w3\.org\/2001\/XMLSchema#(integer|decimal|double|float|int|long|short|byte|nonNegativeInteger|positiveInteger|negativeInteger|nonPositiveInteger|unsignedInt|unsignedLong|unsignedShort|unsignedByte)$/;

  function compact(iri) {
    for (var p in config.prefixes) {
      var ns = config.prefixes[p];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length) return p + ":" + iri.slice(ns.length);
    }
    return iri;
  }

  function termText(term) {
    if (!term) return "";
    return term.type === "uri" ? compact(term.value) : term.value;
  }

  function icon(text) {
    // a div, as YASR's own icons: YASR hides every span of a view button on narrow screens
    var el = document.createElement("div");
    el.className = "kg-icon";
    el.textContent = text;
    el.setAttribute("aria-hidden", "true");
    return el;
  }

  function pageUrl(iri) {
    var base = "https://w3id.org/kigraph/";
    if (iri.indexOf(base + "id/") === 0) return config.endpoint.replace(/sparql$/, "") + iri.slice(base.length);
    return null;
  }

  // --- the chart view: a bar chart of the numeric columns, one bar group per row
  function ChartPlugin(yasr) {
    this.yasr = yasr;
    this.priority = 4;
    this.label = T.chart;
    this.chart = null;
  }
  ChartPlugin.prototype.numericColumns = function () {
    var results = this.yasr.results;
    if (!results || results.getType() !== "json") return [];
    var rows = results.getBindings() || [];
    if (!rows.length) return [];
    return results.getVariables().filter(function (v) {
      var seen = false;
      var ok = rows.every(function (row) {
        var t = row[v];
        if (!t) return true;
        seen = true;
        return t.type !== "uri" && t.type !== "bnode" && XSD_NUMBER.test(t.datatype || "");
      });
      return seen && ok;
    });
  };
  ChartPlugin.prototype.canHandleResults = function () {
    return this.numericColumns().length > 0;
  };
  ChartPlugin.prototype.getIcon = function () {
    return icon("▥");
  };
  ChartPlugin.prototype.draw = function () {
    var numeric = this.numericColumns();
    var results = this.yasr.results;
    var box = document.createElement("div");
    box.className = "kg-chart";
    this.yasr.resultsEl.appendChild(box);
    if (!numeric.length || !window.Chart) {
      box.className = "kg-note";
      box.textContent = T.no_numbers;
      return;
    }
    var vars = results.getVariables();
    var labelVars = vars.filter(function (v) { return numeric.indexOf(v) < 0; });
    var rows = (results.getBindings() || []).slice(0, 200);
    var labels = rows.map(function (row, i) {
      var parts = labelVars.map(function (v) { return termText(row[v]); }).filter(Boolean);
      return parts.length ? parts.join(" · ").slice(0, 80) : String(i + 1);
    });
    var palette = ["#0b5cad", "#e0791a", "#2e9e5b", "#8e5bb5", "#c23b5a", "#5b6573"];
    var canvas = document.createElement("canvas");
    box.appendChild(canvas);
    this.chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: numeric.map(function (v, i) {
          return {
            label: v,
            backgroundColor: palette[i % palette.length],
            data: rows.map(function (row) { return row[v] ? Number(row[v].value) : null; }),
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: rows.length > 12 ? "y" : "x",
      },
    });
  };
  ChartPlugin.prototype.destroy = function () {
    if (this.chart) this.chart.destroy();
    this.chart = null;
  };

  // --- the graph view: the triples of a CONSTRUCT/DESCRIBE result as a network
  var RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
  var LABEL = "http://www.w3.org/2000/01/rdf-schema#label";

  function GraphPlugin(yasr) {
    this.yasr = yasr;
    this.priority = 3;
    this.label = T.graph;
    this.cy = null;
  }
  GraphPlugin.prototype.statements = function () {
    var results = this.yasr.results;
    if (!results || !results.getStatements) return null;
    try {
      return results.getStatements();
    } catch (e) {
      return null;
    }
  };
  GraphPlugin.prototype.canHandleResults = function () {
    var st = this.statements();
    return !!(st && st.length);
  };
  GraphPlugin.prototype.getIcon = function () {
    return icon("⬡");
  };
  GraphPlugin.prototype.draw = function () {
    var box = document.createElement("div");
    box.className = "kg-graph";
    this.yasr.resultsEl.appendChild(box);
    var st = this.statements() || [];
    var nodes = {};
    var edges = [];
    function node(term) {
      var id = term.termType === "BlankNode" ? "_:" + term.value : term.value;
      if (!nodes[id]) nodes[id] = { data: { id: id, label: term.termType === "NamedNode" ? compact(term.value) : id, types: [] } };
      return nodes[id];
    }
    st.slice(0, 3000).forEach(function (q, i) {
      var s = node(q.subject);
      var p = q.predicate.value;
      if (q.object.termType === "Literal") {
        if (p === LABEL && (!s.data.lang || q.object.language === config.lang)) {
          s.data.label = q.object.value;
          s.data.lang = q.object.language;
        }
        return;
      }
      if (p === RDF_TYPE) {
        s.data.types.push(compact(q.object.value));
        return;
      }
      var o = node(q.object);
      edges.push({ data: { id: "e" + i, source: s.data.id, target: o.data.id, label: compact(p) } });
    });
    var elements = Object.keys(nodes).map(function (k) { return nodes[k]; }).concat(edges);
    if (!window.cytoscape) return;
    this.cy = window.cytoscape({
      container: box,
      elements: elements,
      style: [
        { selector: "node", style: { label: "data(label)", "font-size": 9, "background-color": "#0b5cad", width: 14, height: 14, "text-wrap": "ellipsis", "text-max-width": 120 } },
        { selector: "edge", style: { width: 1, "line-color": "#9aa5b1", "target-arrow-shape": "triangle", "target-arrow-color": "#9aa5b1", "curve-style": "bezier", label: "data(label)", "font-size": 7, color: "#5b6573" } },
      ],
      layout: { name: elements.length > 600 ? "concentric" : "cose", animate: false },
    });
    this.cy.on("tap", "node", function (evt) {
      var url = pageUrl(evt.target.id());
      if (url) window.open(url, "_blank", "noopener");
    });
  };
  GraphPlugin.prototype.destroy = function () {
    if (this.cy) this.cy.destroy();
    this.cy = null;
  };

  Yasr.registerPlugin("chart", ChartPlugin);
  Yasr.registerPlugin("graph", GraphPlugin);
  Yasr.defaults.prefixes = config.prefixes;

  // --- each editor (one per tab, made when the tab is first shown): a name and the keyboard
  // hint for screen readers, and the Run/Share buttons moved out of the text area, where
  // YASQE floats them over the query on narrow screens. YASGUI's own controls get the names
  // it leaves out; its "+" is reached among the tabs by the arrow keys, so it is one to
  // assistive technology too (a tab list may hold only tabs).
  var hint = document.getElementById("editor-hint");
  function fitEditors() {
    Array.prototype.forEach.call(root.querySelectorAll(".tabsList button.addTab:not([role])"), function (b) {
      b.setAttribute("role", "tab");
      b.setAttribute("aria-selected", "false");
    });
    Array.prototype.forEach.call(root.querySelectorAll("select.tableSizer:not([aria-label])"), function (s) {
      s.setAttribute("aria-label", T.page_size);
    });
    Array.prototype.forEach.call(root.querySelectorAll(".yasqe"), function (yasqe) {
      var cm = yasqe.querySelector(".CodeMirror");
      var buttons = cm && cm.querySelector(":scope > .yasqe_buttons");
      if (buttons) cm.parentNode.insertBefore(buttons, cm.nextSibling);
      var input = cm && cm.querySelector("textarea");
      if (input && !input.hasAttribute("aria-label")) {
        input.setAttribute("aria-label", T.editor);
        if (hint) input.setAttribute("aria-describedby", "editor-hint");
      }
    });
  }
  new MutationObserver(fitEditors).observe(root, { childList: true, subtree: true });

  // --- the editor
  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: {
      getData: function () {
        return [{ endpoint: config.endpoint }];
      },
      keys: [],
    },
    persistenceId: "kigraph-yasgui",
    yasr: { prefixes: config.prefixes },
  });
  window.yasgui = yasgui;
  fitEditors();
  root.setAttribute("data-state", "ready");

  // --- the saved queries as examples: picking one opens it in a new tab and runs it
  var byName = {};
  config.examples.forEach(function (q) { byName[q.name] = q; });
  var picker = document.getElementById("saved-query");
  function openExample(name) {
    var q = byName[name];
    if (!q) return;
    var tab = yasgui.addTab(true, {
      name: q.title.slice(0, 40),
      yasqe: { value: q.query },
      requestConfig: { endpoint: config.endpoint },
    });
    tab.show();
    tab.query();
  }
  picker.addEventListener("change", function () {
    openExample(picker.value);
    picker.value = "";
  });
  if (savedAtStart) openExample(savedAtStart[1]);
  window.addEventListener("hashchange", function () {
    var m = SAVED_HASH.exec(window.location.hash);
    if (m) openExample(m[1]);
  });
})();
