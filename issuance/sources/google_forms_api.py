"""Google Forms polled through the Forms API (`responses.list`), for a Laurel that Google's servers cannot post to.

A service account the form is shared with signs a JWT for an access token (OAuth 2.0 for service
accounts). Each form id in the course mapping table is one scope; the cursor is the latest
`lastSubmittedTime` seen, asked again as `filter=timestamp > <cursor>`. Each response is stored in the
form contract the Apps Script sends (google_forms.py), under its `responseId`, so both paths read alike.
"""

import json
import time
from urllib.parse import quote

import jwt

from .base import json_body, json_parse
from .google_forms_contract import google_forms_completion_key
from .polling import PolledCompletion, PollClient, PollError, Poller, PollStep, moment_parse, webhook_copy_known
from .settings_schema import SettingsError

API_URL = "https://forms.googleapis.com"
TOKEN_URI = "https://oauth2.googleapis.com/token"
SCOPES = "https://www.googleapis.com/auth/forms.responses.readonly https://www.googleapis.com/auth/forms.body.readonly"
PAGE_SIZE = 500


def service_account_key_check(value: str) -> None:
    """SettingsError unless `value` is a service account's JSON key (client_email and private_key at least)."""
    try:
        key = json.loads(value)
    except ValueError:
        key = None
    if not isinstance(key, dict) or not all(isinstance(key.get(name), str) and key[name] for name in ("client_email", "private_key")):
        raise SettingsError("service_account_key must be the service account's JSON key file as Google Cloud downloads it "
                            "(with client_email and private_key).")


class GoogleFormsPoller(Poller):
    dialect = "google_forms"
    label = "the Google Forms API"

    def configured(self, source) -> bool:
        return bool((source.secret_settings or {}).get("service_account_key"))

    def client(self, *, source, budget) -> PollClient:
        return PollClient(budget=budget, headers={"Accept": "application/json"}, label="the Google Forms API")

    def steps(self, *, client: PollClient, source, scope, cursor, window):
        api = ((source.settings or {}).get("forms_api_url") or API_URL).rstrip("/")
        if "Authorization" not in client.headers:
            client.headers = {**client.headers, "Authorization": "Bearer " + _access_token(client, source)}
        _, form = client.get_json(f"{api}/v1/forms/{quote(scope, safe='')}", missing_ok=True, refused=(401,))
        if form is None:
            raise PollError(f"The form {scope} was not found: map the form's id (from its edit address), and share the form "
                            "with the service account.", kind=PollError.CONFIGURATION)
        titles, max_score = _questions(form)
        since = window.since.strftime("%Y-%m-%dT%H:%M:%SZ") if window else cursor.position
        page_token = (cursor.resume or {}).get("pageToken") if window is None else None
        latest = cursor.position
        while True:
            params = {"pageSize": PAGE_SIZE}
            if since:
                params["filter"] = f"timestamp {'>=' if window else '>'} {since}"
            if page_token:
                params["pageToken"] = page_token
            _, answer = client.get_json(f"{api}/v1/forms/{quote(scope, safe='')}/responses", params=params, refused=(401,))
            answer = answer if isinstance(answer, dict) else {}
            step = PollStep()
            for response in answer.get("responses") or []:
                if not isinstance(response, dict) or not response.get("responseId"):
                    continue
                submitted = str(response.get("lastSubmittedTime") or response.get("createTime") or "")
                if window and not window.holds(moment_parse(submitted)):
                    continue
                contract = _contract(scope, form, response, titles, max_score)
                step.found.append(PolledCompletion(external_id=str(response["responseId"])[:300], body=json_body(contract),
                                                   learner=str(response.get("respondentEmail") or ""), completed_at=submitted,
                                                   completion_key=google_forms_completion_key(contract, source.settings or {})))
                if moment_parse(submitted) and (not latest or moment_parse(submitted) > moment_parse(latest)):
                    latest = submitted
            page_token = answer.get("nextPageToken") or None
            step.resume = {"pageToken": page_token} if page_token else None
            if not page_token and window is None and latest:
                step.position = latest
            yield step
            if not page_token:
                return

    def known_otherwise(self, *, source, completion) -> bool:
        """Whether the Apps Script brought this response already under another id (the ids are taken to be the
        same, unconfirmed): the same form, learner and second, one indexed question."""
        return webhook_copy_known(source=source, completion_key=completion.completion_key)


def _access_token(client: PollClient, source) -> str:
    key = json.loads(source.secret_settings["service_account_key"])
    token_uri = key.get("token_uri") or TOKEN_URI
    now = int(time.time())
    try:
        assertion = jwt.encode({"iss": key["client_email"], "scope": SCOPES, "aud": token_uri, "iat": now, "exp": now + 3600},
                               key["private_key"], algorithm="RS256", headers={"kid": key.get("private_key_id") or None})
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise PollError(f"The service account key's private_key cannot sign: {exc}", kind=PollError.CREDENTIALS) from None
    response = client.get(token_uri, method="POST", refused=(400, 401, 403),
                          data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion})
    try:
        token = json_parse(response.body).get("access_token")
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise PollError(f"Google's token endpoint {token_uri} gave no access_token.", kind=PollError.TRANSIENT)
    return token


def _questions(form) -> tuple[dict, float | None]:
    """{questionId: (item id, title, kind)} from the form's items, and the points the quiz is worth (None: no quiz)."""
    titles, points, quiz = {}, 0.0, bool(((form or {}).get("settings") or {}).get("quizSettings", {}).get("isQuiz"))
    for item in (form or {}).get("items") or []:
        question = ((item or {}).get("questionItem") or {}).get("question") or {}
        if question.get("questionId"):
            kind = next((k for k in question if k.endswith("Question")), "question")
            titles[question["questionId"]] = (str(item.get("itemId") or question["questionId"]), str(item.get("title") or ""), kind)
            points += float((question.get("grading") or {}).get("pointValue") or 0)
    return titles, (points if quiz and points > 0 else None)


def _contract(form_id: str, form: dict, response: dict, titles: dict, max_score) -> dict:
    """One Forms API response as the form contract the Apps Script posts (docs/lms/google-forms.md)."""
    answers = []
    for question_id, answer in (response.get("answers") or {}).items():
        item_id, title, kind = titles.get(question_id, (question_id, question_id, "question"))
        values = [entry.get("value") for entry in ((answer or {}).get("textAnswers") or {}).get("answers") or [] if isinstance(entry, dict)]
        answers.append({"item_id": item_id, "title": title, "type": kind,
                        "response": values[0] if len(values) == 1 else values})
    submitted = {"id": response.get("responseId"), "submitted_at": response.get("lastSubmittedTime") or response.get("createTime"),
                 "respondent_email": response.get("respondentEmail")}
    if response.get("totalScore") is not None:
        submitted.update(score=response["totalScore"], max_score=max_score)
    info = (form or {}).get("info") or {}
    return {"type": "form.submitted", "timestamp": submitted["submitted_at"], "data": {
        "source": "google_forms_api", "form": {"id": form_id, "title": info.get("title") or ""}, "response": submitted, "answers": answers}}
