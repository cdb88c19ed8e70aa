"""Check connection: call each web-services function Laurel needs, as Laurel calls it, and say per function
OK or what to fix (the capability to grant, the setting to change).

Used by the "Check connection" button on the source's admin page and `manage.py source_check`. It
asks about a real learner of a mapped course (the first active one Moodle lists), since Moodle
checks most capabilities in a course's context; without a mapped course or a learner in it, the
functions that need one are reported as not checked, which is not OK.
"""

from ..base import ConnectionCheck, EnrichmentFailed, source_setting
from .web_services import FUNCTIONS, moodle_user_read, moodle_ws_call

ENROLLED = "core_enrol_get_enrolled_users"


def _outcome(function: str, call) -> tuple[ConnectionCheck, object]:
    try:
        result = call()
    except EnrichmentFailed as exc:
        return ConnectionCheck(function=function, ok=False, detail=f"{exc.code}: {exc.message}"), None
    return ConnectionCheck(function=function, ok=True, detail=f"OK (needs {FUNCTIONS[function]})"), result


def moodle_connection_check(*, source) -> list[ConnectionCheck]:
    base_url, token = source_setting(source, "moodle_url"), source_setting(source, "ws_token")

    def call(function, **params):
        return lambda: moodle_ws_call(base_url=base_url, token=token, function=function, params=params)

    course = next(iter(source.course_mappings.order_by("external_id").values_list("external_id", flat=True)), None) if source.pk else None
    if course is None:
        reason = "not checked: map a Moodle course to a Laurel course on this page first (the check asks about one)"
        return [ConnectionCheck(function=function, ok=False, detail=reason) for function in FUNCTIONS]
    checks = []
    check, users = _outcome(ENROLLED, call(ENROLLED, courseid=course, **{
        "options[0][name]": "onlyactive", "options[0][value]": "1", "options[1][name]": "limitnumber", "options[1][value]": "1"}))
    checks.append(check)
    if check.ok and not (isinstance(users, list) and users and isinstance(users[0], dict) and users[0].get("id")):
        checks[-1] = ConnectionCheck(function=ENROLLED, ok=True, detail=f"OK, but Moodle course {course} has no active learner to ask about")
    if not check.ok and check.detail.startswith("moodle_invalidtoken"):
        # One cause, said once: every other function would fail for the same token.
        return checks + [ConnectionCheck(function=f, ok=False, detail="not checked: the token was refused") for f in FUNCTIONS if f != ENROLLED]
    user = str(users[0]["id"]) if check.ok and users and isinstance(users[0], dict) and users[0].get("id") else None
    if user is None:
        reason = f"not checked: no active learner of Moodle course {course} could be listed to ask about"
        checks += [ConnectionCheck(function=f, ok=False, detail=reason) for f in FUNCTIONS if f not in (ENROLLED, "core_course_get_courses_by_field")]
    else:
        check, found = _outcome("core_user_get_users_by_field", call("core_user_get_users_by_field", field="id", **{"values[0]": user}))
        if check.ok:
            try:
                moodle_user_read(users=found, user_id=user)
            except EnrichmentFailed as exc:
                check = ConnectionCheck(function=check.function, ok=False, detail=f"{exc.code}: {exc.message}")
        checks.append(check)
        for function in ("core_completion_get_course_completion_status", "gradereport_user_get_grade_items"):
            check, answer = _outcome(function, call(function, courseid=course, userid=user))
            checks.append(check)
    checks.append(_outcome("core_course_get_courses_by_field", call("core_course_get_courses_by_field", field="id", value=course))[0])
    order = list(FUNCTIONS)
    return sorted(checks, key=lambda c: order.index(c.function))
