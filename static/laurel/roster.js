/* The roster page: reads a pasted attendance sheet into rows and checks each row as it is typed.
 * The server checks every row again when the draft is saved or submitted; its answer is the one that
 * counts, and these messages only say early what it will say. No inline script: the page's CSP forbids it. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const table = document.getElementById("laurel-roster");
  if (!table) return;
  const body = table.tBodies[0];
  const template = document.getElementById("laurel-roster-row");
  const total = document.getElementById("id_row-TOTAL_FORMS");
  const paste = document.querySelector("textarea.laurel-roster-paste");
  const summary = document.getElementById("laurel-roster-summary");
  const submit = document.getElementById("laurel-roster-submit");
  const CELLS = ["name", "email", "attendance", "score", "manager_email", "language"];
  // The same header spellings as issuance/intake/rosters.py.
  const HEADER = {
    name: ["name", "fullname", "attendee", "learner", "participant", "delegate", "student"],
    email: ["email", "e-mail", "emailaddress", "mail"],
    attendance: ["attendance", "attended", "present"],
    score: ["score", "mark", "result", "grade", "assessment"],
    manager_email: ["manageremail", "manager", "managersemail", "manager'semail", "linemanager"],
    language: ["language", "lang", "locale", "languagecode", "languagetag", "preferredlanguage", "learnerslanguage",
               "learner'slanguage"],
  };
  // A word for the person before a column's name ("Delegate name", "Learner's email") still names that column.
  const PERSON_WORDS = ["delegate", "attendee", "learner", "participant", "student", "trainee", "candidate", "employee", "staff"];
  const LABELS = { attendance: "attendance %", score: "score %", manager_email: "manager's email" };
  const columnsLine = document.getElementById("laurel-roster-columns");
  const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$/;
  // The shape of a BCP 47 tag, loosely (courses/templating/languages.py has the whole grammar and the last word).
  const LANGUAGE = /^[a-z]{2,3}([-_][a-z0-9]{1,8})*$/i;

  function inputs(row) {
    const found = {};
    row.querySelectorAll("input[data-cell]").forEach((input) => { found[input.dataset.cell] = input; });
    return found;
  }

  // A saved row keeps its number on the sheet (the server's messages name it); new rows follow the last one.
  function renumber() {
    let next = Number(table.dataset.nextPosition) || 1;
    Array.from(body.rows).forEach((row) => { if (row.dataset.position) next = Math.max(next, Number(row.dataset.position) + 1); });
    Array.from(body.rows).forEach((row, index) => {
      row.cells[0].textContent = row.dataset.position || String(next++);
      Object.entries(inputs(row)).forEach(([cell, input]) => {
        input.name = "row-" + index + "-" + cell;
        input.id = "id_row-" + index + "-" + cell;
        input.setAttribute("aria-label", cell + " of row " + row.cells[0].textContent);
      });
    });
    total.value = String(body.rows.length);
  }

  function addRow() {
    const row = template.content.firstElementChild.cloneNode(true);
    body.appendChild(row);
    renumber();
    return row;
  }

  function isEmpty(row) {
    return Object.values(inputs(row)).every((input) => !input.value.trim());
  }

  function splitLine(line, delimiter) {
    if (delimiter === "\t") return line.split("\t").map((cell) => cell.trim());
    const cells = [];
    let cell = "", quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted && c === '"' && line[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = !quoted;
      else if (c === "," && !quoted) { cells.push(cell.trim()); cell = ""; }
      else cell += c;
    }
    cells.push(cell.trim());
    return cells;
  }

  function numeric(cell) {
    return /^\d+([.,]\d+)?\s*%?$/.test(cell.trim());
  }

  function headerKey(cell) {
    return cell.trim().toLowerCase().replace(/[ %_()]/g, "");
  }

  function headerColumn(cell) {
    const key = headerKey(cell);
    if (PERSON_WORDS.includes(key)) return "name";
    const keys = [key];
    PERSON_WORDS.forEach((word) => {
      if (!key.startsWith(word)) return;
      const rest = key.slice(word.length);
      keys.push(rest, rest.replace(/^['’]s/, ""), rest.replace(/^s/, ""));
    });
    for (const candidate of keys) {
      for (const [name, spellings] of Object.entries(HEADER)) if (spellings.includes(candidate)) return name;
    }
    return null;
  }

  // The line under the paste box that says how the sheet's first row was read, as the server's message does.
  function sayColumns(firstRow, columns) {
    if (!columnsLine) return;
    const recognised = [], leftOut = [];
    firstRow.forEach((cell, index) => {
      const name = Object.keys(columns).find((key) => columns[key] === index);
      if (name) recognised.push(cell + " → " + (LABELS[name] || name));
      else if (cell) leftOut.push(cell);
    });
    if (!("email" in columns || "name" in columns)) {
      columnsLine.textContent = "No header row recognised: the cell with an @ was read as the email, the first other text as the name, "
        + "then numbers as attendance and score.";
    } else {
      columnsLine.textContent = "Columns recognised: " + recognised.join(", ") + "." + (leftOut.length ? " Left out: " + leftOut.join(", ") + "." : "");
    }
    columnsLine.hidden = false;
  }

  /* Rows of {name, email, attendance, score, manager_email, language}: a header row maps the columns, else the cell with an @
   * is the email, the first other text the name, and numbers fill attendance then score; a second address is the manager's.
   * The language is read only under its header (a bare "de" could as well be a name). */
  function parse(text) {
    const lines = text.replace(/\r\n?/g, "\n").split("\n").filter((line) => line.trim());
    if (!lines.length) return [];
    const delimiter = text.includes("\t") ? "\t" : ",";
    const table = lines.map((line) => splitLine(line, delimiter));
    const columns = {};
    table[0].forEach((cell, index) => {
      const name = headerColumn(cell);
      if (name && !(name in columns)) columns[name] = index;
    });
    sayColumns(table[0], columns);
    if ("email" in columns || "name" in columns) {
      return table.slice(1).map((row) => {
        const cells = {};
        CELLS.forEach((name) => { cells[name] = name in columns ? (row[columns[name]] || "") : ""; });
        return cells;
      });
    }
    return table.map((row) => {
      const cells = { name: "", email: "", attendance: "", score: "", manager_email: "", language: "" };
      const numbers = [];
      row.forEach((cell) => {
        if (!cell) return;
        if (cell.includes("@") && !cells.email) cells.email = cell;
        else if (cell.includes("@") && !cells.manager_email) cells.manager_email = cell;  // a second address: the manager's
        else if (numeric(cell)) numbers.push(cell);
        else if (!cells.name) cells.name = cell;
      });
      cells.attendance = numbers[0] || "";
      cells.score = numbers[1] || "";
      return cells;
    });
  }

  function fill(parsed, startRow) {
    let row = startRow || Array.from(body.rows).find(isEmpty) || null;
    parsed.forEach((cells) => {
      if (!row) row = addRow();
      const found = inputs(row);
      CELLS.forEach((name) => { found[name].value = cells[name]; });
      row.dataset.serverChecked = "";
      let next = row.nextElementSibling;
      while (next && !isEmpty(next)) next = next.nextElementSibling;
      row = next;
    });
    checkAll();
  }

  function percentProblem(label, value) {
    const text = value.trim().replace(/\s*%$/, "").replace(/^(\d+),(\d+)$/, "$1.$2");
    if (!text) return "";
    if (!/^\d+(\.\d+)?$/.test(text)) return label + " '" + value.trim() + "' is not a number.";
    if (Number(text) > 100) return label + " '" + value.trim() + "' is outside 0–100.";
    return "";
  }

  function check(row, seen) {
    const found = inputs(row);
    const values = {};
    CELLS.forEach((name) => { values[name] = found[name].value.trim(); });
    const problems = {};
    if (!Object.values(values).some(Boolean)) return null;  // a blank row is left out, as the server does
    if (!values.name) problems.name = "The learner's name is missing.";
    if (!values.email) problems.email = "The learner's email is missing.";
    else if (!EMAIL.test(values.email)) problems.email = "'" + values.email + "' is not a valid email address.";
    else {
      const address = values.email.toLowerCase();
      if (address in seen) problems.email = values.email + " is already on row " + seen[address] + " of this roster.";
      else seen[address] = row.cells[0].textContent;
    }
    ["attendance", "score"].forEach((name) => {
      const problem = percentProblem(name, values[name]);
      if (problem) problems[name] = problem;
    });
    if (values.language && !LANGUAGE.test(values.language)) {
      problems.language = "'" + values.language + "' is not a BCP 47 language tag such as fr, pt-BR or zh-Hans.";
    }
    return problems;
  }

  function show(row, problems) {
    const found = inputs(row);
    const status = row.querySelector(".laurel-roster-check");
    if (row.dataset.serverChecked === "bad") return true;  // keep the server's errors until the row is edited
    CELLS.forEach((name) => {
      found[name].parentElement.classList.toggle("laurel-cell-bad", Boolean(problems && problems[name]));
      found[name].setAttribute("aria-invalid", problems && problems[name] ? "true" : "false");
    });
    status.textContent = "";
    row.classList.toggle("laurel-row-bad", Boolean(problems && Object.keys(problems).length));
    if (problems === null) return false;
    const messages = Object.values(problems);
    if (!messages.length) {
      const ok = document.createElement("span");
      ok.className = "laurel-ok";
      ok.textContent = "Looks right";
      status.appendChild(ok);
      return false;
    }
    const list = document.createElement("ul");
    list.className = "errorlist";
    messages.forEach((message) => {
      const item = document.createElement("li");
      item.textContent = message;
      list.appendChild(item);
    });
    status.appendChild(list);
    return true;
  }

  function checkAll() {
    const seen = {};
    let ready = 0, bad = 0;
    Array.from(body.rows).forEach((row) => {
      const problems = check(row, seen);
      const hasProblem = show(row, problems);
      if (problems === null && row.dataset.serverChecked !== "bad") return;
      if (hasProblem) bad++; else ready++;
    });
    const rows = ready + bad;
    summary.textContent = rows + " row" + (rows === 1 ? "" : "s") + (rows ? ": " + ready + " ready, " + bad + " with errors." : ".");
    submit.value = ready ? "Submit " + ready + " row" + (ready === 1 ? "" : "s") + " that pass" : "Submit the rows that pass";
  }

  body.addEventListener("input", (event) => {
    const row = event.target.closest("tr");
    if (row) row.dataset.serverChecked = "";
    checkAll();
  });
  body.addEventListener("paste", (event) => {
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\t\n]/.test(text.trim())) return;  // one value: let the cell take it as it is
    event.preventDefault();
    fill(parse(text), event.target.closest("tr"));
  });
  body.addEventListener("click", (event) => {
    if (!event.target.classList.contains("laurel-roster-remove")) return;
    event.target.closest("tr").remove();
    renumber();
    checkAll();
  });
  document.getElementById("laurel-roster-add").addEventListener("click", () => {
    addRow().querySelector("input").focus();
    checkAll();
  });
  if (paste) {
    paste.addEventListener("input", () => {
      if (!paste.value.trim()) return;
      fill(parse(paste.value));
      paste.value = "";
    });
  }
  if (!body.rows.length) for (let i = 0; i < (Number(table.dataset.blankRows) || 1); i++) addRow();
  renumber();
  checkAll();
});
