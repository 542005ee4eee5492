// Live ops dashboard: polls the JSON twin every 5 s and updates the figures; charts reload every 30 s.
// The page is complete without this script (server-rendered numbers, SVG charts as images).
(function () {
  "use strict";
  var root = document.getElementById("live-cards");
  if (!root) return;
  var url = root.getAttribute("data-url");
  var POLL_MS = 5000;
  var CHART_EVERY = 6; // polls
  var polls = 0;

  function pick(obj, path) {
    return path.split(".").reduce(function (o, k) { return o == null ? null : o[k]; }, obj);
  }

  function duration(s) {
    if (s == null) return "—";
    s = Math.round(s);
    if (s < 60) return s + "s";
    var m = Math.floor(s / 60), sec = s % 60;
    if (m < 60) return m + "m " + String(sec).padStart(2, "0") + "s";
    return Math.floor(m / 60) + "h " + String(m % 60).padStart(2, "0") + "m";
  }

  function format(el, value) {
    var kind = el.getAttribute("data-format");
    if (value == null) return "—";
    if (kind === "percent") return Math.round(value * 100) + " %";
    if (kind === "duration") return duration(value);
    if (kind === "time") return String(value).slice(11, 19);
    if (kind === "money") {
      var currency = el.getAttribute("data-currency") || "EUR";
      try {
        var fmt = new Intl.NumberFormat("en-US", { style: "currency", currency: currency });
        return fmt.format(value / Math.pow(10, fmt.resolvedOptions().maximumFractionDigits));
      } catch (e) { return value + " " + currency + " (minor units)"; }
    }
    return String(value);
  }

  function refreshCharts() {
    document.querySelectorAll("img[data-chart]").forEach(function (img) {
      var u = new URL(img.src, window.location.href);
      u.searchParams.set("t", Date.now());
      img.src = u.toString();
    });
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        document.querySelectorAll("[data-metric]").forEach(function (el) {
          el.textContent = format(el, pick(data, el.getAttribute("data-metric")));
        });
        polls += 1;
        if (polls % CHART_EVERY === 0) refreshCharts();
      })
      .catch(function () { /* keep the last figures; try again next tick */ })
      .finally(function () { window.setTimeout(tick, POLL_MS); });
  }

  window.setTimeout(tick, POLL_MS);
})();
