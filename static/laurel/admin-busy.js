// Forms marked data-laurel-busy say what is happening while the server works on a long request
// (a 10,000-row CSV dry run takes a while), and cannot be submitted twice.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute("data-laurel-busy");
  if (!message) return;
  if (form.dataset.laurelSubmitted) { event.preventDefault(); return; }
  form.dataset.laurelSubmitted = "1";
  var status = form.querySelector(".laurel-busy");
  if (status) { status.textContent = message; status.hidden = false; }
  // After the browser has collected the form data (a disabled button would not be sent).
  setTimeout(function () {
    form.querySelectorAll("input[type=submit]").forEach(function (button) { button.disabled = true; });
  }, 0);
});
