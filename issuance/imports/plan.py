"""The dry run: every row of an export checked, mapped to a course and given its outcome, nothing written.
The import (run.py) re-plans and acts on the rows this says `import`."""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone

from courses.models import Course, Organization

from ..models import Credential, ImportedCredential, Learner
from . import READERS
from ..lifecycle.renewal import BESIDE, RENEW, import_meets_live
from .rows import BadDate, SourceRow, configured_columns, date_read

IMPORT, DUPLICATE, SKIP, BAD = "import", "duplicate", "skipped", "bad"
LIVE = [Credential.Status.ACTIVE, Credential.Status.SUSPENDED]


class MappingError(ValueError):
    """A --map (or the admin's mapping) names a course code the organisation does not have."""


@dataclass
class RowOutcome:
    row: SourceRow
    outcome: str
    reason: str = ""
    course: Course | None = None
    name: str = ""
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    held: str = ""  # RENEW or BESIDE when the learner holds a live credential of the achievement (lifecycle/renewal.py)

    @property
    def emailed(self) -> bool:
        """Whether importing it emails the learner, when staff choose to: never an expired one, nor history."""
        return not self.expired and self.held != BESIDE

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def line(self) -> str:
        what = f"{self.row.email or '?'} {self.row.badge or '?'} ({self.row.original_id or 'no id'})"
        text = f"row {self.row.number}: {self.outcome}: {what}"
        if self.course is not None and self.outcome == IMPORT:
            text += f" → {self.course.code}, issued {self.issued_at:%Y-%m-%d}"
            text += (f", expired {self.expires_at:%Y-%m-%d} (imported as expired, not emailed)" if self.expired else
                     f", expires {self.expires_at:%Y-%m-%d}" if self.expires_at else ", no expiry")
        return text + (f": {self.reason}" if self.reason else "")


@dataclass
class ImportPlan:
    organization: Organization
    source: str
    file_name: str
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def to_import(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.outcome == IMPORT]

    def would_email(self, *, notify_learners: bool) -> int:
        return sum(1 for r in self.to_import if r.emailed) if notify_learners else 0

    def summary(self) -> str:
        held = [sum(1 for r in self.to_import if r.held == how) for how in (RENEW, BESIDE)]
        held_text = ", ".join(text for count, text in zip(held, (f"{held[0]} renewing a live credential",
                                                                 f"{held[1]} recorded beside one")) if count)
        return (f"{len(self.rows)} row(s): {self.count(IMPORT)} to import{f' ({held_text})' if held_text else ''}, "
                f"{self.count(DUPLICATE)} duplicate(s), {self.count(SKIP)} skipped, {self.count(BAD)} bad.")


def mapping_check(*, organization: Organization, mapping: dict[str, str]) -> dict[str, Course]:
    """Source badge (id or name) → the organisation's course, refusing a code it does not have."""
    codes = {c.code: c for c in Course.objects.filter(organization=organization, code__in=set(mapping.values()))}
    unknown = sorted(set(mapping.values()) - set(codes))
    if unknown:
        raise MappingError(f"{organization.name} has no course with the code {', '.join(unknown)}.")
    return {badge: codes[code] for badge, code in mapping.items()}


def courses_by_name(organization: Organization) -> dict[str, list[Course]]:
    """Course title and achievement name → courses: the exact-name match for badges no mapping names."""
    named: dict[str, list[Course]] = {}
    for course in Course.objects.filter(organization=organization).select_related("achievement"):
        for name in {course.title, course.achievement.name}:
            named.setdefault(name.strip(), []).append(course)
    return named


def _course(row: SourceRow, mapped: dict[str, Course], named: dict[str, list[Course]]) -> tuple[Course | None, str]:
    for key in (row.badge_id, row.badge_name, row.badge_url):
        if key and key in mapped:
            return mapped[key], ""
    matches = named.get(row.badge_name.strip(), []) if row.badge_name else []
    if len(matches) == 1:
        return matches[0], ""
    if len(matches) > 1:
        return None, f"the name {row.badge_name!r} fits {len(matches)} courses ({', '.join(c.code for c in matches)}): map it"
    key = row.badge_id or row.badge_name
    return None, (f"no course for the badge {row.badge!r}: map it (--map {key}=COURSE_CODE), or name a course exactly like it"
                  if key else "the row names no badge")


