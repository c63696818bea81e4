/* The transaction form. Progressive enhancement: the server renders a form per type; these only save
   clicks. */
(function () {
  "use strict";
  var typeForm = document.getElementById("type-form");
  var select = typeForm && typeForm.querySelector("select[name=type]");
  if (select) {
    select.addEventListener("change", function () { typeForm.submit(); });
  }
  var lots = document.getElementById("lots");
  var account = document.getElementById("id_account");
  var asset = document.getElementById("id_asset");
  if (lots && account && asset) {
    var filter = function () {
      lots.querySelectorAll("tbody tr").forEach(function (row) {
        var show = row.dataset.account === account.value && (!asset.value || row.dataset.asset === asset.value);
        row.hidden = !show;
        row.querySelector("input").disabled = !show;
      });
    };
    account.addEventListener("change", filter);
    asset.addEventListener("change", filter);
    filter();
  }
})();
