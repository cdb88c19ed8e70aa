/**
 * Laurel for Google Forms: sends each response of this form to Laurel, which issues the credential.
 *
 * 1. In the form: ⋮ → Script editor (Apps Script). Paste this whole file over what is there, save.
 * 2. LAUREL_URL and LAUREL_SECRET below: Laurel fills them in when you copy the script from the
 *    source's page (the secret only on the page that shows a new secret). Otherwise paste them in.
 * 3. Choose the function `install` and press Run; accept what Google asks (read this form, connect to
 *    an external service). It keeps the URL and secret in the script's properties (Project settings →
 *    Script properties) and adds two triggers: one on each form submit, one every 15 minutes that
 *    sends again what Laurel did not accept (Laurel was down, the secret was wrong).
 * Run `install` again after changing the URL or the secret; it replaces its triggers, never doubles them.
 *
 * What is sent is Laurel's form contract (docs/lms/google-forms.md), signed with Standard Webhooks:
 * webhook-id is the response's id, so a response sent twice is one event in Laurel.
 */

var LAUREL_URL = '__LAUREL_URL__';
var LAUREL_SECRET = '__LAUREL_SECRET__';
var PENDING_KEY = 'LAUREL_PENDING';  // response ids waiting to be sent again, in the script's properties
var PENDING_MAX = 500;
// Laurel's answers worth trying again later; any other answer (202 accepted, 200 duplicate, 400 parked
// for staff, 413, 415) means Laurel has it or will never take it, so it is not sent again.
var RETRY_STATUSES = [401, 408, 429, 500, 502, 503, 504];

function install() {
  var properties = PropertiesService.getScriptProperties();
  if (LAUREL_URL && LAUREL_URL.indexOf('__') !== 0) properties.setProperty('LAUREL_URL', LAUREL_URL);
  if (LAUREL_SECRET && LAUREL_SECRET.indexOf('__') !== 0) properties.setProperty('LAUREL_SECRET', LAUREL_SECRET);
  var settings = laurelSettings_();
  if (!settings.url || settings.secret.indexOf('whsec_') !== 0) {
    throw new Error('Set LAUREL_URL and LAUREL_SECRET (the whsec_… secret Laurel showed) first.');
  }
  ScriptApp.getProjectTriggers().forEach(function (trigger) {
    var handler = trigger.getHandlerFunction();
    if (handler === 'laurelOnFormSubmit' || handler === 'laurelRetryPending') ScriptApp.deleteTrigger(trigger);
  });
  ScriptApp.newTrigger('laurelOnFormSubmit').forForm(FormApp.getActiveForm()).onFormSubmit().create();
  ScriptApp.newTrigger('laurelRetryPending').timeBased().everyMinutes(15).create();
  Logger.log('Laurel: installed; responses of this form go to ' + settings.url);
}

/** The installable trigger's handler: e.source is the form, e.response the response just submitted. */
function laurelOnFormSubmit(e) {
  var form = e.source || FormApp.getActiveForm();
  var outcome = laurelSend_(form, e.response);
  if (!outcome.delivered) laurelPendingAdd_(e.response.getId());
  return outcome;
}

/** Every 15 minutes: send again the responses Laurel did not accept. */
function laurelRetryPending() {
  var form = FormApp.getActiveForm();
  var properties = PropertiesService.getScriptProperties();
  var lock = LockService.getScriptLock();
  if (!lock.tryLock(10000)) return;
  try {
    var pending = JSON.parse(properties.getProperty(PENDING_KEY) || '[]');
    var still = pending.filter(function (id) {
      var response;
      try { response = form.getResponse(id); } catch (error) { return false; }  // deleted from the form: nothing to send
      return !laurelSend_(form, response).delivered;
    });
    properties.setProperty(PENDING_KEY, JSON.stringify(still));
  } finally {
    lock.releaseLock();
  }
}

function laurelSettings_() {
  var properties = PropertiesService.getScriptProperties();
  return {url: properties.getProperty('LAUREL_URL') || '', secret: properties.getProperty('LAUREL_SECRET') || ''};
}

