"""Moodle web services, called by the worker to complete a course_completed event.

Moodle answers errors with HTTP 200 and {"exception", "errorcode", "message"}; they are classified
here: a bad token or a missing capability is permanent and says what to fix; an unreachable,
overloaded or maintenance-mode site is transient (the worker tries again later, see
`issuance/intake/processing.py`). Every call goes through the outgoing-request guard: https only,
no private address unless LAUREL_ALLOW_PRIVATE_TARGETS=1.
"""

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from ...outgoing.guard import OutboundRequestError, ResponseTooLarge, TargetRefused, guarded_request
from ..base import EnrichmentFailed, json_parse

CONNECT_TIMEOUT, READ_TIMEOUT = 5, 20
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
PARK_CODE_MAX = 60  # CompletionEvent.park_reason's length: a code is given whole or not at all
# WS errors that say the site is briefly unable to answer, not that Laurel's set-up is wrong.
TRANSIENT_ERRORS = {"sitemaintenance", "dbconnectionfailed", "dmlreadexception", "dmlwriteexception"}
COURSE_VIEW = "moodle/course:view (or enrol the web-services user in the course)"
# What Moodle 4.5.6 answered, measured with one capability taken from the web-services user's role
# (docs/lms/moodle.md), and the capability to give back. All arrive as HTTP 200.
CAPABILITY_BY_ERROR = {
    "requireloginerror": COURSE_VIEW,
    "errorcoursecontextnotvalid": COURSE_VIEW,
    "cannotviewreport": "report/completion:view",
    "nopermissiontoviewgrades": "moodle/grade:viewall",
    "accessexception": "webservice/rest:use (and the function must be in Laurel's external service, which must be enabled)",
    "servicenotavailable": "webservice/rest:use (and Laurel's external service must be enabled)",
}
# `nopermissions` names the capability by its title in brackets: "… to do that (View user report)."
CAPABILITY_BY_TITLE = {
    "View user report": "gradereport/user:view",
    "Review course enrolments": "moodle/course:enrolreview",
    "View user profiles": "moodle/user:viewdetails",
    "View grades of other users": "moodle/grade:viewall",
    "View course completion report": "report/completion:view",
}
WEB_SERVICES_OFF = ("web services or the REST protocol are off: enable them in Site administration → General → "
                    "Advanced features (Enable web services) and Server → Web services → Manage protocols (REST)")
# The functions Laurel calls and what each needs beyond webservice/rest:use (measured on 4.5.6).
FUNCTIONS = {
    "core_user_get_users_by_field": "moodle/user:viewdetails, moodle/site:viewuseridentity",
    "core_completion_get_course_completion_status": "moodle/course:view, report/completion:view",
    "gradereport_user_get_grade_items": "moodle/course:view, moodle/grade:viewall, gradereport/user:view",
    "core_course_get_courses_by_field": "moodle/course:view",
    "core_enrol_get_enrolled_users": "moodle/course:view, moodle/course:enrolreview (polling only)",
}


def moodle_capability_named(*, code: str, message: str, exception: str = "") -> str | None:
    """The capability a refusal names, or None when the answer is not a refusal of a capability."""
    if code in CAPABILITY_BY_ERROR:
        return CAPABILITY_BY_ERROR[code]
    if code == "nopermissions" or exception.endswith("required_capability_exception"):
        title = message.rsplit("(", 1)[-1].rstrip(".) ") if "(" in message else ""
        return CAPABILITY_BY_TITLE.get(title) or (f"the capability Moodle names: {title}" if title else "the capability Moodle's message names")
    return None


def moodle_capability_missing(*, function: str, capability: str, detail: str, field: str = "enrichment") -> EnrichmentFailed:
    return EnrichmentFailed(
        f"Moodle refused {function} ({detail}). Give Laurel's web-services user the capability {capability}: Site administration → "
        "Users → Permissions → Define roles.",
        code="moodle_capability_missing", field=field,
    )