def _checked(row: SourceRow, *, mapped, named, learners: dict[str, Learner], now: datetime) -> RowOutcome:
    """The row's facts, or BAD with the first specific reason; duplicates and conflicts are the caller's."""
    def bad(reason: str) -> RowOutcome:
        return RowOutcome(row=row, outcome=BAD, reason=reason)

    if row.problem:
        return bad(row.problem)
    if row.withdrawn:
        return RowOutcome(row=row, outcome=SKIP, reason=row.withdrawn)
    if not row.original_id:
        return bad("no original credential id")
    try:
        validate_email(row.email)
    except ValidationError:
        return bad(f"{row.email!r} is not an email address" if row.email else "no recipient email")
    learner = learners.get(row.email.lower())
    name = row.name or (learner.name if learner is not None and learner.erased_at is None else "")
    if not name:
        return bad(f"no name for {row.email}: the file gives none and the organisation has no learner at that address yet")
    try:
        issued_at = date_read(row.issued_at, what="issued date")
        expires_at = date_read(row.expires_at, what="expiry date")
    except BadDate as exc:
        return bad(str(exc))
    if issued_at is None:
        return bad("no issued date")
    if issued_at > now:
        return bad(f"issued date {issued_at:%Y-%m-%d %H:%M} is in the future")
    if expires_at is not None and expires_at <= issued_at:
        return bad(f"expiry date {expires_at:%Y-%m-%d} is not after the issued date {issued_at:%Y-%m-%d}")
    course, reason = _course(row, mapped, named)
    if course is None:
        return bad(reason)
    if not course.is_active:
        return bad(f"course {course.code} is inactive: activate it first")
    return RowOutcome(row=row, outcome=IMPORT, course=course, name=name, issued_at=issued_at, expires_at=expires_at)


def import_plan(*, organization: Organization, source: str, body: bytes, file_name: str,
                mapping: dict[str, str] | None = None, columns: dict[str, str] | None = None,
                fetched: dict | None = None) -> ImportPlan:
    """Every row's outcome. Raises FileUnreadable (the whole file) or MappingError (an unknown course code).

    `fetched`: for a URL list, the answers already had (the upload's), which are not asked again; new ones are added.
    """
    now = timezone.now()
    mapped = mapping_check(organization=organization, mapping=mapping or {})
    fetching = {"fetched": fetched} if source == "ob2" else {}
    rows = READERS[source].read(body, columns={**configured_columns(source), **(columns or {})}, **fetching)
    emails = {r.email.lower() for r in rows if r.email}
    learners = {l.email.lower(): l for l in Learner.objects.filter(organization=organization, email__in=emails)}
    imported = {(i.learner.email.lower(), i.original_id): i for i in ImportedCredential.objects.filter(
        learner__organization=organization, original_id__in={r.original_id for r in rows}).select_related("learner")}
    live = {(c.learner.email.lower(), c.achievement_id): c for c in Credential.objects.filter(
        learner__organization=organization, learner__email__in=emails, status__in=LIVE).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now)).select_related("learner", "achievement")}
    plan = ImportPlan(organization=organization, source=source, file_name=file_name)
    named, seen = courses_by_name(organization), {}
    for row in rows:
        outcome = _checked(row, mapped=mapped, named=named, learners=learners, now=now)
        key = (row.email.lower(), row.original_id)
        if outcome.outcome == IMPORT and key in imported:
            earlier = imported[key]
            outcome = RowOutcome(row=row, outcome=DUPLICATE, reason=f"already imported on {earlier.imported_at:%Y-%m-%d}")
        elif outcome.outcome == IMPORT and key in seen:
            outcome = RowOutcome(row=row, outcome=DUPLICATE, reason=f"the same credential as row {seen[key]}")
        elif outcome.outcome == IMPORT and (row.email.lower(), outcome.course.achievement_id) in live:
            outcome.held, outcome.reason = import_meets_live(
                issued_at=outcome.issued_at, expires_at=outcome.expires_at, now=now,
                live=live[(row.email.lower(), outcome.course.achievement_id)])
        if outcome.outcome == IMPORT:
            seen[key] = row.number
        plan.rows.append(outcome)
    _keep_latest_live(plan)
    return plan


def _keep_latest_live(plan: ImportPlan) -> None:
    """A learner holds one live credential per achievement: of several unexpired rows for the same one, the latest
    issued is the live one, the others are recorded as history beside it (expired ones are history already)."""
    latest: dict[tuple, RowOutcome] = {}
    for outcome in plan.to_import:
        if outcome.expired or outcome.held == BESIDE:
            continue
        key = (outcome.row.email.lower(), outcome.course.achievement_id)
        if key in latest:
            older, newer = sorted((latest[key], outcome), key=lambda o: o.issued_at)
            older.held, older.reason = BESIDE, (f"recorded beside row {newer.row.number}, a later {newer.course.code} "
                                                f"for this learner: imported as superseded history, not emailed")
            latest[key] = newer
        else:
            latest[key] = outcome
