/* Starts every ECharts chart on the page and in htmx-swapped content (no inline scripts).
 *
 * Markup (rendered by {% chart %} in zhidu_ui):
 *   <div class="zd-chart" data-chart="ID" data-chart-height="300"></div>
 *   <script id="ID" type="application/json">{...ECharts option...}</script>
 */
(function () {
  "use strict";

  var charts = new Set();

  function fontFamily() {
    return window.getComputedStyle(document.body).fontFamily || "sans-serif";
  }

  function init(el) {
    if (!window.echarts || el.getAttribute("data-chart-ready")) return;
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) return;
    var option;
    try {
      option = JSON.parse(source.textContent);
    } catch (e) {
      console.warn("zhidu: chart option is not JSON", el.getAttribute("data-chart"));
      return;
    }
    var height = parseInt(el.getAttribute("data-chart-height"), 10);
    if (height > 0) el.style.height = height + "px"; // CSSOM, not a style attribute
    option.textStyle = Object.assign({ fontFamily: fontFamily() }, option.textStyle || {});
    var lang = (document.documentElement.lang || "en").toLowerCase();
    var chart = window.echarts.init(el, null, { renderer: "canvas", locale: lang.indexOf("zh") === 0 ? "ZH" : "EN" });
    chart.setOption(option);
    el.setAttribute("data-chart-ready", "1");
    charts.add(chart);
  }

  function scan(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("[data-chart]")) init(root);
    root.querySelectorAll("[data-chart]").forEach(init);
  }

  var pending = null;
  function resizeAll() {
    pending = null;
    charts.forEach(function (chart) {
      if (chart.isDisposed()) charts.delete(chart);
      else chart.resize();
    });
  }
  window.addEventListener("resize", function () {
    if (pending) window.clearTimeout(pending);
    pending = window.setTimeout(resizeAll, 100);
  });

  if (window.htmx) {
    window.htmx.onLoad(scan);
    // Free charts that htmx is about to remove.
    document.addEventListener("htmx:beforeCleanupElement", function (evt) {
      var el = evt.detail.elt;
      if (!window.echarts || !el || !el.querySelectorAll) return;
      var nodes = el.matches && el.matches("[data-chart]") ? [el] : [];
      el.querySelectorAll("[data-chart]").forEach(function (n) {
        nodes.push(n);
      });
      nodes.forEach(function (n) {
        var chart = window.echarts.getInstanceByDom(n);
        if (chart) {
          charts.delete(chart);
          chart.dispose();
        }
      });
    });
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      scan(document.body);
    });
  }
})();
