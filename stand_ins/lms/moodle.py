"""Moodle 4.5 as measured: its web services with the real error bodies per missing capability, and the
local_webhooks plugin's body (real-systems.md §1)."""

import json
from urllib.parse import parse_qs

from .server import _Server


def php_json(data) -> bytes:
    """JSON as PHP's json_encode writes it (Moodle's web services and the local_webhooks plugin): `/` as `\\/`,
    non-ASCII as `\\uXXXX`. A `/` only ever stands inside a JSON string, so replacing it is exact."""
    return json.dumps(data, separators=(",", ":")).replace("/", "\\/").encode()


def moodle_course_completed(*, user="4", course="2", token: str, at=1796610433, eventname="\\core\\event\\course_completed") -> dict:
    """The local_webhooks 3.0.5 body for \\core\\event\\course_completed as a real Moodle 4.5.6 sent it
    (docs/lms/moodle.md): ids as strings beside numbers, `other` an object, `userid` the cron user."""
    return {
        "eventname": eventname, "component": "core", "action": "completed", "target": "course",
        "objecttable": "course_completions", "objectid": "2", "crud": "u", "edulevel": 2, "contextid": 12,
        "contextlevel": 50, "contextinstanceid": course, "userid": "2", "courseid": course, "relateduserid": user,
        "anonymous": 0, "other": {"relateduserid": user}, "timecreated": at, "host": "127.0.0.1", "token": token, "extra": "",
    }


# What Moodle 4.5.6 answered with one capability removed from the web-services user's role (measured).
NOT_ACCESSIBLE = ("core\\exception\\require_login_exception", "requireloginerror", "Course or activity not accessible.")
CAPABILITY_REFUSALS = {
    "core_completion_get_course_completion_status": [
        ("moodle/course:view", NOT_ACCESSIBLE),
        ("report/completion:view", ("core\\exception\\moodle_exception", "cannotviewreport", "You cannot view this report")),
    ],
    "gradereport_user_get_grade_items": [
        ("moodle/course:view", NOT_ACCESSIBLE),
        ("gradereport/user:view", ("core\\exception\\required_capability_exception", "nopermissions",
                                   "Sorry, but you do not currently have permissions to do that (View user report).")),
        ("moodle/grade:viewall", ("core\\exception\\moodle_exception", "nopermissiontoviewgrades", "Cannot view grades.")),
    ],
    "core_enrol_get_enrolled_users": [
        ("moodle/course:view", NOT_ACCESSIBLE),
        ("moodle/course:enrolreview", ("core\\exception\\required_capability_exception", "nopermissions",
                                       "Sorry, but you do not currently have permissions to do that (Review course enrolments).")),
    ],
    "core_course_get_courses_by_field": [],
    "core_user_get_users_by_field": [],
}
MEASURED_MINIMUM = {"webservice/rest:use", "moodle/course:view", "moodle/user:viewdetails", "moodle/site:viewuseridentity",
                    "report/completion:view", "moodle/grade:viewall", "gradereport/user:view", "moodle/course:enrolreview"}


def moodle_exception(exception: str, code: str, message: str) -> tuple[int, dict]:
    return 200, {"exception": exception, "errorcode": code, "message": message}


