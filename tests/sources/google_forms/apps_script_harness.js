// Runs integrations/google-forms/laurel-google-forms.gs under Node, as Apps Script would run it.
//
// The Apps Script services the script calls are stood in for with their documented behaviour: byte
// arrays are Java's signed bytes, Blob.getBytes() is UTF-8, UrlFetchApp.fetch is synchronous and
// really sends (through a child Node process, so the request reaches the live test server as bytes).
// Reads one JSON document on stdin: {script, properties, form, responses, calls}; writes what happened.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const vm = require('vm');
const {spawnSync} = require('child_process');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const logs = [];
const requests = [];
const triggers = [];
const properties = Object.assign({}, input.properties || {});

const signed = (buffer) => Array.from(buffer, (b) => (b > 127 ? b - 256 : b));
const unsigned = (bytes) => Buffer.from(bytes.map((b) => (b < 0 ? b + 256 : b)));

const Utilities = {
  MacAlgorithm: {HMAC_SHA_256: 'sha256', HMAC_SHA_1: 'sha1', HMAC_SHA_512: 'sha512'},
  newBlob: (text) => ({getBytes: () => signed(Buffer.from(String(text), 'utf8'))}),
  base64Decode: (text) => signed(Buffer.from(text, 'base64')),
  base64Encode: (bytes) => unsigned(bytes).toString('base64'),
  computeHmacSignature: (algorithm, value, key) => {
    if (!Array.isArray(value) || !Array.isArray(key)) throw new Error('this overload takes Byte[] value and key');
    return signed(crypto.createHmac(algorithm, unsigned(key)).update(unsigned(value)).digest());
  },
};

// Synchronous like Apps Script's: a child process sends the request and the parent waits for it.
const FETCH_CHILD = `
  const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  fetch(input.url, {method: 'POST', headers: input.headers, body: Buffer.from(input.body, 'base64'), redirect: 'manual'})
    .then(async (r) => process.stdout.write(JSON.stringify({status: r.status, text: await r.text()})))
    .catch((e) => process.stdout.write(JSON.stringify({error: String(e)})));`;

const UrlFetchApp = {
  fetch: (url, params) => {
    const body = Array.isArray(params.payload) ? unsigned(params.payload) : Buffer.from(String(params.payload), 'utf8');
    const headers = Object.assign({'Content-Type': params.contentType,
      'User-Agent': 'Mozilla/5.0 (compatible; Google-Apps-Script; beanserver; +https://script.google.com; id: UAEmdDd-test)'},
      params.headers);
    requests.push({url, headers, body: body.toString('utf8')});
    const done = spawnSync(process.execPath, ['-e', FETCH_CHILD],
      {input: JSON.stringify({url, headers, body: body.toString('base64')}), encoding: 'utf8', timeout: 60000});
    const answer = JSON.parse(done.stdout || '{"error": "no answer"}');
    if (answer.error) throw new Error('Address unavailable: ' + url + ' (' + answer.error + ')');
    if (!params.muteHttpExceptions && answer.status >= 400) throw new Error('Request failed returned code ' + answer.status);
    return {getResponseCode: () => answer.status, getContentText: () => answer.text};
  },
};

function itemOf(spec) {
  const item = {getId: () => spec.id, getTitle: () => spec.title, getType: () => ({toString: () => spec.type})};
  const casts = ['asCheckboxItem', 'asMultipleChoiceItem', 'asListItem', 'asTextItem', 'asParagraphTextItem', 'asDateItem',
                 'asTimeItem', 'asDateTimeItem', 'asDurationItem', 'asScaleItem', 'asGridItem', 'asCheckboxGridItem'];
  casts.forEach((cast) => { item[cast] = () => ({getPoints: () => spec.points || 0}); });
  return item;
}

const items = (input.form.items || []).map(itemOf);
const itemById = (id) => items.find((item) => item.getId() === id);

function responseOf(spec) {
  const itemResponses = spec.answers.map((answer) => ({
    getItem: () => itemById(answer.item_id), getResponse: () => answer.response, getScore: () => answer.score || 0,
  }));
  return {
    getId: () => spec.id, getTimestamp: () => new Date(spec.timestamp), getRespondentEmail: () => spec.respondent_email || '',
    getItemResponses: () => itemResponses,
    getGradableItemResponses: () => itemResponses.filter((r, i) => spec.answers[i].score !== undefined),
  };
}

const responses = (input.responses || []).map(responseOf);
const form = {
  getId: () => input.form.id, getTitle: () => input.form.title, isQuiz: () => Boolean(input.form.is_quiz),
  getItems: () => items,
  getResponse: (id) => { const found = responses.find((r) => r.getId() === id); if (!found) throw new Error('No response ' + id); return found; },
};

function builder(handler) {
  const trigger = {handler, getHandlerFunction: () => handler};
  const chain = {forForm: (f) => { trigger.form = f.getId(); return chain; }, onFormSubmit: () => { trigger.kind = 'onFormSubmit'; return chain; },
                 timeBased: () => chain, everyMinutes: (n) => { trigger.kind = 'every ' + n + ' minutes'; return chain; },
                 create: () => { triggers.push(trigger); return trigger; }};
  return chain;
}

const sandbox = {
  Utilities, UrlFetchApp,
  FormApp: {getActiveForm: () => form},
  ScriptApp: {getProjectTriggers: () => triggers.slice(), newTrigger: builder,
              deleteTrigger: (t) => triggers.splice(triggers.indexOf(t), 1)},
  PropertiesService: {getScriptProperties: () => ({getProperty: (k) => (k in properties ? properties[k] : null),
                                                   setProperty: (k, v) => { properties[k] = String(v); }})},
  LockService: {getScriptLock: () => ({tryLock: () => true, releaseLock: () => {}})},
  Logger: {log: (text) => logs.push(String(text))},
};
vm.createContext(sandbox);
vm.runInContext(input.script, sandbox, {filename: 'laurel-google-forms.gs'});

const results = input.calls.map(([name, arg, ...rest]) => {
  try {
    if (name === 'submit') return sandbox.laurelOnFormSubmit({source: form, response: responses[arg], triggerUid: '1'});
    if (name === 'sign') return sandbox.laurelSignature(arg, rest[0], rest[1], Utilities.newBlob(rest[2]).getBytes());
    return sandbox[name]() === undefined ? null : 'returned';
  } catch (error) {
    return {error: String(error.message || error)};
  }
});
process.stdout.write(JSON.stringify({results, properties, triggers: triggers.map((t) => ({handler: t.handler, kind: t.kind, form: t.form})),
                                     requests, logs}));
