/* Zhidu shell script, loaded on every page right after htmx (no inline scripts: CSP).
 *
 * - htmx settings that keep the CSP strict and sensitive pages out of localStorage;
 * - the CSRF header on every unsafe htmx request;
 * - one handler that shows failed htmx requests as a toast;
 * - an expired session answered with HX-Redirect (HtmxLoginRedirectMiddleware) sends the
 *   whole page to the login form, coming back to this page afterwards, not to the fragment.
 */
(function () {
  "use strict";

  function readConfig() {
    var el = document.getElementById("zhidu-shell");
    if (!el) return {};
    try {
      return JSON.parse(el.textContent) || {};
    } catch (e) {
      return {};
    }
  }

  var shell = {};
  function text(key) {
    var messages = shell.messages || {};
    return messages[key] || messages.generic || "Error";
  }

  if (window.htmx) {
    var cfg = window.htmx.config;
    cfg.allowEval = false; // no hx-on, no js: values, no eval (CSP: no 'unsafe-eval')
    cfg.allowScriptTags = false; // scripts in swapped fragments never run
    cfg.includeIndicatorStyles = false; // would be an inline <style>; see app.css
    cfg.selfRequestsOnly = true;
    // Snapshots of pages (customer phones, amounts) stay out of localStorage; going back
    // reloads the page from the server instead.
    cfg.historyCacheSize = 0;
    cfg.refreshOnHistoryMiss = true;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) return meta.content;
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function toast(message, tone) {
    var box = document.getElementById("zhidu-toasts");
    if (!box) {
      window.alert(message);
      return;
    }
    var el = document.createElement("div");
    el.className = "toast align-items-center border-0 text-bg-" + (tone || "danger");
    el.setAttribute("role", "alert");
    el.setAttribute("aria-atomic", "true");
    var row = document.createElement("div");
    row.className = "d-flex";
    var body = document.createElement("div");
    body.className = "toast-body";
    var strong = document.createElement("strong");
    strong.className = "d-block mb-1";
    strong.textContent = text("title");
    body.appendChild(strong);
    body.appendChild(document.createTextNode(message));
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", text("close"));
    row.appendChild(body);
    row.appendChild(close);
    el.appendChild(row);
    box.appendChild(el);
    var Toast = window.tabler && window.tabler.Toast;
    if (Toast) {
      el.addEventListener("hidden.bs.toast", function () {
        el.remove();
      });
      new Toast(el, { delay: 8000 }).show();
    } else {
      el.classList.add("show");
      window.setTimeout(function () {
        el.remove();
      }, 8000);
      close.addEventListener("click", function () {
        el.remove();
      });
    }
  }

  function messageFor(xhr) {
    var type = (xhr.getResponseHeader("Content-Type") || "").toLowerCase();
    if (type.indexOf("application/json") === 0) {
      try {
        var body = JSON.parse(xhr.responseText);
        if (body && typeof body.message === "string" && body.message) return body.message;
      } catch (e) {
        /* fall through to the status text */
      }
    }
    if (xhr.status === 403) return text("forbidden");
    if (xhr.status === 404) return text("notFound");
    if (xhr.status === 409) return text("conflict");
    if (xhr.status >= 500) return text("server");
    return text("generic");
  }

  function samePath(a, b) {
    return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
  }

  function init() {
    shell = readConfig();

    document.addEventListener("htmx:configRequest", function (evt) {
      var verb = (evt.detail.verb || "get").toLowerCase();
      if (verb !== "get" && verb !== "head") {
        evt.detail.headers["X-CSRFToken"] = csrfToken();
      }
    });

    document.addEventListener("htmx:beforeOnLoad", function (evt) {
      var xhr = evt.detail.xhr;
      var target = xhr && xhr.getResponseHeader("HX-Redirect");
      if (!target || !shell.loginUrl) return;
      var url = new URL(target, window.location.href);
      var login = new URL(shell.loginUrl, window.location.href);
      if (url.origin !== window.location.origin || !samePath(url.pathname, login.pathname)) return;
      // The middleware's ?next= is the fragment's URL; come back to the page instead.
      url.searchParams.set("next", window.location.pathname + window.location.search);
      evt.preventDefault();
      window.location.assign(url.toString());
    });

    document.addEventListener("htmx:responseError", function (evt) {
      toast(messageFor(evt.detail.xhr));
    });

    document.addEventListener("htmx:sendError", function () {
      toast(text("network"));
    });
  }

  window.zhidu = window.zhidu || {};
  window.zhidu.toast = toast;

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
