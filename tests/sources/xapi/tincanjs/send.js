// Sends statements to an LRS the way an authoring tool's runtime does, with TinCanJS's own LRS class.
//
//   node send.js <endpoint> <key> <secret> <statements.json>
//
// Asks `about` first, then saves each statement with LRS.saveStatement (TinCanJS stamps an id on a
// statement that has none and PUTs it to statements?statementId=<id>). Prints one JSON line:
// {"version", "about": {"err", "versions"}, "saved": [{"id", "err", "status", "body"}]}.
"use strict";

const fs = require("fs");
const TinCan = require("tincanjs");

const [endpoint, key, secret, file] = process.argv.slice(2);
const lrs = new TinCan.LRS({ endpoint, username: key, password: secret, allowFail: false });
const statements = JSON.parse(fs.readFileSync(file, "utf8"));

function about() {
  return new Promise((resolve) => {
    lrs.about({
      // TinCanJS hands `about` its parsed TinCan.About, not the response.
      callback: (err, answer) => resolve({ err: err === null ? null : String(err), versions: err === null && answer ? answer.version : null }),
    });
  });
}

function save(raw) {
  const statement = new TinCan.Statement(raw);
  return new Promise((resolve) => {
    lrs.saveStatement(statement, {
      callback: (err, xhr) => resolve({
        id: statement.id,
        err: err === null ? null : String(err),
        status: xhr ? xhr.status : null,
        body: xhr ? xhr.responseText : null,
      }),
    });
  });
}

(async () => {
  const result = { version: lrs.version, about: await about(), saved: [] };
  for (const raw of statements) {
    result.saved.push(await save(raw));
  }
  process.stdout.write(JSON.stringify(result) + "\n");
})();
