// The print button of the printable customer list (no inline handlers: strict CSP).
htmx.onLoad(function (root) {
  root.querySelectorAll("[data-print]").forEach(function (button) {
    if (button.dataset.printBound) return;
    button.dataset.printBound = "1";
    button.addEventListener("click", function () { window.print(); });
  });
});