def moodle_answer_read(*, function: str, status: int, body: bytes, base_url: str):
    """Moodle's answer to one function as data, or EnrichmentFailed saying what to fix (never "no data")."""
    if status >= 500 or status in (408, 429):
        raise EnrichmentFailed(f"Moodle answered {function} with HTTP {status}.", code="moodle_unavailable", transient=True)
    if status == 403 and not body.strip():  # what Moodle answers when web services or REST are off
        raise moodle_capability_missing(function=function, capability="webservice/rest:use",
                                         detail=f"HTTP 403 with an empty body: {WEB_SERVICES_OFF}")
    if status != 200:
        raise EnrichmentFailed(f"Moodle at {base_url} answered {function} with HTTP {status}; check moodle_url.", code="moodle_bad_response")
    try:
        result = json_parse(body)
    except ValueError:
        raise EnrichmentFailed(f"Moodle's answer to {function} is not JSON; check that moodle_url is the site's address.", code="moodle_bad_response") from None
    if isinstance(result, dict) and result.get("exception"):
        raise moodle_error_classify(function=function, result=result)
    return result


def moodle_ws_call(*, base_url: str, token: str, function: str, params: dict):
    """One web-services function over REST. The one place Laurel's requests to Moodle leave from."""
    data = {"wstoken": token, "wsfunction": function, "moodlewsrestformat": "json", **params}
    url = f"{base_url}/webservice/rest/server.php"
    try:
        response = guarded_request("POST", url, data=data, connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                                   max_bytes=MAX_RESPONSE_BYTES)
    except TargetRefused as exc:
        raise EnrichmentFailed(f"Laurel may not call moodle_url: {exc} Set moodle_url to the site's public https address.",
                               code="moodle_url_refused") from None
    except ResponseTooLarge:
        raise EnrichmentFailed(f"Moodle's answer to {function} is larger than {MAX_RESPONSE_BYTES} bytes; check moodle_url.",
                               code="moodle_bad_response") from None
    except OutboundRequestError as exc:
        raise EnrichmentFailed(f"Moodle at {base_url} did not answer {function}: {exc}", code="moodle_unavailable", transient=True) from None
    return moodle_answer_read(function=function, status=response.status, body=response.body, base_url=base_url)


def moodle_error_classify(*, function: str, result: dict) -> EnrichmentFailed:
    code = str(result.get("errorcode") or "")
    message = str(result.get("message") or "")[:300]
    exception = str(result.get("exception") or "")
    if code in TRANSIENT_ERRORS:
        return EnrichmentFailed(f"Moodle could not answer {function} just now ({code}: {message}).", code="moodle_unavailable", transient=True)
    if code == "invalidtoken":
        return EnrichmentFailed(
            "Moodle refused the web-services token (invalidtoken). Create a token for Laurel's service user "
            "(Site administration → Server → Web services → Manage tokens) and save it as ws_token.",
            code="moodle_invalidtoken",
        )
    capability = moodle_capability_named(code=code, message=message, exception=exception)
    if capability:
        return moodle_capability_missing(function=function, capability=capability, detail=f"{code}: {message}")
    park_code = f"moodle_{code}" if code and len(code) <= PARK_CODE_MAX - len("moodle_") else "moodle_ws_error"
    return EnrichmentFailed(f"Moodle answered {function} with {code or 'an error'}: {message}", code=park_code)


def course_total_percent(grades) -> Decimal | None:
    usergrades = grades.get("usergrades") if isinstance(grades, dict) else None
    items = (usergrades[0].get("gradeitems") or []) if usergrades else []
    for item in items:
        if item.get("itemtype") != "course" or item.get("graderaw") is None:
            continue
        try:
            raw, low, high = (Decimal(str(item.get(key) or 0)) for key in ("graderaw", "grademin", "grademax"))
        except InvalidOperation:
            return None
        return ((raw - low) / (high - low) * 100).quantize(Decimal("0.01")) if high > low else None
    return None


