"""Google Forms: the Apps Script in integrations/google-forms/ posts Laurel's form contract, signed with Standard Webhooks.

    {"type": "form.submitted", "timestamp": "2026-11-14T10:02:03Z",
     "data": {"source": "google_forms", "form": {"id": "1FAIpQLSd-demo", "title": "Safety 101 – final assessment"},
              "response": {"id": "2_ABaOnuf-demo", "submitted_at": "2026-11-14T10:01:59Z",
                           "respondent_email": "ana@example.org", "score": 17, "max_score": 20},
              "answers": [{"item_id": "1183270461", "title": "Full name", "type": "TEXT", "response": "Ana Lima"}]}}

The script signs with the response's id as `webhook-id`, so a response sent twice is one event. Which
answer holds the email, the name, the course or the attendance is the source's settings; a question
is named by its title or its item id. The course is the form's id (through the course mapping table)
unless `course_item` names a question whose answer is the course.
"""

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .base import CandidateCompletion, FieldError, IncomingEvent, NotACompletion, json_parse
from .google_forms_contract import contract_answer, google_forms_completion_key
from .google_forms_api import service_account_key_check
from .settings_schema import Setting, SettingsError, poll_minutes_setting
from .standard import StandardWebhooksDialect

EVENT_TYPE = "form.submitted"
SCRIPT_PATH = Path(__file__).resolve().parents[2] / "integrations" / "google-forms" / "laurel-google-forms.gs"
SCRIPT_FILE_NAME = "laurel-google-forms.gs"
URL_PLACEHOLDER, SECRET_PLACEHOLDER = "'__LAUREL_URL__'", "'__LAUREL_SECRET__'"


def google_forms_script(*, intake_url: str, secret: str = "") -> str:
    """The Apps Script a form owner pastes, with this source's intake URL (and, when given, its secret) written in."""
    text = SCRIPT_PATH.read_text(encoding="utf-8")
    # json.dumps writes a JavaScript string literal: quotes and backslashes escaped, nothing else to fear.
    text = text.replace(URL_PLACEHOLDER, json.dumps(intake_url), 1)
    return text.replace(SECRET_PLACEHOLDER, json.dumps(secret), 1) if secret else text


def _question(name: str, help_text: str, default: str = "") -> Setting:
    return Setting(name, help_text + " A question is named by its title (any case) or its item id.", default=default)


