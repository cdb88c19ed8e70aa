// A table of NAME=FIELD rows (HubSpot's properties, Salesforce's fields) on a connection's page:
// "Add a row" copies the last row, empty, numbered after it, and counts it in `<name>_rows`, which is
// how many rows the server reads (PairsTableWidget). Without this script the button stays hidden and
// the table keeps its spare rows: fill them, save and continue, and three more appear. No inline
// script: CSP.
(function () {
  "use strict";

  function addRow(button) {
    var name = button.getAttribute("data-pairs-add");
    var table = document.querySelector('table[data-pairs="' + name + '"]');
    var count = document.querySelector('input[name="' + name + '_rows"]');
    var max = parseInt(button.getAttribute("data-pairs-max"), 10);
    var index = parseInt(count.value, 10);
    if (!table || isNaN(index) || index >= max) return;
    var last = table.querySelector("tbody tr:last-child");
    var row = last.cloneNode(true);
    row.querySelectorAll("input, select").forEach(function (input) {
      var part = input.name.slice(input.name.lastIndexOf("_") + 1);  // "name" or "field"
      input.name = name + "_" + index + "_" + part;
      input.id = "id_" + input.name;
      var label = input.getAttribute("aria-label");
      if (label) input.setAttribute("aria-label", label.replace(/row \d+$/, "row " + (index + 1)));
      if (input.tagName === "SELECT") { input.selectedIndex = 0; } else { input.value = ""; }
    });
    last.parentNode.appendChild(row);
    count.value = String(index + 1);
    if (index + 1 >= max) {
      button.disabled = true;
      button.textContent = "No more rows: " + max + " at most";
    }
    row.querySelector("input").focus();
  }

  function setUp() {
    document.querySelectorAll("button[data-pairs-add]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { addRow(button); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
