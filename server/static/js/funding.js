/* KI-Graph funding view: the saved query funding-overview as a bar chart (Chart.js) above the
   server's table.
   One bar per grant; solid = stated amount, hatched = upper bound ("bis zu"); grants without a
   stated amount get a labelled empty slot, never a zero; article and later sources apart. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("funding-config").textContent);
  var T = config.texts;
  var canvas = document.getElementById("funding-chart");
  // the chart needs JavaScript: the page hides it until now (the table is rendered by the server)
  document.getElementById("funding-chart-box").hidden = false;
  var ARTICLE = config.base + "graph/article";
  var COLOURS = { article: "#0b5cad", later: "#e0791a" };
  var fmt = new Intl.NumberFormat(config.lang === "de" ? "de-DE" : "en-GB", { maximumFractionDigits: 1 });

  function val(row, name) {
    return row[name] ? row[name].value : null;
  }

  function pageUrl(iri) {
    return iri.indexOf(config.base) === 0 ? config.root + iri.slice(config.base.length) : iri;
  }

  function money(n) {
    return fmt.format(n / 1e6) + " " + T.million;
  }

  function hatch(colour) {
    var c = document.createElement("canvas");
    c.width = c.height = 8;
    var g = c.getContext("2d");
    g.fillStyle = "#ffffff";
    g.fillRect(0, 0, 8, 8);
    g.strokeStyle = colour;
    g.lineWidth = 2;
    g.beginPath();
    g.moveTo(0, 8);
    g.lineTo(8, 0);
    g.stroke();
    return g.createPattern(c, "repeat");
  }

  function grantsOf(bindings) {
    var grants = {};
    var order = [];
    bindings.forEach(function (row) {
      var iri = val(row, "grant");
      var g = grants[iri];
      if (!g) {
        g = grants[iri] = {
          iri: iri,
          initiative: val(row, "initiative"),
          name: val(row, "initiative_" + config.lang) || val(row, "initiative_de") || iri,
          amount: val(row, "amount") !== null ? Number(val(row, "amount")) : null,
          max: val(row, "max_amount") !== null ? Number(val(row, "max_amount")) : null,
          period: val(row, "period"),
          stated: val(row, "amount_stated") !== "false",
          source: val(row, "graph") === ARTICLE ? "article" : "later",
          funders: [],
        };
        order.push(iri);
      }
      var funder = { iri: val(row, "funder"), name: val(row, "funder_de") || val(row, "funder"), share: val(row, "share") };
      if (!g.funders.some(function (f) { return f.iri === funder.iri; })) g.funders.push(funder);
    });
    return order.map(function (iri) { return grants[iri]; });
  }

  function funderText(g) {
    return g.funders
      .map(function (f) { return f.name + (f.share ? " (" + T.share + " " + fmt.format(Number(f.share) * 100) + " %)" : ""); })
      .join(", ") + (g.funders.length > 1 && !g.funders.some(function (f) { return f.share; }) ? " — " + T.jointly : "");
  }

  function amountText(g) {
    var per = g.period === "P1Y" ? " " + T.per_year : "";
    if (g.amount !== null) return money(g.amount) + per;
    if (g.max !== null) return T.up_to + " " + money(g.max) + per;
    return T.unstated;
  }

  function label(g) {
    var first = g.funders.map(function (f) { return f.name; }).join(" + ");
    var lines = [g.name, first + " · " + (g.source === "article" ? T.article : T.later)];
    if (g.amount === null && g.max === null) lines.push("(" + T.unstated + ")");
    return lines;
  }

  function draw(grants) {
    var datasets = [];
    [["article", "exact"], ["later", "exact"], ["article", "max"], ["later", "max"]].forEach(function (pair) {
      var source = pair[0];
      var kind = pair[1];
      var data = grants.map(function (g) {
        if (g.source !== source) return null;
        if (kind === "exact") return g.amount;
        return g.amount === null ? g.max : null;
      });
      if (!data.some(function (x) { return x !== null; })) return;
      datasets.push({
        label: T[kind + "_" + source],
        data: data,
        backgroundColor: kind === "exact" ? COLOURS[source] : hatch(COLOURS[source]),
        borderColor: COLOURS[source],
        borderWidth: kind === "exact" ? 0 : 2,
        borderDash: kind === "exact" ? [] : [4, 3],
        grouped: false,
      });
    });
    window.kigraphFundingChart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: grants.map(label), datasets: datasets },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { beginAtZero: true, title: { display: true, text: T.axis }, ticks: { callback: function (v) { return money(v); } } },
          y: { ticks: { autoSkip: false } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var g = grants[ctx.dataIndex];
                return [amountText(g), funderText(g)];
              },
            },
          },
        },
        onClick: function (_evt, items) {
          if (items.length) window.location.href = pageUrl(grants[items[0].index].initiative);
        },
      },
    });
    canvas.setAttribute("data-state", "ready");
    canvas.setAttribute("data-grants", String(grants.length));
  }

  fetch(config.data, { headers: { Accept: "application/sparql-results+json" } })
    .then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    })
    .then(function (json) {
      var grants = grantsOf(json.results.bindings);
      draw(grants);
    })
    .catch(function (err) {
      canvas.setAttribute("data-state", "error");
      canvas.insertAdjacentText("afterend", String(err));
    });
})();
