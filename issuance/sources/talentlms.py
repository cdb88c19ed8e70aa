"""TalentLMS, polled: it sends no completion webhooks, so Laurel asks API v2 for each mapped course.

    GET {base_url}/api/v2/courses/{course}/users?page=N&page_size=100   → the course's users, page by page
    GET {base_url}/api/v2/course-progress?user_id=…&course_id=…        → completion status, date, score

HTTP Basic with the API key (the source's secret) as user name and an empty password. The paths,
the answer's field names and the rate-limit headers (X-RateLimit-Remaining / X-RateLimit-Reset) are
not confirmed against TalentLMS's own documentation: the paths are settings, and the fields Laurel
reads are listed in docs/lms/talentlms.md. Nothing can be posted to a TalentLMS source.
"""

from urllib.parse import urlencode

from .base import AuthenticationFailed, CandidateCompletion, Dialect, FieldError, source_setting
from .polling import (
    PollBudgetSpent,
    PollClient,
    PollError,
    Poller,
    PollStep,
    basic_authorization,
    completion_time_key,
    learner_completion_add,
    moment_parse,
)
from .settings_schema import Setting, poll_minutes_setting

PAGE_SIZE = 100
USERS_PATH = "/api/v2/courses/{course}/users"
PROGRESS_PATH = "/api/v2/course-progress"
COMPLETED = {"completed", "complete", "passed"}


def _items(answer) -> list:
    """A page of users: a bare list, or the list under `data`, `users` or `items`."""
    if isinstance(answer, list):
        return answer
    if isinstance(answer, dict):
        for key in ("data", "users", "items"):
            if isinstance(answer.get(key), list):
                return answer[key]
    raise PollError("TalentLMS answered the course's users with no list (data, users or items).", kind=PollError.TRANSIENT)


def _progress(answer) -> dict:
    if isinstance(answer, dict) and isinstance(answer.get("data"), dict):
        return answer["data"]
    return answer if isinstance(answer, dict) else {}


def progress_completed_at(progress: dict):
    """The completion date of a finished course, or None while it is not finished."""
    status = str(progress.get("completion_status") or progress.get("status") or "").strip().lower()
    percentage = progress.get("completion_percentage")
    done = status in COMPLETED or (status == "" and str(percentage).rstrip("%").split(".")[0] == "100")
    when = progress.get("completion_date") or progress.get("completed_on")
    return when if done and when else None


class TalentLmsDialect(Dialect):
    name = "talentlms"
    label = "TalentLMS (polled through API v2)"
    secret_help = "the TalentLMS API key (Account & Settings → Integrations → API), sent as the HTTP Basic user name"
    settings = (
        Setting("base_url", "The TalentLMS portal's address, e.g. https://acme.talentlms.com.", kind="url", required=True),
        Setting("users_path", f"The course users path, if your portal's differs (default {USERS_PATH}).", default=USERS_PATH),
        Setting("progress_path", f"The course progress path, if your portal's differs (default {PROGRESS_PATH}).", default=PROGRESS_PATH),
        poll_minutes_setting(),
    )

    def request_authenticate(self, *, source, request):
        raise AuthenticationFailed("TalentLMS sources are polled; nothing is posted to them.", status=404)

    def adapt(self, payload):
        candidate = CandidateCompletion(paths={
            "email": "user.email", "name": "user.name", "course": "course_id", "completed_at": "progress.completion_date",
            "learner_id": "user.id", "score": "progress.score",
        })
        if not isinstance(payload, dict) or not isinstance(payload.get("user"), dict):
            return candidate, [FieldError("body", "This polled TalentLMS event holds no user.", "body_not_object")]
        user, progress = payload["user"], payload.get("progress") if isinstance(payload.get("progress"), dict) else {}
        candidate.email = user.get("email")
        candidate.given_name, candidate.family_name = user.get("first_name"), user.get("last_name")
        candidate.name = user.get("name") or " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part) or None
        candidate.learner_id, candidate.course = str(user.get("id") or "") or None, payload.get("course_id")
        moment = moment_parse(progress_completed_at(progress))
        candidate.completed_at = moment.isoformat() if moment else progress_completed_at(progress)
        candidate.score = progress.get("score")
        return candidate, []


class TalentLmsPoller(Poller):
    dialect = "talentlms"
    label = "TalentLMS"

    def configured(self, source) -> bool:
        return bool(source_setting(source, "base_url") and source.signing_secret)

    def client(self, *, source, budget):
        headers = {"Authorization": basic_authorization(source.signing_secret, ""), "Accept": "application/json"}
        return PollClient(budget=budget, headers=headers, label=f"TalentLMS at {source_setting(source, 'base_url')}")

    def steps(self, *, client: PollClient, source, scope, cursor, window):
        base = source_setting(source, "base_url").rstrip("/")
        users_path = source_setting(source, "users_path", USERS_PATH).replace("{course}", scope)
        progress_path = source_setting(source, "progress_path", PROGRESS_PATH)
        page = int((cursor.resume or {}).get("page", 1)) if window is None else 1
        seen = set(cursor.seen) if window is None else set()
        while True:
            _, answer = client.get_json(f"{base}{users_path}?{urlencode({'page': page, 'page_size': PAGE_SIZE})}")
            users = _items(answer)
            more = len(users) == PAGE_SIZE
            step = PollStep(resume={"page": page + 1} if more else None)
            try:
                for user in users:
                    user_id = str(user.get("id") or "") if isinstance(user, dict) else ""
                    if not user_id or user_id in seen:
                        continue
                    # A learner unenrolled since the page was listed has no progress (404): skip them.
                    _, progress = client.get_json(f"{base}{progress_path}?{urlencode({'user_id': user_id, 'course_id': scope})}",
                                                  missing_ok=True)
                    progress = _progress(progress)
                    completed_at = progress_completed_at(progress)
                    if not completed_at or (window and not window.holds(moment_parse(completed_at))):
                        continue
                    body = {"course_id": scope, "user": user, "progress": progress}
                    learner_completion_add(step=step, seen=seen, dialect="talentlms", learner=user_id, course=scope,
                                           time_key=completion_time_key(completed_at), completed_at=completed_at, body=body)
            except (PollBudgetSpent, PollError):
                step.resume = {"page": page}
                yield step
                raise
            yield step
            if not more:
                return
            page += 1
