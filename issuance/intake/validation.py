"""Step 2: turn a candidate completion into a clean `Completion`, or into specific field errors."""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from email_validator import EmailNotValidError, validate_email

from courses.models import Course
from courses.templating.languages import LanguageTagError, language_tag_parse
from courses.templating.learner_text import NAME_MAX_LENGTH, LearnerNameError, learner_name_clean

from ..completions import Completion
from ..models import CompletionEvent, Source, SourceCourseMapping
from ..sources.base import CandidateCompletion, FieldError
from .sheet_dates import sheet_time_parse

# A sender's clock may run a little ahead of ours; beyond this a completion "in the future" is an error.
CLOCK_SKEW = timedelta(minutes=5)


def email_normalize(value) -> tuple[str | None, str | None]:
    """(normalised address, error message). International domains and local parts are allowed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "The learner's email is missing."
    if not isinstance(value, str):
        return None, f"The email must be text, not {type(value).__name__}."
    try:
        result = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        return None, f"{value.strip()!r} is not a valid email address: {exc}"
    # One learner per address whatever the sender's capitals: compare and store in lower case.
    return result.normalized.lower(), None


def name_normalize(candidate: CandidateCompletion) -> tuple[str | None, str | None]:
    """(name, error). `name`, or `given_name` + `family_name`; any script, no control characters."""
    raw = candidate.name
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        parts = [p for p in (candidate.given_name, candidate.family_name) if p is not None]
        if any(not isinstance(p, str) for p in parts):
            return None, "given_name and family_name must be text."
        raw = " ".join(p.strip() for p in parts if p.strip())
    if not isinstance(raw, str):
        return None, f"The name must be text, not {type(raw).__name__}."
    if not raw.split():
        return None, "The learner's name is missing (give name, or given_name and family_name)."
    try:
        return learner_name_clean(raw), None
    except LearnerNameError as exc:
        return None, str(exc)


def course_resolve(*, source: Source, reference, channel: str, code=None) -> tuple[Course | None, str | None]:
    """The organisation's course this reference names: the mapping table first, then the course code.

    `code` is a sender's better guess at the code than its id (Canvas's sis_source_id, Moodle's
    shortname); the mapping table is always asked about the id first.
    """
    if reference is None or (isinstance(reference, str) and not reference.strip()):
        return None, "The course is missing."
    if not isinstance(reference, (str, int)) or isinstance(reference, bool):
        return None, f"The course id must be text or a number, not {type(reference).__name__}."
    reference = str(reference).strip()
    mapping = SourceCourseMapping.objects.filter(source=source, external_id=reference).select_related("course").first()
    course = mapping.course if mapping else None
    by_code = source.course_matching == Source.CourseMatching.BY_CODE or channel in (CompletionEvent.Channel.CSV, CompletionEvent.Channel.FORM)
    if course is None and by_code:
        codes = [str(c).strip() for c in (code, reference) if isinstance(c, (str, int)) and str(c).strip()]
        for candidate_code in dict.fromkeys(codes):
            course = Course.objects.filter(organization_id=source.organization_id, code__iexact=candidate_code).first()
            if course is not None:
                break
    if course is None:
        how = "course code or mapping" if by_code else "mapping (this source matches courses by its mapping table)"
        also = f" (nor the course code {code!r})" if code and str(code) != reference and by_code else ""
        return None, f"No course of {source.organization.name} has the {how} {reference!r}{also}."
    if course.organization_id != source.organization_id:
        return None, f"The mapping sends {reference!r} to a course of another organisation."
    if not course.is_active:
        return None, f"Course {course.code} is inactive, so it issues nothing."
    return course, None


def completed_at_parse(value, *, now: datetime, sheet: tuple[str, str] | None = None) -> tuple[datetime | None, str | None]:
    """The completion time; `sheet` (the organisation's time zone and date order) reads a CSV file's times
    without a time zone, and its slashed dates, as a person wrote them."""
    if value is None or value == "":
        return None, "completed_at is missing."
    if not isinstance(value, str):
        return None, f"completed_at must be an ISO 8601 text, not {type(value).__name__}."
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        moment = None
    if sheet is not None and (moment is None or moment.tzinfo is None or moment.utcoffset() is None):
        moment, message = sheet_time_parse(value, zone=sheet[0], date_order=sheet[1], now=now)
        if message:
            return None, message
    elif moment is None:
        return None, f"completed_at {value!r} is not an ISO 8601 time such as 2026-11-26T09:58:00Z."
    elif moment.tzinfo is None or moment.utcoffset() is None:
        return None, f"completed_at {value!r} has no time zone; add Z or an offset such as +01:00."
    if moment > now + CLOCK_SKEW:
        return None, f"completed_at {value!r} is in the future."
    return moment, None


def percent_parse(value, label: str) -> tuple[Decimal | None, str | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None, f"{label} must be a number from 0 to 100."
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None, f"{label} {value!r} is not a number."
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
        return None, f"{label} {value!r} is outside 0–100."
    return number, None


def language_normalize(value) -> tuple[str, str | None]:
    """(tag in canonical case or "" when none was sent, error). A tag Laurel has no translation for is no error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "", None
    try:
        return language_tag_parse(value), None
    except LanguageTagError as exc:
        return "", str(exc)


def completion_validate(
    *,
    source: Source,
    candidate: CandidateCompletion,
    channel: str,
    now: datetime | None = None,
    course_cache: dict | None = None,
) -> tuple[Completion | None, list[FieldError]]:
    """Every problem at once, so staff fix an event in one go.

    `course_cache` lets a caller checking many rows of one source look each course up once.
    """
    now = now or timezone.now()
    errors: list[FieldError] = []

    def check(field: str, result):
        value, message = result
        if message:
            kind = "missing" if "missing" in message else "invalid"
            errors.append(FieldError(candidate.path(field), message, f"{field}_{kind}"))
        return value

    email = check("email", email_normalize(candidate.email))
    name = check("name", name_normalize(candidate))
    cache_key = (source.pk, channel, str(candidate.course), str(candidate.course_code))
    if course_cache is not None and cache_key in course_cache:
        resolved = course_cache[cache_key]
    else:
        resolved = course_resolve(source=source, reference=candidate.course, channel=channel, code=candidate.course_code)
        if course_cache is not None:
            course_cache[cache_key] = resolved
    course = check("course", resolved)
    sheet = None
    if channel == CompletionEvent.Channel.CSV:  # a person's file: times in the organisation's zone and date order
        sheet = (source.organization.timezone or "UTC", source.organization.date_order)
    completed_at = check("completed_at", completed_at_parse(candidate.completed_at, now=now, sheet=sheet))
    score = check("score", percent_parse(candidate.score, "score"))
    attendance = check("attendance", percent_parse(candidate.attendance, "attendance"))
    language = check("language", language_normalize(candidate.language))
    learner_id = candidate.learner_id
    if learner_id is not None and (isinstance(learner_id, bool) or not isinstance(learner_id, (str, int))):
        errors.append(FieldError(candidate.path("learner_id"), "The learner id must be text or a number.", "learner_id_invalid"))
    learner_id = "" if learner_id is None else str(learner_id).strip()[:300]
    extra = candidate.extra if candidate.extra is not None else {}
    if not isinstance(extra, dict):
        errors.append(FieldError(candidate.path("extra"), "extra must be a JSON object.", "extra_invalid"))
    if errors:
        return None, errors
    return (
        Completion(
            course_id=course.pk,
            email=email,
            name=name,
            completed_at=completed_at,
            learner_external_id=learner_id,
            score=score,
            attendance=attendance,
            extra=extra,
            language=language,
        ),
        [],
    )
