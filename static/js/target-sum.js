/* The target page's live sum: adds the weight inputs as the owner types, in integer millionths of a
   percent so that 33.333333 + 33.333333 + 33.333334 shows exactly 100. The server checks the sum again. */
(function () {
  "use strict";
  var out = document.getElementById("weight-sum");
  if (!out) { return; }
  var form = document.querySelector(out.getAttribute("data-sum-of"));
  var SCALE = 6;

  function units(text) {
    var m = /^\s*(\d*)(?:\.(\d*))?\s*$/.exec(text || "");
    if (!m || (!m[1] && !m[2])) { return null; }
    var frac = (m[2] || "").slice(0, SCALE);
    while (frac.length < SCALE) { frac += "0"; }
    return BigInt(m[1] || "0") * BigInt(Math.pow(10, SCALE)) + BigInt(frac);
  }

  function show() {
    var total = BigInt(0);
    var inputs = form.querySelectorAll("input[name^='w-']");
    for (var i = 0; i < inputs.length; i++) {
      var u = units(inputs[i].value);
      if (u !== null) { total += u; }
    }
    var whole = total / BigInt(Math.pow(10, SCALE));
    var frac = (total % BigInt(Math.pow(10, SCALE))).toString().padStart(SCALE, "0").replace(/0+$/, "");
    var text = whole.toString() + (frac ? "." + frac : "") + "%";
    var exact = total === BigInt(100) * BigInt(Math.pow(10, SCALE));
    out.textContent = exact ? text + " ✓" : text + " (must be exactly 100%)";
    out.className = exact ? "pos" : "neg";
  }

  form.addEventListener("input", show);
  show();
})();