def moodle_learner_name(user: dict, *, name_order: str):
    """The name from Moodle's firstname and lastname in the source's order; Moodle's fullname if either is absent.

    `fullname` follows the site's fullnamedisplay ("firstname lastname" by default), so a site whose
    learners write the family name first sets name_order=family_given on the source instead.
    """
    first, last = user.get("firstname"), user.get("lastname")
    if isinstance(first, str) and isinstance(last, str) and first.strip() and last.strip():
        return f"{last} {first}" if name_order == "family_given" else f"{first} {last}"
    return user.get("fullname")


def moodle_completion_time(completion: dict) -> int:
    """Unix seconds of the completion: the latest criterion's timecompleted (Moodle keeps no course-level time)."""
    times = []
    for criterion in completion.get("completions") or []:
        try:
            times.append(int((criterion or {}).get("timecompleted") or 0))
        except (TypeError, ValueError, AttributeError):
            continue
    return max(times, default=0)


def moodle_user_read(*, users, user_id: str, function: str = "core_user_get_users_by_field", field: str = "relateduserid") -> dict:
    """The one user Moodle returned for an id from its own event; a refusal dressed as data is a refusal."""
    if not isinstance(users, list) or not users or not isinstance(users[0], dict):
        # The id came from Moodle itself, so "no such user" is almost always a user Laurel may not see.
        raise moodle_capability_missing(
            function=function, capability="moodle/user:viewdetails", field=field,
            detail=f"no user came back for id {user_id}, an id from Moodle's own event; if the user was deleted since, discard the event",
        )
    user = users[0]
    if "email" not in user:  # Moodle leaves the key out, not empty, when the user may not see identity fields
        raise moodle_capability_missing(
            function=function, capability="moodle/site:viewuseridentity (and keep email in Show user identity, the default)",
            field="email", detail=f"user {user_id} came back without an email field",
        )
    return user


def moodle_completion_enrich(*, base_url: str, token: str, candidate, name_order: str = "given_family") -> None:
    """Email, name, confirmed completion and its time, course total and shortname for this learner and course."""
    user_id, course_id = str(candidate.learner_id), str(candidate.course)

    def call(function, **params):
        return moodle_ws_call(base_url=base_url, token=token, function=function, params=params)

    user = moodle_user_read(users=call("core_user_get_users_by_field", field="id", **{"values[0]": user_id}), user_id=user_id)
    candidate.email = user.get("email")
    candidate.given_name, candidate.family_name = user.get("firstname"), user.get("lastname")
    candidate.name = moodle_learner_name(user, name_order=name_order)
    # The user's preferred language as Moodle names its language packs (fr, pt_br, zh_cn); empty: the site's.
    candidate.language = user.get("lang") or None
    status = call("core_completion_get_course_completion_status", courseid=course_id, userid=user_id)
    completion = (status.get("completionstatus") if isinstance(status, dict) else None) or {}
    if not completion.get("completed"):
        raise EnrichmentFailed(
            f"Moodle reports that user {user_id} has not completed course {course_id} (completion reset or criteria changed).",
            code="moodle_not_completed",
            field="courseid",
        )
    completed = moodle_completion_time(completion)
    if completed:  # the event's timecreated is when cron aggregated, which can be hours later
        candidate.completed_at = datetime.fromtimestamp(completed, tz=timezone.utc).isoformat()
        candidate.paths["completed_at"] = "latest criterion's timecompleted (from Moodle)"
    candidate.score = course_total_percent(call("gradereport_user_get_grade_items", courseid=course_id, userid=user_id))
    courses = call("core_course_get_courses_by_field", field="id", value=course_id).get("courses") or []
    if courses:
        candidate.course_code = courses[0].get("shortname")
        candidate.extra = {"course_name": courses[0].get("fullname")}
    candidate.paths.update(email="email (from Moodle)", name="firstname/lastname (from Moodle)", score="course total (from Moodle)",
                           language="lang (from Moodle)")


def moodle_score_fetch(*, base_url: str, token: str, user_id: str, course_id: str):
    """The course total again, for a decision that needs it and found none (graded since, or fixed capability)."""
    return course_total_percent(moodle_ws_call(base_url=base_url, token=token, function="gradereport_user_get_grade_items",
                                               params={"courseid": course_id, "userid": user_id}))