class GoogleFormsDialect(StandardWebhooksDialect):
    name = "google_forms"
    label = "Google Forms (Apps Script, Standard Webhooks)"
    docs_page = "google-forms"
    secret_help = "the whsec_… secret the form's Apps Script signs with (its LAUREL_SECRET property)"
    settings = (
        _question("email_item", "The question holding the learner's email. Empty: the address Google collects "
                  "(the form's “Collect email addresses” setting)."),
        _question("name_item", "The question holding the learner's full name.", default="Full name"),
        _question("given_name_item", "The question holding the given name, when the form asks for given and family names apart."),
        _question("family_name_item", "The question holding the family name, when the form asks for given and family names apart."),
        _question("course_item", "A question whose answer is the course (a session picked from a list), looked up in the course "
                  "mapping table, then as a course code. Empty: the course is the form's id, mapped in the table below."),
        _question("attendance_item", "A question that records attendance: a number is the percentage attended; any other answer "
                  "counts as 100 when it is one of attendance_yes, else 0. Empty: the form reports no attendance."),
        Setting("attendance_yes", "The answers to attendance_item that mean “attended”, separated by |.", default="Yes"),
        Setting("max_score", "The quiz's total points, if the score should be read over this rather than over the max_score the "
                "script adds up from the questions' points (how Apps Script reports a quiz's points is unconfirmed)."),
        Setting("service_account_key", "To poll the Forms API instead of (or beside) the script: the JSON key of a Google Cloud "
                "service account the form is shared with (docs/lms/google-forms.md).", secret=True),
        Setting("forms_api_url", "The Forms API's address, when not https://forms.googleapis.com (a proxy).", kind="url"),
        poll_minutes_setting(),
    )

    def secret_needed(self, *, settings: dict) -> bool:
        return not settings.get("service_account_key")  # a polled-only source is sent nothing to check

    def settings_check(self, *, public: dict) -> None:
        if public.get("service_account_key"):
            service_account_key_check(public["service_account_key"])
        value = public.get("max_score")
        try:
            if value and not Decimal(value) > 0:
                raise InvalidOperation
        except InvalidOperation:
            raise SettingsError(f"max_score must be a positive number of points, not {value!r}.") from None

    def adapt(self, payload):
        candidate = CandidateCompletion(paths={
            "email": "data.response.respondent_email", "course": "data.form.id", "completed_at": "data.response.submitted_at",
            "score": "data.response.score", "extra": "data.answers",
        })
        if not isinstance(payload, dict):
            return candidate, [FieldError("body", "The body must be a JSON object (the form contract).", "body_not_object")]
        if payload.get("type") != EVENT_TYPE:
            raise NotACompletion(f"type is {payload.get('type')!r}, not {EVENT_TYPE!r}.")
        data = payload.get("data")
        if not isinstance(data, dict):
            return candidate, [FieldError("data", "data must be an object holding form, response and answers.", "data_missing")]
        form, response, answers = data.get("form"), data.get("response"), data.get("answers")
        errors = [FieldError(path, message, code) for path, value, kind, message, code in (
            ("data.form", form, dict, "data.form must be an object with the form's id and title.", "form_missing"),
            ("data.response", response, dict, "data.response must be an object with the response's id and time.", "response_missing"),
            ("data.answers", answers, list, "data.answers must be the list of answers.", "answers_missing"),
        ) if not isinstance(value, kind)]
        if errors:
            return candidate, errors
        settings = getattr(self, "source_settings", {})
        chosen = {setting.name: settings.get(setting.name) or setting.default for setting in self.settings}
        candidate.completed_at = response.get("submitted_at")
        candidate.extra = {str(a.get("title")): a.get("response") for a in answers if isinstance(a, dict) and a.get("title")}
        candidate.email = response.get("respondent_email")
        if chosen["email_item"]:
            candidate.email, candidate.paths["email"] = contract_answer(answers, chosen["email_item"])
        candidate.name, candidate.paths["name"] = contract_answer(answers, chosen["name_item"])
        for part in ("given_name", "family_name"):
            if chosen[f"{part}_item"]:
                value, candidate.paths[part] = contract_answer(answers, chosen[f"{part}_item"])
                setattr(candidate, part, value)
        candidate.course = form.get("id")
        if chosen["course_item"]:
            candidate.course, candidate.paths["course"] = contract_answer(answers, chosen["course_item"])
        if chosen["attendance_item"]:
            answer, candidate.paths["attendance"] = contract_answer(answers, chosen["attendance_item"])
            candidate.attendance = _attendance(answer, chosen["attendance_yes"])
        candidate.score, error = _score(response, chosen["max_score"])
        return candidate, [error] if error else []

    def request_events(self, *, source, request, verified):
        try:
            key = google_forms_completion_key(json_parse(request.body), source.settings or {})
        except ValueError:
            key = ""  # an unreadable body is stored all the same, and parks when it is read
        return [IncomingEvent(external_id=verified.message_id, body=request.body, completion_key=key)]

    def configured(self, settings: dict) -> "GoogleFormsDialect":
        bound = GoogleFormsDialect()
        bound.source_settings = dict(settings or {})
        return bound


def _attendance(answer, yes_values: str):
    if answer is None or answer == "" or answer == []:
        return None
    text = str(answer).strip().removesuffix("%").strip() if isinstance(answer, (str, int, float)) else ""
    try:
        return str(Decimal(text)) if text and not isinstance(answer, bool) else _yes(answer, yes_values)
    except InvalidOperation:
        return _yes(answer, yes_values)


def _yes(answer, yes_values: str) -> int:
    wanted = {value.strip().casefold() for value in yes_values.split("|") if value.strip()}
    given = answer if isinstance(answer, list) else [answer]
    return 100 if any(isinstance(value, str) and value.strip().casefold() in wanted for value in given) else 0


def _score(response: dict, max_score: str):
    """The quiz score as a percentage of its maximum (the setting's, else the script's); as sent when there is none."""
    score, maximum = response.get("score"), max_score or response.get("max_score")
    if score is None or maximum is None:
        return score, None
    try:
        if isinstance(score, bool) or isinstance(maximum, bool) or Decimal(str(maximum)) <= 0:
            raise InvalidOperation
        return str((Decimal(str(score)) * 100 / Decimal(str(maximum))).quantize(Decimal("0.01"))), None
    except (InvalidOperation, ValueError):
        return None, FieldError("data.response.score", f"score {score!r} over max_score {maximum!r} is not a number over a positive maximum.",
                                "score_invalid")
