"""Polling Moodle web services for a mapped course: who is enrolled, who has completed it, and their grade.

    core_enrol_get_enrolled_users(courseid, options: onlyactive, limitfrom, limitnumber)  → users, paged
    core_completion_get_course_completion_status(courseid, userid) → completed, per-criterion timecompleted
    gradereport_user_get_grade_items(courseid, userid)             → the course total, as the score

Moodle reports no course-level completion time to web services: the latest criterion's
`timecompleted` stands for it (it is what Moodle's aggregation records). Moodle cannot be asked
"completed since", so the cursor remembers who is already stored. The local_webhooks event is keyed
by its own time (when cron fired it), so a polled completion also counts as known when a webhook
event of the same learner and course lies within a day of it.
"""

import json
from datetime import timedelta

from ...models import CompletionEvent
from ..base import CandidateCompletion, Dialect, FieldError, source_setting
from .web_services import course_total_percent
from ..polling import PollBudgetSpent, PollClient, PollError, Poller, PollStep, learner_completion_add, moment_parse

PAGE_SIZE = 100
SAME_COMPLETION = timedelta(days=1)
CAPABILITY_ERRORS = {"nopermissions", "required_capability_exception", "accessexception", "servicenotavailable", "webservicesnotenabled"}


class MoodleClient(PollClient):
    def __init__(self, *, endpoint: str, token: str, **kwargs):
        super().__init__(**kwargs)
        self.endpoint, self.token = endpoint, token


class MoodlePoller(Poller):
    dialect = "moodle"
    label = "Moodle"

    def configured(self, source) -> bool:
        # Polling walks mapped courses: a webhook-only source matching courses by code has none to walk.
        return bool(source_setting(source, "moodle_url") and source_setting(source, "ws_token") and source.pk
                    and source.course_mappings.exists())

    def client(self, *, source, budget):
        return MoodleClient(
            endpoint=source_setting(source, "moodle_url").rstrip("/") + "/webservice/rest/server.php", token=source_setting(source, "ws_token"),
            budget=budget, headers={"Accept": "application/json"}, label=f"Moodle at {source_setting(source, 'moodle_url')}",
        )

    def call(self, client: MoodleClient, function: str, **params):
        """One web-services function by POST (the token stays out of URLs and logs); Moodle's HTTP-200 errors classified."""
        data = {"wstoken": client.token, "wsfunction": function, "moodlewsrestformat": "json", **params}
        response = client.get(client.endpoint, method="POST", data=data)
        try:
            result = json.loads(response.body)
        except ValueError:
            raise PollError(f"Moodle's answer to {function} is not JSON; check that moodle_url is the site's address.", kind=PollError.CONFIGURATION) from None
        if isinstance(result, dict) and result.get("exception"):
            code, message = str(result.get("errorcode") or ""), str(result.get("message") or "")[:300]
            if code == "invalidtoken":
                raise PollError("Moodle refused the web-services token (invalidtoken); save a new ws_token.", kind=PollError.CREDENTIALS)
            if code in CAPABILITY_ERRORS or "capabil" in message.lower():
                raise PollError(f"Moodle refused {function} ({code}: {message}); add it to the service and give its user the capability.",
                                kind=PollError.CREDENTIALS)
            return {"error": code, "message": message}
        return result

    def steps(self, *, client, source, scope, cursor, window):
        course = scope
        start = int((cursor.resume or {}).get("from", 0)) if window is None else 0
        seen = set(cursor.seen) if window is None else set()
        while True:
            users = self.call(client, "core_enrol_get_enrolled_users", courseid=course,
                              **{"options[0][name]": "onlyactive", "options[0][value]": "1",
                                 "options[1][name]": "limitfrom", "options[1][value]": str(start),
                                 "options[2][name]": "limitnumber", "options[2][value]": str(PAGE_SIZE)})
            if isinstance(users, dict):
                raise PollError(f"Moodle cannot list the users of course {course}: {users.get('error')} {users.get('message')}", kind=PollError.CONFIGURATION)
            more = len(users) == PAGE_SIZE
            step = PollStep(resume={"from": start + PAGE_SIZE} if more else None)
            try:
                for user in users:
                    self._completion_read(client=client, course=course, user=user, seen=seen, window=window, step=step)
            except (PollBudgetSpent, PollError):
                step.resume = {"from": start}
                yield step
                raise
            yield step
            if not more:
                return
            start += PAGE_SIZE

    def _completion_read(self, *, client, course, user, seen, window, step):
        user_id = str(user.get("id") or "") if isinstance(user, dict) else ""
        if not user_id or user_id in seen:
            return
        status = self.call(client, "core_completion_get_course_completion_status", courseid=course, userid=user_id)
        if status.get("error") == "nocriteriaset":
            raise PollError(f"Moodle course {course} has no completion criteria, so no one can complete it; set them in the course.",
                            kind=PollError.CONFIGURATION)
        completion = status.get("completionstatus") or {}
        if not completion.get("completed"):
            return
        times = [int(c.get("timecompleted") or 0) for c in completion.get("completions") or [] if isinstance(c, dict)]
        completed = max(times, default=0)
        if not completed or (window and not window.holds(moment_parse(completed))):
            return
        grades = self.call(client, "gradereport_user_get_grade_items", courseid=course, userid=user_id)
        body = {"courseid": course, "user": user, "completionstatus": completion, "timecompleted": completed,
                "grades": grades if "error" not in grades else None}
        learner_completion_add(step=step, seen=seen, dialect="moodle", learner=user_id, course=course, time_key=str(completed),
                               completed_at=completed, body=body)

    def known_otherwise(self, *, source, completion):
        polled = moment_parse(completion.completed_at)
        prefix = completion.external_id.rsplit(":", 1)[0] + ":"
        for external_id in CompletionEvent.objects.filter(source=source, external_id__startswith=prefix).values_list("external_id", flat=True):
            pushed = moment_parse(external_id.rsplit(":", 1)[-1])
            if polled and pushed and abs(pushed - polled) <= SAME_COMPLETION:
                return True
        return False


class MoodlePollAdapter(Dialect):
    """Reads what a Moodle poll stored: the enrolled user, their completion status and grade items."""

    name = "moodle"

    def adapt(self, payload):
        candidate = CandidateCompletion(paths={
            "email": "user.email", "name": "user.fullname", "course": "courseid", "completed_at": "timecompleted",
            "learner_id": "user.id", "score": "course total (grade report)",
        })
        if not isinstance(payload, dict) or not isinstance(payload.get("user"), dict):
            return candidate, [FieldError("body", "This polled Moodle event holds no user.", "body_not_object")]
        user = payload["user"]
        candidate.email, candidate.name = user.get("email"), user.get("fullname")
        candidate.given_name, candidate.family_name = user.get("firstname"), user.get("lastname")
        candidate.learner_id, candidate.course = str(user.get("id")), str(payload.get("courseid"))
        moment = moment_parse(payload.get("timecompleted"))
        candidate.completed_at = moment.isoformat() if moment else payload.get("timecompleted")
        candidate.score = course_total_percent(payload.get("grades") or {})
        return candidate, []
