// Set up a course: the certificate and email previews follow the design, email and colours chosen, before anything is saved.
(function () {
  "use strict";
  var COLOURS = ["primary_color", "accent_color"];

  function start() {
    var form = document.getElementById("laurel-setup-look");
    var image = document.getElementById("laurel-setup-certificate");
    if (!form || !image) return;
    var note = document.getElementById("laurel-setup-preview-note");
    var timer = null;

    function query(names) {
      var params = new URLSearchParams();
      names.forEach(function (name) {
        var input = form.querySelector("[name=" + name + "]:checked") || form.querySelector("select[name=" + name + "], input[name=" + name + "]:not([type=radio])");
        if (input) params.set(name, input.value);
      });
      return params.toString();
    }

    function refreshCertificate() {
      image.setAttribute("aria-busy", "true");
      image.src = form.dataset.previewUrl + "?" + query(["design"].concat(COLOURS));
    }

    function refreshEmail() {
      var url = form.dataset.emailPreviewUrl + "?" + query(["email_template"].concat(COLOURS));
      fetch(url, {credentials: "same-origin"}).then(function (response) { return response.json(); }).then(function (data) {
        var problem = document.getElementById("laurel-setup-email-problem");
        problem.hidden = !data.problem;
        problem.textContent = data.problem || "";
        if (data.subject !== undefined) document.getElementById("laurel-setup-email-subject").textContent = data.subject;
        if (data.html !== undefined) document.getElementById("laurel-setup-email-html").srcdoc = data.html;
      }).catch(function () {});
    }

    image.addEventListener("load", function () { image.removeAttribute("aria-busy"); if (note) note.classList.remove("errornote"); });
    image.addEventListener("error", function () {
      image.removeAttribute("aria-busy");
      if (note) { note.textContent = "This design could not be drawn; choose another or open it in Certificate templates."; note.classList.add("errornote"); }
    });

    function later(name, wait) {
      var certificate = name === "design" || COLOURS.indexOf(name) >= 0;
      var email = name === "email_template" || COLOURS.indexOf(name) >= 0;
      if (!certificate && !email) return;
      clearTimeout(timer);
      timer = setTimeout(function () { if (certificate) refreshCertificate(); if (email) refreshEmail(); }, wait);
    }
    form.addEventListener("change", function (event) { later(event.target.name, 250); });
    form.addEventListener("input", function (event) { if (COLOURS.indexOf(event.target.name) >= 0) later(event.target.name, 400); });
    refreshCertificate();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
