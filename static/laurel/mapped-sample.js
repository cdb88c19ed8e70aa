// A mapped source's page: the auth options the chosen scheme does not use are hidden, and the sample
// panel reads the pasted (or picked) delivery with the mapping as the fields hold it now, as staff
// type (debounced), through the panel's JSON endpoint. Every value is shown with textContent: a
// delivery's text is never markup. No inline script: the page's CSP allows only our files.
(function () {
  "use strict";
  var DEBOUNCE_MS = 400;
  var PREFIX = "mapping__";

  function optionsByScheme(text) {
    var map = {};
    text.split(";").forEach(function (entry) {
      var parts = entry.split(":");
      map[parts[0]] = (parts[1] || "").split(" ").filter(Boolean);
    });
    return map;
  }

  function hideUnusedOptions(form) {
    var scheme = form.querySelector("[name=" + PREFIX + "auth__scheme]");
    if (!scheme || !scheme.getAttribute("data-scheme-options")) return;
    var byScheme = optionsByScheme(scheme.getAttribute("data-scheme-options"));
    var all = ["header", "algorithm", "encoding", "prefix", "signed", "timestamp_header", "tolerance_seconds", "parameter", "path", "username"];
    function apply() {
      var used = byScheme[scheme.value] || [];
      all.forEach(function (key) {
        var input = form.querySelector("[name=" + PREFIX + "auth__" + key + "]");
        if (!input) return;
        var box = input.closest(".fieldBox") || input.closest(".form-row");
        if (box) box.hidden = used.indexOf(key) === -1;
      });
    }
    scheme.addEventListener("change", apply);
    apply();
  }

  function text(tag, content, className) {
    var element = document.createElement(tag);
    element.textContent = content;
    if (className) element.className = className;
    return element;
  }

  function showEvents(container, events) {
    container.textContent = "";
    if (!events.length) container.appendChild(text("p", "No events in this delivery."));
    events.forEach(function (event) {
      var box = document.createElement("div");
      box.className = "sample-live-event";
      box.appendChild(text("h3", "Event " + event.event_id));
      if (event.ignored) {
        box.appendChild(text("p", "Ignored: " + event.ignored, "sample-live-ignored"));
      } else if (event.completion) {
        var table = document.createElement("table");
        table.className = "sample-live-completion";
        Object.keys(event.completion).forEach(function (name) {
          var value = event.completion[name];
          var row = document.createElement("tr");
          row.appendChild(text("th", name));
          row.appendChild(text("td", value === null || value === "" ? "—" : (typeof value === "object" ? JSON.stringify(value) : String(value))));
          table.appendChild(row);
        });
        box.appendChild(table);
      } else {
        var list = document.createElement("ul");
        list.className = "errorlist sample-live-errors";
        event.errors.forEach(function (error) { list.appendChild(text("li", error)); });
        box.appendChild(list);
      }
      container.appendChild(box);
    });
  }

  function setUp(panel) {
    var sampleForm = document.getElementById("source-sample");
    var changeForm = document.getElementById("source_form");
    if (!sampleForm || !changeForm) return;
    var url = panel.getAttribute("data-live-url");
    var live = document.getElementById("sample-live");
    var status = document.getElementById("sample-live-status");
    var picker = document.getElementById("sample-event");
    var bodyBox = document.getElementById("sample-body");
    var headersBox = document.getElementById("sample-headers");
    var timer = null, inFlight = null, generation = 0;

    function read() {
      var data = new FormData(sampleForm);
      new FormData(changeForm).forEach(function (value, name) {
        if (name.indexOf(PREFIX) === 0) data.append(name, value);
      });
      if (inFlight) inFlight.abort();
      inFlight = new AbortController();
      var mine = ++generation;
      status.textContent = "Reading…";
      live.hidden = false;
      fetch(url, { method: "POST", body: data, credentials: "same-origin", signal: inFlight.signal,
                   headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken") || "" } })
        .then(function (response) {
          if (!response.ok) throw new Error("The page could not read it (" + response.status + "); reload the page.");
          return response.json();
        })
        .then(function (report) {
          if (mine !== generation) return;
          if (report.picked) {
            bodyBox.value = report.picked.body;
            headersBox.value = report.picked.headers;
          }
          var errors = document.getElementById("sample-live-mapping-errors");
          errors.textContent = "";
          var problems = [];
          Object.keys(report.mapping_errors).forEach(function (field) { problems = problems.concat(report.mapping_errors[field]); });
          problems.forEach(function (problem) { errors.appendChild(text("li", problem)); });
          errors.hidden = problems.length === 0;
          var auth = document.getElementById("sample-live-auth");
          auth.textContent = problems.length ? "The mapping above is not valid yet: fix what is listed, the reading follows." : report.auth_detail;
          auth.className = report.authenticated ? "success" : "errornote";
          document.getElementById("sample-live-signature").textContent = report.signature;
          document.getElementById("sample-live-signature-line").hidden = !report.signature;
          showEvents(document.getElementById("sample-live-events"), problems.length ? [] : report.events);
          status.textContent = "Read with the mapping as the fields above hold it (saved or not). Nothing was stored.";
        })
        .catch(function (error) {
          if (error.name === "AbortError") return;
          status.textContent = error.message;
        });
    }

    function soon() {
      clearTimeout(timer);
      timer = setTimeout(read, DEBOUNCE_MS);
    }

    bodyBox.addEventListener("input", function () { if (picker) picker.value = ""; soon(); });
    headersBox.addEventListener("input", function () { if (picker) picker.value = ""; soon(); });
    if (picker) picker.addEventListener("change", read);
    changeForm.addEventListener("input", function (event) {
      if (event.target.name && event.target.name.indexOf(PREFIX) === 0 && (bodyBox.value || (picker && picker.value))) soon();
    });
    changeForm.addEventListener("change", function (event) {
      if (event.target.name && event.target.name.indexOf(PREFIX) === 0 && (bodyBox.value || (picker && picker.value))) soon();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var changeForm = document.getElementById("source_form");
    if (changeForm) hideUnusedOptions(changeForm);
    var panel = document.querySelector(".laurel-sample");
    if (panel) setUp(panel);
  });
})();
