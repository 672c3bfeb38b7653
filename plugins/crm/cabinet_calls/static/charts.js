// The dashboard's and the statistics' charts, drawn in the browser from the API's JSON (the
// section's data-source, read with the cookie session) with the cabinet's Chart.js: pies,
// per-day lines and normalised lines (dd.mm dates, integer axes, legends below the drawing so
// they cover nothing), and the statistics' tables. The charts stay reachable as
// window.vatsCharts[name] (with the JSON as window.vatsChartsData) for whoever checks them.
(function () {
  "use strict";
  var me = document.currentScript;
  var COLORS = { answered: "#2e7d32", missed: "#c62828", outbound: "#1565c0", inbound: "#6a1b9a" };
  var STATUS_COLORS = ["#1565c0", "#f9a825", "#2e7d32", "#757575", "#6a1b9a", "#c62828"];
  var SERIES = ["answered", "missed", "outbound"];
  // Lines that coincide stay told apart: each series its own point shape and dash.
  var STYLE = {
    answered: { pointStyle: "circle", borderDash: [] },
    missed: { pointStyle: "rectRot", borderDash: [6, 4] },
    outbound: { pointStyle: "triangle", borderDash: [2, 3] },
  };

  function withChartJs(done) {
    if (window.Chart) { done(); return; }
    var tag = document.querySelector("script[data-vats-chartjs]");
    if (!tag) {
      tag = document.createElement("script");
      tag.src = me.dataset.chartjs;
      tag.dataset.vatsChartjs = "loading";
      document.head.appendChild(tag);
    }
    tag.addEventListener("load", function () { tag.dataset.vatsChartjs = "loaded"; done(); });
  }

  function ddmm(iso) { var p = iso.split("-"); return p[2] + "." + p[1]; }

  function common(extra) {
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } },
    };
    return Object.assign(options, extra || {});
  }

  function noData(canvas, text) {
    var box = canvas.parentElement;
    box.classList.add("empty");
    box.innerHTML = "";
    var p = document.createElement("p");
    p.className = "empty";
    p.textContent = text;
    box.appendChild(p);
  }

  function pie(canvas, labels, values, colors, t) {
    var total = values.reduce(function (a, b) { return a + b; }, 0);
    var chart = { labels: labels, values: values, total: total };
    if (!total) { noData(canvas, t.no_data); return chart; }
    return new window.Chart(canvas, {
      type: "pie",
      data: { labels: labels, datasets: [{ data: values, backgroundColor: colors }] },
      options: common(),
    });
  }

  function byStatus(canvas, counts, t) {
    var keys = Object.keys(counts).sort();
    return pie(canvas, keys.map(function (k) { return t[k] || k; }), keys.map(function (k) { return counts[k]; }),
      STATUS_COLORS.slice(0, keys.length), t);
  }

  function lines(canvas, perDay, t, normalised) {
    var datasets = SERIES.map(function (key) {
      var values = perDay.map(function (d) {
        if (!normalised) { return d[key]; }
        var all = SERIES.reduce(function (sum, k) { return sum + d[k]; }, 0);
        return all ? Math.round(1000 * d[key] / all) / 10 : 0;
      });
      return { label: t[key], data: values, borderColor: COLORS[key], backgroundColor: COLORS[key], tension: 0,
        pointStyle: STYLE[key].pointStyle, borderDash: STYLE[key].borderDash, pointRadius: 4 };
    });
    var y = normalised
      ? { min: 0, max: 100, ticks: { stepSize: 20, callback: function (v) { return v + "%"; } } }
      : { beginAtZero: true, ticks: { precision: 0 } };
    return new window.Chart(canvas, {
      type: "line",
      data: { labels: perDay.map(function (d) { return ddmm(d.day); }), datasets: datasets },
      options: common({ scales: { y: y, x: { ticks: { autoSkip: true, maxRotation: 0 } } } }),
    });
  }

  function rows(tbody, list) {
    tbody.innerHTML = "";
    list.forEach(function (row) {
      var tr = document.createElement("tr");
      // a number's row: the number and its name, if it has one; an employee's: the name
      var isNumber = row.key.charAt(0) === "+";
      var name = isNumber ? (row.name ? row.key + " · " + row.name : row.key) : (row.name || row.key);
      var cols = tbody.dataset.cols.split(",");
      [name].concat(cols.map(function (c) { return row.calls[c]; })).forEach(function (v, i) {
        var td = document.createElement("td");
        td.textContent = v;
        if (i) { td.className = "n"; }
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  function draw(section) {
    var t = JSON.parse(document.getElementById("calls-chart-texts").textContent);
    fetch(section.dataset.source, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var calls = data.calls || data.totals;
        var charts = {};
        section.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
          var name = canvas.dataset.chart;
          if (name === "pie-calls") {
            charts[name] = pie(canvas, SERIES.map(function (k) { return t[k]; }),
              SERIES.map(function (k) { return calls[k]; }), SERIES.map(function (k) { return COLORS[k]; }), t);
          } else if (name === "pie-tasks") {
            charts[name] = byStatus(canvas, data.tasks, t);
          } else if (name === "pie-deals") {
            charts[name] = byStatus(canvas, data.deals, t);
          } else if (name === "lines" || name === "normalised") {
            charts[name] = lines(canvas, data.per_day, t, name === "normalised");
          }
        });
        section.querySelectorAll("tbody[data-rows]").forEach(function (tbody) { rows(tbody, data[tbody.dataset.rows]); });
        window.vatsCharts = charts;
        window.vatsChartsData = data;
        section.dataset.drawn = "true";
      })
      .catch(function (error) { section.dataset.drawn = "failed"; section.dataset.error = String(error); });
  }

  var section = document.querySelector("[data-calls-charts]");
  if (section) { withChartJs(function () { draw(section); }); }
})();
