// The "Copy" button beside a newly generated source secret (admin). A static file, not inline, so
// the admin's Content-Security-Policy needs no 'unsafe-inline' scripts. Without script the button
// stays hidden and the page says how to copy by hand.
(function () {
  var button = document.getElementById("new-secret-copy"), input = document.getElementById("new-secret");
  if (!button || !input) return;
  button.hidden = false;
  input.addEventListener("focus", function () { input.select(); });
  button.addEventListener("click", function () {
    var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1800); };
    input.select();
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); }); }
    else { document.execCommand("copy"); done(); }
  });
})();
