/* Org pages: copy-to-clipboard for a new API token; toggling the "chosen units" field
 * of the post form. Started from htmx.onLoad (no inline scripts: CSP). */
(function () {
  "use strict";

  function onCopy(event) {
    var button = event.currentTarget;
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input) return;
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value);
    } else {
      document.execCommand("copy");
    }
    button.classList.add("btn-success");
  }

  function syncScopeUnits(select) {
    var form = select.form;
    if (!form) return;
    var units = form.querySelector("[name=scope_units]");
    if (!units) return;
    var box = units.closest(".mb-3") || units;
    box.hidden = select.value !== "units";
  }

  function init(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (button.dataset.zdBound) return;
      button.dataset.zdBound = "1";
      button.addEventListener("click", onCopy);
    });
    root.querySelectorAll("select[name=data_scope]").forEach(function (select) {
      if (select.dataset.zdBound) return;
      select.dataset.zdBound = "1";
      select.addEventListener("change", function () { syncScopeUnits(select); });
      syncScopeUnits(select);
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
})();
