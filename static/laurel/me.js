// The learner's page: "Copy link" buttons copy their credential's public address.
// A static file, not inline, so the page's Content-Security-Policy needs no 'unsafe-inline' scripts.
(function () {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var label = button.textContent;
    button.addEventListener("click", function () {
      var done = function () {
        button.textContent = button.getAttribute("data-copied");
        setTimeout(function () { button.textContent = label; }, 1800);
      };
      if (navigator.clipboard) { navigator.clipboard.writeText(button.getAttribute("data-copy")).then(done, done); }
      else { done(); }
    });
  });
})();
