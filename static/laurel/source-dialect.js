// A source's page: the dialect chosen in the list has its settings section shown and open, the other
// dialects' sections are out of the way (walk-through m2: choosing Moodle left all five sections
// folded, and Moodle's had to be found and opened by hand). Without this script every section is
// still on the page, the chosen one open (SourceAdmin.get_fieldsets). No inline script: CSP.
(function () {
  "use strict";

  function show(select) {
    var chosen = select.value;
    document.querySelectorAll("fieldset.laurel-dialect-settings").forEach(function (section) {
      var mine = section.classList.contains("laurel-dialect-" + chosen);
      if (mine) {
        section.style.removeProperty("display");
      } else {
        section.style.setProperty("display", "none", "important");
      }
      var details = section.querySelector("details");
      if (details && mine) details.open = true;
    });
  }

  function setUp() {
    var select = document.querySelector("select[name=dialect]");
    if (!select) return;  // a read-only view shows the saved dialect's values only
    show(select);
    select.addEventListener("change", function () { show(select); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
