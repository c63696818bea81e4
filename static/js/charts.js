/* Lotwise charts: every element with data-chart="<id of a json_script>" gets the Plotly figure in that
   script tag. Figures are built server-side (portfolios/charts.py); this file only draws them. */
(function () {
  "use strict";
  var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || !window.Plotly) { return; }
    var figure = JSON.parse(source.textContent);
    el.textContent = "";
    window.Plotly.newPlot(el, figure.data, figure.layout, config);
  }

  function init() {
    var charts = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i++) {
      try { draw(charts[i]); } catch (err) {
        charts[i].textContent = "This chart could not be drawn; the table below has the same figures.";
        if (window.console) { window.console.error(err); }
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
