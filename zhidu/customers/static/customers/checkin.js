/* Visit check-in (拜访签到) from a phone: fills the hidden position fields of the
 * check-in form from the browser's geolocation and shows the live photo before sending.
 * The server records its own time and computes the distance to the customer; this file
 * only collects what the phone knows. No inline script (CSP); starts from htmx.onLoad.
 *
 * Markup: <form data-checkin> with inputs latitude, longitude, accuracy_m, client_time,
 * photo; [data-checkin-status], [data-checkin-locate], [data-checkin-preview].
 */
(function () {
  "use strict";

  var zh = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;
  var T = {
    locating: zh ? "正在获取位置…" : "Finding your location…",
    found: zh ? "已定位，精度约 {acc} 米" : "Location found, accurate to about {acc} m",
    denied: zh ? "未允许获取位置：签到会被标记，不计为有效拜访。" : "Location not allowed: the check-in will be flagged and will not count.",
    unavailable: zh ? "无法获取位置：签到会被标记，不计为有效拜访。" : "No location available: the check-in will be flagged and will not count.",
    unsupported: zh ? "此浏览器不支持定位。" : "This browser cannot give a location.",
  };

  function field(form, name) {
    return form.querySelector('[name="' + name + '"]');
  }

  function setStatus(form, text, ok) {
    var el = form.querySelector("[data-checkin-status]");
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("text-success", ok === true);
    el.classList.toggle("text-danger", ok === false);
  }

  function clearPosition(form) {
    ["latitude", "longitude", "accuracy_m"].forEach(function (n) {
      var input = field(form, n);
      if (input) input.value = "";
    });
  }

  function locate(form) {
    var stamp = field(form, "client_time");
    if (stamp) stamp.value = new Date().toISOString();
    if (!navigator.geolocation) {
      setStatus(form, T.unsupported, false);
      return;
    }
    setStatus(form, T.locating);
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        var c = pos.coords;
        field(form, "latitude").value = c.latitude.toFixed(6);
        field(form, "longitude").value = c.longitude.toFixed(6);
        field(form, "accuracy_m").value = Math.round(c.accuracy);
        if (stamp) stamp.value = new Date(pos.timestamp || Date.now()).toISOString();
        setStatus(form, T.found.replace("{acc}", Math.round(c.accuracy)), true);
      },
      function (err) {
        clearPosition(form);
        setStatus(form, err && err.code === 1 ? T.denied : T.unavailable, false);
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 }
    );
  }

  function preview(form, input) {
    var img = form.querySelector("[data-checkin-preview]");
    if (!img) return;
    var file = input.files && input.files[0];
    if (img.dataset.url) URL.revokeObjectURL(img.dataset.url);
    if (!file) {
      img.classList.add("d-none");
      img.removeAttribute("src");
      return;
    }
    var url = URL.createObjectURL(file);
    img.dataset.url = url;
    img.src = url;
    img.classList.remove("d-none");
  }

  function init(form) {
    if (form.dataset.checkinReady) return;
    form.dataset.checkinReady = "1";
    var again = form.querySelector("[data-checkin-locate]");
    if (again) {
      again.addEventListener("click", function () {
        locate(form);
      });
    }
    var photo = field(form, "photo");
    if (photo) {
      photo.addEventListener("change", function () {
        preview(form, photo);
      });
    }
    form.addEventListener("submit", function () {
      var stamp = field(form, "client_time");
      if (stamp && !stamp.value) stamp.value = new Date().toISOString();
    });
    locate(form);
  }

  function scan(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("form[data-checkin]")) init(root);
    root.querySelectorAll("form[data-checkin]").forEach(init);
  }

  if (window.htmx) {
    window.htmx.onLoad(scan);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      if (window.htmx) window.htmx.onLoad(scan);
      else scan(document);
    });
  }
})();
