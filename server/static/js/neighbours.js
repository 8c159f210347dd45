/* A resource page's neighbourhood as a small graph (Cytoscape.js): the resource in the middle,
   the things one link away around it (arrows say which way the link goes), and, when there are
   more than fit, one "and N more" node that leads to the full list of properties. The list under
   the drawing holds the same nodes and stays the way in for keyboards and screen readers; a
   click on a node opens its page. */
(function () {
  "use strict";
  var box = document.getElementById("neighbours-graph");
  var source = document.getElementById("neighbours-data");
  if (!box || !source || typeof window.cytoscape !== "function") return;
  var doc = JSON.parse(source.textContent);
  var texts = JSON.parse(document.getElementById("neighbours-texts").textContent);
  var COLOURS = {
    initiative: "#0b5cad",
    organisation: "#e0791a",
    place: "#8e5bb5",
    technology: "#2e9e5b",
    concept: "#c23b5a",
    other: "#5b6573",
  };
  var elements = [
    { data: { id: "center", label: doc.center.label, kind: "center", href: doc.center.href } },
  ];
  doc.nodes.forEach(function (node, i) {
    var id = "n" + i;
    elements.push({ data: { id: id, label: node.label, kind: node.kind, href: node.href } });
    elements.push({
      data: {
        id: "e" + i,
        source: node.dir === "out" ? "center" : id,
        target: node.dir === "out" ? id : "center",
        label: node.relation,
      },
    });
  });
  if (doc.more > 0) {
    elements.push({
      data: { id: "more", label: texts.more.replace("{n}", String(doc.more)), kind: "more", href: "#h-props" },
    });
    elements.push({ data: { id: "e-more", source: "center", target: "more", label: "" } });
  }
  box.hidden = false;
  var cy = window.cytoscape({
    container: box,
    elements: elements,
    layout: {
      name: "concentric",
      concentric: function (n) { return n.id() === "center" ? 2 : 1; },
      levelWidth: function () { return 1; },
      minNodeSpacing: 24,
      padding: 12,
      animate: false,
    },
    minZoom: 0.3,
    maxZoom: 2,
    userPanningEnabled: true,
    userZoomingEnabled: false, // the page scrolls with the wheel, not the drawing
    boxSelectionEnabled: false,
    style: [
      {
        selector: "node",
        style: {
          label: "data(label)",
          "background-color": function (n) { return COLOURS[n.data("kind")] || COLOURS.other; },
          width: 18,
          height: 18,
          "font-size": 11,
          color: "#1d2430",
          "text-valign": "bottom",
          "text-margin-y": 3,
          "text-wrap": "ellipsis",
          "text-max-width": 130,
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.8,
          "text-background-padding": 1,
        },
      },
      {
        selector: "node[kind = 'center']",
        style: { width: 30, height: 30, "background-color": "#1d2430", "font-weight": "bold", "font-size": 12 },
      },
      {
        selector: "node[kind = 'more']",
        style: { "background-color": "#ffffff", "border-width": 2, "border-style": "dashed", "border-color": "#5b6573", "font-style": "italic" },
      },
      {
        selector: "edge",
        style: {
          width: 1.5,
          "line-color": "#9aa4b2",
          "target-arrow-color": "#9aa4b2",
          "target-arrow-shape": "triangle",
          "curve-style": "straight",
          label: "data(label)",
          "font-size": 9,
          color: "#5b6573",
          "text-rotation": "autorotate",
          "text-wrap": "ellipsis",
          "text-max-width": 110,
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.8,
        },
      },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#f0a500" } },
      { selector: "edge[id = 'e-more']", style: { "line-style": "dashed", "target-arrow-shape": "none" } },
    ],
  });
  cy.on("tap", "node", function (event) {
    var href = event.target.data("href");
    if (href && event.target.id() !== "center") window.location.assign(href);
  });
  cy.on("mouseover", "node", function () { box.style.cursor = "pointer"; });
  cy.on("mouseout", "node", function () { box.style.cursor = ""; });
  // the list marks the node its focused link stands for, as /explore does
  Array.prototype.forEach.call(document.querySelectorAll("#neighbours-list li"), function (item, i) {
    var anchor = item.querySelector("a");
    anchor.addEventListener("focus", function () { cy.$("#n" + i).select(); });
    anchor.addEventListener("blur", function () { cy.$("#n" + i).unselect(); });
  });
  box.setAttribute("data-state", "ready");
})();
