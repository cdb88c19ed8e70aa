// The certificate designer: a Design tab beside the code view of a certificate template. The page is made of
// elements, one absolutely positioned <div> per block (not a bitmap), so a keyboard and assistive technology
// reach each block: Tab moves between blocks, the arrow keys move one by 1 pt, Shift and an arrow by 10 pt.
// Dragging and resizing use interact.js (static/laurel/vendor/interact/). The browser never writes template
// source itself: each change posts the design to the server, which answers with the template's HTML and CSS
// (courses/templating/certificate_design.py); they go into the code view's fields, so saving, the sandbox's
// checks, the versions and the live preview (live-preview.js) work on them as on code typed by hand.
(function () {
  "use strict";
  var NUDGE_PT = 1, BIG_NUDGE_PT = 10, PAGE_PX = 600, DEBOUNCE_MS = 250, HISTORY_STEPS = 200, SNAP_PX = 5;
  var KIND_NAMES = { text: "Text", field: "Merge field", image: "Image", qr: "QR code", line: "Line", box: "Box" };

  function round(value) { return Math.round(value * 10) / 10; }

  function setUp(root) {
    var state = JSON.parse(document.getElementById("laurel-design-state").textContent);
    var form = root.closest("form");
    var htmlArea = form.querySelector("textarea[name=html]"), cssArea = form.querySelector("textarea[name=css]");
    var sizeInput = form.querySelector("[name=page_size]"), orientationInput = form.querySelector("[name=orientation]");
    var page = root.querySelector(".laurel-design-page"), panel = root.querySelector("#laurel-design-panel");
    var note = root.querySelector(".laurel-design-note"), status = root.querySelector(".laurel-design-status");
    var properties = root.querySelector(".laurel-design-properties");
    var tabDesign = root.querySelector("#laurel-tab-design"), tabCode = root.querySelector("#laurel-tab-code");
    var preview = document.getElementById("preview");
    var previewHome = preview && { parent: preview.parentNode, next: preview.nextSibling };
    var design = state.design, selected = -1, scale = 1, timer = null, inFlight = null;
    var written = { html: htmlArea.value, css: cssArea.value };  // what the designer last put in the code view
    var fieldLabels = {}, assetLabels = {}, assetUrls = {}, samples = state.samples || {};
    var organizationInput = form.querySelector("[name=organization]"), organizations = Object.keys(state.colours);
    state.fields.forEach(function (pair) { fieldLabels[pair[0]] = pair[1]; });
    // The images (and brand colours) are the organisation's: on the add page, the one chosen in the form.
    function organization() {
      if (organizations.length === 1) return organizations[0];
      return organizationInput && organizations.indexOf(organizationInput.value) >= 0 ? organizationInput.value : null;
    }
    function organizationAssets() {
      var chosen = organization();
      return state.assets.filter(function (asset) { return String(asset.organization) === chosen; });
    }

    // The code view is the two rows holding the HTML and CSS fields; the tabs go above the first.
    function rowOf(area, other) {
      var node = area;
      while (node.parentElement && !node.parentElement.contains(other)) node = node.parentElement;
      return node;
    }
    var codeRows = [rowOf(htmlArea, cssArea), rowOf(cssArea, htmlArea)];
    codeRows.forEach(function (row, index) { if (!row.id) row.id = "laurel-code-row-" + index; });
    tabCode.setAttribute("aria-controls", codeRows.map(function (row) { return row.id; }).join(" "));
    codeRows[0].parentNode.insertBefore(root, codeRows[0]);
    root.hidden = false;
    page.tabIndex = -1;  // where focus goes when the block it was on is undone away

    function options(select, pairs) {
      pairs.forEach(function (pair) {
        var option = document.createElement("option");
        option.value = pair[0];
        option.textContent = pair[1];
        select.appendChild(option);
      });
    }
    options(root.querySelector("[data-add-choice=field]"), state.fields);
    options(properties.querySelector("[data-prop=field]"), state.fields);
    function showAssets() {
      var assets = organizationAssets(), pairs = assets.map(function (asset) { return [asset.name, asset.label]; });
      assetLabels = {};
      assetUrls = {};
      assets.forEach(function (asset) { assetLabels[asset.name] = asset.label; assetUrls[asset.name] = asset.url; });
      [root.querySelector("[data-add-choice=image]"), properties.querySelector("[data-prop=asset]")].forEach(function (select) {
        select.textContent = "";
        options(select, pairs);
      });
      root.querySelector("[data-add=image]").disabled = !pairs.length;
    }
    showAssets();
    options(properties.querySelector("[data-prop=font]"), state.fonts.map(function (font) { return [font, font]; }));

    function say(text) { status.textContent = text; }

    function describe(block) {
      var what = KIND_NAMES[block.kind];
      if (block.kind === "text") what += " “" + block.text.slice(0, 40) + "”";
      if (block.kind === "field") what += " " + (fieldLabels[block.field] || block.field);
      if (block.kind === "image") what += " " + (assetLabels[block.asset] || block.asset);
      return what + ", left " + round(block.x) + " pt, top " + round(block.y) + " pt, " + round(block.w) + " by " + round(block.h) + " pt";
    }

    function pageSize() {
      var points = state.pages[sizeInput ? sizeInput.value : "A4"] || state.pages.A4;
      var landscape = !orientationInput || orientationInput.value === "landscape";
      return landscape ? [points[1], points[0]] : [points[0], points[1]];
    }

    function place(element, block) {
      element.style.left = block.x * scale + "px";
      element.style.top = block.y * scale + "px";
      element.style.width = block.w * scale + "px";
      element.style.height = Math.max(block.h * scale, block.kind === "line" ? 3 : 1) + "px";
      element.setAttribute("aria-label", describe(block));
    }

    function paint(element, block) {
      element.textContent = "";
      element.style.cssText = "";
      if (block.kind === "text" || block.kind === "field") {
        // A merge field shows the preview's sample value (the block's name says which field it is).
        element.textContent = block.kind === "text" ? block.text : (samples[block.field] || "{{ " + block.field + " }}");
        element.style.fontFamily = "'" + block.font + "'";
        element.style.fontSize = block.size * scale + "px";
        element.style.fontWeight = block.weight;
        element.style.fontStyle = block.style || "normal";
        element.style.textAlign = block.align;
        element.style.color = block.color;
      } else if (block.kind === "image" || block.kind === "qr") {
        var placeholder = document.createElement("span");
        placeholder.className = "laurel-design-placeholder";
        placeholder.textContent = block.kind === "qr" ? "QR code" : (assetLabels[block.asset] || block.asset);
        if (block.kind === "image" && assetUrls[block.asset]) {
          var image = document.createElement("img");
          image.alt = "";
          image.src = assetUrls[block.asset];
          image.addEventListener("error", function () { image.replaceWith(placeholder); });
          element.appendChild(image);
        } else {
          element.appendChild(placeholder);
        }
      } else if (block.kind === "line") {
        element.style.background = block.color;
      } else if (block.kind === "box") {
        element.style.boxShadow = block.stroke ? "inset 0 0 0 " + Math.max(block.stroke * scale, 1) + "px " + block.color : "";
        element.style.background = block.fill || "transparent";
      }
      place(element, block);
    }

    function elementOf(index) { return page.querySelector("[data-index='" + index + "']"); }

    function render() {
      var size = pageSize(), focused = page.contains(document.activeElement) ? selected : -1;
      scale = PAGE_PX / Math.max(size[0], size[1]);
      page.style.width = size[0] * scale + "px";
      page.style.height = size[1] * scale + "px";
      page.setAttribute("aria-label", "Certificate page, " + Math.round(size[0]) + " by " + Math.round(size[1]) + " pt");
      page.textContent = "";
      (design ? design.blocks : []).forEach(function (block, index) {
        var element = document.createElement("div");
        element.className = "laurel-design-block";
        element.tabIndex = 0;
        element.setAttribute("role", "button");
        element.setAttribute("aria-roledescription", "block");
        element.setAttribute("aria-pressed", index === selected ? "true" : "false");
        element.dataset.index = String(index);
        element.dataset.kind = block.kind;
        // Drawn over the rest of the design in the certificate (layered.py), so on the page too.
        if (block.kind === "qr" || state.learner_fields.indexOf(block.field) >= 0) element.dataset.layer = "learner";
        paint(element, block);
        page.appendChild(element);
      });
      if (focused >= 0 && elementOf(focused)) elementOf(focused).focus();
      showProperties();
    }

    function showProperties() {
      var block = design && design.blocks[selected];
      properties.disabled = !block;
      properties.querySelector(".laurel-design-selected").textContent = block ? describe(block) : "Select a block on the page.";
      properties.querySelectorAll("[data-kinds]").forEach(function (part) {
        var only = part.getAttribute("data-only-field");
        part.hidden = !block || part.getAttribute("data-kinds").split(" ").indexOf(block.kind) < 0 || (only && block.field !== only);
      });
      if (!block) return;
      showSwatches(block);
      properties.querySelector("[data-design-forward]").disabled = selected >= design.blocks.length - 1;
      properties.querySelector("[data-design-backward]").disabled = selected <= 0;
      properties.querySelectorAll("[data-prop]").forEach(function (input) {
        var name = input.getAttribute("data-prop");
        if (input === document.activeElement) return;
        if (name === "nofill") input.checked = !block.fill;
        else if (input.type === "checkbox") input.checked = Boolean(block[name]);
        else if (name === "fill") input.value = block.fill || "#ffffff";
        else if (name === "style") input.value = block.style || "normal";
        else if (block[name] !== undefined) input.value = block[name];
      });
    }

    // The swatches beside a colour picker: the organisation's brand colours, then the others the design uses.
    var SWATCHES = 8;
    function showSwatches(block) {
      var brand = state.colours[organization()] || [], seen = {}, offered = [];
      function offer(name, colour) {
        colour = (colour || "").toLowerCase();
        if (!/^#[0-9a-f]{6}$/.test(colour) || seen[colour] || offered.length >= SWATCHES) return;
        seen[colour] = true;
        offered.push([name, colour]);
      }
      brand.forEach(function (pair) { offer(pair[0], pair[1]); });
      design.blocks.forEach(function (other) { offer("Used in the design", other.color); offer("Used in the design", other.fill); });
      properties.querySelectorAll("[data-swatches-for]").forEach(function (group) {
        var name = group.getAttribute("data-swatches-for"), current = (block[name] || "").toLowerCase();
        group.textContent = "";
        offered.forEach(function (pair) {
          var swatch = document.createElement("button");
          swatch.type = "button";
          swatch.dataset.colour = pair[1];
          swatch.style.background = pair[1];
          swatch.title = pair[0] + " " + pair[1];
          swatch.setAttribute("aria-label", pair[0] + " " + pair[1]);
          swatch.setAttribute("aria-pressed", String(pair[1] === current));
          group.appendChild(swatch);
        });
      });
    }
    properties.addEventListener("click", function (event) {
      var swatch = event.target.closest("[data-swatches-for] button");
      if (!swatch) return;
      var group = swatch.parentNode, input = properties.querySelector("[data-prop=" + group.getAttribute("data-swatches-for") + "]");
      input.value = swatch.dataset.colour;
      input.dispatchEvent(new Event("input", { bubbles: true }));  // one edit, as if picked: undo, the code view, the preview
      history.key = null;
      var again = group.querySelector("[data-colour='" + swatch.dataset.colour + "']");  // the swatches were redrawn
      if (again) again.focus();
    });

    function select(index) {
      selected = index;
      page.querySelectorAll(".laurel-design-block").forEach(function (element) {
        element.setAttribute("aria-pressed", element.dataset.index === String(index) ? "true" : "false");
      });
      showProperties();
    }

    function changed(index) {
      var element = elementOf(index);
      if (element) paint(element, design.blocks[index]);
      showProperties();
      schedule();
    }

    // --- From the design to the code view, through the server ---------------------------------------------
    function csrf() { var input = form.querySelector("input[name=csrfmiddlewaretoken]"); return input ? input.value : ""; }

    function put(area, value) {
      if (area.value === value) return;
      area.value = value;
      area.dispatchEvent(new Event("input", { bubbles: true }));  // the live preview follows
      area.dispatchEvent(new CustomEvent("laurel:replaced"));  // the highlighted editor shows it (template-editor.js)
    }

    function send() {
      clearTimeout(timer);
      timer = null;
      var body = JSON.stringify({ design: design });
      inFlight = fetch(state.urls.template, { method: "POST", body: body, credentials: "same-origin",
                                              headers: { "X-CSRFToken": csrf(), "Content-Type": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.problems) return say("The design cannot be used yet: " + data.problems.join(" "));
          written = { html: data.html, css: data.css };
          put(htmlArea, data.html);
          put(cssArea, data.css);
          root.setAttribute("data-written", String(Number(root.getAttribute("data-written") || 0) + 1));
          say("The design is in the template's HTML and CSS; save to keep it.");
        })
        .catch(function (error) { say("The design could not be sent: " + error.message); })
        .then(function () { inFlight = null; });
      return inFlight;
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(send, DEBOUNCE_MS);
    }

    form.addEventListener("submit", function (event) {
      if (!timer && !inFlight) return;
      event.preventDefault();  // save what the page shows: the last change first, then the form
      var submitter = event.submitter;
      (timer ? send() : inFlight).then(function () { form.requestSubmit(submitter || undefined); });
    });

    // --- Dragging and resizing (interact.js) and the keyboard ----------------------------------------------
    function indexOf(target) { return Number(target.dataset.index); }
    var dragging = null;  // while a block is dragged: where the pointer has taken it, unsnapped, and the guides shown

    function showGuides(guides) {
      page.querySelectorAll(".laurel-design-guide").forEach(function (guide) { guide.remove(); });
      guides.forEach(function (guide) {
        var line = document.createElement("div");
        line.className = "laurel-design-guide";
        line.setAttribute("aria-hidden", "true");
        line.dataset.axis = guide.axis;
        line.title = guide.name;
        line.style[guide.axis === "x" ? "left" : "top"] = guide.at * scale + "px";
        page.appendChild(line);
      });
    }

    function clampInPage(block) {
      var size = pageSize();
      block.w = Math.min(Math.max(block.w, 1), size[0]);
      block.h = Math.min(Math.max(block.h, 0.5), size[1]);
      block.x = round(Math.min(Math.max(block.x, 0), size[0] - block.w));
      block.y = round(Math.min(Math.max(block.y, 0), size[1] - block.h));
      block.w = round(block.w);
      block.h = round(block.h);
    }

    if (window.interact) {
      window.interact(".laurel-design-block", { context: page })
        .draggable({
          modifiers: [window.interact.modifiers.restrictRect({ restriction: "parent" })],
          listeners: {
            start: function (event) {
              var index = indexOf(event.target), block = design.blocks[index];
              select(index);
              event.target.focus();
              remember("move");
              dragging = { raw: { x: block.x, y: block.y }, guides: [],
                           others: design.blocks.filter(function (other, at) { return at !== index; }) };
            },
            move: function (event) {
              var block = design.blocks[indexOf(event.target)];
              dragging.raw.x += event.dx / scale;
              dragging.raw.y += event.dy / scale;
              // Drawn to the page's centre lines and margins and the other blocks' edges; Alt places freely.
              var snapped = window.LaurelDesignSnap && !event.altKey
                ? window.LaurelDesignSnap.snap(block, dragging.raw, dragging.others, pageSize(), SNAP_PX / scale)
                : { x: dragging.raw.x, y: dragging.raw.y, guides: [] };
              block.x = snapped.x;
              block.y = snapped.y;
              dragging.guides = snapped.guides;
              showGuides(snapped.guides);
              place(event.target, block);
            },
            end: function (event) {
              var index = indexOf(event.target), lined = dragging ? dragging.guides : [];
              showGuides([]);
              dragging = null;
              clampInPage(design.blocks[index]);
              forgetIfSame();
              changed(index);
              if (lined.length) say(describe(design.blocks[index]) + ": lined up with " + lined.map(function (guide) { return guide.name; }).join(" and ") + ".");
            },
          },
        })
        .resizable({
          edges: { left: true, right: true, top: true, bottom: true },
          margin: 6,
          modifiers: [window.interact.modifiers.restrictEdges({ outer: "parent" }),
                      window.interact.modifiers.restrictSize({ min: { width: 6, height: 3 } })],
          listeners: {
            start: function (event) { select(indexOf(event.target)); event.target.focus(); remember("resize"); },
            move: function (event) {
              var block = design.blocks[indexOf(event.target)];
              block.x += event.deltaRect.left / scale;
              block.w = event.rect.width / scale;
              if (block.kind !== "line") {  // a line's height is its thickness, set in the panel
                block.y += event.deltaRect.top / scale;
                block.h = event.rect.height / scale;
              }
              place(event.target, block);
            },
            end: function (event) { var index = indexOf(event.target); clampInPage(design.blocks[index]); forgetIfSame(); changed(index); },
          },
        });
    } else {
      say("Dragging is not available (its script did not load); the arrow keys and the panel still move blocks.");
    }

    var ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    page.addEventListener("keydown", function (event) {
      var target = event.target.closest(".laurel-design-block");
      if (!target) return;
      var index = indexOf(target), block = design.blocks[index];
      if (ARROWS[event.key]) {
        event.preventDefault();
        var step = event.shiftKey ? BIG_NUDGE_PT : NUDGE_PT;
        remember("move", "nudge " + index);  // a run of nudges to one block is one step
        block.x += ARROWS[event.key][0] * step;
        block.y += ARROWS[event.key][1] * step;
        clampInPage(block);
        changed(index);
      } else if (event.key === "Delete") {
        event.preventDefault();
        remove(index);
      }
    });
    page.addEventListener("focusin", function (event) {
      var target = event.target.closest(".laurel-design-block");
      if (target) select(indexOf(target));
    });

    // --- Undo and redo: each step keeps the blocks (and the selection) as they were before it -------------
    var PROPERTY_NAMES = { x: "left", y: "top", w: "width", h: "height", text: "text", field: "merge field", fit: "fit",
                           asset: "image", font: "font", size: "size", weight: "weight", style: "style", align: "alignment",
                           color: "colour", stroke: "border", fill: "fill", nofill: "fill" };
    var history = { done: [], undone: [], key: null };
    var undoButton = root.querySelector("[data-design-undo]"), redoButton = root.querySelector("[data-design-redo]");

    function snapshot() { return JSON.stringify({ blocks: design.blocks, selected: selected }); }

    function showHistory() {
      var last = history.done[history.done.length - 1], next = history.undone[history.undone.length - 1];
      undoButton.disabled = !last;
      redoButton.disabled = !next;
      undoButton.setAttribute("aria-label", last ? "Undo " + last.what : "Undo");
      redoButton.setAttribute("aria-label", next ? "Redo " + next.what : "Redo");
    }

    function remember(what, key) {
      if (key && key === history.key) return;  // the same edit going on: one step
      history.done.push({ state: snapshot(), what: what });
      if (history.done.length > HISTORY_STEPS) history.done.shift();
      history.undone = [];
      history.key = key || null;
      showHistory();
    }

    function forgetIfSame() {  // a drag that ended where it began is no step
      var last = history.done[history.done.length - 1];
      if (last && last.state === snapshot()) { history.done.pop(); showHistory(); }
    }

    function historyClear() { history = { done: [], undone: [], key: null }; showHistory(); }

    function travel(from, to, verb) {
      var step = from.pop();
      if (!step || !design) return;
      to.push({ state: snapshot(), what: step.what });
      var saved = JSON.parse(step.state), inPage = page.contains(document.activeElement);
      design.blocks = saved.blocks;
      selected = saved.selected < design.blocks.length ? saved.selected : -1;
      history.key = null;
      render();
      if (inPage) (selected >= 0 ? elementOf(selected) : page).focus();
      showHistory();
      schedule();
      say(verb + ": " + step.what + ".");
    }
    function undo() { travel(history.done, history.undone, "Undone"); }
    function redo() { travel(history.undone, history.done, "Redone"); }
    undoButton.addEventListener("click", undo);
    redoButton.addEventListener("click", redo);
    document.addEventListener("keydown", function (event) {
      if (panel.hidden || !design || !(event.ctrlKey || event.metaKey) || event.altKey) return;
      var key = event.key.toLowerCase();
      if (key !== "z" && key !== "y") return;
      // A text field keeps its own undo; so does the code view.
      if (event.target.closest && event.target.closest("input, textarea, select, [contenteditable]")) return;
      event.preventDefault();
      if (key === "y" || event.shiftKey) redo();
      else undo();
    });
    showHistory();

    // --- Adding, editing and removing blocks ---------------------------------------------------------------
    var TEXT = { font: "Laurel Sans", size: 14, color: "#222222", weight: "normal", align: "left" };
    function newBlock(kind) {
      var offset = 40 + (design.blocks.length % 10) * 12;
      var base = { kind: kind, x: offset, y: offset, w: 240, h: 24 };
      if (kind === "text") return Object.assign(base, TEXT, { text: "New text" });
      if (kind === "field") {
        var field = root.querySelector("[data-add-choice=field]").value;
        return Object.assign(base, TEXT, { field: field, w: 300, h: 28, size: 18 }, field === "learner_name" ? { fit: true } : {});
      }
      if (kind === "image") return Object.assign(base, { asset: root.querySelector("[data-add-choice=image]").value, w: 120, h: 60 });
      if (kind === "qr") return Object.assign(base, { w: 80, h: 80 });
      if (kind === "line") return Object.assign(base, { w: 300, h: 1, color: "#b8893b" });
      return Object.assign(base, { w: 300, h: 150, color: "#222222", stroke: 1, fill: "" });
    }

    function fitImage(index) {  // a new image keeps its own proportions
      var block = design.blocks[index], probe = new Image();
      probe.addEventListener("load", function () {
        if (!probe.naturalWidth || design.blocks[index] !== block) return;
        block.h = round(block.w * probe.naturalHeight / probe.naturalWidth);
        clampInPage(block);
        changed(index);
      });
      probe.src = assetUrls[block.asset];
    }

    root.querySelectorAll("[data-add]").forEach(function (button) {
      button.addEventListener("click", function () {
        remember("add");
        design.blocks.push(newBlock(button.getAttribute("data-add")));
        selected = design.blocks.length - 1;
        render();
        elementOf(selected).focus();
        if (design.blocks[selected].kind === "image") fitImage(selected);
        schedule();
        say(describe(design.blocks[selected]) + ": added.");
      });
    });

    properties.addEventListener("input", function (event) {
      var input = event.target, name = input.getAttribute("data-prop"), block = design && design.blocks[selected];
      if (!block || !name) return;
      if (input.type === "number" && (input.value === "" || isNaN(Number(input.value)))) return;
      remember("change of " + (PROPERTY_NAMES[name] || name), "property " + name + " " + selected);  // typing in one field is one step
      if (name === "nofill") block.fill = input.checked ? "" : properties.querySelector("[data-prop=fill]").value;
      else if (name === "fill") { block.fill = input.value; properties.querySelector("[data-prop=nofill]").checked = false; }
      else if (input.type === "checkbox") block[name] = input.checked;
      else if (input.type === "number") { if (input.value === "" || isNaN(Number(input.value))) return; block[name] = Number(input.value); }
      else block[name] = input.value;
      changed(selected);
    });

    properties.addEventListener("change", function () { history.key = null; });  // the next edit is a step of its own

    function remove(index) {
      var what = describe(design.blocks[index]);
      remember("delete");
      design.blocks.splice(index, 1);
      selected = -1;
      render();
      schedule();
      say(what + ": deleted.");
    }
    properties.querySelector("[data-design-centre]").addEventListener("click", function () {
      if (selected < 0) return;
      var block = design.blocks[selected];
      remember("centre");
      block.x = (pageSize()[0] - block.w) / 2;
      clampInPage(block);
      changed(selected);
    });
    properties.querySelector("[data-design-delete]").addEventListener("click", function () { if (selected >= 0) remove(selected); });

    // Stacking: the blocks' order is the template's (a later block is drawn over an earlier one).
    function restack(step) {
      var to = selected + step;
      if (selected < 0 || to < 0 || to >= design.blocks.length) return;
      remember(step > 0 ? "bring forward" : "send backward");
      var block = design.blocks.splice(selected, 1)[0];
      design.blocks.splice(to, 0, block);
      selected = to;
      var button = document.activeElement;
      render();
      button.focus();
      schedule();
      say(describe(block) + ": " + ordinal(to + 1) + " of " + design.blocks.length + " from the back.");
    }
    function ordinal(number) {
      var tens = number % 100, ones = number % 10;
      return number + (tens >= 11 && tens <= 13 ? "th" : ones === 1 ? "st" : ones === 2 ? "nd" : ones === 3 ? "rd" : "th");
    }
    properties.querySelector("[data-design-forward]").addEventListener("click", function () { restack(1); });
    properties.querySelector("[data-design-backward]").addEventListener("click", function () { restack(-1); });

    // --- The two tabs, and a template the designer cannot show ---------------------------------------------
    function showNote(text) {
      note.hidden = !text;
      note.querySelector(".laurel-design-note-text").textContent = text || "";
      panel.querySelector(".laurel-design-toolbar").hidden = !design;
      panel.querySelector(".laurel-design-work").hidden = !design;
    }

    function activate(tab) {
      var designing = tab === tabDesign;
      tabDesign.setAttribute("aria-selected", String(designing));
      tabCode.setAttribute("aria-selected", String(!designing));
      panel.hidden = !designing;
      codeRows.forEach(function (row) { row.hidden = designing; });
      if (preview) {
        if (designing) root.querySelector(".laurel-design-preview-slot").appendChild(preview);
        else previewHome.parent.insertBefore(preview, previewHome.next);
      }
      // The page's two columns (code | preview, preview-beside.css) become one while designing: the design's own
      // row holds the page and the preview beside it, and needs the width.
      var columns = root.closest(".laurel-beside-preview");
      if (columns) columns.classList.toggle("laurel-designing", designing);
      if (designing) render();
    }

    function openDesign() {
      if (htmlArea.value === written.html && cssArea.value === written.css) return activate(tabDesign);
      // Edited in the code view since: read the unsaved code back (the server compares it to its own output).
      var body = new FormData();
      body.append("html", htmlArea.value);
      body.append("css", cssArea.value);
      fetch(state.urls.read, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrf() } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          design = data.design;
          written = { html: htmlArea.value, css: cssArea.value };
          selected = -1;
          historyClear();
          showNote(data.note);
          activate(tabDesign);
        })
        .catch(function (error) { say("The code could not be read back: " + error.message); });
    }

    tabDesign.addEventListener("click", openDesign);
    tabCode.addEventListener("click", function () { activate(tabCode); });
    root.querySelector("[role=tablist]").addEventListener("keydown", function (event) {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      var next = event.target === tabDesign ? tabCode : tabDesign;
      next.focus();
      next.click();
    });
    root.querySelector("[data-design-start]").addEventListener("click", function () {
      var size = sizeInput ? sizeInput.value : "A4", orientation = orientationInput ? orientationInput.value : "landscape";
      design = JSON.parse(JSON.stringify(state.starters[size + " " + orientation] || state.starters["A4 landscape"]));
      selected = -1;
      historyClear();
      showNote("");
      activate(tabDesign);
      send();
      say("A new design; its HTML and CSS replace the code view's once you save.");
    });
    [sizeInput, orientationInput].forEach(function (input) { if (input) input.addEventListener("change", render); });
    if (organizationInput) organizationInput.addEventListener("change", function () { showAssets(); if (design) render(); });

    showNote(state.note);
    activate(design ? tabDesign : tabCode);  // a template the designer cannot show opens in the code view, with the note
    if (design && !htmlArea.value.trim()) send();  // a new template: the starter design is its code from the start
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("laurel-designer");
    if (root) setUp(root);
  });
})();
