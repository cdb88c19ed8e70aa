"""Polling Canvas REST for a mapped course: its student enrollments, then each learner's course progress.

    GET {canvas_url}/api/v1/courses/:id/enrollments?type[]=StudentEnrollment&per_page=100
        → [{"user_id": 777, "user": {"id": 777, "name": …, "login_id": …}, "grades": {"final_score": 86.0, "current_score": 91.5}, …}]
        pages through the `Link: <…>; rel="next"` header
    GET {canvas_url}/api/v1/courses/:id/users/:user_id/progress → {"completed_at": "…" or null, …}

Bearer token (`api_token`). Canvas cannot be asked "completed since", so the cursor remembers who
is already stored (`seen`) and their progress is not asked again. The event id is the one a
`course_completed` Live Event gets (learner, course, `completed_at` to the second): a completion
that comes both ways is one event.
"""

from urllib.parse import urlencode, urlsplit

from requests.utils import parse_header_links

from ..base import CandidateCompletion, Dialect, FieldError, source_setting
from .webhook import CANVAS_FACT_HELP, canvas_score_fill
from ..polling import (
    PollBudgetSpent,
    PollClient,
    PollError,
    Poller,
    PollStep,
    completion_time_key,
    learner_completion_add,
    moment_parse,
)

PAGE_SIZE = 100


def link_next(header: str | None) -> str | None:
    for link in parse_header_links(header or ""):
        if link.get("rel") == "next" and link.get("url"):
            return link["url"]
    return None


class CanvasPoller(Poller):
    dialect = "canvas"
    label = "Canvas"

    def configured(self, source) -> bool:
        return bool(source_setting(source, "canvas_url") and source_setting(source, "api_token"))

    def client(self, *, source, budget):
        headers = {"Authorization": f"Bearer {source_setting(source, 'api_token')}", "Accept": "application/json"}
        return PollClient(budget=budget, headers=headers, label=f"Canvas at {source_setting(source, 'canvas_url')}")

    def steps(self, *, client: PollClient, source, scope, cursor, window):
        canvas_url = source_setting(source, "canvas_url").rstrip("/")
        course = scope
        if cursor.resume and window is None:
            url = cursor.resume["page"]
        else:
            query = urlencode([("type[]", "StudentEnrollment"), ("per_page", PAGE_SIZE)])
            url = f"{canvas_url}/api/v1/courses/{course}/enrollments?{query}"
        seen = set(cursor.seen) if window is None else set()
        while True:
            response, enrollments = client.get_json(url)
            if not isinstance(enrollments, list):
                raise PollError(f"Canvas answered the enrollments of course {course} with no list.", kind=PollError.TRANSIENT)
            next_url = link_next(response.headers.get("link"))
            if next_url and urlsplit(next_url).netloc != urlsplit(canvas_url).netloc:
                raise PollError(f"Canvas's next page points at another host ({next_url}); Laurel does not send it the token.",
                                kind=PollError.CONFIGURATION)
            step = PollStep(resume={"page": next_url} if next_url else None)
            try:
                for enrollment in enrollments:
                    self._progress_read(client=client, canvas_url=canvas_url, course=course, enrollment=enrollment,
                                        seen=seen, window=window, step=step)
            except (PollBudgetSpent, PollError):
                # What this page gave so far is kept; the next poll starts on this page again.
                step.resume = {"page": url}
                yield step
                raise
            yield step
            if next_url is None:
                return
            url = next_url

    def _progress_read(self, *, client, canvas_url, course, enrollment, seen, window, step):
        if not isinstance(enrollment, dict):
            return
        user = enrollment.get("user") if isinstance(enrollment.get("user"), dict) else {}
        user_id = str(enrollment.get("user_id") or user.get("id") or "")
        if not user_id or user_id in seen:
            return
        # A learner who left the course since the page was listed has no progress (404): skip them.
        _, progress = client.get_json(f"{canvas_url}/api/v1/courses/{course}/users/{user_id}/progress", missing_ok=True)
        completed_at = progress.get("completed_at") if isinstance(progress, dict) else None
        if not completed_at or (window and not window.holds(moment_parse(completed_at))):
            return
        body = {"course_id": course, "enrollment": enrollment, "progress": progress}
        learner_completion_add(step=step, seen=seen, dialect="canvas", learner=user_id, course=course,
                               time_key=completion_time_key(completed_at), completed_at=completed_at, body=body)


class CanvasPollAdapter(Dialect):
    """Reads what a Canvas poll stored: one enrollment and that learner's course progress."""

    name = "canvas"

    def adapt(self, payload):
        candidate = CandidateCompletion(paths={
            "email": "enrollment.user.email", "name": "enrollment.user.name", "course": "course_id",
            "completed_at": "progress.completed_at", "learner_id": "enrollment.user_id", "score": "enrollment.grades.final_score",
        })
        if not isinstance(payload, dict) or not isinstance(payload.get("enrollment"), dict):
            return candidate, [FieldError("body", "This polled Canvas event holds no enrollment.", "body_not_object")]
        enrollment = payload["enrollment"]
        user = enrollment.get("user") if isinstance(enrollment.get("user"), dict) else {}
        progress = payload.get("progress") if isinstance(payload.get("progress"), dict) else {}
        grades = enrollment.get("grades") if isinstance(enrollment.get("grades"), dict) else {}
        candidate.email = user.get("email")
        if not candidate.email and "@" in str(user.get("login_id") or ""):
            # Enrollments name the user's email only with the right permissions; a login id often is one.
            candidate.email, candidate.paths["email"] = user["login_id"], "enrollment.user.login_id"
        candidate.name = user.get("name")
        candidate.learner_id = str(enrollment.get("user_id") or user.get("id") or "") or None
        candidate.course, candidate.course_code = payload.get("course_id"), enrollment.get("sis_course_id")
        candidate.completed_at = progress.get("completed_at")
        for key in ("final_score", "current_score"):  # as the score fetch reads them: final, else current
            if grades.get(key) is not None:
                candidate.score, candidate.paths["score"] = grades[key], f"enrollment.grades.{key}"
                break
        candidate.extra = {"requirement_count": progress.get("requirement_count")}
        return candidate, []

    facts_fetchable = frozenset({"score"})

    def facts_fetch(self, *, source, candidate, needed):
        """A learner graded after the poll stored them: Canvas is asked again when the issuance is resumed."""
        return canvas_score_fill(source=source, candidate=candidate, needed=needed)

    def fact_missing_help(self, fact: str) -> str:
        return CANVAS_FACT_HELP.get(fact) or super().fact_missing_help(fact)