class MoodleWebServices(_Server):
    """/webservice/rest/server.php answering the five functions Laurel calls as Moodle 4.5.6 did: errors as
    HTTP 200 with namespaced exceptions, a refusal per missing capability (`capabilities`), users without
    `email` or not at all when identity or details are hidden, HTTP 403 with an empty body when web
    services are off, numeric ids in answers, and PHP's escaped slashes."""

    def __init__(self, *, token: str):
        super().__init__()
        self.token = token
        self.users: dict[str, dict] = {}
        self.completed: set[tuple[str, str]] = set()
        self.course_totals: dict[tuple[str, str], tuple[float, float]] = {}
        self.courses: dict[str, dict] = {}
        self.fail_with: tuple[int, dict] | None = None  # e.g. (503, {...}) or (200, {"exception": …})
        self.enrolled: dict[str, list[str]] = {}  # course id → user ids, for core_enrol_get_enrolled_users
        self.completed_at: dict[tuple[str, str], int] = {}  # (user, course) → the last criterion's timecompleted
        self.fail_times: int | None = None  # answer `fail_with` to this many requests, then normally (None: always)
        self.capabilities: set[str] = set(MEASURED_MINIMUM)  # the web-services user's role
        self.web_services_enabled = True

    def _answer(self, handler, body: bytes):
        status, payload, *rest = self.respond_to(handler, body)
        data = payload if isinstance(payload, bytes) else php_json(payload)
        handler.send_response(status)
        if status != 403:
            handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _user(self, uid: str) -> dict:
        user = dict(self.users[uid])
        if "moodle/site:viewuseridentity" not in self.capabilities:
            user.pop("email", None)  # Moodle leaves the key out
        user.setdefault("profileimageurl", f"{self.url}/theme/image.php/boost/core/1/u/f1")
        return user

    def respond(self, path, body):
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        self.requests.append({"path": path, "form": form})
        if not path.startswith("/webservice/rest/server.php"):
            return 404, {"error": "not found"}
        if not self.web_services_enabled:
            return 403, b""
        if self.fail_with and self.fail_times != 0:
            if self.fail_times is not None:
                self.fail_times -= 1
            return self.fail_with
        if form.get("wstoken") != self.token:
            return moodle_exception("core\\exception\\moodle_exception", "invalidtoken", "Invalid token - token not found")
        if "webservice/rest:use" not in self.capabilities:
            return moodle_exception("webservice_access_exception", "accessexception", "Access control exception")
        function = form.get("wsfunction")
        for capability, refusal in CAPABILITY_REFUSALS.get(function, []):
            if capability not in self.capabilities:
                return moodle_exception(*refusal)
        if function == "core_user_get_users_by_field":
            uid = form.get("values[0]")
            if uid not in self.users or "moodle/user:viewdetails" not in self.capabilities:
                return 200, []
            return 200, [self._user(uid)]
        if function == "core_enrol_get_enrolled_users":
            options = {form[f"options[{i}][name]"]: form[f"options[{i}][value]"] for i in range(10) if f"options[{i}][name]" in form}
            start, count = int(options.get("limitfrom", 0)), int(options.get("limitnumber", 0)) or None
            ids = self.enrolled.get(form.get("courseid"), [])
            return 200, [self._user(uid) for uid in ids[start : start + count if count else None]]
        if function == "core_completion_get_course_completion_status":
            key = (form["userid"], form["courseid"])
            done = key in self.completed
            raw, high = self.course_totals.get(key, (None, 100))
            grade = "-" if raw is None else f"{raw / high * 100:.2f}"
            criteria = [{"type": 6, "title": "Course grade", "status": f"{grade} (50.00 required)", "complete": done,
                         "timecompleted": self.completed_at.get(key, 1731600000) if done else None,
                         "details": {"type": "Course grade", "criteria": "Required course grade", "requirement": "50.00", "status": grade}}]
            return 200, {"completionstatus": {"completed": done, "aggregation": 1, "completions": criteria}, "warnings": []}
        if function == "gradereport_user_get_grade_items":
            raw, high = self.course_totals.get((form["userid"], form["courseid"]), (None, 100))
            items = [self._grade_item(2, "Final assessment", "manual", raw, high), self._grade_item(1, None, "course", raw, high)]
            return 200, {"usergrades": [{"courseid": int(form["courseid"]), "userid": int(form["userid"]), "gradeitems": items}], "warnings": []}
        if function == "core_course_get_courses_by_field":
            course = self.courses.get(form.get("value"))
            return 200, {"courses": [course] if course else [], "warnings": []}
        return moodle_exception("dml_missing_record_exception", "invalidrecord", "Can't find data record in database table external_functions.")

    @staticmethod
    def _grade_item(item_id, name, itemtype, raw, high) -> dict:
        """A grade item as 4.5.6 returns it (the course total is itemtype "course", itemname null)."""
        formatted = "-" if raw is None else f"{raw:.2f}"
        return {"id": item_id, "itemname": name, "itemtype": itemtype, "itemmodule": None, "iteminstance": 1, "itemnumber": None,
                "idnumber": None, "categoryid": None, "outcomeid": None, "scaleid": None, "locked": False, "graderaw": raw,
                "gradedatesubmitted": None, "gradedategraded": None if raw is None else 1796610058, "gradehiddenbydate": False,
                "gradeneedsupdate": False, "gradeishidden": False, "gradeislocked": False, "gradeisoverridden": False,
                "gradeformatted": formatted, "grademin": 0, "grademax": high, "rangeformatted": f"0&ndash;{high:g}",
                "percentageformatted": "-" if raw is None else f"{raw / high * 100:.2f} %", "feedback": "", "feedbackformat": 2}
