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

from datetime import timedelta

from issuance.models import CompletionEvent
from issuance.sources.base import CandidateCompletion, Dialect, EnrichmentFailed, FieldError, source_setting
from issuance.sources.moodle.webhook import MOODLE_FACT_HELP, moodle_score_fill
from issuance.sources.moodle.web_services import course_total_percent, moodle_answer_read, moodle_completion_time, moodle_learner_name, moodle_user_read
from issuance.sources.polling import PollBudgetSpent, PollClient, PollError, Poller, PollStep, learner_completion_add, moment_parse

PAGE_SIZE = 100
SAME_COMPLETION = timedelta(days=1)
# Answers Moodle gives with HTTP 200 that are data, not a refusal, for one function.
EXPECTED_ERRORS = {"core_completion_get_course_completion_status": {"nocriteriaset"}}


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
        """One web-services function by POST (the token stays out of URLs and logs); a refusal parks the source.

        Moodle answers errors with HTTP 200; an answer Laurel does not expect is never read as "no
        data": it stops the poll with Moodle's code and message, naming the capability when it is one.
        """
        data = {"wstoken": client.token, "wsfunction": function, "moodlewsrestformat": "json", **params}
        response = client.get(client.endpoint, method="POST", data=data, refused=(401,), passthrough=(403,))
        try:
            return moodle_answer_read(function=function, status=response.status, body=response.body, base_url=client.endpoint)
        except EnrichmentFailed as exc:
            expected = EXPECTED_ERRORS.get(function, set())
            if exc.code.removeprefix("moodle_") in expected:
                return {"error": exc.code.removeprefix("moodle_")}
            if exc.transient:
                raise PollError(exc.message, kind=PollError.TRANSIENT) from None
            kind = PollError.CREDENTIALS if exc.code in ("moodle_invalidtoken", "moodle_capability_missing") else PollError.CONFIGURATION
            raise PollError(f"{exc.code}: {exc.message}", kind=kind) from None

    def steps(self, *, client, source, scope, cursor, window):
        course = scope
        start = int((cursor.resume or {}).get("from", 0)) if window is None else 0
        seen = set(cursor.seen) if window is None else set()
        while True:
            users = self.call(client, "core_enrol_get_enrolled_users", courseid=course,
                              **{"options[0][name]": "onlyactive", "options[0][value]": "1",
                                 "options[1][name]": "limitfrom", "options[1][value]": str(start),
                                 "options[2][name]": "limitnumber", "options[2][value]": str(PAGE_SIZE)})
            if not isinstance(users, list):
                raise PollError(f"Moodle's list of the users of course {course} is not a list: {str(users)[:200]}", kind=PollError.CONFIGURATION)
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
        # The enrolled-users list leaves email out, as users-by-field does, without moodle/site:viewuseridentity.
        if "email" not in user:
            try:
                moodle_user_read(users=[user], user_id=user_id, function="core_enrol_get_enrolled_users")
            except EnrichmentFailed as exc:
                raise PollError(f"{exc.code}: {exc.message}", kind=PollError.CREDENTIALS) from None
        status = self.call(client, "core_completion_get_course_completion_status", courseid=course, userid=user_id)
        if status.get("error") == "nocriteriaset":
            raise PollError(f"Moodle course {course} has no completion criteria, so no one can complete it; set them in the course.",
                            kind=PollError.CONFIGURATION)
        completion = status.get("completionstatus") if isinstance(status, dict) else None
        if not isinstance(completion, dict):
            raise PollError(f"Moodle's completion status of user {user_id} in course {course} holds no completionstatus: "
                            f"{str(status)[:200]}", kind=PollError.CONFIGURATION)
        if not completion.get("completed"):
            return
        completed = moodle_completion_time(completion)
        if not completed or (window and not window.holds(moment_parse(completed))):
            return
        grades = self.call(client, "gradereport_user_get_grade_items", courseid=course, userid=user_id)
        body = {"courseid": course, "user": user, "completionstatus": completion, "timecompleted": completed, "grades": grades}
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
            "email": "user.email", "name": "user.firstname/lastname", "course": "courseid", "completed_at": "timecompleted",
            "learner_id": "user.id", "score": "course total (grade report)", "language": "user.lang",
        })
        if not isinstance(payload, dict) or not isinstance(payload.get("user"), dict):
            return candidate, [FieldError("body", "This polled Moodle event holds no user.", "body_not_object")]
        user = payload["user"]
        candidate.email, candidate.name = user.get("email"), moodle_learner_name(user, name_order="given_family")
        candidate.given_name, candidate.family_name = user.get("firstname"), user.get("lastname")
        candidate.learner_id, candidate.course = str(user.get("id")), str(payload.get("courseid"))
        candidate.language = user.get("lang") or None  # only when Moodle lets the token see it
        moment = moment_parse(payload.get("timecompleted"))
        candidate.completed_at = moment.isoformat() if moment else payload.get("timecompleted")
        candidate.score = course_total_percent(payload.get("grades") or {})
        return candidate, []

    facts_fetchable = frozenset({"score"})

    def enrich(self, *, source, candidate, payload):
        """No call: the poll fetched everything; only the source's name order applies."""
        if isinstance(payload, dict) and isinstance(payload.get("user"), dict):
            candidate.name = moodle_learner_name(payload["user"], name_order=source_setting(source, "name_order", "given_family"))

    def facts_fetch(self, *, source, candidate, needed):
        return moodle_score_fill(source=source, candidate=candidate, needed=needed)

    def fact_missing_help(self, fact: str) -> str:
        return MOODLE_FACT_HELP.get(fact) or super().fact_missing_help(fact)