function laurelPendingAdd_(id) {
  var properties = PropertiesService.getScriptProperties();
  var pending = JSON.parse(properties.getProperty(PENDING_KEY) || '[]');
  if (pending.indexOf(id) === -1) pending.push(id);
  properties.setProperty(PENDING_KEY, JSON.stringify(pending.slice(-PENDING_MAX)));
}

/** Posts one response; {delivered: true} unless Laurel should be asked again later. */
function laurelSend_(form, response) {
  var settings = laurelSettings_();
  var body = JSON.stringify(laurelContract_(form, response, new Date()));
  var bytes = Utilities.newBlob(body).getBytes();  // UTF-8: the bytes signed are the bytes sent
  var id = response.getId();
  var timestamp = String(Math.floor(Date.now() / 1000));
  var answer;
  try {
    answer = UrlFetchApp.fetch(settings.url, {
      method: 'post', contentType: 'application/json', payload: bytes, muteHttpExceptions: true, followRedirects: false,
      headers: {'webhook-id': id, 'webhook-timestamp': timestamp,
                'webhook-signature': laurelSignature(settings.secret, id, timestamp, bytes)}
    });
  } catch (error) {
    Logger.log('Laurel: could not reach ' + settings.url + ': ' + error);
    return {delivered: false, status: 0};
  }
  var status = answer.getResponseCode();
  Logger.log('Laurel answered ' + status + ' for response ' + id + ': ' + answer.getContentText());
  return {delivered: RETRY_STATUSES.indexOf(status) === -1, status: status, body: answer.getContentText()};
}

/** Standard Webhooks: v1, then the base64 HMAC-SHA256 of "id.timestamp.body" under the base64-decoded whsec_ key. */
function laurelSignature(secret, id, timestamp, bodyBytes) {
  var key = Utilities.base64Decode(secret.replace(/^whsec_/, ''));
  var signed = Utilities.newBlob(id + '.' + timestamp + '.').getBytes().concat(bodyBytes);
  return 'v1,' + Utilities.base64Encode(Utilities.computeHmacSignature(Utilities.MacAlgorithm.HMAC_SHA_256, signed, key));
}

/** Laurel's form contract (docs/lms/google-forms.md) for one response. */
function laurelContract_(form, response, now) {
  var answers = response.getItemResponses().map(function (itemResponse) {
    var item = itemResponse.getItem();
    return {item_id: String(item.getId()), title: item.getTitle(), type: String(item.getType()), response: itemResponse.getResponse()};
  });
  var submitted = {id: response.getId(), submitted_at: response.getTimestamp().toISOString(),
                   respondent_email: response.getRespondentEmail() || null};
  if (form.isQuiz()) {
    var quiz = laurelQuizScore_(form, response);
    submitted.score = quiz.score;
    submitted.max_score = quiz.max_score;
  }
  return {type: 'form.submitted', timestamp: now.toISOString(),
          data: {source: 'google_forms', form: {id: form.getId(), title: form.getTitle()}, response: submitted, answers: answers}};
}

// The item kinds that carry points in a quiz, and how Apps Script casts an item to each.
var GRADABLE_CASTS = {CHECKBOX: 'asCheckboxItem', MULTIPLE_CHOICE: 'asMultipleChoiceItem', LIST: 'asListItem',
                      TEXT: 'asTextItem', PARAGRAPH_TEXT: 'asParagraphTextItem', DATE: 'asDateItem', TIME: 'asTimeItem',
                      DATETIME: 'asDateTimeItem', DURATION: 'asDurationItem', SCALE: 'asScaleItem',
                      GRID: 'asGridItem', CHECKBOX_GRID: 'asCheckboxGridItem'};

/** The points this response scored, over the points the form's questions are worth. */
function laurelQuizScore_(form, response) {
  var score = 0;
  response.getGradableItemResponses().forEach(function (graded) { score += Number(graded.getScore()) || 0; });
  var maximum = 0;
  form.getItems().forEach(function (item) {
    var cast = GRADABLE_CASTS[String(item.getType())];
    if (!cast) return;
    try { maximum += Number(item[cast]().getPoints()) || 0; } catch (error) { /* an item kind without points */ }
  });
  return {score: score, max_score: maximum > 0 ? maximum : null};
}
