"""Moodle web services, called by the worker to complete a course_completed event.

Moodle answers errors with HTTP 200 and {"exception", "errorcode", "message"}; they are classified
here: a bad token or a missing capability is permanent and says what to fix; an unreachable,
overloaded or maintenance-mode site is transient (the worker tries again later, see
`issuance/intake/processing.py`). Every call goes through the outgoing-request guard: https only,
no private address unless LAUREL_ALLOW_PRIVATE_TARGETS=1.
"""

from decimal import Decimal, InvalidOperation

from ...outgoing.guard import OutboundRequestError, ResponseTooLarge, TargetRefused, guarded_request
from ..base import EnrichmentFailed, json_parse

CONNECT_TIMEOUT, READ_TIMEOUT = 5, 20
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
# WS errors that say the site is briefly unable to answer, not that Laurel's set-up is wrong.
TRANSIENT_ERRORS = {"sitemaintenance", "dbconnectionfailed", "dmlreadexception", "dmlwriteexception"}
CAPABILITY_ERRORS = {"nopermissions", "required_capability_exception", "accessexception", "servicenotavailable", "webservicesnotenabled"}


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
    body = response.body
    if response.status >= 500 or response.status in (408, 429):
        raise EnrichmentFailed(f"Moodle answered {function} with HTTP {response.status}.", code="moodle_unavailable", transient=True)
    if response.status != 200:
        raise EnrichmentFailed(f"Moodle answered {function} with HTTP {response.status}; check moodle_url.", code="moodle_bad_response")
    try:
        result = json_parse(body)
    except ValueError:
        raise EnrichmentFailed(f"Moodle's answer to {function} is not JSON; check that moodle_url is the site's address.", code="moodle_bad_response") from None
    if isinstance(result, dict) and result.get("exception"):
        raise moodle_error_classify(function=function, result=result)
    return result


def moodle_error_classify(*, function: str, result: dict) -> EnrichmentFailed:
    code = str(result.get("errorcode") or "")
    message = str(result.get("message") or "")[:300]
    if code in TRANSIENT_ERRORS:
        return EnrichmentFailed(f"Moodle could not answer {function} just now ({code}: {message}).", code="moodle_unavailable", transient=True)
    if code == "invalidtoken":
        return EnrichmentFailed(
            "Moodle refused the web-services token (invalidtoken). Create a token for Laurel's service user "
            "(Site administration → Server → Web services → Manage tokens) and save it as ws_token.",
            code="moodle_invalidtoken",
        )
    if code in CAPABILITY_ERRORS or "capabil" in message.lower():
        return EnrichmentFailed(
            f"Moodle refused {function} ({code}: {message}). Add {function} to the external service and give its "
            "user the capability the message names.",
            code="moodle_capability_missing",
        )
    return EnrichmentFailed(f"Moodle answered {function} with {code or 'an error'}: {message}", code=f"moodle_{code}"[:30] if code else "moodle_ws_error")


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


def moodle_completion_enrich(*, base_url: str, token: str, candidate) -> None:
    """Email, name, confirmed completion, course total and shortname for this learner and course."""
    user_id, course_id = str(candidate.learner_id), str(candidate.course)

    def call(function, **params):
        return moodle_ws_call(base_url=base_url, token=token, function=function, params=params)

    users = call("core_user_get_users_by_field", field="id", **{"values[0]": user_id})
    if not isinstance(users, list) or not users:
        raise EnrichmentFailed(f"Moodle knows no user with id {user_id} (or the token may not see them).", code="moodle_user_unknown", field="relateduserid")
    user = users[0]
    candidate.email = user.get("email")
    candidate.given_name, candidate.family_name = user.get("firstname"), user.get("lastname")
    candidate.name = user.get("fullname")
    status = call("core_completion_get_course_completion_status", courseid=course_id, userid=user_id)
    if not (status.get("completionstatus") or {}).get("completed"):
        raise EnrichmentFailed(
            f"Moodle reports that user {user_id} has not completed course {course_id} (completion reset or criteria changed).",
            code="moodle_not_completed",
            field="courseid",
        )
    candidate.score = course_total_percent(call("gradereport_user_get_grade_items", courseid=course_id, userid=user_id))
    courses = call("core_course_get_courses_by_field", field="id", value=course_id).get("courses") or []
    if courses:
        candidate.course_code = courses[0].get("shortname")
        candidate.extra = {"course_name": courses[0].get("fullname")}
    candidate.paths.update(email="email (from Moodle)", name="fullname (from Moodle)", score="course total (from Moodle)")
