// The /verify page's file drop: a file dropped on the box is put in the form's file input and sent.
// Without script the form's file input still works. A static file, so the page's Content-Security-Policy
// needs no inline script (docs/decisions/0009).
(function () {
  var form = document.getElementById("verify-file"), zone = document.getElementById("verify-drop"),
      input = document.getElementById("verify-file-input");
  if (!form || !zone || !input) return;
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("drop--over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("drop--over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    form.submit();
  });
  input.addEventListener("change", function () { if (input.files.length) form.submit(); });
})();
