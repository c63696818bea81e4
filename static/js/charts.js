/* Lotwise charts: every element with data-chart="<id of a json_script>" gets the Plotly figure in that
   script tag. Figures are built server-side (portfolios/charts.py); this file only draws them.

   The page's figures and tables are complete without the charts, so nothing about them waits for the
   1.2 MB Plotly bundle: this script's tag names the bundle in data-plotly, and it is fetched once the page
   has loaded. Each chart is then drawn in a task of its own, so the page keeps answering input between
   charts. When all are drawn, the performance mark "lotwise:charts-drawn" is set (bench/pages.py reads it)
   and <html> gets the attribute data-charts-drawn (the browser tests wait for it). */
(function () {
  "use strict";
  var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  var self = document.currentScript;
  var bundle = self ? self.getAttribute("data-plotly") : null;
  var styles = self ? self.getAttribute("data-plotly-css") : null;

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || !window.Plotly) { return; }
    var figure = JSON.parse(source.textContent);
    el.textContent = "";
    window.Plotly.newPlot(el, figure.data, figure.layout, config);
  }

  function drawOne(el) {
    try { draw(el); } catch (err) {
      el.textContent = "This chart could not be drawn; the table below has the same figures.";
      if (window.console) { window.console.error(err); }
    }
  }

  function later(fn) {
    // A new task after the next frame: the browser paints before each chart is drawn.
    if (window.requestAnimationFrame) {
      window.requestAnimationFrame(function () { window.setTimeout(fn, 0); });
    } else {
      window.setTimeout(fn, 0);
    }
  }

  function finished() {
    if (window.performance && window.performance.mark) { window.performance.mark("lotwise:charts-drawn"); }
    document.documentElement.setAttribute("data-charts-drawn", "");
  }

  function drawAll() {
    var charts = Array.prototype.slice.call(document.querySelectorAll("[data-chart]"));
    function next() {
      if (!charts.length) { finished(); return; }
      drawOne(charts.shift());
      later(next);
    }
    later(next);
  }

  function unavailable() {
    var charts = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i++) {
      charts[i].textContent = "The charts could not be loaded; the tables have the same figures.";
    }
    finished();
  }

  function linkStyles() {
    // plotly.js would put its rules in a <style> element of its own, which the Content-Security-Policy
    // refuses; finding an element with this id and class, it leaves the styling to that stylesheet.
    if (!styles || document.getElementById("plotly.js-style-global")) { return; }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = styles;
    link.id = "plotly.js-style-global";
    link.className = "no-inline-styles";
    document.head.appendChild(link);
  }

  function start() {
    linkStyles();
    if (window.Plotly || !bundle) { drawAll(); return; }
    var script = document.createElement("script");
    script.src = bundle;
    script.async = true;
    script.onload = drawAll;
    script.onerror = unavailable;
    document.head.appendChild(script);
  }

  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
