"""Reading Laurel's Google Forms contract (google_forms.py) where both paths need it: a question's answer,
and the completion key that names one response the same way whether the Apps Script posted it or the
Forms API poll found it (google_forms_api.py).

The key is the form, the learner's email (as the source's settings read it) and the second the response
was submitted, in UTC. The two paths' response ids are taken to be the same string, and their times to
agree to the second; neither is confirmed against Google [U], so the poll asks for the key as well as the
id before it stores a response a webhook may have brought (docs/lms/google-forms.md).
"""

from .base import derived_event_id
from .polling import moment_parse


def contract_answer(answers: list, wanted: str):
    """(the answer to the question titled or numbered `wanted`, the path naming it); (None, path) when unanswered."""
    key = wanted.strip().casefold()
    path = f"data.answers[title={wanted}].response"
    for answer in answers:
        if isinstance(answer, dict) and (str(answer.get("item_id", "")) == wanted.strip() or str(answer.get("title", "")).strip().casefold() == key):
            value = answer.get("response")
            if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
                value = value[0]  # a checkbox question with one box ticked: its text
            return value, path
    return None, path


def google_forms_completion_key(payload, settings: dict) -> str:
    """form:email:second, or "" when the contract does not say all three."""
    data = payload.get("data") if isinstance(payload, dict) else None
    form, response = (data.get("form"), data.get("response")) if isinstance(data, dict) else (None, None)
    if not isinstance(form, dict) or not isinstance(response, dict):
        return ""
    email = response.get("respondent_email")
    if (settings or {}).get("email_item"):
        answers = data.get("answers") if isinstance(data.get("answers"), list) else []
        email = contract_answer(answers, settings["email_item"])[0]
    moment = moment_parse(response.get("submitted_at"))
    if not isinstance(email, str) or not email.strip() or not form.get("id") or moment is None:
        return ""
    return derived_event_id("google_forms", form["id"], email.strip().lower(), moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
