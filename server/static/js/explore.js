/* KI-Graph network view: the saved CONSTRUCT query cooperation-network as a Cytoscape.js graph.
   Colour = kind, size = degree; filter by kind, relation and initiative; search; a click on a
   node opens its page. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("explore-config").textContent);
  var box = document.getElementById("network");
  var status = document.getElementById("network-status");
  var form = document.getElementById("network-controls");
  var search = document.getElementById("network-search");
  var labels = document.getElementById("network-labels");
  var initiative = document.getElementById("network-initiative");
  var items = Array.prototype.slice.call(document.querySelectorAll("#network-list li[data-iri]"));
  // the drawing and its filters need JavaScript: the page hides them until now
  document.getElementById("network-view").hidden = false;
  var COLOURS = {
    initiative: "#0b5cad",
    organisation: "#e0791a",
    collective: "#f2b36b",
    technology: "#2e9e5b",
    place: "#8e5bb5",
    targetGroup: "#c23b5a",
    other: "#5b6573",
  };
  var label = "label_" + config.lang;

  function pageUrl(iri) {
    return iri.indexOf(config.base) === 0 ? config.root + iri.slice(config.base.length) : iri;
  }

  function checked(name) {
    return Array.prototype.filter
      .call(form.querySelectorAll("input[name=" + name + "]"), function (i) { return i.checked; })
      .map(function (i) { return i.value; });
  }

  function start(doc) {
    var elements = doc.elements.nodes.concat(doc.elements.edges);
    var maxDegree = Math.max.apply(null, doc.elements.nodes.map(function (n) { return n.data.degree; }).concat([1]));
    var cy = (window.cy = window.cytoscape({
      container: box,
      elements: elements,
      minZoom: 0.2,
      maxZoom: 3,
      style: [
        {
          selector: "node",
          style: {
            label: "data(" + label + ")",
            "background-color": function (n) { return COLOURS[n.data("kind")] || COLOURS.other; },
            width: function (n) { return 14 + 34 * Math.sqrt(n.data("degree") / maxDegree); },
            height: function (n) { return 14 + 34 * Math.sqrt(n.data("degree") / maxDegree); },
            "font-size": 10,
            "text-valign": "bottom",
            "text-margin-y": 3,
            "text-wrap": "wrap",
            "text-max-width": 110,
            "text-background-color": "#ffffff",
            "text-background-opacity": 0.7,
            "text-background-padding": 1,
          },
        },
        {
          selector: "edge",
          style: {
            width: 1.2,
            "line-color": "#b5bec9",
            "target-arrow-shape": "triangle",
            "target-arrow-color": "#b5bec9",
            "arrow-scale": 0.7,
            "curve-style": "bezier",
          },
        },
        { selector: "edge:selected, edge.hover", style: { label: "data(" + label + ")", "font-size": 8, color: "#1d2430", "line-color": "#0b5cad", "target-arrow-color": "#0b5cad" } },
        { selector: "node.match", style: { "border-width": 4, "border-color": "#f0a500" } },
        { selector: "node.focused", style: { "border-width": 6, "border-color": "#1d2430", "z-index": 10 } },
        { selector: ".faded", style: { opacity: 0.15 } },
      ],
      layout: {
        name: "cose",
        animate: false,
        randomize: false,
        nodeRepulsion: function () { return 9000; },
        idealEdgeLength: function () { return 70; },
        padding: 20,
      },
    }));

    cy.on("tap", "node", function (evt) {
      window.location.href = pageUrl(evt.target.id());
    });
    cy.on("mouseover", "node", function (evt) {
      evt.target.connectedEdges().addClass("hover");
      box.title = evt.target.data(label) + " — " + config.kinds[evt.target.data("kind")];
    });
    cy.on("mouseout", "node", function (evt) {
      evt.target.connectedEdges().removeClass("hover");
      box.title = "";
    });

    doc.elements.nodes
      .map(function (n) { return n.data[label]; })
      .sort()
      .forEach(function (text) {
        var option = document.createElement("option");
        option.value = text;
        labels.appendChild(option);
      });

    function scope() {
      // the chosen initiative, its parts (partOf, transitively) and everything they touch
      var chosen = initiative.value;
      if (!chosen) return null;
      var seeds = cy.getElementById(chosen);
      var grew = true;
      while (grew) {
        var parts = seeds.incomers("edge[role = 'partOf']").sources().difference(seeds);
        grew = parts.length > 0;
        seeds = seeds.union(parts);
      }
      return seeds.closedNeighborhood().nodes();
    }

    function apply() {
      var kinds = checked("kind");
      var roles = checked("role");
      var inScope = scope();
      cy.batch(function () {
        cy.nodes().forEach(function (n) {
          var show = kinds.indexOf(n.data("kind")) >= 0 || (n.data("kind") === "other" && kinds.length);
          if (inScope && !inScope.has(n)) show = false;
          n.style("display", show ? "element" : "none");
        });
        cy.edges().forEach(function (e) {
          e.style("display", roles.indexOf(e.data("role")) >= 0 ? "element" : "none");
        });
      });
      var visible = cy.nodes(":visible");
      // the list shows what the drawing shows
      items.forEach(function (li) {
        li.hidden = !cy.getElementById(li.getAttribute("data-iri")).visible();
      });
      status.textContent = visible.length + " / " + cy.nodes().length;
      if (inScope) cy.fit(visible, 30);
    }

    function find() {
      var text = search.value.trim().toLowerCase();
      cy.nodes().removeClass("match faded");
      cy.edges().removeClass("faded");
      if (!text) return;
      var hits = cy.nodes().filter(function (n) {
        return (n.data("label_de") + " " + n.data("label_en")).toLowerCase().indexOf(text) >= 0;
      });
      if (!hits.length) return;
      cy.elements().difference(hits.closedNeighborhood()).addClass("faded");
      hits.addClass("match");
      cy.fit(hits.closedNeighborhood(), 40);
    }

    // a node reached from the keyboard in the list is marked in the drawing too
    items.forEach(function (li) {
      var link = li.querySelector("a");
      link.addEventListener("focus", function () {
        var node = cy.getElementById(li.getAttribute("data-iri"));
        cy.nodes().removeClass("focused");
        node.addClass("focused");
      });
      link.addEventListener("blur", function () {
        cy.nodes().removeClass("focused");
      });
    });

    form.addEventListener("change", function (evt) {
      if (evt.target !== search) apply();
    });
    search.addEventListener("input", find);
    form.addEventListener("submit", function (evt) {
      evt.preventDefault();
      find();
    });
    form.addEventListener("reset", function () {
      window.setTimeout(function () {
        apply();
        find();
        cy.fit(undefined, 20);
      }, 0);
    });
    apply();
    box.setAttribute("data-state", "ready");
  }

  fetch(config.data, { headers: { Accept: "application/json" } })
    .then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    })
    .then(start)
    .catch(function (err) {
      box.setAttribute("data-state", "error");
      status.textContent = String(err);
    });
})();
