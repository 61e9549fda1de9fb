// The requirement filters. State lives in the URL fragment (#filter?verdict=FAIL,WARN&level=MUST&q=retain)
// so a filtered view can be shared as a link. Reads the page only; sends nothing anywhere.
(function () {
  "use strict";
  var bar = document.getElementById("filters");
  var search = document.getElementById("search");
  var counter = document.getElementById("shown-count");
  var boxes = Array.prototype.slice.call(bar.querySelectorAll("input[data-filter]"));
  var rows = Array.prototype.slice.call(document.querySelectorAll(".req-row, .req-detail"));
  var PREFIX = "#filter?";

  function wanted(kind) {
    return boxes.filter(function (b) { return b.dataset.filter === kind && b.checked; })
      .map(function (b) { return b.value; });
  }

  function apply() {
    var verdicts = wanted("verdict"), levels = wanted("level");
    var words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0, total = 0;
    rows.forEach(function (el) {
      var text = el.dataset.search || "";
      var ok = verdicts.indexOf(el.dataset.verdict) >= 0 && levels.indexOf(el.dataset.level) >= 0 &&
        words.every(function (w) { return text.indexOf(w) >= 0; });
      el.classList.toggle("hidden", !ok);
      if (el.classList.contains("req-row")) { total += 1; if (ok) { shown += 1; } }
    });
    counter.textContent = shown + " of " + total + " requirements shown";
  }

  function save() {
    var parts = [];
    ["verdict", "level"].forEach(function (kind) {
      var all = boxes.filter(function (b) { return b.dataset.filter === kind; });
      var on = wanted(kind);
      if (on.length !== all.length) { parts.push(kind + "=" + on.map(encodeURIComponent).join(",")); }
    });
    if (search.value.trim()) { parts.push("q=" + encodeURIComponent(search.value.trim())); }
    var hash = parts.length ? PREFIX + parts.join("&") : "";
    history.replaceState(null, "", hash || location.pathname + location.search);
  }

  function decode(text) {
    try { return decodeURIComponent(text); } catch (e) { return text; }
  }

  // A kind the fragment leaves out means all of it, as save() writes it.
  function load() {
    if (location.hash.indexOf(PREFIX) !== 0) { return; }
    var params = {};
    location.hash.slice(PREFIX.length).split("&").forEach(function (pair) {
      var at = pair.indexOf("=");
      if (at > 0) { params[pair.slice(0, at)] = pair.slice(at + 1); }
    });
    ["verdict", "level"].forEach(function (kind) {
      var on = params[kind] === undefined ? null : params[kind].split(",").map(decode);
      boxes.forEach(function (b) {
        if (b.dataset.filter === kind) { b.checked = on === null || on.indexOf(b.value) >= 0; }
      });
    });
    search.value = params.q ? decode(params.q) : "";
  }

  boxes.forEach(function (b) { b.addEventListener("change", function () { apply(); save(); }); });
  search.addEventListener("input", function () { apply(); save(); });
  window.addEventListener("hashchange", function () { load(); apply(); });
  bar.hidden = false;
  load();
  apply();
}());
