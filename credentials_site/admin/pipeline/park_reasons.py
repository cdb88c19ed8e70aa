"""Why an event or an issuance is parked, in words: the stored code (`email_invalid`) is for filtering, not for reading."""

# Whole codes that are not "<field>_<missing|invalid>".
WHOLE = {
    "body_not_json": "The body is not JSON",
    "body_not_object": "The body is not a JSON object",
    "body_not_text": "The body is not text",
    "body_too_deep": "The body is nested too deeply",
    "data_missing": "The completion data is missing",
    "learner_missing": "The learner is missing",
    "type_unknown": "Not a completion Laurel knows",
    "processing_failed": "Processing failed with an unexpected error",
    # Moodle's web services (issuance/sources/moodle/web_services.py): the message names the capability or setting.
    "moodle_capability_missing": "Moodle: the web-services user lacks a capability",
    "moodle_invalidtoken": "Moodle refused the web-services token",
    "moodle_not_completed": "Moodle says the course is not completed",
    "moodle_unavailable": "Moodle did not answer",
    "moodle_bad_response": "Moodle's answer was not readable (check moodle_url)",
    "moodle_url_refused": "Laurel may not call moodle_url",
    "moodle_ws_error": "Moodle answered with an error",
    # Canvas REST asked for a score (issuance/sources/canvas/webhook.py): the message names the fix.
    "canvas_token_refused": "Canvas refused the api_token",
    "canvas_permission_missing": "Canvas: the api_token's user may not read the course",
    "canvas_grades_hidden": "Canvas: the api_token's user may not view grades",
    "canvas_enrollment_missing": "Canvas lists no such student enrollment",
    "canvas_not_found": "Canvas has no such course or user (check canvas_url)",
    "canvas_bad_response": "Canvas's answer was not readable (check canvas_url)",
    "canvas_unavailable": "Canvas did not answer",
    "canvas_url_refused": "Laurel may not call canvas_url",
}
# Facts a course's rules need that the completion did not carry (issuance/missing_facts.py): staff, not the learner.
MISSING_FACTS = {"score": "Score missing: the rules need one the source did not report",
                 "attendance": "Attendance missing: the rules need one the source did not report",
                 "extra_field": "Field missing: the rules compare a field the source did not report"}
FIELDS = {
    "email": "Email address",
    "name": "Learner name",
    "course": "Course",
    "completed_at": "Completion time",
    "score": "Score",
    "attendance": "Attendance",
    "learner_id": "Learner id",
    "extra": "Extra data",
}
KINDS = {"missing": "missing", "invalid": "not valid"}


def park_reason_label(code: str) -> str:
    """'email_invalid' → 'Email address not valid'; an unknown code reads as its words."""
    if not code:
        return "—"
    if code in WHOLE:
        return WHOLE[code]
    field, _, kind = code.rpartition("_")
    if kind == "missing" and field in MISSING_FACTS:
        return MISSING_FACTS[field]
    if field in FIELDS and kind in KINDS:
        return f"{FIELDS[field]} {KINDS[kind]}"
    return code.replace("_", " ").capitalize()
