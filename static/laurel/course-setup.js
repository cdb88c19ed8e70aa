// Set up a course: the certificate preview follows the design and colours chosen, before anything is saved.
(function () {
  "use strict";
  function start() {
    var form = document.getElementById("laurel-setup-look");
    var image = document.getElementById("laurel-setup-certificate");
    if (!form || !image) return;
    var note = document.getElementById("laurel-setup-preview-note");
    var timer = null;
    function refresh() {
      var query = new URLSearchParams();
      var design = form.querySelector("input[name=design]:checked");
      if (design) query.set("design", design.value);
      ["primary_color", "accent_color"].forEach(function (name) {
        var input = form.querySelector("input[name=" + name + "]");
        if (input) query.set(name, input.value);
      });
      image.setAttribute("aria-busy", "true");
      image.src = form.dataset.previewUrl + "?" + query.toString();
    }
    image.addEventListener("load", function () { image.removeAttribute("aria-busy"); if (note) note.classList.remove("errornote"); });
    image.addEventListener("error", function () {
      image.removeAttribute("aria-busy");
      if (note) { note.textContent = "This design could not be drawn; choose another or open it in Certificate templates."; note.classList.add("errornote"); }
    });
    form.addEventListener("change", function (event) {
      if (["design", "primary_color", "accent_color"].indexOf(event.target.name) < 0) return;
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
    form.addEventListener("input", function (event) {
      if (["primary_color", "accent_color"].indexOf(event.target.name) < 0) return;
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
    refresh();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
