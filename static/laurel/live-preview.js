// Live preview of a template being edited in the admin: the unsaved fields are posted (debounced)
// to the template's preview endpoint, which renders them through the sandbox and answers with the
// preview or the problems (each naming its line). Switching the sample keeps every edit: nothing
// reloads the page. No inline script: the page's Content-Security-Policy allows only our files.
(function () {
  "use strict";
  var DEBOUNCE_MS = 500;

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showProblems(panel, problems) {
    var list = panel.querySelector(".laurel-preview-problems");
    list.textContent = "";
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.textContent = problem;
      list.appendChild(item);
    });
    list.hidden = problems.length === 0;
  }

  function show(panel, kind, data) {
    if (kind === "certificate") {
      if (data.png) panel.querySelector(".laurel-preview-image").src = data.png;
      return;
    }
    // An email: the subject as text, the HTML in a sandboxed frame (no scripts, no same origin), the text as text.
    if (data.subject !== undefined) panel.querySelector(".laurel-preview-subject").textContent = data.subject;
    if (data.html !== undefined) panel.querySelector(".laurel-preview-html").srcdoc = data.html;
    if (data.text !== undefined) panel.querySelector(".laurel-preview-text").textContent = data.text;
  }

  function setUp(panel) {
    var form = panel.closest("form");
    var kind = panel.getAttribute("data-laurel-live-preview");
    var url = panel.getAttribute("data-url");
    var names = panel.getAttribute("data-fields").split(",");
    var status = panel.querySelector(".laurel-preview-status");
    var pressed = panel.querySelector("[data-sample][aria-pressed=true]");
    var sample = pressed ? pressed.getAttribute("data-sample") : "latin";
    var timer = null, inFlight = null, generation = 0;
    // An email or certificate template's versions in other languages (an inline formset, "variants-0-subject", …): the preview
    // shows whichever was typed in last, for a sample learner of its language; "" is the template itself.
    var versions = panel.getAttribute("data-versions");
    var versionPattern = versions ? new RegExp("^(" + versions + "-\\d+-)(" + names.join("|") + "|language)$") : null;
    var version = "";
    var versionNote = panel.querySelector("[data-testid=preview-version]");

    // A version holds only its own parts (a certificate's version: HTML and CSS); the rest (the page size and
    // orientation) is the template's.
    function field(name) {
      return form.querySelector("[name=" + version + name + "]") ||
        (version && name !== "language" ? form.querySelector("[name=" + name + "]") : null);
    }

    function language() {
      var input = field("language");
      return input ? input.value : "";
    }

    function describeVersion() {
      if (!versionNote) return;
      var input = field("language");
      var chosen = input && input.selectedIndex >= 0 ? input.options[input.selectedIndex].text : language();
      versionNote.textContent = version
        ? "Showing the version in " + chosen + ", for a learner whose language it is; typing in the template above shows it again."
        : "Showing the template itself, for a learner whose language is " + chosen + "; typing in a version below shows that version, for a learner of its language.";
    }

    function appendFields(body) {
      names.forEach(function (name) { var input = field(name); if (input) body.append(name, input.value); });
      if (versions && language()) body.append("language", language());
      body.append("sample", sample);
    }

    function render() {
      var body = new FormData();
      appendFields(body);
      if (inFlight) inFlight.abort();
      inFlight = new AbortController();
      var mine = ++generation;
      status.textContent = "Rendering the unsaved version…";
      fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": csrfToken(form) },
                   credentials: "same-origin", signal: inFlight.signal })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (mine !== generation) return;
          showProblems(panel, data.problems || []);
          if (data.problems && data.problems.length) {
            status.textContent = "The unsaved version cannot be rendered; the last good preview stays below.";
          } else {
            show(panel, kind, data);
            status.textContent = "Unsaved version, sample “" + sample + "”, rendered " + new Date().toLocaleTimeString() + ".";
          }
          panel.setAttribute("data-rendered", String(mine));
        })
        .catch(function (error) {
          if (error.name === "AbortError") return;
          status.textContent = "The preview could not be fetched: " + error.message;
        });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(render, DEBOUNCE_MS);
    }

    if (versions) {
      // One listener for the template and every version, those added after the page loaded included.
      ["input", "change"].forEach(function (type) {
        form.addEventListener(type, function (event) {
          var name = event.target.name || "";
          var match = versionPattern.exec(name);
          if (match) version = match[1];
          else if (names.indexOf(name) >= 0 || name === "language") version = "";
          else return;
          describeVersion();
          schedule();
        });
      });
    } else {
      names.forEach(function (name) {
        var input = field(name);
        if (!input) return;
        input.addEventListener("input", schedule);
        input.addEventListener("change", schedule);
      });
    }
    panel.querySelectorAll("[data-sample]").forEach(function (button) {
      button.addEventListener("click", function () {
        sample = button.getAttribute("data-sample");
        panel.querySelectorAll("[data-sample]").forEach(function (other) {
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
        render();
      });
    });
    var sendTest = panel.querySelector("[data-send-test]");
    if (sendTest) {
      sendTest.addEventListener("click", function () {
        var body = new FormData();
        appendFields(body);
        var result = panel.querySelector(".laurel-send-test-result");
        result.textContent = "Sending…";
        fetch(sendTest.getAttribute("data-send-test"), { method: "POST", body: body, credentials: "same-origin",
                                                         headers: { "X-CSRFToken": csrfToken(form) } })
          .then(function (response) { return response.json(); })
          .then(function (data) { result.textContent = data.message; })
          .catch(function (error) { result.textContent = "Not sent: " + error.message; });
      });
    }
    if (kind !== "certificate") render();  // emails have no saved preview to start from
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-laurel-live-preview]").forEach(setUp);
  });
})();
