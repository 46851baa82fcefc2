/* Rotation Desk: sortable tables (tablesort, vendored) and the ledger's filters.
 *
 * A table inside an element with class "rd-sortable" sorts by any column on a click on its
 * header. An element with class "rd-filter" and data-filters="status,category,tickers"
 * gets one select per named column above its table; a row stays visible when every
 * select matches (a cell holding "IWM, IWB" matches either ticker). Without JavaScript the
 * tables are plain and complete.
 */
(function () {
  "use strict";

  function cellText(cell) {
    return (cell.textContent || "").trim();
  }

  function setUpSorting(root) {
    if (typeof Tablesort === "undefined") return;
    root.querySelectorAll(".rd-sortable table").forEach(function (table) {
      if (table.dataset.rdSorted) return;
      table.dataset.rdSorted = "1";
      new Tablesort(table);
    });
  }

  function setUpFilter(box) {
    var table = box.querySelector("table");
    if (!table || box.dataset.rdFiltered) return;
    box.dataset.rdFiltered = "1";
    var headers = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) {
      return cellText(th).toLowerCase();
    });
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var wanted = (box.dataset.filters || "").split(",").map(function (s) { return s.trim(); });
    var bar = document.createElement("form");
    bar.className = "rd-filter-bar";
    bar.setAttribute("role", "search");
    var count = document.createElement("output");
    count.className = "rd-filter-count";
    var selects = [];
    wanted.forEach(function (name) {
      var column = headers.indexOf(name);
      if (column < 0) return;
      var values = {};
      rows.forEach(function (row) {
        cellText(row.cells[column]).split(/,\s*/).forEach(function (v) { if (v) values[v] = true; });
      });
      var label = document.createElement("label");
      label.textContent = name + " ";
      var select = document.createElement("select");
      select.name = name;
      select.dataset.column = String(column);
      var all = document.createElement("option");
      all.value = "";
      all.textContent = "all";
      select.appendChild(all);
      Object.keys(values).sort().forEach(function (v) {
        var option = document.createElement("option");
        option.value = v;
        option.textContent = v;
        select.appendChild(option);
      });
      select.addEventListener("change", apply);
      label.appendChild(select);
      bar.appendChild(label);
      selects.push(select);
    });
    bar.appendChild(count);
    box.insertBefore(bar, box.firstChild);

    function apply() {
      var shown = 0;
      rows.forEach(function (row) {
        var keep = selects.every(function (select) {
          if (!select.value) return true;
          var values = cellText(row.cells[Number(select.dataset.column)]).split(/,\s*/);
          return values.indexOf(select.value) >= 0;
        });
        row.hidden = !keep;
        if (keep) shown += 1;
      });
      count.textContent = "Showing " + shown + " of " + rows.length;
    }
    apply();
  }

  // A table wider than the page scrolls sideways inside Material's wrapper: say so above it,
  // and shade the edge that has more columns (rotation.css), whenever it overflows.
  function markScrolling() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
      var cue = wrap.previousElementSibling;
      if (!cue || !cue.classList.contains("rd-scroll-cue")) {
        cue = document.createElement("p");
        cue.className = "rd-scroll-cue";
        cue.setAttribute("aria-hidden", "true");
        cue.textContent = "Scroll the table sideways for more columns \u2192";
        wrap.parentNode.insertBefore(cue, wrap);
      }
      // A table in a closed <details> has no width yet: it is measured when it opens.
      var scrolls = wrap.clientWidth > 0 && wrap.scrollWidth > wrap.clientWidth + 1;
      wrap.classList.toggle("rd-scrolls", scrolls);
      cue.classList.toggle("rd-scroll-cue--on", scrolls);
      if (scrolls) wrap.setAttribute("tabindex", "0");  // a keyboard can scroll it too
    });
  }

  // Material's search box is a dialog without a name; screen readers then announce nothing.
  function nameSearchDialog() {
    document.querySelectorAll('.md-search[role="dialog"]:not([aria-label])').forEach(function (box) {
      box.setAttribute("aria-label", "Search");
    });
  }

  function init() {
    nameSearchDialog();
    setUpSorting(document);
    document.querySelectorAll(".rd-filter").forEach(setUpFilter);
    markScrolling();
  }

  window.addEventListener("resize", markScrolling);
  document.addEventListener("toggle", markScrolling, true);  // a <details> opened (toggle does not bubble)

  if (typeof document$ !== "undefined") {
    document$.subscribe(init);  // Material's page-load observable (also fires on instant loads)
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
