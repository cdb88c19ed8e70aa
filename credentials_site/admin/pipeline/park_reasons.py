"""Why an event is parked, in words: the stored code (`email_invalid`) is for filtering, not for reading."""

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
}
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
    if field in FIELDS and kind in KINDS:
        return f"{FIELDS[field]} {KINDS[kind]}"
    return code.replace("_", " ").capitalize()
