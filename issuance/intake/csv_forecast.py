"""What each row of a CSV dry run would become: issued, ineligible and why, parked and why, or a duplicate.

The forecast asks the same questions as step 3 (the course's live rules, the learner's credentials),
read-only, so staff see the outcome of every row before anything is stored.
"""

from dataclasses import dataclass

from django.utils import timezone

from courses.models import Course
from courses.rules import HeldAchievement, ruleset_evaluate

from ..completions import Completion
from ..lifecycle.renewal import credential_renewal_window_open
from ..models import Credential, Learner

LIVE = (Credential.Status.ACTIVE, Credential.Status.SUSPENDED)


@dataclass(frozen=True)
class RowOutcome:
    row: int
    learner: str
    course: str
    outcome: str  # issue, ineligible, parked, duplicate_in_file, already_received, already_holds
    detail: str = ""

    LABELS = {
        "issue": "Will be issued", "ineligible": "Ineligible", "parked": "Will be parked",
        "duplicate_in_file": "Duplicate in this file", "already_received": "Already received",
        "already_holds": "Already holds it",
    }

    @property
    def label(self) -> str:
        return self.LABELS[self.outcome]

    @property
    def is_problem(self) -> bool:
        return self.outcome in ("parked", "ineligible")


class CsvForecast:
    """Remembers courses, learners and pairs already seen, so a long file is checked with few queries."""

    def __init__(self):
        self._courses: dict[int, Course] = {}
        self._held: dict[tuple[int, str], list[Credential]] = {}
        self._seen: dict[tuple[str, int], int] = {}
        self.now = timezone.now()

    def _course(self, course_id: int) -> Course:
        if course_id not in self._courses:
            self._courses[course_id] = Course.objects.select_related("ruleset", "achievement").get(pk=course_id)
        return self._courses[course_id]

    def _credentials(self, organization_id: int, email: str) -> list[Credential]:
        key = (organization_id, email)
        if key not in self._held:
            learner = Learner.objects.filter(organization_id=organization_id, email=email).first()
            self._held[key] = list(Credential.objects.filter(learner=learner)) if learner else []
        return self._held[key]

    def outcome(self, *, row: int, completion: Completion) -> RowOutcome:
        course = self._course(completion.course_id)
        who, what = f"{completion.name} <{completion.email}>", course.code
        pair = (completion.email.casefold(), course.pk)
        if pair in self._seen:
            return RowOutcome(row, who, what, "duplicate_in_file",
                              f"Same learner and course as row {self._seen[pair]}; it will be recorded as a duplicate.")
        self._seen[pair] = row
        if course.ruleset is not None and course.ruleset.current_version is None:
            return RowOutcome(row, who, what, "parked", f"The rule set {course.ruleset} has no published version yet.")
        held = self._credentials(course.organization_id, completion.email)
        live = next((c for c in held if c.achievement_id == course.achievement_id and c.status in LIVE
                     and (c.valid_until is None or c.valid_until > self.now)), None)
        if live is not None and not credential_renewal_window_open(credential=live, now=self.now):
            return RowOutcome(row, who, what, "already_holds",
                              f"Already holds {course.achievement.name} (issued {live.issued_at:%d %B %Y}).")
        result = ruleset_evaluate(
            version=course.ruleset.current_version if course.ruleset else None,
            facts=completion.rule_facts(), at=self.now,
            held=[HeldAchievement(achievement_id=c.achievement_id, valid_until=c.valid_until, live=c.status in LIVE) for c in held],
        )
        if not result.eligible:
            return RowOutcome(row, who, what, "ineligible", " ".join(result.reasons))
        return RowOutcome(row, who, what, "issue", f"Renews {course.achievement.name}." if live else f"Earns {course.achievement.name}.")
