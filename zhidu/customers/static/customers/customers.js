/* Customers pages: the "select all" box of the bulk-select list. Started from
   htmx.onLoad (CSP: no inline scripts). The form's live duplicate check is plain htmx. */
(function () {
  "use strict";

  function init(root) {
    root.querySelectorAll("[data-select-all]").forEach(function (box) {
      if (box.dataset.zdBound) return;
      box.dataset.zdBound = "1";
      box.addEventListener("change", function () {
        var form = box.closest("form");
        form.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]').forEach(function (c) {
          c.checked = box.checked;
        });
      });
    });
  }

  htmx.onLoad(init);
})();
