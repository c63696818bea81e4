/* Progress bars of background jobs (CSV imports, tax files): polls the element's data-status-url and
   shows what it answers. The bar's width comes from data-progress rather than a style attribute, which
   the Content-Security-Policy refuses; the percentage is in the text too, for a browser without script.

   <div data-job-progress data-status-url="…" data-finished="0|1"> holds a .progress bar whose first child
   is the fill, and elements named by data-field="progress|status_label|stage" that take those values.
   On an import, the status names the next page once the job is done (s.next); a tax file shows its
   download link, warning and error (ids in data-ready, data-warning, data-error). */
(function () {
  "use strict";

  function track(box) {
    var bar = box.querySelector(".progress");
    var fill = bar.firstElementChild;
    fill.style.width = (parseInt(bar.getAttribute("aria-valuenow"), 10) || 0) + "%";
    if (box.dataset.finished === "1") { return; }

    function reveal(id, text) {
      var el = id && document.getElementById(id);
      if (el && text) { el.textContent = text; el.hidden = false; }
    }

    function poll() {
      fetch(box.dataset.statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          fill.style.width = s.progress + "%";
          bar.setAttribute("aria-valuenow", s.progress);
          bar.classList.toggle("running", s.status === "running");
          box.querySelectorAll("[data-field]").forEach(function (el) {
            var value = s[el.dataset.field];
            if (value !== undefined && value !== null) { el.textContent = value; }
          });
          if (s.finished && s.next) { window.location.assign(s.next); return; }
          if (s.file_url && box.dataset.ready) { document.getElementById(box.dataset.ready).hidden = false; }
          reveal(box.dataset.warning, s.warning);
          reveal(box.dataset.error, s.error);
          if (!s.finished) { window.setTimeout(poll, 1000); }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 1000);
  }

  document.querySelectorAll("[data-job-progress]").forEach(track);
})();
