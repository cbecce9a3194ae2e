/* Customers pages, started from htmx.onLoad (CSP: no inline scripts):
   - the "select all" box of the bulk-select list;
   - the parent-company picker of the customer form: htmx lists matching customers under
     the text box (hx-get on the input); picking one fills the hidden parent_id. Typing
     again clears the id, so the server then reads the text as an exact name (the same
     as without JavaScript). The form's live duplicate check is plain htmx. */
(function () {
  "use strict";

  function pickerParts(el) {
    var box = el.closest("[data-parent-picker]");
    if (!box) return null;
    return {
      box: box,
      input: box.querySelector("[data-parent-search]"),
      hidden: box.querySelector('input[name="parent_id"]'),
      list: box.querySelector("#parent-options"),
    };
  }

  function closeList(parts) {
    if (parts && parts.list) parts.list.innerHTML = "";
    if (parts && parts.input) parts.input.setAttribute("aria-expanded", "false");
  }

  function options(parts) {
    return parts.list ? Array.prototype.slice.call(parts.list.querySelectorAll("[data-parent-pick]")) : [];
  }

  function bindPicker(input) {
    if (input.dataset.zdBound) return;
    input.dataset.zdBound = "1";
    // Typing here is not a change of the record's own fields: keep it from the form's
    // live duplicate check (hx-trigger "keyup … from:closest form").
    ["keyup", "change"].forEach(function (type) {
      input.addEventListener(type, function (evt) {
        evt.stopPropagation();
      });
    });
    input.addEventListener("input", function () {
      var parts = pickerParts(input);
      if (parts && parts.hidden) parts.hidden.value = "";
    });
    input.addEventListener("keydown", function (evt) {
      var parts = pickerParts(input);
      if (!parts) return;
      if (evt.key === "Escape") {
        closeList(parts);
      } else if (evt.key === "ArrowDown") {
        var first = options(parts)[0];
        if (first) {
          evt.preventDefault();
          first.focus();
        }
      }
    });
  }

  function bindPickerList(list) {
    if (list.dataset.zdBound) return;
    list.dataset.zdBound = "1";
    list.addEventListener("click", function (evt) {
      var btn = evt.target.closest("[data-parent-pick]");
      if (!btn) return;
      var parts = pickerParts(btn);
      if (!parts) return;
      parts.hidden.value = btn.dataset.parentPick;
      parts.input.value = btn.dataset.parentName;
      closeList(parts);
      parts.input.focus();
    });
    list.addEventListener("keydown", function (evt) {
      var btn = evt.target.closest("[data-parent-pick]");
      var parts = btn && pickerParts(btn);
      if (!parts) return;
      var all = options(parts);
      var i = all.indexOf(btn);
      if (evt.key === "ArrowDown" && i < all.length - 1) {
        evt.preventDefault();
        all[i + 1].focus();
      } else if (evt.key === "ArrowUp") {
        evt.preventDefault();
        (i > 0 ? all[i - 1] : parts.input).focus();
      } else if (evt.key === "Escape") {
        closeList(parts);
        parts.input.focus();
      }
    });
    list.addEventListener("htmx:afterSwap", function () {
      var parts = pickerParts(list);
      if (parts && parts.input) parts.input.setAttribute("aria-expanded", options(parts).length ? "true" : "false");
    });
  }

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
    root.querySelectorAll("[data-parent-search]").forEach(bindPicker);
    root.querySelectorAll("[data-parent-picker] #parent-options").forEach(bindPickerList);
  }

  // A click anywhere else closes an open list.
  document.addEventListener("click", function (evt) {
    document.querySelectorAll("[data-parent-picker]").forEach(function (box) {
      if (!box.contains(evt.target)) closeList(pickerParts(box.firstElementChild || box));
    });
  });

  htmx.onLoad(init);
})();
