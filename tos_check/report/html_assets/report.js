// tos-check HTML report: filters for the findings table and expand/collapse. Plain JavaScript, no library;
// the page works without it (every finding can still be opened), it only hides rows.
(function () {
  "use strict";
  var bar = document.getElementById("filters");
  if (!bar) {
    return;
  }
  var selects = Array.prototype.slice.call(bar.querySelectorAll("select[data-filter]"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("article.finding"));
  var shown = document.getElementById("shown");

  function apply() {
    var active = selects.filter(function (select) {
      return select.selectedIndex > 0;
    });
    var count = 0;
    rows.forEach(function (row) {
      var visible = active.every(function (select) {
        return row.getAttribute("data-" + select.getAttribute("data-filter")) === select.value;
      });
      row.hidden = !visible;
      if (visible) {
        count += 1;
      }
    });
    shown.textContent = count + " of " + rows.length + " finding(s) shown";
  }

  function openAll(open) {
    rows.forEach(function (row) {
      if (!row.hidden) {
        Array.prototype.forEach.call(row.querySelectorAll("details"), function (details) {
          details.open = open;
        });
      }
    });
  }

  selects.forEach(function (select) {
    select.addEventListener("change", apply);
  });
  document.getElementById("reset").addEventListener("click", function () {
    selects.forEach(function (select) {
      select.selectedIndex = 0;
    });
    apply();
  });
  document.getElementById("expand").addEventListener("click", function () {
    openAll(true);
  });
  document.getElementById("collapse").addEventListener("click", function () {
    openAll(false);
  });
  window.addEventListener("beforeprint", function () {
    openAll(true);
  });
  bar.hidden = false;
  apply();
})();
