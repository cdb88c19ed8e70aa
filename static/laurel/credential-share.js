// The credential page's "Copy link" button: share sheet on phones, clipboard elsewhere.
// A static file, not inline, so the page's Content-Security-Policy needs no 'unsafe-inline' scripts.
(function () {
  var button = document.getElementById("share-copy"), input = document.getElementById("share-url");
  if (!button) return;
  input.addEventListener("click", function () { input.select(); });
  button.addEventListener("click", function () {
    var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy link"; }, 1800); };
    if (navigator.share && window.matchMedia("(max-width: 760px)").matches) {
      navigator.share({title: document.title, url: input.value}).catch(function () {});
    } else if (navigator.clipboard) { navigator.clipboard.writeText(input.value).then(done); }
    else { input.select(); document.execCommand("copy"); done(); }
  });
})();
